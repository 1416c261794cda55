/**
 * `npm run bench:round -- --generators 200 --consumers 10000 [--aggregators 3] [--ring-size 16] [--json]`:
 * one full market round end to end on 4 validator processes and the local-consortium driver acting
 * for every participant (../src/client/localConsortium.ts) — pseudonyms, offers, demand, solving and
 * clearing, metering, ring-signcrypted confirmations, acknowledgements, settlement, finalization —
 * at J = 100, 1,000 and the requested J (the growth curve), G fixed.
 *
 * For each size it prints the wall time of the round and of each phase (waits for the round's
 * windows included: they are part of a round), the transactions and bytes committed (blocks read
 * from validator 0's store after the run), the bills and how many settled, and the peak RSS of each
 * validator (VmHWM). Windows are sized from the previous, smaller run's measured phases (× 1.3 per
 * unit of growth), so a round neither waits on a window far longer than its work nor overruns one;
 * the first size uses the demo's windows. Bound printed beside the figures: the growth of the
 * round's time from J = 1,000 to the largest J against linear growth (target ≤ 12× for 10×).
 * With `--json`, stdout is one JSON array, one object per size:
 *   {generators, consumers, aggregators, seconds, phases: {<phase>: seconds}, transactions,
 *    bytesCommitted, bills, settled, peakRssMb}
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMarketData, sizedScenario } from '../src/cli/commands/marketData.ts';
import { consortiumMembers } from '../src/client/consortiumLayout.ts';
import {
  ConsortiumDriver,
  DEMO_TIMING,
  localConsortium,
  type RoundTiming,
} from '../src/client/localConsortium.ts';
import { libsodiumGroup } from '../src/crypto/groupLibsodium.ts';
import { encodeBlock } from '../src/ledger/block.ts';
import { openStore } from '../src/ledger/store.ts';
import { decodeTransaction } from '../src/ledger/transaction.ts';
import { launchNetwork } from '../src/node/launcher.ts';
import { setupRegulator } from '../src/privacy/regulator.ts';
import { machineLine } from './machine.ts';

/** One size's measurements (the --json row). */
interface RoundBenchRow {
  generators: number;
  consumers: number;
  aggregators: number;
  seconds: number;
  phases: Record<string, number>;
  transactions: number;
  transactionsByKind: Record<string, number>;
  bytesCommitted: number;
  bills: number;
  settled: number;
  /** Peak resident memory of each validator process, MB. */
  peakRssMb: number[];
  /** Peak resident memory of the driver (every participant's client), MB. */
  driverPeakRssMb: number;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
};
const json = args.includes('--json');
const G = flag('generators', 200);
const J = flag('consumers', 10_000);
const A = flag('aggregators', 3);
const ringSize = flag('ring-size', 16);
const basePort = flag('base-port', 7600);
const sizes = [...new Set([100, 1_000, J].filter((j) => j <= J))].sort((a, b) => a - b);
/** How much longer than the scaled work of the previous size a window is. */
const MARGIN = 1.3;
const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
const progress = process.stderr.isTTY
  ? (m: string) => process.stderr.write(`\r\x1b[K${m.slice(0, (process.stderr.columns ?? 100) - 1)}`)
  : () => {};

log(machineLine());
log(
  `bench:round — ${G} generators, consumers ${sizes.join(' → ')}, ${A} aggregators, rings of ${ringSize}, 4 validators`,
);
const data = loadMarketData();
const rows: RoundBenchRow[] = [];
let timing: RoundTiming = { ...DEMO_TIMING };
for (const [k, consumers] of sizes.entries()) {
  if (k > 0) timing = scaledTiming(rows.at(-1)!, consumers);
  const row = await runSize(consumers, timing);
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  rows.push(row);
  log(describe(row));
}
const [small, large] = [rows.find((r) => r.consumers === 1_000), rows.at(-1)!];
if (small !== undefined && large.consumers > small.consumers) {
  const growth = large.seconds / small.seconds;
  const linear = large.consumers / small.consumers;
  log(
    `growth J ${small.consumers} → ${large.consumers}: time ×${growth.toFixed(2)} against linear ×${linear} (ratio ${(growth / linear).toFixed(2)}; target ≤ ${((12 / 10) * linear).toFixed(0)}×), bytes ×${(large.bytesCommitted / small.bytesCommitted).toFixed(2)}`,
  );
}
if (json) process.stdout.write(`${JSON.stringify(rows)}\n`);

