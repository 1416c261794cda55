/**
 * `dpp init --scenario case30 --dir .dpp/consortium [--validators N] [--insecure]`: a consortium
 * from a market scenario, ready for `dpp network up`: the genesis (the trading centre, one
 * aggregator per consumer group, the generators and the large consumers), each validator's key and
 * configuration (validator 0 is the trading centre's, validator i the i-th aggregator's), one key
 * store per member — its organisation seed; for the trading centre also the regulator's master
 * secret and certificate key; for a generator its receiving key — encrypted with one passphrase
 * (DPP_PASSPHRASE or asked), or in plaintext with `--insecure`, and consortium.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import pc from 'picocolors';
import { createConsortium } from '../../client/consortiumSetup.ts';
import type { KeyStoreProtection } from '../../client/keyStore.ts';
import { aggregatorOf } from '../../client/localConsortium.ts';
import { scenarioFromJson } from '../../market/scenarioJson.ts';
import type { Scenario } from '../../market/types.ts';
import { loopbackConfig } from '../../node/config.ts';
import { CliError, emit, progress } from '../output.ts';
import { askPassphrase } from '../passphrase.ts';
import { runningPids } from './consortiumNetwork.ts';

/** Options of `dpp init`. */
export interface InitOptions {
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

/** Writes the consortium's files. */
export async function runInit(opts: InitOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const scenario = loadScenario(opts.scenario);
  if (existsSync(join(dir, 'consortium.json'))) {
    if (!opts.force)
      throw new CliError(
        'CLI_EXISTS',
        `${opts.dir} already holds a consortium`,
        'add --force to replace it (its chain data and keys are deleted), or choose another --dir',
      );
    if (runningPids(dir).length > 0)
      throw new CliError(
        'CLI_RUNNING',
        `the consortium in ${opts.dir} is running`,
        `stop it first: dpp network down --dir ${opts.dir}`,
      );
  }
  const protection: KeyStoreProtection = opts.insecure
    ? { kdf: 'none', acknowledgeInsecure: true }
    : { passphrase: await askPassphrase('every member key store of the new consortium', true) };
  if ('passphrase' in protection && protection.passphrase.length < 8)
    throw new CliError(
      'CLI_WEAK_PASSPHRASE',
      'a passphrase has at least 8 characters',
      'choose a longer one',
    );

  const p = progress();
  const file = await createConsortium({
    dir,
    scenario,
    chainId: opts.chainId,
    ...(opts.validators === undefined ? {} : { validators: opts.validators }),
    basePort: opts.basePort,
    protection,
    replace: opts.force,
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
