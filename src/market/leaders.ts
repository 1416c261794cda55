/**
 * The leaders' side (docs/market-model.md §3–§4). Generator g sells X = min(K_g, x_g(p)) where
 * x_g is the followers' total order, and earns Π_g = p_g·X − E_g(X). Its best response on the
 * current linear piece of x_g (x = x₀ − S·(q − p)) is closed-form: in terms of quantity X the profit
 * (A₀ − X/S)·X − E(X), with A₀ = p + x₀/S the choke price, is concave, so
 *   X* = (A₀ − w)·S/2           where E' = w (below q_w),
 *   X* = (A₀ − b)/(2/S + 2a)    where E' = C' = 2aX + b,
 * clipped to [0, min(K, x at the floor price)], and q* = p + (x₀ − X*)/S. A generator without
 * buyers (S = 0) re-enters at the monopoly price of the linear demand that starts at its entry price.
 */
import { type DemandState, deviationDemand, type OthersBook, othersBook } from './followers.ts';
import { leaderProfit } from './generatorCost.ts';
import type { PreparedMarket } from './prepared.ts';

/** Highest price at which generator g can have a buyer: max_j R_j − θ(1 − r_g). */
export function ceilingPrice(pm: PreparedMarket, g: number): number {
  return pm.maxR - pm.premium[g]!;
}

/** Generator g's best response on the current linear piece of its demand. */
export function localBestResponse(pm: PreparedMarket, st: DemandState, g: number): number {
  const m = pm.cost[g]!;
  const p = st.prices[g]!;
  const lo = pm.floorPrice[g]!;
  const hi = Math.max(lo, ceilingPrice(pm, g));
  const x0 = st.demand[g]!;
  const S = st.slope[g]!;
  if (!(S > 0)) {
    if (x0 > 0) return hi; // locally inelastic: raising the price loses nothing on this piece
    const entry = st.entryBound - pm.premium[g]!;
    // Priced out even at its floor: every price at or above the floor sells nothing and earns the
    // same, so it stays where it is (a jump to the ceiling would count as a step of the whole
    // price range, and leaders hovering at the edge of the market would keep the residual there).
    return entry > lo ? Math.min(hi, (entry + lo) / 2) : p;
  }
  const A0 = p + x0 / S;
  const wNaN = Number.isNaN(m.w);
  let X: number;
  if (!wNaN && A0 - (2 * m.qw) / S - m.w <= 0) X = ((A0 - m.w) * S) / 2;
  else X = (A0 - m.b) / (2 / S + 2 * m.a);
  const xMax = Math.min(m.capacity, x0 + S * (p - lo));
  if (X > xMax) X = xMax;
  if (X < 0) X = 0;
  const q = p + (x0 - X) / S;
  return Math.min(hi, Math.max(lo, q));
}

/** Generator g's profit (yuan) if it alone moved to price q. */
export function deviationProfit(pm: PreparedMarket, ob: OthersBook, q: number): number {
  const m = pm.cost[ob.g]!;
  const x = Math.min(m.capacity, deviationDemand(pm, ob, q).demand);
  return leaderProfit(m, q, x);
}

/** Generator g's profit (yuan) at the state's prices. */
export function currentProfit(pm: PreparedMarket, st: DemandState, g: number): number {
  const m = pm.cost[g]!;
  return leaderProfit(m, st.prices[g]!, Math.min(m.capacity, st.demand[g]!));
}

/**
 * The best of `n` evenly spaced prices on [floor, ceiling] for generator g, others fixed (a coarse
 * global look that catches a better local optimum the piecewise Newton steps cannot see).
 */
export function gridBestResponse(
  pm: PreparedMarket,
  st: DemandState,
  g: number,
  n: number,
): { price: number; profit: number } {
  const ob = othersBook(st, g);
  const lo = pm.floorPrice[g]!;
  const hi = Math.max(lo, ceilingPrice(pm, g));
  let best = { price: st.prices[g]!, profit: currentProfit(pm, st, g) };
  for (let i = 0; i <= n; i++) {
    const q = lo + ((hi - lo) * i) / n;
    const profit = deviationProfit(pm, ob, q);
    if (profit > best.profit) best = { price: q, profit };
  }
  return best;
}

/**
 * Generator g's exact best response, others fixed: the best of `n` evenly spaced prices on
 * [floor, ceiling], refined by golden-section search between its neighbours (the profit is
 * piecewise quadratic; near the best grid point it is unimodal for a fine enough grid), compared
 * with staying put. Costs about n + 60 demand evaluations.
 */
export function exactBestResponse(pm: PreparedMarket, st: DemandState, g: number, n = 48): number {
  const ob = othersBook(st, g);
  const lo = pm.floorPrice[g]!;
  const hi = Math.max(lo, ceilingPrice(pm, g));
  const f = (q: number): number => deviationProfit(pm, ob, q);
  let bestQ = st.prices[g]!;
  let best = f(bestQ);
  if (!(hi > lo)) return bestQ;
  let bi = -1;
  let gridBest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= n; i++) {
    const v = f(lo + ((hi - lo) * i) / n);
    if (v > gridBest) {
      gridBest = v;
      bi = i;
    }
  }
  let a = lo + ((hi - lo) * Math.max(0, bi - 1)) / n;
  let b = lo + ((hi - lo) * Math.min(n, bi + 1)) / n;
  const phi = (Math.sqrt(5) - 1) / 2;
  let x1 = b - phi * (b - a);
  let x2 = a + phi * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < 60 && b - a > 1e-12; i++) {
    if (f1 >= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - phi * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + phi * (b - a);
      f2 = f(x2);
    }
  }
  const cand = f1 >= f2 ? x1 : x2;
  const candV = Math.max(f1, f2);
  if (candV > best + 1e-12 * Math.abs(best)) {
    bestQ = cand;
    best = candV;
  }
  const gq = lo + ((hi - lo) * bi) / n;
  if (gridBest > best + 1e-12 * Math.abs(best)) bestQ = gq;
  return bestQ;
}