/** One round at `consumers` consumers on a fresh 4-validator network. */
async function runSize(consumers: number, windows: RoundTiming): Promise<RoundBenchRow> {
  const scenario = sizedScenario(data, { generators: G, consumers, aggregators: A }, 'bench-round');
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-round-'));
  const group = await libsodiumGroup();
  const errors: string[] = [];
  progress(
    `${G}×${consumers}: generating ${scenario.consumers.length + G + A + 1} members' keys and genesis`,
  );
  const net = launchNetwork({
    validators: 4,
    dir,
    basePort,
    members: consortiumMembers(scenario),
    logTo: (i, line) => {
      if (/"level":(50|60)/.test(line)) errors.push(`[validator-${i}] ${line}`);
    },
  });
  try {
    await net.ready(300_000);
    const consortium = localConsortium(
      scenario,
      net.network.genesis.chainId,
      group,
      setupRegulator(group),
      net.network.memberKeys,
      net.validators.map((v) => v.apiUrl),
    );
    const driver = new ConsortiumDriver(
      consortium,
      windows,
      (m) => progress(`${G}×${consumers}: ${m}`),
      () => {},
      ringSize,
    );
    await driver.setUp();
    const h0 = await height(net.validators[0]!.apiUrl);
    const started = performance.now();
    const summary = await driver.runRound(1n, false);
    const seconds = (performance.now() - started) / 1000;
    const h1 = await height(net.validators[0]!.apiUrl);
    const peakRssMb = net.validators.map((v) => peakRss(v.process.pid!));
    await net.stop();
    const committed = await blocksBetween(group, join(dir, 'data-0'), h0, h1);
    return {
      generators: G,
      consumers,
      aggregators: A,
      seconds,
      phases: Object.fromEntries(Object.entries(summary.phases).map(([p, s]) => [p, round2(s)])),
      transactions: committed.transactions,
      transactionsByKind: committed.byKind,
      bytesCommitted: committed.bytes,
      bills: summary.bills,
      settled: summary.settled,
      peakRssMb,
      driverPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } catch (err) {
    for (const e of errors.slice(-5)) process.stderr.write(`${e}\n`);
    throw err;
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Windows for `consumers` from the previous run's phases: the work each window covers, scaled by
 * the growth in consumers, × MARGIN, and never below the demo's.
 */
function scaledTiming(previous: RoundBenchRow, consumers: number): RoundTiming {
  const f = consumers / previous.consumers;
  const p = (name: string) => (previous.phases[name] ?? 0) * 1000;
  const scaled = (ms: number, floor: number) => Math.max(floor, Math.ceil(MARGIN * f * ms));
  return {
    gateClosureMs: scaled(p('pseudonyms') + p('offers and demand'), DEMO_TIMING.gateClosureMs),
    deliveryLeadMs: scaled(p('clearing'), DEMO_TIMING.deliveryLeadMs),
    deliveryLengthMs: DEMO_TIMING.deliveryLengthMs,
    responseWindowMs: scaled(p('metering') + p('confirmations'), DEMO_TIMING.responseWindowMs),
    ackWindowMs: DEMO_TIMING.ackWindowMs,
  };
}

/** Transactions (by kind) and encoded bytes of the blocks at heights (from, to], from a stopped validator's store. */
async function blocksBetween(
  group: Awaited<ReturnType<typeof libsodiumGroup>>,
  dataDir: string,
  from: number,
  to: number,
) {
  const store = await openStore(dataDir);
  try {
    const byKind: Record<string, number> = {};
    let transactions = 0;
    let bytes = 0;
    for (let h = from + 1; h <= to; h++) {
      const block = (await store.getBlock(BigInt(h)))!;
      bytes += encodeBlock(block).length;
      for (const tx of block.txs) {
        const { kind } = decodeTransaction(group, tx);
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        transactions++;
      }
    }
    return { transactions, byKind, bytes };
  } finally {
    await store.close();
  }
}

async function height(api: string): Promise<number> {
  const status = (await (await fetch(`${api}/v1/status`)).json()) as { height: string };
  return Number(status.height);
}

/** A process's peak resident set (VmHWM), MB. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Math.round(Number(m[1]) / 1024);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** One size's lines. */
function describe(r: RoundBenchRow): string {
  const phases = Object.entries(r.phases)
    .map(([p, s]) => `${p} ${s.toFixed(1)} s`)
    .join(' · ');
  return [
    `${r.generators} × ${r.consumers}: round ${r.seconds.toFixed(1)} s · ${r.settled}/${r.bills} bills settled · ${r.transactions} transactions · ${(r.bytesCommitted / 1e6).toFixed(2)} MB committed · peak RSS ${r.peakRssMb.join('/')} MB (driver ${r.driverPeakRssMb} MB)`,
    `  ${phases}`,
    `  by kind: ${Object.entries(r.transactionsByKind)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  ].join('\n');
}
