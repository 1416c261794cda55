/**
 * Deterministic PBFT simulator: N replicas in one process, a simulated network (delay, reordering,
 * loss, duplication, partitions and a final heal), crashes and restarts from persisted state, and
 * up to f Byzantine replicas (./byzantine.ts). Everything is drawn from one seed, so a failing seed
 * replays exactly. After each run it checks
 *   - safety: no two honest replicas commit different blocks at the same height, and each
 *     replica's chain is gap-free and certified;
 *   - liveness: once the network heals with every honest replica up and connected, every honest
 *     replica commits new blocks within a bounded time and number of view changes.
 * Messages travel as bytes and are decoded on arrival, so the codec is exercised too.
 */
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import { DecodeError } from '../../codec/decodeError.ts';
import { Writer } from '../../codec/writer.ts';
import { faultTolerance, quorumSize, verifyCommitCertificate } from '../../ledger/certificate.ts';
import { type Rng, seededRng } from '../../prng.ts';
import { votersOf } from '../certificates.ts';
import { type CertifiedPayload, decodeSigned, encodeSigned, type Signed, signingBytes } from '../messages.ts';
import { type Effect, type PersistedState, Replica, type ReplicaConfig } from '../replica.ts';
import { BYZANTINE_KINDS, type ByzantineKind, distort } from './byzantine.ts';
import { standInCrypto, standInSecrets } from './standInCrypto.ts';

/** One run's scenario, drawn from its seed. */
export interface SimScenario {
  readonly seed: number;
  readonly n: number;
  readonly byzantine: ReadonlyMap<number, ByzantineKind>;
  readonly healAtMs: number;
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly maxDelayMs: number;
  readonly partitions: readonly { fromMs: number; toMs: number; groups: readonly (readonly number[])[] }[];
  readonly crashes: readonly { replica: number; atMs: number; restartAtMs: number }[];
}

/** What a run found. */
export interface SimResult {
  readonly scenario: SimScenario;
  readonly safetyViolations: readonly string[];
  readonly livenessFailure: string | null;
  /** Committed height of each honest replica at the end. */
  readonly heights: readonly number[];
  /** Highest committed height among honest replicas when the network healed. */
  readonly heightAtHeal: number;
  /** Most views any honest replica moved through between the heal and its first new commit. */
  readonly viewChangesAfterHeal: number;
  readonly messagesDelivered: number;
  readonly simulatedMs: number;
}

/** Simulation timing (simulated milliseconds). */
export const SIM_TIMING = {
  tickMs: 10,
  viewTimeoutMs: 300,
  maxBackoff: 4,
  retransmitMs: 100,
  proposeDelayMs: 30,
  /** Time after the heal within which every honest replica must have committed LIVENESS_BLOCKS more. */
  livenessWindowMs: 30_000,
} as const;
const LIVENESS_BLOCKS = 3;
const CHAIN_ID = 'dpp-sim';

/** Draws the scenario of `seed` for n replicas. */
export function scenarioFor(seed: number, n: number): SimScenario {
  const prng = seededRng(`sim/scenario/${seed}`);
  const f = faultTolerance(n);
  const byzantineCount = prng.int(0, f);
  const ids = shuffle(prng, [...Array(n).keys()]);
  const byzantine = new Map<number, ByzantineKind>();
  for (const id of ids.slice(0, byzantineCount)) byzantine.set(id, prng.pick(BYZANTINE_KINDS));
  const healAtMs = prng.int(500, 4_000);
  const partitions = [];
  for (let k = prng.int(0, 2); k > 0; k--) {
    const fromMs = prng.int(0, healAtMs - 100);
    const toMs = prng.int(fromMs + 50, healAtMs);
    const cut = prng.int(1, n - 1);
    const order = shuffle(prng, [...Array(n).keys()]);
    partitions.push({ fromMs, toMs, groups: [order.slice(0, cut), order.slice(cut)] });
  }
  const honest = ids.slice(byzantineCount);
  const crashes = [];
  for (let k = prng.int(0, 2); k > 0; k--) {
    const replica = prng.pick(honest);
    const atMs = prng.int(0, healAtMs - 50);
    crashes.push({ replica, atMs, restartAtMs: prng.int(atMs + 10, healAtMs) });
  }
  return {
    seed,
    n,
    byzantine,
    healAtMs,
    lossRate: prng.pick([0, 0.01, 0.05, 0.2]),
    duplicateRate: prng.pick([0, 0.02, 0.1]),
    maxDelayMs: prng.pick([2, 10, 50]),
    partitions,
    crashes,
  };
}

interface SimNode {
  replica: Replica | null;
  persisted: PersistedState | null;
  chain: CertifiedPayload[];
  views: bigint[];
  seen: Signed[];
}

type SimEvent =
  | { kind: 'deliver'; to: number; bytes: Uint8Array }
  | { kind: 'tick'; replica: number }
  | { kind: 'propose'; replica: number; view: bigint; height: bigint }
  | { kind: 'crash'; replica: number }
  | { kind: 'restart'; replica: number };

