/**
 * `dpp start` (the README's `npm start`): from nothing, a local consortium from the case30 scenario
 * — the trading centre, its 6 generators, 3 energy aggregators and the 20 large consumers behind
 * them, with the 4 validators (the trading centre and the aggregators) as separate processes — then
 * trading rounds, one summary line each, until Ctrl-C (or `--rounds N`).
 */
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import pc from 'picocolors';
import { DEMO_REGULATOR_KEY_STORE, DemoKeyStores, demoRegulator } from '../../client/demoKeyStores.ts';
import {
  ConsortiumDriver,
  consortiumMembers,
  localConsortium,
  type RoundSummary,
} from '../../client/localConsortium.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import { scenarioFromJson } from '../../market/scenarioJson.ts';
import { launchNetwork } from '../../node/launcher.ts';
import { ensureDashboard } from '../dashboardBuild.ts';

/** Options of `dpp start`. */
export interface StartOptions {
  /** Rounds to run (undefined: until Ctrl-C). */
  readonly rounds: number | undefined;
  readonly dir: string;
  readonly basePort: number;
}

const SCENARIO = resolve(import.meta.dirname, '../../../data/scenarios/case30.json');

/** Runs the local consortium; resolves when it has stopped. */
export async function runStart(opts: StartOptions): Promise<void> {
  const scenario = scenarioFromJson(JSON.parse(readFileSync(SCENARIO, 'utf8')));
  const groupCount = new Set(scenario.consumers.map((c) => c.group)).size;
  const dir = resolve(opts.dir);
  rmSync(dir, { recursive: true, force: true });
  const errors: string[] = [];
  await ensureDashboard((line) => console.log(pc.dim(`  ${line}`)));
  const group = await libsodiumGroup();
  const regulator = demoRegulator(group);
  let keyStores: DemoKeyStores | undefined;
  const net = launchNetwork({
    validators: 1 + groupCount,
    dir,
    basePort: opts.basePort,
    members: consortiumMembers(scenario),
    logTo: (i, line) => {
      if (/"level":(50|60)/.test(line)) errors.push(`[validator-${i}] ${line}`);
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
  const groups = consortium.aggregators;
  console.log(
    `${pc.green('✓')} local consortium from case30: 1 trading centre, ${scenario.generators.length} generators, ${groups.length} aggregators, ${scenario.consumers.length} large consumers`,
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
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await net.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
  try {
    await net.ready();
    const progress = process.stderr.isTTY
      ? (m: string) => process.stderr.write(`\r\x1b[K${pc.dim(m)}`)
      : () => {};
    const driver = new ConsortiumDriver(consortium, undefined, progress, (member, entry) =>
      keyStores?.add(member, entry),
    );
    await driver.setUp();
    for (let round = 1n; opts.rounds === undefined || round <= BigInt(opts.rounds); round++) {
      const summary = await driver.runRound(round);
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      console.log(formatSummary(summary));
    }
  } catch (err) {
    for (const e of errors.slice(-5)) process.stderr.write(`${e}\n`);
    await stop();
    throw err;
  }
  await stop();
}

/** One line per round. */
export function formatSummary(s: RoundSummary): string {
  const yuan = (p: bigint) => (Number(p) / 1e6).toFixed(4);
  const sorted = [...s.prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const [lo, hi] = [sorted[0] ?? 0n, sorted.at(-1) ?? 0n];
  return [
    `round ${s.round}`,
    `prices ${yuan(lo)}–${yuan(hi)} ¥/kWh${s.certified ? '' : ' (uncertified)'}`,
    `${(Number(s.energyWh) / 1e6).toFixed(1)} MWh traded in ${s.contracts} contracts`,
    `consumers save ${(s.savingPpm / 1e4).toFixed(2)} % vs catalog`,
    `${s.settled}/${s.contracts} bills settled${s.disputes > 0 ? `, ${s.disputes} disputed and traced` : ''}`,
    `height ${s.height}`,
  ].join(' · ');
}
