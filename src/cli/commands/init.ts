/**
 * `dpp init --scenario case30 --dir .dpp/consortium [--validators N] [--insecure]`: a consortium
 * from a market scenario, ready for `dpp network up`: the genesis (the trading centre, one
 * aggregator per consumer group, the generators and the large consumers), each validator's key and
 * configuration (validator 0 is the trading centre's, validator i the i-th aggregator's), one key
 * store per member — its organisation seed; for the trading centre also the regulator's master
 * secret and certificate key; for a generator its receiving key — encrypted with one passphrase
 * (DPP_PASSPHRASE or asked), or in plaintext with `--insecure`, and consortium.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { aggregatorOf } from '../../client/consortiumLayout.ts';
import { createConsortium } from '../../client/consortiumSetup.ts';
import type { KeyStoreProtection } from '../../client/keyStore.ts';
import { scenarioFromJson } from '../../market/scenarioJson.ts';
import type { Scenario } from '../../market/types.ts';
import { loopbackConfig } from '../../node/config.ts';
import { DEFAULT_DIR } from '../consortium.ts';
import { CliError, emit, progress } from '../output.ts';
import { ifGiven, wholeNumber } from '../parse.ts';
import { askPassphrase } from '../passphrase.ts';
import { folderKind, lossOf, refuseRunning } from '../workFolder.ts';

/** Adds `dpp init`. */
export function register(program: Command): void {
  program
    .command('init')
    .description(
      'create a consortium from a scenario: genesis, validator keys and configs, encrypted member key stores',
    )
    .option(
      '-s, --scenario <name|file>',
      'market scenario: case30, case118 or a scenario .json file',
      'case30',
    )
    .option('-d, --dir <dir>', 'folder to create', DEFAULT_DIR)
    .option('-v, --validators <n>', 'validators (4..64; default: the trading centre’s + one per aggregator)')
    .option(
      '-p, --base-port <port>',
      'validator i listens on base + 2i (p2p) and base + 2i + 1 (API)',
      '7400',
    )
    .option('--chain-id <id>', 'chain id', 'dppchain-local')
    .option('--insecure', 'write the key stores in PLAINTEXT (local demo only)')
    .option('--force', 'replace an existing consortium in --dir (deletes its chain data and keys)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nThe key stores are encrypted with one passphrase: DPP_PASSPHRASE, or asked on the terminal.',
    )
    .action(init);
}

