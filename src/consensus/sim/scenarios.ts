/**
 * The scenarios the simulator runs, each a pure function of its index so any run replays exactly:
 *   - random: faults drawn from a seed — Byzantine behaviours, loss, duplication, delay,
 *     partitions, crashes between inputs, then a heal;
 *   - twins (Bano et al., "Twins: BFT Systems Made Robust", OPODIS 2021): up to f validators run as
 *     two instances with the same key and separate state — equivocation, double votes and forgotten
 *     locks from unmodified code. For n = 4 the space is enumerated: which validator is twinned
 *     (and so in which views the twins lead, the primary of view v being v mod n) × the partition of
 *     the five instances in each phase of the run; for n = 7 two twins and three phases are sampled;
 *   - crash points: a base run in which one validator's two twins lead (they propose different
 *     blocks, so a replica that forgets a vote is offered another), crashed at its k-th effect for
 *     every k in turn — after a persist and before the send it guards, between two sends of one
 *     batch, after a commit — then restarted from what it persisted;
 *   - reconfiguration: the random faults while the validator set changes twice — a validator joins
 *     (n → n + 1), then one leaves (a random one, the newcomer included) — at checkpoint heights
 *     drawn from the seed, with at most f Byzantine validators in every set;
 *   - crash points across a reconfiguration: a validator crashed at its k-th effect, for every k,
 *     while the set grows and shrinks — at the commit that ends an epoch, between the switch and
 *     the new set's first messages — then restarted from what it persisted.
 */
import { faultTolerance } from '../../ledger/certificate.ts';
import { type Rng, seededRng } from '../../prng.ts';
import { BYZANTINE_KINDS, type ByzantineKind } from './byzantine.ts';

/** How a batch of scenarios is chosen. */
export type ScenarioMode = 'random' | 'twins' | 'crash' | 'reconfig' | 'reconfig-crash';

/** A period of the run during which the instances talk only within their group. */
export interface Partition {
  readonly fromMs: number;
  readonly toMs: number;
  /** Groups of instance ids (validator i is instance i; its twin is instance n + k). */
  readonly groups: readonly (readonly number[])[];
}

/** One run's scenario. */
export interface SimScenario {
  readonly mode: ScenarioMode;
  /** The index the scenario was drawn or enumerated from (its replay argument). */
  readonly seed: number;
  readonly n: number;
  readonly byzantine: ReadonlyMap<number, ByzantineKind>;
  /** Validators that run as two instances: the twin of twins[k] is instance n + k. */
  readonly twins: readonly number[];
  readonly healAtMs: number;
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly maxDelayMs: number;
  readonly partitions: readonly Partition[];
  /** Crashes between inputs, each restarted from its persisted state. */
  readonly crashes: readonly { instance: number; atMs: number; restartAtMs: number }[];
  /** A crash right after the instance's `afterEffect`-th effect (the rest of that batch is lost). */
  readonly crashPoint: { instance: number; afterEffect: number; downMs: number } | null;
  /**
   * The validator sets in turn (absent: one set of all n validators): each from the height after its
   * `base` on, of the validators `slots` (ascending). A validator outside the first joins from a
   * snapshot once its first set has begun; one left out of a later set stops there.
   */
  readonly epochs?: readonly { readonly base: bigint; readonly slots: readonly number[] }[];
  /** The command that replays this scenario. */
  readonly replay: string;
}

/** The scenario of index `seed` in `mode` for n validators (`phases`: of a twins run). */
export function scenarioFor(mode: ScenarioMode, seed: number, n: number, phases = TWINS_PHASES): SimScenario {
  if (mode === 'twins') return twinsScenario(seed, n, phases);
  if (mode === 'crash') return crashPointScenario(seed, n);
  if (mode === 'reconfig') return reconfigScenario(seed, n);
  if (mode === 'reconfig-crash') return reconfigCrashScenario(seed, n);
  return randomScenario(seed, n);
}

/** How many scenarios `mode` has for n validators (enumerated modes), or Infinity (drawn). */
export function scenarioCount(mode: ScenarioMode, n: number, phases = TWINS_PHASES): number {
  if (mode === 'twins' && n === 4) return 4 * 16 ** phases;
  if (mode === 'crash' || mode === 'reconfig-crash') return CRASH_VICTIMS * CRASH_POINTS;
  return Number.POSITIVE_INFINITY;
}

// ─── random ─────────────────────────────────────────────────────────────────────────────────────

