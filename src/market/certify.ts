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
 * μ± is closed-form (a Huber function); the remaining convex problem in ν is solved by bracketed
 * Newton steps on its piecewise-linear derivative (minimisingNu).
 *
 * Leader g: the maximum of its profit over its whole own-price range, others fixed, bounded from
 * above by branch and bound with a Lipschitz and a monotonicity bound per interval (priceSearch.ts);
 * a price found that beats the current profit by more than ε is a proven
 * profitable deviation. The result is certified when every bound is ≤ ε, with ε proportional to size.
 */
import { allocationOf } from './allocation.ts';
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
  const followers = Array.from(followerBounds(pm, result, prices, st), (b, j) =>
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

/**
 * The followers' bounds (yuan) at the settled, integer allocation, consumers in priority order
 * (each sees the capacity its betters left). Only generators it buys from, or whose gradient is
 * positive (c_g below R − βσΣy: a prefix of the book), enter its bound: for any other the Huber
 * term is zero at every ν ≥ 0. O(Σ contracts + Σ_j m_j), m_j those generators (a few passes each);
 * the contracts are read in their compact form (allocation.ts).
 */
function followerBounds(
  pm: PreparedMarket,
  result: MarketResult,
  prices: Float64Array,
  st: DemandState,
): Float64Array {
  const { G, J, sigma } = pm;
  const { start, generator: rowG, energyWh: rowWh } = allocationOf(result);
  const remainingWh = Float64Array.from(pm.scenario.generators, (g) => Number(g.capacityWh));
  const { order, c } = st.book;
  // Per-consumer scratch: the generators in its bound (`slot[g]`: position, while `owner[g]` is it).
  const gs = new Int32Array(G);
  const y = new Float64Array(G);
  const grad = new Float64Array(G);
  const room = new Float64Array(G);
  const slot = new Int32Array(G);
  const owner = new Int32Array(G).fill(-1);
  const bounds = new Float64Array(J);
  for (const j of pm.priority) {
    let m = 0;
    let total = 0;
    for (let i = start[j]!; i < start[j + 1]!; i++) {
      const g = rowG[i]!;
      const kWh = rowWh[i]! / 1000;
      if (owner[g] !== j) {
        owner[g] = j;
        gs[m] = g;
        y[m] = 0;
        slot[g] = m++;
      }
      y[slot[g]!] = y[slot[g]!]! + kWh; // two contracts for one pair deliver both
      total += kWh;
    }
    const mu = pm.betaP[j]!; // β(1 − σ): the strong-concavity modulus
    const beta = mu / (1 - sigma);
    const base = pm.R[j]! - beta * sigma * total;
    for (let r = 0; r < G && c[r]! < base; r++) {
      const g = order[r]!;
      if (owner[g] === j) continue;
      owner[g] = j;
      gs[m] = g;
      y[m] = 0;
      slot[g] = m++;
    }
    let top = 0;
    for (let i = 0; i < m; i++) {
      const g = gs[i]!;
      grad[i] = base - prices[g]! - pm.premium[g]! - mu * y[i]!;
      room[i] = Math.max(0, remainingWh[g]! / 1000 - y[i]!);
      if (grad[i]! > top) top = grad[i]!;
    }
    for (let i = start[j]!; i < start[j + 1]!; i++)
      remainingWh[rowG[i]!] = remainingWh[rowG[i]!]! - rowWh[i]!;
    const demandSlack = Math.max(0, pm.D[j]! - total);
    const objective = (nu: number): number => {
      let v = nu * demandSlack;
      for (let i = 0; i < m; i++) {
        const t = grad[i]! - nu;
        const r = t > 0 ? room[i]! : y[i]!; // how far the bound is
        const a = Math.abs(t);
        v += a <= mu * r ? (a * a) / (2 * mu) : a * r - (mu * r * r) / 2;
      }
      return v;
    };
    let bought = 0;
    let gradSum = 0;
    for (let i = 0; i < m; i++) {
      if (y[i]! > 0) {
        bought++;
        gradSum += grad[i]!;
      }
    }
    const nu = minimisingNu(m, grad, y, room, mu, demandSlack, top, bought > 0 ? gradSum / bought : 0);
    bounds[j] = Math.min(objective(0), objective(nu)) * (1 + 1e-9) + 1e-6;
  }
  return bounds;
}

/**
 * A ν ∈ [0, top] minimising ν·slack + Σ_i h_i(grad_i − ν), h_i the Huber term with rooms room_i
 * (above) and y_i (below). Its derivative is slack − u(ν) with u(ν) = Σ_i clamp((grad_i − ν)/μ,
 * −y_i, room_i), nonincreasing and piecewise linear (slope −B/μ, B the unclamped terms), so Newton
 * steps on u(ν) = slack from `start` (the bought generators' mean gradient: the KKT multiplier up to
 * the rounding to whole Wh) land on the root in a step or two; a bracket keeps them inside, halving
 * when a step would leave it. Any ν gives a valid bound: this only decides how tight it is.
 */
function minimisingNu(
  m: number,
  grad: Float64Array,
  y: Float64Array,
  room: Float64Array,
  mu: number,
  slack: number,
  top: number,
  start: number,
): number {
  let unclamped = 0;
  const excess = (nu: number): number => {
    let u = 0;
    unclamped = 0;
    for (let i = 0; i < m; i++) {
      const v = (grad[i]! - nu) / mu;
      if (v >= room[i]!) u += room[i]!;
      else if (v <= -y[i]!) u -= y[i]!;
      else {
        u += v;
        unclamped++;
      }
    }
    return u - slack;
  };
  if (excess(0) <= 0) return 0;
  let lo = 0; // excess > 0 here: the minimum lies above
  let hi = top; // excess ≤ 0 at top: every gradient is at most top
  let nu = Math.min(top, Math.max(0, start));
  for (let step = 0; step < 64; step++) {
    const e = excess(nu);
    if (e > 0) lo = nu;
    else hi = nu;
    if (e === 0) return nu;
    let next = unclamped > 0 ? nu + (e * mu) / unclamped : lo + (hi - lo) / 2;
    if (next === nu) return nu; // converged to rounding
    if (!(next > lo && next < hi)) next = lo + (hi - lo) / 2;
    if (next === lo || next === hi) return nu;
    nu = next;
  }
  return nu;
}