/** What `dpp init` is given. */
interface InitArguments {
  readonly scenario: string;
  readonly dir: string;
  readonly validators?: string;
  readonly basePort: string;
  readonly chainId: string;
  readonly insecure?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** `dpp init` with its options parsed. */
interface InitOptions {
  readonly scenario: string;
  readonly dir: string;
  readonly validators: number | undefined;
  readonly basePort: number;
  readonly chainId: string;
  readonly insecure: boolean;
  readonly force: boolean;
  readonly json: boolean;
}

const SCENARIOS = resolve(import.meta.dirname, '../../../data/scenarios');

/** `dpp init`: writes the consortium's files. */
async function init(a: InitArguments): Promise<void> {
  const opts: InitOptions = {
    scenario: a.scenario,
    dir: a.dir,
    validators: ifGiven(a.validators, (t) => wholeNumber(t, '--validators', 4, 64)),
    basePort: wholeNumber(a.basePort, '--base-port', 1024, 65000),
    chainId: a.chainId,
    insecure: a.insecure === true,
    force: a.force === true,
    json: a.json === true,
  };
  const dir = resolve(opts.dir);
  const scenario = loadScenario(opts.scenario);
  const replacing = checkFolder(dir, opts);
  const protection: KeyStoreProtection = opts.insecure
    ? { kdf: 'none', acknowledgeInsecure: true }
    : { passphrase: await askPassphrase('every member key store of the new consortium', true) };
  if ('passphrase' in protection && protection.passphrase.length < 8)
    throw new CliError(
      'CLI_WEAK_PASSPHRASE',
      'a passphrase has at least 8 characters',
      'choose a longer one',
    );

  if (replacing !== undefined)
    process.stderr.write(`${pc.yellow(`replacing ${opts.dir}: deleting ${replacing}`)}\n`);
  const p = progress();
  const file = await createConsortium({
    dir,
    scenario,
    chainId: opts.chainId,
    ...(opts.validators === undefined ? {} : { validators: opts.validators }),
    basePort: opts.basePort,
    protection,
    replace: replacing !== undefined,
    onProgress: (m) => p.update(m),
  });
  const tradingCentre = file.members.find((m) => m.role === 'trading-centre')!;
  for (const v of file.validators) {
    const config = loopbackConfig({
      chainId: file.chainId,
      index: v.index,
      validators: file.validators.length,
      basePort: opts.basePort,
      // the trading centre's validator (0) traces for the regulator (POST /v1/regulator/traces)
      ...(v.index === 0
        ? { regulatorKeyStore: { path: tradingCentre.keyStore, insecure: opts.insecure } }
        : {}),
    });
    writeFileSync(join(dir, v.config), `${JSON.stringify(config, null, 2)}\n`);
  }
  p.done();

  const count = (role: string) => file.members.filter((m) => m.role === role).length;
  emit(
    opts.json,
    {
      dir,
      chainId: opts.chainId,
      scenario: scenario.name,
      insecure: opts.insecure,
      validators: file.validators,
      members: file.members,
    },
    () => {
      console.log(
        `${pc.green('✓')} consortium ${pc.bold(opts.chainId)} from ${scenario.name} in ${opts.dir}: 1 trading centre, ${count('generator')} generators, ${count('aggregator')} aggregators, ${count('consumer')} large consumers`,
      );
      for (const v of file.validators)
        console.log(`  ${v.name} (${v.operator ?? 'consortium'}): API ${v.api}`);
      console.log(
        opts.insecure
          ? pc.yellow(
              `  key stores in ${join(opts.dir, 'keys')} are NOT encrypted (--insecure: local demo only)`,
            )
          : `  ${file.members.length} key stores in ${join(opts.dir, 'keys')}, encrypted with your passphrase (scrypt + ChaCha20-Poly1305)`,
      );
      console.log(pc.dim(`next: dpp network up --dir ${opts.dir}`));
    },
  );
}

/**
 * What replacing `dir` deletes, in words, or undefined when it is empty. A running network is
 * refused even with --force; a folder holding anything (a consortium, the `dpp start` demo, other
 * files) is replaced only with --force, and the caller prints this before deleting it.
 */
function checkFolder(dir: string, opts: InitOptions): string | undefined {
  const kind = folderKind(dir);
  if (kind === 'absent' || kind === 'empty') return undefined;
  refuseRunning(dir, opts.dir);
  const holds =
    kind === 'consortium'
      ? 'a consortium'
      : kind === 'demo'
        ? 'the demo of `dpp start` or `dpp network up`'
        : 'other files';
  if (!opts.force)
    throw new CliError(
      'CLI_EXISTS',
      `${opts.dir} already holds ${holds} (${lossOf(dir)}): nothing was changed`,
      'choose another --dir, or add --force to delete them and create the consortium there',
    );
  return `${holds}, ${lossOf(dir)}`;
}

/** A scenario by name (data/scenarios/<name>.json) or JSON file path. */
function loadScenario(name: string): Scenario {
  const path = /^[a-z0-9]+$/.test(name)
    ? join(SCENARIOS, `${name}.json`)
    : isAbsolute(name)
      ? name
      : resolve(name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(
      'CLI_BAD_SCENARIO',
      `no scenario "${name}"`,
      'try --scenario case30 (or case118, or a .json file)',
    );
  }
  try {
    const s = scenarioFromJson(JSON.parse(text));
    for (const c of s.consumers) aggregatorOf(c.group);
    return s;
  } catch (err) {
    throw new CliError(
      'CLI_BAD_SCENARIO',
      `${name} is not a market scenario: ${(err as Error).message}`,
      'see data/scenarios/case30.json for the format',
    );
  }
}
