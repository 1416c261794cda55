/**
 * Crash points, end to end (issue 15; as CometBFT's test_failure_indices.sh): one network of four
 * validator processes on loopback (real LevelDB, the ws transport) under light load. For each step
 * of the sweep (a fail point of src/node/failPoints.ts, the primary or a backup, a hit), one
 * validator is stopped with SIGKILL and restarted with DPP_FAIL_POINT armed, and must die there by
 * SIGKILL, having logged the point — a point not reached within POINT_TIMEOUT_MS fails the test; a
 * "primary" step fails too if the view changed before it died. Then, from its data directory,
 * before it runs again: its store holds every block it acknowledged (the height its /v1/status
 * reported, the `block` events its /v1/events pushed), its head is the others' block at that height,
 * and the votes the point should have left are there. Restarted unarmed, it must catch up and
 * commits resume on all four; every validator has the same block hash and state root at every
 * height up to a common one; no validator raised a consensus alarm (an equivocation seen) or failed.
 * At the end every transaction a validator accepted is committed, identically, on all four.
 *
 * npm test runs the `quick` steps — every point at least once, both roles for the persist points and
 * commit.after-store — in about 45 s on 2 cores; DPP_CRASH_SWEEP=full runs every point in both roles
 * (about 70 s). One network serves the whole sweep; a crashed primary costs a view timeout.
 * Ports: blocks of 8 in 25000–25799.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { toHex } from '../../src/codec/bytes.ts';
import { parseMemberKeyFile } from '../../src/ledger/networkKeys.ts';
import { openStore } from '../../src/ledger/store.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { loadNodeConfig } from '../../src/node/config.ts';
import { CONSENSUS_STATE_KEY, decodeConsensusState } from '../../src/node/consensusState.ts';
import { FAIL_POINTS, type FailPointName } from '../../src/node/failPoints.ts';
import { type LocalNetwork, launchNetwork, stopProcess } from '../../src/node/launcher.ts';
import { freeBasePort } from '../ports.ts';

const CHAIN = 'dppchain-crash-points';
const N = 4;
const VIEW_TIMEOUT_MS = 6_000;
/** How long an armed validator may run before its point counts as never reached. */
const POINT_TIMEOUT_MS = 30_000;

/** One crash of the sweep: which point, at which hit, in which role; `quick` steps run in npm test. */
interface Step {
  readonly point: FailPointName;
  readonly hit: number;
  readonly role: 'primary' | 'backup';
  readonly quick: boolean;
}

/** Every point, as the primary and as a backup (hits count from the armed restart). */
const FULL_SWEEP: readonly Step[] = [
  // a vote neither on disk nor sent: restarted, the backup votes again
  { point: 'persist.before-write', hit: 3, role: 'backup', quick: true },
  // the primary's first pre-prepare after its restart neither on disk nor sent: restarted, it proposes
  // afresh at that height (had it sent the pre-prepare before writing it, this would equivocate)
  { point: 'persist.before-write', hit: 1, role: 'primary', quick: true },
  // a backup's vote on disk, not sent
  { point: 'persist.after-write', hit: 2, role: 'backup', quick: false },
  // the primary's first pre-prepare after its restart on disk, never sent: restarted, it may not
  // propose another block at that (view, height), so commits resume only after a view change
  { point: 'persist.after-write', hit: 1, role: 'primary', quick: true },
  // one message out, the rest of the batch (other messages, the persist or commit after it) not
  { point: 'send.after', hit: 5, role: 'backup', quick: true },
  { point: 'send.after', hit: 3, role: 'primary', quick: false },
  // the first block committed after the restart (usually fetched to catch up) not stored
  { point: 'commit.before-store', hit: 1, role: 'backup', quick: false },
  // the primary has the certificate of its own block but stored nothing
  { point: 'commit.before-store', hit: 2, role: 'primary', quick: true },
  // the first block stored after the restart (usually one of several fetched to catch up), the
  // persist after it not run
  { point: 'commit.after-store', hit: 1, role: 'backup', quick: true },
  // a block the primary stored well after its restart: what its API acknowledged (status, block
  // events) is on disk
  { point: 'commit.after-store', hit: 10, role: 'primary', quick: true },
];
const SWEEP = process.env.DPP_CRASH_SWEEP === 'full' ? FULL_SWEEP : FULL_SWEEP.filter((s) => s.quick);

