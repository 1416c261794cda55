/**
 * The energy experiment's measurements (docs/experiments.md §1), on real validator processes on
 * loopback, each launched as in `dpp network up` (node/launcher.ts):
 *
 * - **Sweep.** For each N, a fresh network of N validators under a fixed offered load of signed
 *   `memo` transactions (the approach of bench/tps.ts: every transaction signed before the window,
 *   batches through POST /v1/txs to the validators in turn). Around the window it reads every
 *   validator's CPU time from /proc/<pid>/stat (utime + stime, the whole process: consensus, p2p,
 *   API, LevelDB, tsx) and the bytes its p2p transport sent (GET /metrics,
 *   `dpp_p2p_bytes_sent_total`), and counts the transactions committed in between from the blocks.
 *   Before the load it also measures each validator's idle CPU rate (empty blocks, pings).
 * - **Trading round.** The case30 consortium of `npm start` (the trading centre, 6 generators, 3
 *   aggregators, 20 consumers) with N validators, driven through one real round by the same
 *   ConsortiumDriver; the same readings around the round give its transactions (counted from the
 *   blocks, with their kinds), CPU seconds and bytes. The driver's own work (signing, signcrypting,
 *   pseudonym issuance: what participants do on their own machines whatever the chain) is this
 *   process's and is not counted.
 *
 * Ports: validator i of the k-th network uses basePort + 30k + 2i (+1): callers pick a free range.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConsortiumDriver, consortiumMembers, localConsortium } from '../client/localConsortium.ts';
import type { Group } from '../crypto/group.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import type { MemberSpec } from '../ledger/networkKeys.ts';
import { openStore } from '../ledger/store.ts';
import { decodeTransaction } from '../ledger/transaction.ts';
import { scenarioFromJson } from '../market/scenarioJson.ts';
import { type LocalNetwork, launchNetwork } from '../node/launcher.ts';
import { setupRegulator } from '../privacy/regulator.ts';
import { LoadGenerator, signMemoLoad } from './loadGenerator.ts';

/** What one validator did during a measured window. */
export interface ValidatorReading {
  readonly index: number;
  readonly cpuSeconds: number;
  readonly bytesSent: number;
  readonly framesSent: number;
  /** The bytes sent, by what the frames carried (a consensus message type, or `txs` for gossip). */
  readonly bytesSentByMessage: Readonly<Record<string, number>>;
}

/** One network of the sweep under the fixed load. */
export interface SweepSample {
  readonly validators: number;
  readonly offeredTxPerSecond: number;
  readonly submitted: number;
  readonly committed: number;
  readonly windowSeconds: number;
  readonly blocks: number;
  readonly perValidator: readonly ValidatorReading[];
  /** CPU seconds per second of each validator with no load, averaged over validators. */
  readonly idleCpuPerValidatorPerSecond: number;
}

/** One real trading round of the case30 consortium. */
export interface RoundSample {
  readonly validators: number;
  readonly round: number;
  readonly seconds: number;
  readonly transactions: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly bills: number;
  readonly consumers: number;
  readonly generators: number;
  readonly aggregators: number;
  readonly certified: boolean;
  readonly settled: number;
  readonly blocks: number;
  readonly perValidator: readonly ValidatorReading[];
}

/** Settings of the measurements. */
export interface EnergyRunOptions {
  readonly sweepValidators: readonly number[];
  readonly roundValidators: readonly number[];
  readonly offeredTxPerSecond: number;
  readonly windowSeconds: number;
  readonly warmupSeconds: number;
  readonly idleSeconds: number;
  readonly senders: number;
  readonly basePort: number;
  /** Scratch folder for genesis, keys and data (removed afterwards). */
  readonly dir: string;
  readonly progress?: (done: number, total: number, label: string) => void;
}

