/**
 * A generator's economics with its outside option (docs/market-model.md §3). Production cost is
 * C(Q) = aQ² + bQ + c. When the grid buys unsold energy at the benchmark price w, the generator
 * produces Q = max(x, q_w) for direct sales x, where q_w is the output at which C'(q_w) = w (capped
 * at capacity), and sells Q − x to the grid. Its profit from a direct price p is then
 * p·x − E(x) with the effective cost E(x) = C(Q) − w·(Q − x), convex, with E'(x) = max(w, C'(x)).
 * Without the outside option E = C. Floats here are for the solver; the integer versions settle.
 */
import { divRoundHalfUp } from './units.ts';

/** A generator's cost in solver units: a yuan/kWh², b yuan/kWh, c yuan, capacity kWh. */
export interface CostModel {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly capacity: number;
  /** Benchmark price w (yuan/kWh) when the outside option is on, else NaN. */
  readonly w: number;
  /** Output sold to the grid when nothing is sold directly (0 without the outside option). */
  readonly qw: number;
}

/** The cost model of a generator; w = null when there is no outside option. */
export function costModel(a: number, b: number, c: number, capacity: number, w: number | null): CostModel {
  if (w === null) return { a, b, c, capacity, w: Number.NaN, qw: 0 };
  let qw: number;
  if (a > 0) qw = Math.min(capacity, Math.max(0, (w - b) / (2 * a)));
  else qw = b < w ? capacity : 0;
  return { a, b, c, capacity, w, qw };
}

/** Production cost C(q), yuan. */
export function productionCost(m: CostModel, q: number): number {
  return (m.a * q + m.b) * q + m.c;
}

/** Effective cost E(x) of selling x kWh directly, yuan (includes the grid sales it forgoes). */
export function effectiveCost(m: CostModel, x: number): number {
  if (Number.isNaN(m.w) || x >= m.qw) return productionCost(m, x);
  return productionCost(m, m.qw) - m.w * (m.qw - x);
}

/** Effective marginal cost E'(x), yuan/kWh: max(w, C'(x)). */
export function effectiveMarginal(m: CostModel, x: number): number {
  const mc = 2 * m.a * x + m.b;
  if (Number.isNaN(m.w)) return mc;
  return x < m.qw ? m.w : Math.max(m.w, mc);
}

/** Leader profit p·x − E(x), yuan, at direct price p and direct sales x. */
export function leaderProfit(m: CostModel, p: number, x: number): number {
  return p * x - effectiveCost(m, x);
}

/**
 * Energy (Wh) the generator sells to the grid when it produces only for the grid: the largest output
 * whose marginal cost does not exceed w, in integers. C'(q) in µ¥/kWh is b + 2a·q_Wh/1e9 for the
 * quadratic term a in µ¥/MWh², so q_w = floor(1e9·(w − b)/(2a)), capped at capacity.
 */
export function gridOutputWh(
  capacityWh: bigint,
  quadMicroYuanPerMWh2: bigint,
  linMicroYuanPerKWh: bigint,
  wMicroYuanPerKWh: bigint,
): bigint {
  if (linMicroYuanPerKWh >= wMicroYuanPerKWh) return 0n;
  if (quadMicroYuanPerMWh2 === 0n) return capacityWh;
  const q = (1_000_000_000n * (wMicroYuanPerKWh - linMicroYuanPerKWh)) / (2n * quadMicroYuanPerMWh2);
  return q < capacityWh ? q : capacityWh;
}

/** Production cost of an output in integers, µ¥ (halves rounded up). */
export function productionCostMicroYuan(
  outputWh: bigint,
  quadMicroYuanPerMWh2: bigint,
  linMicroYuanPerKWh: bigint,
  fixedMicroYuan: bigint,
): bigint {
  const variable = divRoundHalfUp(
    quadMicroYuanPerMWh2 * outputWh * outputWh + linMicroYuanPerKWh * outputWh * 1_000_000_000n,
    1_000_000_000_000n,
  );
  return variable + fixedMicroYuan;
}