/** Faults drawn from `seed`. */
export function randomScenario(seed: number, n: number): SimScenario {
  const prng = seededRng(`sim/scenario/${seed}`);
  const f = faultTolerance(n);
  const byzantineCount = prng.int(0, f);
  const ids = shuffle(prng, [...Array(n).keys()]);
  const byzantine = new Map<number, ByzantineKind>();
  for (const id of ids.slice(0, byzantineCount)) byzantine.set(id, prng.pick(BYZANTINE_KINDS));
  const healAtMs = prng.int(500, 4_000);
  const partitions: Partition[] = [];
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
    const instance = prng.pick(honest);
    const atMs = prng.int(0, healAtMs - 50);
    crashes.push({ instance, atMs, restartAtMs: prng.int(atMs + 10, healAtMs) });
  }
  return {
    mode: 'random',
    seed,
    n,
    byzantine,
    twins: [],
    healAtMs,
    lossRate: prng.pick([0, 0.01, 0.05, 0.2]),
    duplicateRate: prng.pick([0, 0.02, 0.1]),
    maxDelayMs: prng.pick([2, 10, 50]),
    partitions,
    crashes,
    crashPoint: null,
    replay: `npm run sim:long -- --mode random --n ${n} --seed ${seed}`,
  };
}

// ─── reconfiguration ───────────────────────────────────────────────────────────────────────────

/**
 * Reconfiguration scenario `seed` for a first set of n validators (0 … n − 1): validator n joins
 * after a checkpoint height B₁ ∈ {4, 8, 12}, a validator r ≠ Byzantine leaves after B₂ = B₁ + 4 or
 * + 8; meanwhile the random faults of `randomScenario` — Byzantine behaviours (never the newcomer,
 * and within the f of the smallest set), loss, duplication, delay, partitions of all n + 1
 * validators and crashes of the first set's honest validators — then a heal.
 */
export function reconfigScenario(seed: number, n: number): SimScenario {
  const prng = seededRng(`sim/reconfig/${n}/${seed}`);
  const universe = n + 1;
  const f = faultTolerance(n);
  const ids = shuffle(prng, [...Array(n).keys()]);
  const byzantineCount = prng.int(0, f);
  const byzantine = new Map<number, ByzantineKind>();
  for (const id of ids.slice(0, byzantineCount)) byzantine.set(id, prng.pick(BYZANTINE_KINDS));
  const honest = ids.slice(byzantineCount);
  const b1 = BigInt(prng.pick([4, 8, 12]));
  const b2 = b1 + BigInt(prng.pick([4, 8]));
  const leaving = prng.pick([...honest, n]);
  const all = [...Array(universe).keys()];
  const healAtMs = prng.int(500, 4_000);
  const partitions: Partition[] = [];
  for (let k = prng.int(0, 2); k > 0; k--) {
    const fromMs = prng.int(0, healAtMs - 100);
    const toMs = prng.int(fromMs + 50, healAtMs);
    const cut = prng.int(1, universe - 1);
    const order = shuffle(prng, [...all]);
    partitions.push({ fromMs, toMs, groups: [order.slice(0, cut), order.slice(cut)] });
  }
  const crashes = [];
  for (let k = prng.int(0, 2); k > 0; k--) {
    const instance = prng.pick(honest);
    const atMs = prng.int(0, healAtMs - 50);
    crashes.push({ instance, atMs, restartAtMs: prng.int(atMs + 10, healAtMs) });
  }
  return {
    mode: 'reconfig',
    seed,
    n: universe,
    byzantine,
    twins: [],
    healAtMs,
    lossRate: prng.pick([0, 0.01, 0.05, 0.2]),
    duplicateRate: prng.pick([0, 0.02, 0.1]),
    maxDelayMs: prng.pick([2, 10, 50]),
    partitions,
    crashes,
    crashPoint: null,
    epochs: [
      { base: 0n, slots: all.slice(0, n) },
      { base: b1, slots: all },
      { base: b2, slots: all.filter((v) => v !== leaving) },
    ],
    replay: `npm run sim:long -- --mode reconfig --n ${n} --seed ${seed}`,
  };
}

/**
 * Reconfiguration crash-point scenario `index` = victim · CRASH_POINTS + (k − 1): validators
 * 0 … n − 1, validator n joins after height 4 and validator 2 leaves after height 8; validator
 * victim ∈ {0, 1, 3} crashes right after its k-th effect and comes back 40 ms later from what it
 * persisted (the first 150 effects span both switches).
 */
export function reconfigCrashScenario(index: number, n: number): SimScenario {
  const victim = [0, 1, 3][Math.floor(index / CRASH_POINTS) % CRASH_VICTIMS]!;
  const afterEffect = 1 + (index % CRASH_POINTS);
  const all = [...Array(n + 1).keys()];
  return {
    mode: 'reconfig-crash',
    seed: index,
    n: n + 1,
    byzantine: new Map(),
    twins: [],
    healAtMs: 600,
    lossRate: 0,
    duplicateRate: 0,
    maxDelayMs: 5,
    partitions: [],
    crashes: [],
    crashPoint: { instance: victim, afterEffect, downMs: 40 },
    epochs: [
      { base: 0n, slots: all.slice(0, n) },
      { base: 4n, slots: all },
      { base: 8n, slots: all.filter((v) => v !== 2) },
    ],
    replay: `npm run sim:long -- --mode reconfig-crash --n ${n} --seed ${index}`,
  };
}

