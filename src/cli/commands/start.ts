/**
 * `dpp start` (the README's `npm start`): from nothing, a local consortium — by default from the
 * case30 scenario (the trading centre, its 6 generators, 3 energy aggregators and the 20 large
 * consumers behind them), or of any size with `--generators G --consumers J [--aggregators A]` (a
 * seeded random scenario from the project's MATPOWER data) — with the validators (the trading
 * centre's and the aggregators', at most 4) as separate processes, then trading rounds, one summary
 * line each, until Ctrl-C (or `--rounds N`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { consortiumMembers, layoutValidators } from '../../client/consortiumLayout.ts';
import { DEMO_REGULATOR_KEY_STORE, DemoKeyStores, demoRegulator } from '../../client/demoKeyStores.ts';
import { ConsortiumDriver, localConsortium, type RoundSummary } from '../../client/localConsortium.ts';
import {
  MAX_RING_SIZE,
  MAX_ROUND_DEMANDS,
  MAX_ROUND_PARTICIPANTS,
  MIN_RING_SIZE,
} from '../../contracts/records.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import { isDppError } from '../../errors.ts';
import { scenarioFromJson } from '../../market/scenarioJson.ts';
import type { Scenario } from '../../market/types.ts';
import { errorLineOf, type LocalNetwork, launchNetwork } from '../../node/launcher.ts';
import { ensureDashboard } from '../dashboardBuild.ts';
import { CliError, plural } from '../output.ts';
import { ifGiven, wholeNumber } from '../parse.ts';
import { prepareDemoFolder, validatorPorts } from '../workFolder.ts';
import { type ConsortiumSize, loadMarketData, sizedScenario } from './marketData.ts';

/** Adds `dpp start`. */
export function register(program: Command): void {
  program
    .command('start')
    .description(
      'a local consortium from the case30 scenario (4 validator processes) trading round after round',
    )
    .option('-r, --rounds <n>', 'stop after n rounds (default: until Ctrl-C)')
    .option(
      '-d, --dir <dir>',
      'folder for genesis, keys and data (a stopped demo there is replaced; a running one is refused)',
      '.dpp/start',
    )
    .option('-p, --base-port <port>', 'first port (validator i uses base + 2i and base + 2i + 1)', '7200')
    .option('--force', 'replace a --dir that holds other files (never a `dpp init` consortium)')
    .option(
      '-g, --generators <n>',
      'a random consortium of n generators instead of case30 (with --consumers)',
    )
    .option('-c, --consumers <n>', 'a random consortium of n large consumers (with --generators)')
    .option('-a, --aggregators <n>', 'aggregators the consumers are spread over (random consortium)', '3')
    .option('--ring-size <k>', 'rings of k..2k−1 of an aggregator’s consumers (default 16)')
    .action(
      (o: {
        rounds?: string;
        dir: string;
        basePort: string;
        force?: boolean;
        generators?: string;
        consumers?: string;
        aggregators: string;
        ringSize?: string;
      }) =>
        runStart({
          rounds: ifGiven(o.rounds, (t) => wholeNumber(t, '--rounds', 1, 100_000, 'dpp start --rounds 3')),
          dir: o.dir,
          basePort: wholeNumber(o.basePort, '--base-port', 1024, 65000),
          force: o.force === true,
          size: sizeOf(o),
          ringSize: ifGiven(o.ringSize, (t) => wholeNumber(t, '--ring-size', MIN_RING_SIZE, MAX_RING_SIZE)),
        }),
    );
}

/** The consortium's size from the options, or undefined for case30 (both --generators and --consumers, or neither). */
function sizeOf(o: {
  generators?: string;
  consumers?: string;
  aggregators: string;
}): ConsortiumSize | undefined {
  if (o.generators === undefined && o.consumers === undefined) return undefined;
  if (o.generators === undefined || o.consumers === undefined)
    throw new CliError(
      'CLI_BAD_ARGUMENT',
      'give both --generators and --consumers for a random consortium (neither: case30)',
      'dpp start --generators 20 --consumers 300',
    );
  return {
    generators: wholeNumber(o.generators, '--generators', 1, MAX_ROUND_PARTICIPANTS),
    consumers: wholeNumber(o.consumers, '--consumers', 1, MAX_ROUND_DEMANDS),
    aggregators: wholeNumber(o.aggregators, '--aggregators', 1, 1_000),
  };
}

