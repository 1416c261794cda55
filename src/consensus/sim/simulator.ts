/**
 * Deterministic PBFT simulator: replicas in one process, a simulated network (delay, reordering,
 * loss, duplication, partitions and a final heal), crashes between inputs and at numbered crash
 * points inside an effect batch, restarts from persisted state, up to f Byzantine replicas
 * (./byzantine.ts) and twins — a validator run as two instances with one key (./scenarios.ts).
 * A scenario may reconfigure the validator set: at given heights the set changes (validators join
 * and leave, ../epochReplica.ts), a joining validator starts from a copy of an honest member's chain
 * (a snapshot) once its first epoch has begun, and validators still in an older epoch are served
 * that epoch's blocks, as the node does (../../node/validatorNode.ts).
 * Everything is drawn from the scenario, so a failing run replays exactly. While it runs, the
 * safety monitor (./safetyMonitor.ts) checks every honest effect; at the end,
 *   - liveness: once the network heals with every replica up and connected, every honest replica
 *     commits new blocks within a bounded time and number of view changes.
 * Messages travel as bytes and are decoded on arrival, so the codec is exercised too.
 */
import { bytesEqual } from '../../codec/bytes.ts';
import { DecodeError } from '../../codec/decodeError.ts';
import { consensusDomain } from '../../ledger/validatorSet.ts';
import { seededRng } from '../../prng.ts';
import type { ConsensusCrypto } from '../consensusCrypto.ts';
import { type EpochEffect, type EpochMembers, EpochReplica } from '../epochReplica.ts';
import {
  type CertifiedPayload,
  decodeSigned,
  encodeSigned,
  type FetchBlocks,
  type Signed,
  signingBytes,
} from '../messages.ts';
import { type PersistedState, Replica, type ReplicaConfig } from '../replica.ts';
import { type ByzantineContext, distort, forgeBlocks } from './byzantine.ts';
import { heightOf, parentOf, simPayload } from './payload.ts';
import { SafetyMonitor } from './safetyMonitor.ts';
import type { SimScenario } from './scenarios.ts';
import { standInCrypto, standInSecrets } from './standInCrypto.ts';

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
  /** Effects the crash-point instance carried out (to size a sweep), or 0. */
  readonly victimEffects: number;
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

/** One running instance of a validator (a twinned validator has two). */
interface SimNode {
  readonly validator: number;
  /** Null while down — or, for a validator that joins later, until it has started from a snapshot. */
  replica: EpochReplica | null;
  /** What it persisted, by epoch. */
  persisted: Map<number, PersistedState>;
  chain: CertifiedPayload[];
  views: bigint[];
  effects: number;
  byzantine: ByzantineContext | null;
  /** A validator outside the first set, not started yet. */
  joining: boolean;
}

type SimEvent =
  | { kind: 'deliver'; to: number; from: number; epoch: number; bytes: Uint8Array }
  | { kind: 'tick'; instance: number }
  | { kind: 'propose'; instance: number; view: bigint; height: bigint }
  | { kind: 'crash'; instance: number }
  | { kind: 'restart'; instance: number };