const CHAIN = 'dppchain-energy';
const SWEEP_TIMING = { viewTimeoutMs: 10_000, emptyBlockMs: 1_000, batchMs: 50, maxBlockTxs: 5_000 };
const CASE30 = resolve(import.meta.dirname, '../../data/scenarios/case30.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the sweep, then the trading rounds. */
export async function runEnergyMeasurements(
  o: EnergyRunOptions,
): Promise<{ sweep: SweepSample[]; rounds: RoundSample[] }> {
  const total = o.sweepValidators.length + o.roundValidators.length;
  let k = 0;
  const sweep: SweepSample[] = [];
  for (const n of o.sweepValidators) {
    o.progress?.(k, total, `${n} validator${n === 1 ? '' : 's'} under ${o.offeredTxPerSecond} memo tx/s`);
    sweep.push(await measureSweep(n, o, o.basePort + 30 * k));
    k++;
  }
  const rounds: RoundSample[] = [];
  for (const n of o.roundValidators) {
    o.progress?.(k, total, `case30 trading round on ${n} validator${n === 1 ? '' : 's'}`);
    rounds.push(await measureRound(n, o, o.basePort + 30 * k));
    k++;
  }
  o.progress?.(total, total, 'done');
  return { sweep, rounds };
}

async function measureSweep(n: number, o: EnergyRunOptions, basePort: number): Promise<SweepSample> {
  const dir = join(o.dir, `sweep-${n}`);
  const members: MemberSpec[] = [
    { id: 'trading-centre', role: 'trading-centre' },
    ...Array.from({ length: o.senders }, (_, i): MemberSpec => ({ id: `generator-${i}`, role: 'generator' })),
  ];
  const net = launchNetwork({
    validators: n,
    dir,
    basePort,
    chainId: CHAIN,
    members,
    timing: SWEEP_TIMING,
    logTo: () => {},
  });
  try {
    const keys = members.slice(1).map((m) => net.network.memberKeys.find((k) => k.id === m.id)!.key);
    const perSender = Math.ceil((o.offeredTxPerSecond * (o.warmupSeconds + o.windowSeconds)) / o.senders) + 1;
    const load = new LoadGenerator(
      signMemoLoad(CHAIN, keys, perSender),
      net.validators.map((v) => v.apiUrl),
    );
    await waitReady(net);
    // Idle: no load, the validators only keep views alive (empty blocks) and ping.
    const idle0 = cpuOf(net);
    await sleep(o.idleSeconds * 1000);
    const idle1 = cpuOf(net);
    const idleRate = idle1.reduce((s, c, i) => s + (c - idle0[i]!), 0) / n / o.idleSeconds;

    let submitted = 0;
    const offer = async (seconds: number): Promise<void> => {
      submitted += await load.offer(o.offeredTxPerSecond, seconds);
    };
    await offer(o.warmupSeconds);
    await drain(net);
    const h0 = await height(net);
    const before = await readingsOf(net);
    const t0 = performance.now();
    const submittedBefore = submitted;
    await offer(o.windowSeconds);
    await drain(net);
    const after = await readingsOf(net);
    const t1 = performance.now();
    const h1 = await height(net);
    const committed = await txsBetween(net.validators[0]!.apiUrl, h0, h1);
    return {
      validators: n,
      offeredTxPerSecond: o.offeredTxPerSecond,
      submitted: submitted - submittedBefore,
      committed: committed.count,
      windowSeconds: (t1 - t0) / 1000,
      blocks: h1 - h0,
      perValidator: diff(before, after),
      idleCpuPerValidatorPerSecond: idleRate,
    };
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureRound(n: number, o: EnergyRunOptions, basePort: number): Promise<RoundSample> {
  const dir = join(o.dir, `round-${n}`);
  const scenario = scenarioFromJson(JSON.parse(readFileSync(CASE30, 'utf8')));
  const net = launchNetwork({
    validators: n,
    dir,
    basePort,
    members: consortiumMembers(scenario),
    logTo: () => {},
  });
  try {
    const group = await libsodiumGroup();
    const consortium = localConsortium(
      scenario,
      net.network.genesis.chainId,
      group,
      setupRegulator(group),
      net.network.memberKeys,
      net.validators.map((v) => v.apiUrl),
    );
    await waitReady(net);
    const driver = new ConsortiumDriver(consortium);
    await driver.setUp();
    await drain(net);
    const h0 = await height(net);
    const before = await readingsOf(net);
    const t0 = performance.now();
    const summary = await driver.runRound(1n, false);
    await drain(net);
    const after = await readingsOf(net);
    const t1 = performance.now();
    const h1 = await height(net);
    const txs = await txsBetween(net.validators[0]!.apiUrl, h0, h1);
    await net.stop();
    const byKind = await kindsBetween(group, join(dir, 'data-0'), h0, h1);
    return {
      validators: n,
      round: 1,
      seconds: (t1 - t0) / 1000,
      transactions: txs.count,
      byKind,
      bills: summary.bills,
      consumers: consortium.consumers.length,
      generators: consortium.generators.length,
      aggregators: consortium.aggregators.length,
      certified: summary.certified,
      settled: summary.settled,
      blocks: h1 - h0,
      perValidator: diff(before, after),
    };
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after the name.
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

function cpuOf(net: LocalNetwork): number[] {
  return net.validators.map((v) => processCpuSeconds(v.process.pid!));
}

interface Snapshot {
  readonly cpu: number;
  readonly bytes: number;
  readonly frames: number;
  readonly byMessage: Readonly<Record<string, number>>;
}

async function readingsOf(net: LocalNetwork): Promise<Snapshot[]> {
  return Promise.all(
    net.validators.map(async (v) => {
      const text = await (await fetch(`${v.apiUrl}/metrics`)).text();
      const value = (name: string): number => {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        if (m === null) throw new Error(`validator ${v.index}: /metrics has no ${name}`);
        return Number(m[1]);
      };
      const byMessage: Record<string, number> = {};
      for (const m of text.matchAll(/^dpp_p2p_bytes_sent_by_kind_total\{kind="([^"]+)"\} (\S+)$/gm))
        byMessage[m[1]!] = Number(m[2]);
      return {
        cpu: processCpuSeconds(v.process.pid!),
        bytes: value('dpp_p2p_bytes_sent_total'),
        frames: value('dpp_p2p_frames_sent_total'),
        byMessage,
      };
    }),
  );
}

function diff(before: readonly Snapshot[], after: readonly Snapshot[]): ValidatorReading[] {
  return after.map((a, i) => ({
    index: i,
    cpuSeconds: round6(a.cpu - before[i]!.cpu),
    bytesSent: a.bytes - before[i]!.bytes,
    framesSent: a.frames - before[i]!.frames,
    bytesSentByMessage: Object.fromEntries(
      Object.entries(a.byMessage)
        .map(([kind, bytes]) => [kind, bytes - (before[i]!.byMessage[kind] ?? 0)] as const)
        .filter(([, bytes]) => bytes > 0),
    ),
  }));
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

async function status(url: string): Promise<{ height: string; peers: number[]; mempool: number }> {
  return (await (await fetch(`${url}/v1/status`)).json()) as {
    height: string;
    peers: number[];
    mempool: number;
  };
}

async function height(net: LocalNetwork): Promise<number> {
  return Number((await status(net.validators[0]!.apiUrl)).height);
}

async function waitReady(net: LocalNetwork): Promise<void> {
  const n = net.validators.length;
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      const all = await Promise.all(net.validators.map((v) => status(v.apiUrl)));
      if (all.every((s) => Number(s.height) >= 1 && s.peers.length === n - 1)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${n} validators did not start within 120 s`);
    await sleep(200);
  }
}

/** Waits until every validator's mempool is empty and all agree on the height (at most 30 s). */
async function drain(net: LocalNetwork): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const all = await Promise.all(net.validators.map((v) => status(v.apiUrl)));
    const heights = new Set(all.map((s) => s.height));
    if (all.every((s) => s.mempool === 0) && heights.size === 1) return;
    if (Date.now() > until) throw new Error('the validators did not drain their mempools within 30 s');
    await sleep(100);
  }
}

/** Transactions committed in heights (from, to]. */
async function txsBetween(api: string, from: number, to: number): Promise<{ count: number }> {
  let count = 0;
  for (let h = from + 1; h <= to; h++) {
    const b = (await (await fetch(`${api}/v1/blocks/${h}`)).json()) as { txIds: string[] };
    count += b.txIds.length;
  }
  return { count };
}

/** How many transactions of each kind heights (from, to] hold, read from a stopped validator's store. */
async function kindsBetween(
  group: Group,
  dataDir: string,
  from: number,
  to: number,
): Promise<Record<string, number>> {
  const store = await openStore(dataDir);
  try {
    const byKind: Record<string, number> = {};
    for (let h = from + 1; h <= to; h++) {
      const block = await store.getBlock(BigInt(h));
      for (const bytes of block?.txs ?? []) {
        const { kind } = decodeTransaction(group, bytes);
        byKind[kind] = (byKind[kind] ?? 0) + 1;
      }
    }
    return Object.fromEntries(Object.entries(byKind).sort(([a], [b]) => (a < b ? -1 : 1)));
  } finally {
    await store.close();
  }
}
