/**
 * A leader's whole price range, searched rigorously (docs/market-model.md §6.2): branch and bound
 * over generator g's own price q with every other price fixed. Its profit is
 * Π(q) = q·X(q) − E(X(q)), X = min(K, x_g(q)), and x_g is nonincreasing, so prices below E'(0)
 * earn at most −E(0) (what selling nothing earns) and prices above max_j R_j − θ(1 − r_g) sell
 * nothing. On an interval [a, b] of the rest, two upper bounds hold and the smaller counts:
 *   Lipschitz: |Π'| ≤ L = X(a) + max(|a − E'(X(a))|, |b − E'(X(b))|)·Σ_{j buying at a} 1/β'_j,
 *              so max_[a,b] Π ≤ (Π(a) + Π(b) + L·(b − a))/2;
 *   monotone:  X ∈ [X(b), X(a)] and E is nondecreasing, so Π ≤ b·X(a) − E(X(b))
 *              (tight where demand is flat, i.e. where buyers' demand constraints bind).
 * Intervals are split (depth first, low prices first: deterministic) until their bound cannot beat
 * the best profit found by more than a resolution. The result is an upper bound on any deviation's
 * gain and the best deviation actually found — a certificate and a global best response at once.
 */
import { type DemandState, deviationDemand, othersBook } from './followers.ts';
import { effectiveCost, effectiveMarginal, leaderProfit } from './generatorCost.ts';
import { ceilingPrice } from './leaders.ts';
import type { PreparedMarket } from './prepared.ts';

/** What the search found, in yuan. */
export interface PriceSearch {
  /** Profit at the current prices. */
  readonly now: number;
  /** Upper bound on the gain of any deviation (≥ 0). */
  readonly bound: number;
  /** Gain of the best deviation evaluated (≥ 0). */
  readonly proven: number;
  /** Its price, yuan/kWh (null when nothing beats staying put). */
  readonly at: number | null;
  readonly evaluations: number;
}

/** How hard to search. */
export interface PriceSearchOptions {
  /** The leader's ε, yuan. */
  readonly epsilon: number;
  /** Initial grid intervals. */
  readonly initialGrid: number;
  /** Most profit evaluations before the remaining intervals are reported with their bounds. */
  readonly maxEvaluations: number;
  /**
   * 'certify': stop refining once a deviation beats ε (no certificate is possible), and refine
   * finer when the best found is close to ε; 'respond': find the best price to within ε/8.
   */
  readonly mode: 'certify' | 'respond';
}

interface Sample {
  readonly q: number;
  readonly profit: number;
  readonly sold: number;
  readonly slopeBound: number;
}

/** Searches generator g's own price range at the state's other prices. */
export function searchOwnPrice(
  pm: PreparedMarket,
  st: DemandState,
  g: number,
  o: PriceSearchOptions,
): PriceSearch {
  const m = pm.cost[g]!;
  const now = leaderProfit(m, st.prices[g]!, Math.min(m.capacity, st.demand[g]!));
  const eps = o.epsilon;
  const slack = (v: number): number => v + 1e-9 * Math.abs(v) + 1e-6; // float safety, yuan
  const idle = -effectiveCost(m, 0); // selling nothing
  const lo = pm.floorPrice[g]!;
  const hi = ceilingPrice(pm, g);
  let best = slack(idle);
  let proven = idle - now;
  let at: number | null = proven > 0 ? Math.max(hi, lo) : null; // selling nothing: price at the ceiling
  if (!(hi > lo))
    return { now, bound: Math.max(0, best - now), proven: Math.max(0, proven), at, evaluations: 0 };
  const ob = othersBook(st, g);
  let evaluations = 0;
  const sample = (q: number): Sample => {
    evaluations++;
    const d = deviationDemand(pm, ob, q);
    const sold = Math.min(m.capacity, d.demand);
    const profit = leaderProfit(m, q, sold);
    if (profit - now > proven) {
      proven = profit - now;
      at = q;
    }
    return { q, profit, sold, slopeBound: d.slopeBound };
  };
  const upper = (a: Sample, b: Sample): number => {
    const gapA = Math.abs(a.q - effectiveMarginal(m, a.sold));
    const gapB = Math.abs(b.q - effectiveMarginal(m, b.sold));
    const L = a.sold + Math.max(gapA, gapB) * a.slopeBound;
    const lipschitz = (a.profit + b.profit + L * (b.q - a.q)) / 2;
    const monotone = b.q * a.sold - effectiveCost(m, b.sold);
    return slack(Math.min(lipschitz, monotone));
  };
  const n = o.initialGrid;
  const pts: Sample[] = [];
  for (let i = 0; i <= n; i++) pts.push(sample(i === n ? hi : lo + ((hi - lo) * i) / n));
  const stack: [Sample, Sample][] = [];
  for (let i = n - 1; i >= 0; i--) stack.push([pts[i]!, pts[i + 1]!]);
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const u = upper(a, b);
    const found = Math.max(0, proven);
    // Certifying: ε/8 above the best found, or half the room left below ε when that is less
    // (down to ε/1024), so a true gain just under ε can still be certified. Responding: ε/8.
    const resolution =
      o.mode === 'certify' ? Math.min(eps / 8, Math.max((eps - found) / 2, eps / 1024)) : eps / 8;
    const hopeless = o.mode === 'certify' && proven > eps; // a real violation: nothing to certify
    if (
      u <= now + found + resolution ||
      hopeless ||
      evaluations >= o.maxEvaluations ||
      !(b.q - a.q > 1e-12)
    ) {
      if (u > best) best = u;
      continue;
    }
    const mid = sample(a.q + (b.q - a.q) / 2);
    stack.push([mid, b], [a, mid]);
  }
  return { now, bound: Math.max(0, best - now), proven: Math.max(0, proven), at, evaluations };
}