/** Options of `dpp start`. */
export interface StartOptions {
  /** Rounds to run (undefined: until Ctrl-C). */
  readonly rounds: number | undefined;
  readonly dir: string;
  readonly basePort: number;
  /** Replace a folder that holds other files (never a `dpp init` consortium, never a running one). */
  readonly force: boolean;
  /** A random consortium of this size (undefined: case30). */
  readonly size?: ConsortiumSize | undefined;
  /** The rounds' ring size (undefined: the default). */
  readonly ringSize?: number | undefined;
}

const SCENARIO = resolve(import.meta.dirname, '../../../data/scenarios/case30.json');

/** Validators of a local consortium: the trading centre's and up to 3 aggregators' (more aggregators share them). */
const MAX_LOCAL_VALIDATORS = 4;

/** A run of the demo: its network once launched, the rounds done, and how it is being stopped. */
interface DemoRun {
  net?: LocalNetwork;
  rounds: number;
  stopping?: Promise<void>;
  interrupted?: Promise<never>;
}

/**
 * Runs the local consortium; resolves when it has stopped. The folder is checked first (see
 * ../workFolder.ts: a stopped demo is replaced, a running network, ports in use or a `dpp init`
 * consortium are refused); Ctrl-C stops the validators and says how many rounds ran.
 */
