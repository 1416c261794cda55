/**
 * Certification of a settled round (docs/market-model.md §6): an upper bound, in µ¥, on what any
 * single participant could gain by deviating alone, computed from the model, not assumed.
 *
 * Follower j (μ_j = β_j(1 − σ)-strongly concave utility U_j on F_j = {0 ≤ y ≤ u, Σy ≤ D}, with u the
 * capacity left by higher-priority consumers): for any multipliers ν, μ⁺, μ⁻ ≥ 0 and r = ∇U(y) − v,
 * v = ν·1 + μ⁺ − μ⁻, concavity gives for every feasible z
 *   U(z) ≤ U(y) + ‖r‖²/(2μ) + ν·(D − Σy) + Σ μ⁺_g (u_g − y_g) + Σ μ⁻_g y_g,
 * so the bound is the minimum of the right side over the multipliers (exact KKT points give 0; the
 * slack terms keep it rigorous after quantisation to whole Wh). Per coordinate the minimum over
 * μ± is closed-form (a Huber function); the remaining convex problem in ν is solved by ternary search.
 *
 * Leader g: the maximum of its profit over its whole own-price range, others fixed, bounded from
 * above by branch and bound with a Lipschitz and a monotonicity bound per interval (priceSearch.ts);
 * a price found that beats the current profit by more than ε is a proven
 * profitable deviation. The result is certified when every bound is ≤ ε, with ε proportional to size.
 */
import { type DemandState, demandAt } from './followers.ts';
import { type PreparedMarket, prepare } from './prepared.ts';
import { searchOwnPrice } from './priceSearch.ts';
import type { MarketResult } from './stackelberg.ts';

/** Certification settings. */
export interface CertifyOptions {
  /** ε per kWh of the participant's size (capacity or demand), µ¥/kWh. Default 100 (0.01 fen/kWh). */
  readonly epsilonMicroYuanPerKWh?: number;
  /** Initial grid intervals per leader. */
  readonly initialGrid?: number;
  /** Most profit evaluations per leader before its bound is reported unresolved. */
  readonly maxEvaluations?: number;
}

/** The bound for one participant. */
export interface ParticipantBound {
  readonly id: string;
  readonly role: 'generator' | 'consumer';
  /** Upper bound on the gain from a unilateral deviation, µ¥ (≥ 0). */
  readonly boundMicroYuan: number;
  /** Capacity or demand, kWh. */
  readonly sizeKWh: number;
  /** bound / size, µ¥ per kWh. */
  readonly gapMicroYuanPerKWh: number;
  readonly certified: boolean;
  /** A gain actually attained by the best deviation found, µ¥ (leaders only; 0 if none). */
  readonly provenGainMicroYuan: number;
  /** The price of that deviation, µ¥/kWh (leaders only; null if it gains nothing). */
  readonly deviationMicroYuanPerKWh: number | null;
}

/** A round's certificate. */
export interface Certificate {
  readonly epsilonMicroYuanPerKWh: number;
  readonly certified: boolean;
  /** Largest leader and follower gaps, µ¥/kWh. */
  readonly maxLeaderGap: number;
  readonly maxFollowerGap: number;
  /** Largest bounds, µ¥. */
  readonly maxLeaderBoundMicroYuan: number;
  readonly maxFollowerBoundMicroYuan: number;
  readonly leaders: readonly ParticipantBound[];
  readonly followers: readonly ParticipantBound[];
  /** Profit evaluations used by the leaders' branch and bound. */
  readonly evaluations: number;
}

const DEFAULTS: Required<CertifyOptions> = {
  epsilonMicroYuanPerKWh: 100,
  initialGrid: 128,
  maxEvaluations: 4000,
};

/** Certifies a settled result against its scenario. */
export function certify(result: MarketResult, options: CertifyOptions = {}): Certificate {
  const o = { ...DEFAULTS, ...options };
  const pm = prepare(result.scenario);
  const prices = Float64Array.from(result.prices, (p) => Number(p.priceMicroYuanPerKWh) / 1e6);
  const st = demandAt(pm, prices);
  let evaluations = 0;
  const leaders = pm.scenario.generators.map((gen, g) => {
    const r = leaderBound(pm, st, g, o);
    evaluations += r.evaluations;
    const size = pm.cost[g]!.capacity;
    return bound(gen.id, 'generator', r.bound * 1e6, size, o.epsilonMicroYuanPerKWh, r.proven * 1e6, r.at);
  });
  const followers = followerBounds(pm, result, prices).map((b, j) =>
    bound(pm.scenario.consumers[j]!.id, 'consumer', b * 1e6, pm.D[j]!, o.epsilonMicroYuanPerKWh, 0, null),
  );
  const max = (xs: readonly ParticipantBound[], f: (x: ParticipantBound) => number): number =>
    xs.reduce((m, x) => Math.max(m, f(x)), 0);
  return {
    epsilonMicroYuanPerKWh: o.epsilonMicroYuanPerKWh,
    certified: leaders.every((x) => x.certified) && followers.every((x) => x.certified),
    maxLeaderGap: max(leaders, (x) => x.gapMicroYuanPerKWh),
    maxFollowerGap: max(followers, (x) => x.gapMicroYuanPerKWh),
    maxLeaderBoundMicroYuan: max(leaders, (x) => x.boundMicroYuan),
    maxFollowerBoundMicroYuan: max(followers, (x) => x.boundMicroYuan),
    leaders,
    followers,
    evaluations,
  };
}