const dir = mkdtempSync(join(tmpdir(), 'dpp-crash-points-'));
let net: LocalNetwork;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The last log lines of each validator, printed when a step fails. */
const logs: string[][] = Array.from({ length: N }, () => []);
/** Consensus alarms (an equivocation seen, a checkpoint disagreeing) and fatal errors, from every log. */
const faults: string[] = [];

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as Record<string, unknown>;
}

async function status(i: number): Promise<Record<string, unknown> | null> {
  try {
    return await getJson(`${net.validators[i]!.apiUrl}/v1/status`);
  } catch {
    return null;
  }
}

async function heights(): Promise<(number | null)[]> {
  return (await Promise.all([0, 1, 2, 3].map(status))).map((s) => (s === null ? null : Number(s.height)));
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out after ${ms / 1000} s waiting for ${what}`);
}

/** Blocks 1..h of validator i: hash, state root and transaction ids. */
async function blocksOf(
  i: number,
  h: number,
): Promise<{ hash: string; stateRoot: string; txIds: string[] }[]> {
  const out: { hash: string; stateRoot: string; txIds: string[] }[] = [];
  while (out.length < h) {
    const page = await getJson(`${net.validators[i]!.apiUrl}/v1/blocks?from=${out.length + 1}&limit=100`);
    const blocks = page.blocks as { hash: string; stateRoot: string; txIds: string[] }[];
    assert.ok(blocks.length > 0, `validator ${i} has no block ${out.length + 1}`);
    out.push(...blocks);
  }
  return out.slice(0, h);
}

/**
 * Light load: one memo every LOAD_MS, round robin over the validators not paused, each submitted
 * with the sender bound to its validator (so a paused validator holds no sender's next nonce).
 */
const LOAD_MS = 100;
class Load {
  readonly accepted = new Map<string, number>();
  readonly errors: string[] = [];
  private readonly paused = new Set<number>();
  private readonly lastId = new Map<number, string>();
  private readonly senders: { key: ReturnType<typeof parseMemberKeyFile>['key']; nonce: bigint }[];
  private running = true;
  private inFlight: Promise<void> = Promise.resolve();
  private loop: Promise<void> = Promise.resolve();

  constructor(keys: ReturnType<typeof parseMemberKeyFile>['key'][]) {
    this.senders = keys.map((key) => ({ key, nonce: 0n }));
  }

  start(): void {
    this.loop = (async () => {
      for (let k = 0; this.running; k++) {
        const to = k % N;
        if (this.paused.has(to)) {
          await sleep(LOAD_MS / N);
          continue;
        }
        this.inFlight = this.submit(to);
        await this.inFlight;
        await sleep(LOAD_MS);
      }
    })();
  }

  private async submit(to: number): Promise<void> {
    const s = this.senders[to]!;
    const text = `crash-points ${to} #${s.nonce + 1n}`;
    const tx = signOrgTransaction(
      { chainId: CHAIN, kind: 'memo', payload: new TextEncoder().encode(text) },
      s.nonce + 1n,
      s.key,
    );
    try {
      const res = await fetch(`${net.validators[to]!.apiUrl}/v1/tx`, {
        method: 'POST',
        body: tx.bytes,
        headers: { 'content-type': 'application/octet-stream' },
        signal: AbortSignal.timeout(10_000),
      });
      const json = (await res.json()) as { id?: string };
      if (res.status !== 202 || json.id === undefined)
        throw new Error(`${res.status} ${JSON.stringify(json)}`);
      s.nonce++;
      this.accepted.set(json.id, to);
      this.lastId.set(to, json.id);
    } catch (err) {
      this.errors.push(`validator ${to}: ${String(err)}`);
    }
  }

  /** Stops sending to `validators`, and waits until what they accepted is committed on validator `on`. */
  async pause(validators: readonly number[], on: number): Promise<void> {
    for (const i of validators) this.paused.add(i);
    await this.inFlight;
    for (const i of validators) {
      const id = this.lastId.get(i);
      if (id === undefined) continue;
      await waitFor(`validator ${i}'s transactions committed`, async () => {
        const st = await getJson(`${net.validators[on]!.apiUrl}/v1/tx/${id}`).catch(() => null);
        return st?.status === 'committed';
      });
    }
  }

  /** The last transaction each validator accepted (each sender's highest nonce). */
  lastIds(): string[] {
    return [...this.lastId.values()];
  }

  resume(validators: readonly number[]): void {
    for (const i of validators) this.paused.delete(i);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
let load: Load;

describe('crash points: a validator killed at each fail point restarts from disk', {
  timeout: 300_000,
}, () => {
  before(async () => {
    net = launchNetwork({
      validators: N,
      dir,
      basePort: await freeBasePort(25_000, 100, 8),
      chainId: CHAIN,
      timing: { viewTimeoutMs: VIEW_TIMEOUT_MS, emptyBlockMs: 500, retransmitMs: 300, batchMs: 50 },
      logTo: (i, line) => {
        const l = logs[i]!;
        l.push(line);
        if (l.length > 80) l.shift();
        if (/"msg":"(consensus alarm|validator failed)"/.test(line)) faults.push(`validator ${i}: ${line}`);
      },
    });
    const keys = net.network.memberKeys
      .slice(0, N)
      .map((m) => parseMemberKeyFile(readFileSync(join(dir, `member-${m.id}.key.json`), 'utf8')).key);
    load = new Load(keys);
    await net.ready();
    await waitFor('every validator to commit a block', async () =>
      (await heights()).every((h) => h !== null && h >= 1),
    );
    load.start();
  });

  after(async () => {
    await load?.stop();
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the sweep covers every fail point', () => {
    assert.deepEqual(new Set(SWEEP.map((s) => s.point)), new Set(FAIL_POINTS));
  });

  const crashes = new Array<number>(N).fill(0);
  for (const step of SWEEP) {
    it(`${step.point}:${step.hit} on the ${step.role}: dies there, restarts from disk, catches up, loses nothing`, async (t) => {
      const live = (await Promise.all([0, 1, 2, 3].map(status))).find((st) => st !== null);
      assert.ok(live !== undefined, 'a validator answers');
      const viewBefore = Number(live.view);
      const primary = Number(live.primary);
      // the backup crashed least so far (then the lowest index)
      const backups = [0, 1, 2, 3].filter((i) => i !== primary).sort((a, b) => crashes[a]! - crashes[b]!);
      const v = step.role === 'primary' ? primary : backups[0]!;
      const other = v === primary ? backups[0]! : primary;
      crashes[v]!++;
      t.diagnostic(`validator ${v} (${step.role} in view ${viewBefore})`);
      try {
        t.diagnostic(await crashAt(step, v, other, viewBefore));
      } catch (err) {
        process.stderr.write(`--- validator ${v}'s last log lines ---\n${logs[v]!.join('\n')}\n`);
        // leave the network whole for the steps after this one
        const child = net.validators[v]!.process;
        if (child.exitCode !== null || child.signalCode !== null) net.restart(v);
        await net.ready().catch(() => undefined);
        load.resume([0, 1, 2, 3]);
        faults.splice(0);
        throw err;
      }
    });
  }

  it('a malformed DPP_FAIL_POINT stops the validator at start-up with a clear error', async () => {
    await load.pause([3], 0);
    await stopProcess(net.validators[3]!.process);
    net.restart(3, { DPP_FAIL_POINT: 'persist.sideways' });
    await assert.rejects(net.ready(30_000), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'NODE_VALIDATOR_EXITED');
      assert.match(err.message, /DPP_FAIL_POINT="persist\.sideways" is not <point>\[:<hit>\]/);
      return true;
    });
    net.restart(3);
    await net.ready();
    load.resume([3]);
  });

  it('every transaction accepted during the sweep is committed, identically, on all four', async () => {
    await load.stop();
    assert.deepEqual(load.errors, [], 'every submission to a running validator was accepted');
    const ids = [...load.accepted.keys()];
    assert.ok(ids.length > 50, `only ${ids.length} transactions submitted`);
    // each sender's last transaction committed everywhere: then so are the ones before it (nonces)
    await waitFor('the last accepted transactions committed on all four', async () => {
      for (let i = 0; i < N; i++) {
        for (const id of load.lastIds()) {
          const st = await getJson(`${net.validators[i]!.apiUrl}/v1/tx/${id}`).catch(() => null);
          if (st?.status !== 'committed') return false;
        }
      }
      return true;
    });
    const h = Math.min(...((await heights()) as number[]));
    // the blocks, not their certificates: each validator keeps the quorum of commit votes it collected
    const chains = await Promise.all(
      [0, 1, 2, 3].map(async (i) =>
        (await blocksOf(i, h)).map(({ hash, stateRoot, txIds }) => ({ hash, stateRoot, txIds })),
      ),
    );
    for (let i = 1; i < N; i++) assert.deepEqual(chains[i], chains[0], `validator ${i}'s blocks 1..${h}`);
    const committed = new Set(chains[0]!.flatMap((b) => b.txIds));
    const missing = ids.filter((id) => !committed.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${ids.length} accepted transactions not committed`);
  });
});

/** SIGKILL, resolving once the process is gone (its store's lock released). */
function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return gone;
}

/**
 * Stops validator v so that it can be restarted armed — with SIGKILL, at once. A primary is stopped
 * with the load paused and just after it committed a block: it has not proposed the next one (the
 * mempool is empty, so it waits emptyBlockMs), so restarted in time it is still the primary and
 * free to propose. (Stopped with a proposal under way, it comes back unable to propose at that
 * height while its backups commit without it, and only a view change moves on.)
 */
async function stopToArm(v: number, other: number, primary: boolean): Promise<void> {
  if (!primary) {
    await load.pause([v], other);
    return kill9(net.validators[v]!.process);
  }
  await load.pause([0, 1, 2, 3], v);
  const h0 = Number((await status(v))?.height);
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const st = await status(v);
    if (st !== null && Number(st.height) > h0) return kill9(net.validators[v]!.process);
    await sleep(10);
  }
  assert.fail(`primary ${v} committed nothing for 10 s`);
}

/**
 * What validator v acknowledges as committed while it runs: the height its /v1/status reports and
 * the `block` events its WS /v1/events pushes. `stop` (once it is dead) returns the highest.
 */
function watchAcks(v: number): { stop(): Promise<number> } {
  const api = net.validators[v]!.apiUrl;
  let acked = 0;
  let running = true;
  let ws: WebSocket | undefined;
  const loop = (async () => {
    while (running) {
      const st = await status(v);
      if (st !== null && running) {
        acked = Math.max(acked, Number(st.height));
        if (ws === undefined) {
          ws = new WebSocket(`${api.replace(/^http/, 'ws')}/v1/events?types=block`);
          ws.on('message', (data) => {
            const e = JSON.parse(String(data)) as { type: string; height?: string };
            if (e.type === 'block') acked = Math.max(acked, Number(e.height));
          });
          ws.on('error', () => {});
        }
      }
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      // the frames the validator sent before it died are read before the close
      const socket = ws;
      if (socket !== undefined && socket.readyState !== WebSocket.CLOSED) {
        await Promise.race([new Promise((r) => socket.once('close', r)), sleep(2_000)]);
        socket.terminate();
      }
      return acked;
    },
  };
}

/** One step of the sweep: crash validator v at the step's point, check its disk, restart, check all; says what happened. */
async function crashAt(step: Step, v: number, other: number, viewBefore: number): Promise<string> {
  const validator = net.validators[v]!;
  await stopToArm(v, other, step.role === 'primary');
  const armedAt = Date.now();
  net.restart(v, { DPP_FAIL_POINT: `${step.point}:${step.hit}` });
  load.resume([0, 1, 2, 3].filter((i) => i !== v));
  const child = validator.process;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const acks = watchAcks(v);
  let timer: NodeJS.Timeout | undefined;
  const died = await Promise.race([
    exit,
    new Promise<null>((r) => (timer = setTimeout(r, POINT_TIMEOUT_MS, null))),
  ]);
  clearTimeout(timer);
  const acked = await acks.stop();
  if (died === null) {
    await kill9(child);
    assert.fail(
      `fail point ${step.point}:${step.hit} not reached on validator ${v} within ${POINT_TIMEOUT_MS / 1000} s`,
    );
  }
  const number = FAIL_POINTS.indexOf(step.point) + 1;
  assert.equal(
    died.signal,
    'SIGKILL',
    `validator ${v} exited (code ${died.code}) instead of dying at its point`,
  );
  assert.ok(
    logs[v]!.some((l) => l === `fail point ${number} ${step.point} reached (hit ${step.hit}): SIGKILL`),
    'the validator logged the point it died at',
  );
  const diedAfterMs = Date.now() - armedAt;
  const liveNow = (await status(other))!;
  const liveHeight = Number(liveNow.height);
  if (step.role === 'primary') {
    // The view has not changed since: the validator was the primary when it died.
    assert.ok(
      Number(liveNow.view) === viewBefore && Number(liveNow.primary) === v,
      `validator ${v} was no longer primary when it died (view ${viewBefore} → ${liveNow.view}; it died ${diedAfterMs} ms after its restart, the view timeout is ${VIEW_TIMEOUT_MS} ms)`,
    );
  }

  // From its disk, before it runs again: every block it acknowledged, and the others' block at its head.
  const store = await openStore(loadNodeConfig(validator.configPath).dataDir);
  const diskHead = store.head()!;
  const meta = store.getMeta(CONSENSUS_STATE_KEY);
  await store.close();
  assert.ok(diskHead.height >= BigInt(acked), `on disk: height ${diskHead.height} < ${acked} acknowledged`);
  const theirs = await getJson(`${net.validators[other]!.apiUrl}/v1/blocks/${diskHead.height}`);
  assert.equal(toHex(diskHead.hash), theirs.hash, `its head block ${diskHead.height} is the others'`);
  const votes = meta === undefined ? null : decodeConsensusState(meta).votes;
  const votesText =
    votes === null
      ? 'no votes'
      : `votes at (${votes.view}, ${votes.height}):${votes.prePrepare === null ? '' : ' pre-prepare'}${votes.prepare === null ? '' : ' prepare'}${votes.commit === null ? '' : ' commit'}`;
  if (step.point === 'persist.after-write') {
    // the point is reached once the votes are written: they are on disk
    assert.ok(votes !== null, 'votes on disk after persist.after-write');
    if (step.role === 'primary') {
      assert.ok(
        votes.prePrepare !== null && votes.height === diskHead.height + 1n,
        `the primary's pre-prepare of the next block is on disk: ${votesText}`,
      );
    }
  }

  // Restarted unarmed: it catches up, and commits resume on all four.
  net.restart(v);
  const top = Math.max(...((await heights()).filter((h) => h !== null) as number[]));
  await waitFor(
    `validator ${v} to catch up and all four to commit past height ${top + 2}`,
    async () => (await heights()).every((h) => h !== null && h >= top + 2),
    30_000 + 2 * VIEW_TIMEOUT_MS,
  );
  load.resume([v]);
  const h = Math.min(...((await heights()) as number[]));
  const chains = await Promise.all([0, 1, 2, 3].map((i) => blocksOf(i, h)));
  for (let i = 1; i < N; i++) {
    for (let k = 0; k < h; k++) {
      const [a, b] = [chains[0]![k]!, chains[i]![k]!];
      assert.ok(
        a.hash === b.hash && a.stateRoot === b.stateRoot,
        `height ${k + 1}: validator ${i} has ${b.hash}/${b.stateRoot}, validator 0 ${a.hash}/${a.stateRoot}`,
      );
    }
  }
  assert.deepEqual(faults.splice(0), [], 'no consensus alarm, no fatal error');
  return `died ${diedAfterMs} ms after its armed restart, at height ${diskHead.height} on disk (acknowledged ${acked}; validator ${other} at ${liveHeight}), ${votesText}; all four agree on 1..${h}`;
}