// ─── twins ──────────────────────────────────────────────────────────────────────────────────────

/** Phases of a twins run in `npm test`; `npm run sim:long` enumerates more. */
export const TWINS_PHASES = 2;
/** Length of one phase: about one view timeout, so each phase sees one or two views. */
const PHASE_MS = 350;

/**
 * Twins scenario `index`. n = 4: index = twin + 4 · (p₁ + 16 · p₂ + 256 · p₃ …), where twin is the
 * twinned validator and p_k (0–15) the k-th phase's split of the five instances into two groups
 * (bit j − 1 of p_k puts instance j on the other side from instance 0; p_k = 0 is no partition).
 * Other n: f twins and three phases of random splits, drawn from the index.
 */
export function twinsScenario(index: number, n: number, phases = TWINS_PHASES): SimScenario {
  const prng = seededRng(`sim/twins/${n}/${index}`);
  const instances = (twins: number) => n + twins;
  let twins: number[];
  const splits: number[][] = [];
  if (n === 4) {
    twins = [index % 4];
    let rest = Math.floor(index / 4);
    for (let k = 0; k < phases; k++) {
      splits.push(maskGroups(rest % 16, instances(1)));
      rest = Math.floor(rest / 16);
    }
  } else {
    twins = shuffle(prng, [...Array(n).keys()]).slice(0, faultTolerance(n));
    for (let k = 0; k < 3; k++) {
      const mask = prng.int(0, 2 ** (instances(twins.length) - 1) - 1);
      splits.push(maskGroups(mask, instances(twins.length)));
    }
  }
  const partitions = splits
    .map((side, k) => ({ side, k }))
    .filter(({ side }) => side.some((g) => g === 1))
    .map(({ side, k }) => ({
      fromMs: k * PHASE_MS,
      toMs: (k + 1) * PHASE_MS,
      groups: [0, 1].map((g) => side.flatMap((s, i) => (s === g ? [i] : []))),
    }));
  return {
    mode: 'twins',
    seed: index,
    n,
    byzantine: new Map(),
    twins,
    healAtMs: splits.length * PHASE_MS,
    lossRate: 0,
    duplicateRate: 0,
    maxDelayMs: prng.pick([2, 10]),
    partitions,
    crashes: [],
    crashPoint: null,
    replay: `npm run sim:long -- --mode twins --n ${n} --phases ${phases} --seed ${index}`,
  };
}

/** The side (0 or 1) of each of `count` instances under `mask` (instance 0 is always on side 0). */
function maskGroups(mask: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 0 : (mask >> (i - 1)) & 1));
}

// ─── crash points ───────────────────────────────────────────────────────────────────────────────

/** Honest validators crashed in turn (1, 2, 3: the primary of view 0 is the twinned one). */
const CRASH_VICTIMS = 3;
/** Effects of the victim crashed after, in turn: 1 … CRASH_POINTS. */
export const CRASH_POINTS = 150;

/**
 * Crash-point scenario `index` = victim · CRASH_POINTS + (k − 1): validator 0 (primary of view 0)
 * runs as twins that both propose to everyone, so every slot of view 0 has two proposals; from 300
 * to 700 ms the network splits so that no group holds a quorum ({0, 1}, {0′, 2}, the rest), which
 * forces view changes with prepared certificates in flight; validator 1 + victim crashes right after
 * its k-th effect and comes back 40 ms later from what it persisted.
 */
export function crashPointScenario(index: number, n: number): SimScenario {
  const victim = 1 + (Math.floor(index / CRASH_POINTS) % CRASH_VICTIMS);
  const afterEffect = 1 + (index % CRASH_POINTS);
  const rest = [...Array(n).keys()].filter((i) => i > 2);
  return {
    mode: 'crash',
    seed: index,
    n,
    byzantine: new Map(),
    twins: [0],
    healAtMs: 1_200,
    lossRate: 0,
    duplicateRate: 0,
    maxDelayMs: 5,
    partitions: [{ fromMs: 300, toMs: 700, groups: [[0, 1], [n, 2], rest] }],
    crashes: [],
    crashPoint: { instance: victim, afterEffect, downMs: 40 },
    replay: `npm run sim:long -- --mode crash --n ${n} --seed ${index}`,
  };
}

function shuffle<T>(prng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