function bound(
  id: string,
  role: 'generator' | 'consumer',
  boundMicroYuan: number,
  sizeKWh: number,
  eps: number,
  provenGainMicroYuan: number,
  at: number | null,
): ParticipantBound {
  const b = Math.max(0, boundMicroYuan);
  const gap = b / sizeKWh;
  return {
    id,
    role,
    boundMicroYuan: b,
    sizeKWh,
    gapMicroYuanPerKWh: gap,
    certified: gap <= eps,
    provenGainMicroYuan: Math.max(0, provenGainMicroYuan),
    deviationMicroYuanPerKWh: provenGainMicroYuan > 0 && at !== null ? at * 1e6 : null,
  };
}

/** The leader's bound: a certifying search of its whole price range (priceSearch.ts). */
function leaderBound(
  pm: PreparedMarket,
  st: DemandState,
  g: number,
  o: Required<CertifyOptions>,
): { bound: number; proven: number; at: number | null; evaluations: number } {
  return searchOwnPrice(pm, st, g, {
    epsilon: o.epsilonMicroYuanPerKWh * 1e-6 * pm.cost[g]!.capacity,
    initialGrid: o.initialGrid,
    maxEvaluations: o.maxEvaluations,
    mode: 'certify',
  });
}

/** The followers' bounds (yuan) at the settled, integer allocation. */
function followerBounds(pm: PreparedMarket, result: MarketResult, prices: Float64Array): number[] {
  const { G, J, sigma } = pm;
  const gIndex = new Map(pm.scenario.generators.map((g, i) => [g.id, i]));
  const jIndex = new Map(pm.scenario.consumers.map((c, j) => [c.id, j]));
  const filled: bigint[][] = Array.from({ length: J }, () => new Array<bigint>(G).fill(0n));
  for (const k of result.contracts)
    filled[jIndex.get(k.consumerId)!]![gIndex.get(k.generatorId)!] = k.energyWh;
  const remaining = pm.scenario.generators.map((g) => g.capacityWh);
  const bounds = new Array<number>(J).fill(0);
  for (const j of pm.priority) {
    const row = filled[j]!;
    const y = Float64Array.from(row, (e) => Number(e) / 1000);
    const cap = Float64Array.from(remaining, (e) => Number(e) / 1000);
    for (let g = 0; g < G; g++) remaining[g] = remaining[g]! - row[g]!;
    const beta = pm.betaP[j]! / (1 - sigma);
    const mu = pm.betaP[j]!;
    let total = 0;
    for (let g = 0; g < G; g++) total += y[g]!;
    const grad = new Float64Array(G);
    let top = 0;
    for (let g = 0; g < G; g++) {
      const margin = pm.R[j]! - prices[g]! - pm.premium[g]!;
      grad[g] = margin - beta * ((1 - sigma) * y[g]! + sigma * total);
      top = Math.max(top, grad[g]!);
    }
    const demandSlack = Math.max(0, pm.D[j]! - total);
    const objective = (nu: number): number => {
      let v = nu * demandSlack;
      for (let g = 0; g < G; g++) {
        const t = grad[g]! - nu;
        const room = t > 0 ? Math.max(0, cap[g]! - y[g]!) : y[g]!; // how far the bound is
        const a = Math.abs(t);
        v += a <= mu * room ? (a * a) / (2 * mu) : a * room - (mu * room * room) / 2;
      }
      return v;
    };
    bounds[j] = minimiseConvex(objective, 0, top + 1) * (1 + 1e-9) + 1e-6;
  }
  return bounds;
}

/** Minimum of a convex function on [a, b] by ternary search (deterministic, 200 steps). */
function minimiseConvex(f: (x: number) => number, a: number, b: number): number {
  let lo = a;
  let hi = b;
  for (let i = 0; i < 200; i++) {
    const m1 = lo + (hi - lo) / 3;
    const m2 = hi - (hi - lo) / 3;
    if (f(m1) <= f(m2)) hi = m2;
    else lo = m1;
  }
  return Math.min(f(a), f(lo + (hi - lo) / 2));
}