/** Runs one scenario and checks safety and liveness. */
export function runScenario(scenario: SimScenario): SimResult {
  const { n } = scenario;
  const prng = seededRng(`sim/run/${scenario.seed}`);
  const secrets = standInSecrets(scenario.seed, n);
  const cryptoOf = (i: number) => standInCrypto(secrets, i);
  const honest = [...Array(n).keys()].filter((i) => !scenario.byzantine.has(i));
  const queue = new EventQueue<SimEvent>();
  const nodes: SimNode[] = [];
  const safetyViolations: string[] = [];
  const decided = new Map<number, Uint8Array>(); // height → digest committed by honest replicas
  let messagesDelivered = 0;
  let now = 0;

  const config = (self: number): ReplicaConfig => ({
    chainId: CHAIN_ID,
    n,
    self,
    viewTimeoutMs: SIM_TIMING.viewTimeoutMs,
    maxBackoff: SIM_TIMING.maxBackoff,
    retransmitMs: SIM_TIMING.retransmitMs,
    checkpointInterval: 4n,
    window: 8n,
    fetchCount: 8,
  });

  /** A proposal: height, view, proposer and the parent's digest, so validation can check the chain. */
  const proposal = (node: SimNode, self: number, view: bigint, height: bigint): Uint8Array => {
    const parent = node.chain.at(-1)?.digest ?? new Uint8Array(32);
    return new Writer()
      .u64(height)
      .u64(view)
      .u16(self)
      .fixed(parent, 32)
      .bytes(prng.bytes(prng.int(0, 64)))
      .finish();
  };
  const appOf = (node: SimNode) => ({
    validate(_view: bigint, height: bigint, payload: Uint8Array): boolean {
      if (payload.length < 50) return false;
      const view = new DataView(payload.buffer, payload.byteOffset);
      const parent = node.chain.at(-1)?.digest ?? new Uint8Array(32);
      return view.getBigUint64(0) === height && bytesEqual(payload.subarray(18, 50), parent);
    },
  });

  const makeReplica = (i: number): Replica => {
    const node = nodes[i]!;
    const last = node.chain.at(-1);
    return new Replica(config(i), cryptoOf(i), appOf(node), {
      persisted: node.persisted,
      committedHeight: BigInt(node.chain.length),
      lastCommit: last ?? null,
    });
  };

  const connected = (a: number, b: number): boolean => {
    if (now >= scenario.healAtMs) return true;
    for (const p of scenario.partitions) {
      if (now < p.fromMs || now >= p.toMs) continue;
      const ga = p.groups.findIndex((g) => g.includes(a));
      const gb = p.groups.findIndex((g) => g.includes(b));
      if (ga !== gb) return false;
    }
    return true;
  };

  const transmit = (from: number, to: number, bytes: Uint8Array): void => {
    if (to === from || !connected(from, to)) return;
    const healed = now >= scenario.healAtMs;
    if (!healed && prng.chance(scenario.lossRate)) return;
    const copies = prng.chance(scenario.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const delay = 1 + prng.int(0, healed ? Math.min(scenario.maxDelayMs, 20) : scenario.maxDelayMs);
      queue.push(now + delay, { kind: 'deliver', to, bytes });
    }
  };

  const apply = (i: number, effects: Effect[]): void => {
    const node = nodes[i]!;
    const kind = scenario.byzantine.get(i);
    for (const e of effects) {
      switch (e.type) {
        case 'send': {
          const targets = e.to === 'all' ? [...Array(n).keys()].filter((t) => t !== i) : [e.to];
          for (const to of targets) {
            const outs =
              kind === undefined
                ? [{ to, bytes: encodeSigned(e.signed) }]
                : distort(
                    kind,
                    { chainId: CHAIN_ID, self: i, n, crypto: cryptoOf(i), prng, seen: node.seen },
                    to,
                    e.signed,
                  );
            for (const o of outs) transmit(i, o.to, o.bytes);
          }
          break;
        }
        case 'persist':
          node.persisted = e.state;
          break;
        case 'commit': {
          const c = e.block;
          const height = Number(c.height);
          if (kind === undefined) {
            if (height !== node.chain.length + 1)
              safetyViolations.push(`replica ${i} committed ${height} after ${node.chain.length}`);
            const voters = votersOf(cryptoOf(i), { chainId: CHAIN_ID, n });
            if (!verifyCommitCertificate(c, CHAIN_ID, voters, quorumSize(n))) {
              safetyViolations.push(`replica ${i} committed ${height} without a valid certificate`);
            }
            const prior = decided.get(height);
            if (prior === undefined) decided.set(height, c.digest);
            else if (!bytesEqual(prior, c.digest)) {
              safetyViolations.push(
                `height ${height}: replica ${i} committed ${toHex(c.digest).slice(0, 12)}, another ${toHex(prior).slice(0, 12)}`,
              );
            }
          }
          node.chain.push(c);
          break;
        }
        case 'propose':
          queue.push(now + SIM_TIMING.proposeDelayMs, {
            kind: 'propose',
            replica: i,
            view: e.view,
            height: e.height,
          });
          break;
        case 'serve-blocks': {
          const from = Number(e.fromHeight);
          const blocks = node.chain.slice(from - 1, from - 1 + Math.min(e.count, 8));
          if (blocks.length === 0) break;
          const message = { type: 'blocks' as const, blocks };
          const crypto = cryptoOf(i);
          const signed: Signed = {
            sender: i,
            message,
            signature: crypto.sign(signingBytes(CHAIN_ID, i, message)),
          };
          transmit(i, e.to, encodeSigned(signed));
          break;
        }
        case 'view-changed':
          if (node.views.at(-1) !== e.view) node.views.push(e.view);
          break;
        case 'alarm':
          break;
      }
    }
  };

  for (let i = 0; i < n; i++) nodes.push({ replica: null, persisted: null, chain: [], views: [], seen: [] });
  for (let i = 0; i < n; i++) {
    nodes[i]!.replica = makeReplica(i);
    apply(i, nodes[i]!.replica!.start(0));
    queue.push(prng.int(1, SIM_TIMING.tickMs), { kind: 'tick', replica: i });
  }
  for (const c of scenario.crashes) {
    queue.push(c.atMs, { kind: 'crash', replica: c.replica });
    queue.push(c.restartAtMs, { kind: 'restart', replica: c.replica });
  }

  const limit = scenario.healAtMs + SIM_TIMING.livenessWindowMs;
  let heightAtHeal = -1;
  const firstCommitAfterHeal = new Map<number, number>(); // replica → views seen before its first new commit
  const viewsAtHeal = new Map<number, number>();
  const target = () => heightAtHeal + LIVENESS_BLOCKS;

  while (queue.size > 0) {
    const { time, event } = queue.pop()!;
    if (time > limit) break;
    if (heightAtHeal < 0 && time >= scenario.healAtMs) {
      now = scenario.healAtMs;
      heightAtHeal = Math.max(...honest.map((i) => nodes[i]!.chain.length));
      for (const i of honest) viewsAtHeal.set(i, nodes[i]!.views.length);
    }
    now = time;
    const node = 'replica' in event ? nodes[event.replica]! : nodes[event.to]!;
    switch (event.kind) {
      case 'deliver': {
        if (node.replica === null) break;
        let signed: Signed;
        try {
          signed = decodeSigned(event.bytes);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          break;
        }
        messagesDelivered++;
        if (node.seen.length < 64) node.seen.push(signed);
        apply(event.to, node.replica.receive(signed));
        break;
      }
      case 'tick':
        if (node.replica !== null) apply(event.replica, node.replica.tick(now));
        queue.push(now + SIM_TIMING.tickMs, { kind: 'tick', replica: event.replica });
        break;
      case 'propose': {
        const r = node.replica;
        if (r === null) break;
        const s = r.status();
        if (s.view !== event.view || s.committedHeight + 1n !== event.height) break;
        apply(event.replica, r.propose(proposal(node, event.replica, event.view, event.height)));
        break;
      }
      case 'crash':
        node.replica = null;
        break;
      case 'restart':
        if (node.replica === null) {
          node.replica = makeReplica(event.replica);
          apply(event.replica, node.replica.start(now));
        }
        break;
    }
    if (heightAtHeal >= 0) {
      for (const i of honest) {
        if (!firstCommitAfterHeal.has(i) && nodes[i]!.chain.length > heightAtHeal) {
          firstCommitAfterHeal.set(i, nodes[i]!.views.length - viewsAtHeal.get(i)!);
        }
      }
      if (honest.every((i) => nodes[i]!.chain.length >= target())) break;
    }
  }

  const heights = honest.map((i) => nodes[i]!.chain.length);
  const stuck = honest.filter((i) => nodes[i]!.chain.length < target());
  const livenessFailure =
    stuck.length === 0
      ? null
      : `after the heal at ${scenario.healAtMs} ms (height ${heightAtHeal}), replicas ${stuck.join(', ')} ` +
        `stayed at ${stuck.map((i) => nodes[i]!.chain.length).join(', ')} within ${SIM_TIMING.livenessWindowMs} ms ` +
        `(views ${stuck.map((i) => nodes[i]!.replica?.status().view ?? 'down').join(', ')})`;
  return {
    scenario,
    safetyViolations,
    livenessFailure,
    heights,
    heightAtHeal,
    viewChangesAfterHeal: Math.max(0, ...firstCommitAfterHeal.values()),
    messagesDelivered,
    simulatedMs: now,
  };
}

/** A deterministic priority queue of timed events (ties broken by insertion order). */
class EventQueue<T> {
  private heap: { time: number; seq: number; event: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, event: T): void {
    const item = { time, seq: this.seq++, event };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): { time: number; event: T } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

function shuffle<T>(prng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