/** Runs one scenario and checks safety and liveness. */
export function runScenario(scenario: SimScenario): SimResult {
  const { n } = scenario;
  const prng = seededRng(`sim/run/${scenario.mode}/${scenario.seed}`);
  const secrets = standInSecrets(scenario.seed, n);
  const cryptoOf = (validator: number) => standInCrypto(secrets, validator);
  const epochs = scenario.epochs ?? [{ base: 0n, slots: [...Array(n).keys()] }];
  /** The epoch that certifies height + 1. */
  const epochAfter = (height: bigint): number => {
    let k = 0;
    for (let i = 0; i < epochs.length; i++) if (epochs[i]!.base <= height) k = i;
    return k;
  };
  const members = (k: number): EpochMembers => ({
    number: k,
    base: epochs[k]!.base,
    slots: epochs[k]!.slots,
  });
  /** Validator `validator`'s crypto in epoch k: it signs with its own secret; index i is the epoch's i-th slot. */
  const epochCrypto = (k: number, validator: number): ConsensusCrypto => {
    const { slots } = epochs[k]!;
    const c = cryptoOf(validator);
    return {
      sign: c.sign,
      verify: (i, bytes, signature) => i >= 0 && i < slots.length && c.verify(slots[i]!, bytes, signature),
      digest: c.digest,
    };
  };
  const faulty = new Set([...scenario.byzantine.keys(), ...scenario.twins]);
  const honest = [...Array(n).keys()].filter((i) => !faulty.has(i));
  const monitor = new SafetyMonitor(new Set(honest), {
    of: (k) => ({
      set: { chainId: consensusDomain(CHAIN_ID, k), n: epochs[k]!.slots.length, base: epochs[k]!.base },
      crypto: epochCrypto(k, 0),
    }),
    atHeight: (height) => epochAfter(height - 1n),
  });
  const queue = new EventQueue<SimEvent>();
  let messagesDelivered = 0;
  let now = 0;

  const validatorOf = (instance: number) => (instance < n ? instance : scenario.twins[instance - n]!);
  const nodes: SimNode[] = [];
  for (let i = 0; i < n + scenario.twins.length; i++) {
    const validator = validatorOf(i);
    const kind = scenario.byzantine.get(validator);
    const chain: CertifiedPayload[] = [];
    const byzantine =
      kind === undefined
        ? null
        : {
            chainId: CHAIN_ID,
            self: epochs[0]!.slots.indexOf(validator),
            n: epochs[0]!.slots.length,
            crypto: epochCrypto(0, validator),
            prng,
            seen: [],
            chain,
            reported: new Map(),
          };
    const joining = !epochs[0]!.slots.includes(validator);
    nodes.push({
      validator,
      replica: null,
      persisted: new Map(),
      chain,
      views: [],
      effects: 0,
      byzantine,
      joining,
    });
  }
  const instancesOf = (validator: number) =>
    nodes.flatMap((node, i) => (node.validator === validator ? [i] : []));
  const honestInstances = honest.flatMap(instancesOf);
  // liveness is asked of the honest validators of the last set
  const finalSlots = epochs.at(-1)!.slots;
  const liveInstances = honestInstances.filter((i) => finalSlots.includes(nodes[i]!.validator));

  const config = (m: EpochMembers, self: number): ReplicaConfig => ({
    chainId: consensusDomain(CHAIN_ID, m.number),
    base: m.base,
    n: m.slots.length,
    self,
    viewTimeoutMs: SIM_TIMING.viewTimeoutMs,
    maxBackoff: SIM_TIMING.maxBackoff,
    retransmitMs: SIM_TIMING.retransmitMs,
    checkpointInterval: 4n,
    window: 8n,
    fetchCount: 8,
  });

  const appOf = (node: SimNode) => ({
    validate(_view: bigint, height: bigint, payload: Uint8Array): boolean {
      const parent = node.chain.at(-1)?.digest ?? new Uint8Array(32);
      const named = parentOf(payload);
      return heightOf(payload) === height && named !== null && bytesEqual(named, parent);
    },
  });

  const makeReplica = (i: number): EpochReplica => {
    const node = nodes[i]!;
    const height = BigInt(node.chain.length);
    const host = {
      epochAfter: (h: bigint) => members(epochAfter(h)),
      replica: (m: EpochMembers, self: number, restore: ConstructorParameters<typeof Replica>[3]) =>
        new Replica(config(m, self), epochCrypto(m.number, node.validator), appOf(node), restore),
    };
    return new EpochReplica(host, node.validator, {
      persisted: node.persisted.get(epochAfter(height)) ?? null,
      committedHeight: height,
      lastCommit: node.chain.at(-1) ?? null,
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

  /** Sends bytes signed in `epoch` from instance `from` to every instance of validator `to` it can reach. */
  const transmit = (from: number, to: number, epoch: number, bytes: Uint8Array): void => {
    for (const target of instancesOf(to)) {
      if (target === from || !connected(from, target)) continue;
      const healed = now >= scenario.healAtMs;
      if (!healed && prng.chance(scenario.lossRate)) continue;
      const copies = prng.chance(scenario.duplicateRate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const delay = 1 + prng.int(0, healed ? Math.min(scenario.maxDelayMs, 20) : scenario.maxDelayMs);
        queue.push(now + delay, { kind: 'deliver', to: target, from: nodes[from]!.validator, epoch, bytes });
      }
    }
  };

  /** `message` signed by `validator` in epoch k, as its index there (null if it is not one of that epoch's). */
  const signedIn = (k: number, validator: number, message: Signed['message']): Signed | null => {
    const index = epochs[k]!.slots.indexOf(validator);
    if (index < 0) return null;
    const signature = cryptoOf(validator).sign(signingBytes(consensusDomain(CHAIN_ID, k), index, message));
    return { sender: index, message, signature };
  };

  /** Blocks from `fromHeight` (at most `count`, and none past epoch k's last) that instance i serves. */
  const blocksFor = (i: number, k: number, fromHeight: bigint, count: number): CertifiedPayload[] => {
    const node = nodes[i]!;
    const end = epochs[k + 1]?.base ?? BigInt(node.chain.length);
    const upTo = Math.min(Number(fromHeight) - 1 + Math.min(count, 8), Number(end));
    return node.byzantine !== null && scenario.byzantine.get(node.validator) === 'forged-blocks'
      ? forgeBlocks(node.byzantine, node.chain, fromHeight, Math.min(count, 8))
      : node.chain.slice(Number(fromHeight) - 1, upTo);
  };

  /** Carries out one effect of instance i; the effects of a commit that ended the epoch go to `next`. */
  const carryOut = (i: number, e: EpochEffect, next: EpochEffect[]): void => {
    const node = nodes[i]!;
    const self = node.validator;
    monitor.observe(self, e);
    switch (e.type) {
      case 'send': {
        const targets = e.to === 'all' ? epochs[e.epoch]!.slots.filter((t) => t !== self) : [e.to];
        for (const to of targets) {
          const outs =
            node.byzantine === null
              ? [{ to, bytes: encodeSigned(e.signed) }]
              : distort(scenario.byzantine.get(self)!, node.byzantine, to, e.signed);
          for (const o of outs) transmit(i, o.to, e.epoch, o.bytes);
        }
        break;
      }
      case 'persist':
        node.persisted.set(e.epoch, e.state);
        break;
      case 'commit':
        node.chain.push(e.block);
        next.push(...(node.replica?.committed(e.block.height, now) ?? []));
        break;
      case 'epoch':
        // a Byzantine validator misbehaves in its new set as in the old
        if (node.byzantine !== null) {
          node.byzantine = {
            ...node.byzantine,
            chainId: consensusDomain(CHAIN_ID, e.epoch.number),
            self: e.epoch.slots.indexOf(self),
            n: e.epoch.slots.length,
            crypto: epochCrypto(e.epoch.number, self),
          };
        }
        break;
      case 'propose':
        queue.push(now + SIM_TIMING.proposeDelayMs, {
          kind: 'propose',
          instance: i,
          view: e.view,
          height: e.height,
        });
        break;
      case 'serve-blocks': {
        const blocks = blocksFor(i, e.epoch, e.fromHeight, e.count);
        const reply = signedIn(e.epoch, self, { type: 'blocks', blocks });
        if (blocks.length > 0 && reply !== null) transmit(i, e.to, e.epoch, encodeSigned(reply));
        break;
      }
      case 'view-changed':
        if (node.views.at(-1) !== e.view) node.views.push(e.view);
        break;
      case 'alarm':
        break;
    }
  };

  /** Carries out instance i's effects in order — unless it reaches its crash point among them. */
  const apply = (i: number, effects: EpochEffect[]): void => {
    const node = nodes[i]!;
    const point = scenario.crashPoint;
    const next: EpochEffect[] = [];
    for (const e of effects) {
      carryOut(i, e, next);
      node.effects++;
      if (point !== null && point.instance === i && node.effects === point.afterEffect) {
        node.replica = null; // the rest of the batch is lost
        queue.push(now + point.downMs, { kind: 'restart', instance: i });
        return;
      }
    }
    if (next.length > 0) apply(i, next);
  };

  /**
   * A validator that joins later starts once its first epoch has begun, from a snapshot: the chain
   * of the first honest instance that has reached that epoch (it never voted, so it has nothing to
   * be silent about).
   */
  const maybeJoin = (i: number): void => {
    const node = nodes[i]!;
    const first = epochs.find((e) => e.slots.includes(node.validator))!.base;
    const donor = honestInstances.find(
      (d) => d !== i && !nodes[d]!.joining && nodes[d]!.chain.length >= first,
    );
    if (donor === undefined) return;
    node.chain.push(...nodes[donor]!.chain);
    monitor.adopt(node.validator, node.chain);
    node.joining = false;
    node.replica = makeReplica(i);
    apply(i, node.replica.start(now));
  };

  /** A validator still in epoch k asks instance i for blocks: that epoch's, signed as i's validator was then. */
  const serveOlder = (i: number, k: number, from: number, signed: Signed<FetchBlocks>): void => {
    const { slots } = epochs[k]!;
    const self = nodes[i]!.validator;
    const m = signed.message;
    if (slots[signed.sender] !== from) return;
    const bytes = signingBytes(consensusDomain(CHAIN_ID, k), signed.sender, m);
    if (!epochCrypto(k, self).verify(signed.sender, bytes, signed.signature)) return;
    const blocks = blocksFor(i, k, m.fromHeight, m.count);
    const reply = signedIn(k, self, { type: 'blocks', blocks });
    if (blocks.length > 0 && reply !== null) transmit(i, from, k, encodeSigned(reply));
  };

  for (let i = 0; i < nodes.length; i++) {
    if (!nodes[i]!.joining) {
      nodes[i]!.replica = makeReplica(i);
      apply(i, nodes[i]!.replica!.start(0));
    }
    queue.push(prng.int(1, SIM_TIMING.tickMs), { kind: 'tick', instance: i });
  }
  for (const c of scenario.crashes) {
    queue.push(c.atMs, { kind: 'crash', instance: c.instance });
    queue.push(c.restartAtMs, { kind: 'restart', instance: c.instance });
  }

  const limit = scenario.healAtMs + SIM_TIMING.livenessWindowMs;
  let heightAtHeal = -1;
  const firstCommitAfterHeal = new Map<number, number>(); // instance → views seen before its first new commit
  const viewsAtHeal = new Map<number, number>();
  const target = () => heightAtHeal + LIVENESS_BLOCKS;

  while (queue.size > 0) {
    const { time, event } = queue.pop()!;
    if (time > limit) break;
    if (heightAtHeal < 0 && time >= scenario.healAtMs) {
      now = scenario.healAtMs;
      heightAtHeal = Math.max(...honestInstances.map((i) => nodes[i]!.chain.length));
      for (const i of honestInstances) viewsAtHeal.set(i, nodes[i]!.views.length);
    }
    now = time;
    const index = event.kind === 'deliver' ? event.to : event.instance;
    const node = nodes[index]!;
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
        if (node.byzantine !== null && node.byzantine.seen.length < 64) node.byzantine.seen.push(signed);
        if (event.epoch < node.replica.current().number) {
          if (signed.message.type === 'fetch-blocks')
            serveOlder(index, event.epoch, event.from, signed as Signed<FetchBlocks>);
        } else apply(index, node.replica.receive(event.epoch, event.from, signed));
        break;
      }
      case 'tick':
        if (node.joining) maybeJoin(index);
        else if (node.replica !== null) apply(index, node.replica.tick(now));
        queue.push(now + SIM_TIMING.tickMs, { kind: 'tick', instance: index });
        break;
      case 'propose': {
        const r = node.replica;
        if (r === null) break;
        const s = r.status();
        if (s.view !== event.view || s.committedHeight + 1n !== event.height) break;
        const parent = node.chain.at(-1)?.digest ?? new Uint8Array(32);
        const filler = prng.bytes(prng.int(0, 64));
        apply(index, r.propose(simPayload(event.height, event.view, node.validator, parent, filler)));
        break;
      }
      case 'crash':
        node.replica = null;
        break;
      case 'restart':
        if (node.replica === null && !node.joining) {
          node.replica = makeReplica(index);
          apply(index, node.replica.start(now));
        }
        break;
    }
    if (heightAtHeal >= 0) {
      for (const i of liveInstances) {
        if (!firstCommitAfterHeal.has(i) && nodes[i]!.chain.length > heightAtHeal) {
          firstCommitAfterHeal.set(i, nodes[i]!.views.length - viewsAtHeal.get(i)!);
        }
      }
      if (liveInstances.every((i) => nodes[i]!.chain.length >= target())) break;
    }
  }

  const heights = honestInstances.map((i) => nodes[i]!.chain.length);
  const stuck = liveInstances.filter((i) => nodes[i]!.chain.length < target());
  const livenessFailure =
    stuck.length === 0
      ? null
      : `after the heal at ${scenario.healAtMs} ms (height ${heightAtHeal}), replicas ${stuck.join(', ')} ` +
        `stayed at ${stuck.map((i) => nodes[i]!.chain.length).join(', ')} within ${SIM_TIMING.livenessWindowMs} ms ` +
        `(views ${stuck.map((i) => nodes[i]!.replica?.status().view ?? 'down').join(', ')})`;
  const point = scenario.crashPoint;
  return {
    scenario,
    safetyViolations: monitor.violations,
    livenessFailure,
    heights,
    heightAtHeal,
    viewChangesAfterHeal: Math.max(0, ...firstCommitAfterHeal.values()),
    victimEffects: point === null ? 0 : nodes[point.instance]!.effects,
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