export async function runStart(opts: StartOptions): Promise<void> {
  const scenario =
    opts.size === undefined
      ? scenarioFromJson(JSON.parse(readFileSync(SCENARIO, 'utf8')))
      : sizedScenario(loadMarketData(), opts.size);
  const validators = Math.min(MAX_LOCAL_VALIDATORS, layoutValidators(scenario));
  const dir = resolve(opts.dir);
  await prepareDemoFolder(dir, {
    command: 'dpp start',
    shown: opts.dir,
    ports: validatorPorts(opts.basePort, validators),
    basePort: opts.basePort,
    force: opts.force,
    say: (line) => console.log(pc.yellow(line)),
  });
  const run: DemoRun = { rounds: 0 };
  const onSignal = () => {
    run.interrupted ??= stopDemo(run, dir).then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const errors: string[] = [];
  try {
    await ensureDashboard((line) => console.log(pc.dim(`  ${line}`)));
    const { net, driver, aggregators } = await launchDemo(
      scenario,
      validators,
      dir,
      opts.basePort,
      errors,
      opts.ringSize,
    );
    run.net = net;
    await net.ready();
    printIntro(scenario, opts.size === undefined ? 'case30' : 'a random scenario', aggregators, net);
    await driver.setUp();
    for (let round = 1n; opts.rounds === undefined || round <= BigInt(opts.rounds); round++) {
      const summary = await driver.runRound(round);
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      console.log(formatSummary(summary));
      run.rounds++;
    }
  } catch (err) {
    if (run.interrupted !== undefined) await run.interrupted; // Ctrl-C: what failed is the stopped network
    if (!isDppError(err, 'NODE_VALIDATOR_EXITED'))
      for (const e of errors.slice(-5)) process.stderr.write(`${e}\n`);
    await stopDemo(run, dir);
    throw err;
  }
  await stopDemo(run, dir);
}

/** Stops the validators (once) and says how far the demo got. */
function stopDemo(run: DemoRun, dir: string): Promise<void> {
  run.stopping ??= (run.net?.stop() ?? Promise.resolve()).then(() =>
    console.log(stoppedLine(run.rounds, dir)),
  );
  return run.stopping;
}

/** Starts the validators with the demo's key stores, and the driver acting for every participant. */
async function launchDemo(
  scenario: Scenario,
  validators: number,
  dir: string,
  basePort: number,
  errors: string[],
  ringSize: number | undefined,
): Promise<{ net: LocalNetwork; driver: ConsortiumDriver; aggregators: number }> {
  const group = await libsodiumGroup();
  const regulator = demoRegulator(group);
  let keyStores: DemoKeyStores | undefined;
  const net = launchNetwork({
    validators,
    dir,
    basePort,
    members: consortiumMembers(scenario),
    logTo: (i, line) => {
      if (errorLineOf(line) !== undefined) errors.push(`[validator-${i}] ${line}`);
    },
    // Local demo only: plaintext key stores, so one can sign in to the dashboard as any participant.
    beforeStart: (network, at) => {
      keyStores = DemoKeyStores.create(at, network, regulator);
    },
    regulatorKeyStore: { path: DEMO_REGULATOR_KEY_STORE, insecure: true },
  });
  const consortium = localConsortium(
    scenario,
    net.network.genesis.chainId,
    group,
    regulator,
    net.network.memberKeys,
    net.validators.map((v) => v.apiUrl),
  );
  const progress = process.stderr.isTTY
    ? (m: string) => process.stderr.write(`\r\x1b[K${pc.dim(m)}`)
    : () => {};
  const driver = new ConsortiumDriver(
    consortium,
    undefined,
    progress,
    (member, entry) => keyStores?.add(member, entry),
    ringSize,
  );
  return { net, driver, aggregators: consortium.aggregators.length };
}

/** "stopped after 2 rounds; files in /…/.dpp/start". */
export function stoppedLine(rounds: number, dir: string): string {
  return `stopped after ${plural(rounds, 'round')}; files in ${dir}`;
}

/** What runs where, once every validator answers. */
function printIntro(scenario: Scenario, from: string, aggregators: number, net: LocalNetwork): void {
  console.log(
    `${pc.green('✓')} local consortium from ${from}: 1 trading centre, ${scenario.generators.length} generators, ${aggregators} aggregators, ${scenario.consumers.length} large consumers`,
  );
  console.log(`  ${net.validators.length} validators (trading centre + aggregators), files in ${net.dir}`);
  for (const v of net.validators) console.log(`  validator-${v.index} API ${v.apiUrl}/v1/status`);
  console.log(
    `  dashboard ${pc.bold(`${net.validators[0]!.apiUrl}/dashboard/`)} (served by every validator)`,
  );
  console.log(
    pc.yellow(
      `  key stores in ${net.dir}/keys are NOT encrypted (local demo only): load one in the dashboard to sign in as that participant`,
    ),
  );
}

/** One line per round. */
export function formatSummary(s: RoundSummary): string {
  const yuan = (p: bigint) => (Number(p) / 1e6).toFixed(4);
  const sorted = [...s.prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const [lo, hi] = [sorted[0] ?? 0n, sorted.at(-1) ?? 0n];
  return [
    `round ${s.round}`,
    `prices ${yuan(lo)}–${yuan(hi)} ¥/kWh${s.certified ? '' : ' (uncertified)'}`,
    `${(Number(s.energyWh) / 1e6).toFixed(1)} MWh traded by ${plural(s.bills, 'consumer')}`,
    `consumers save ${(s.savingPpm / 1e4).toFixed(2)} % vs catalog`,
    `${s.settled}/${s.bills} bills settled${s.disputes > 0 ? `, ${s.disputes} disputed and traced` : ''}`,
    ...problems(s),
    `height ${s.height}`,
  ].join(' · ');
}

/** What went wrong in a round, in words (nothing when the round went as it should). */
function problems(s: RoundSummary): string[] {
  const out: string[] = [];
  if (s.lateAcknowledgements > 0)
    out.push(`⚠ ${s.lateAcknowledgements} acknowledged after the window (the generators' scores fall)`);
  if (s.escalated > 0) out.push(`⚠ ${s.escalated} escalated`);
  if (s.overdue > 0) out.push(`⚠ ${s.overdue} overdue`);
  return out;
}
