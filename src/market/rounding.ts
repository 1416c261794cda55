/**
 * From float equilibrium prices to whole µ¥/kWh (docs/market-model.md §5): the rounding plan at
 * capacity kinks (sell out, or keep headroom and re-solve), then rounding by error diffusion along
 * the generators' ranking (every consumer's prefix sums stay within 0.5 µ¥), then ±1 µ¥ repairs
 * until no generator is oversubscribed beyond its plan.
 */
import { findEquilibrium } from './equilibrium.ts';
import { demandAt, makeBook } from './followers.ts';
import { effectiveMarginal } from './generatorCost.ts';
import type { PreparedMarket } from './prepared.ts';

/**
 * Quantises prices to µ¥/kWh. Every consumer buys from a prefix of the generators ranked by
 * reputation-adjusted price, and its solution (λ, when its demand constraint binds, which kinks of
 * the leaders' profits sit where) depends on the prefix sums of those prices. Rounding each price
 * on its own would move a k-long prefix sum by up to k/2 µ¥ and shift the kinks that equilibria sit
 * on, so prices are rounded by error diffusion along the ranking: each prefix sum stays within
 * 0.5 µ¥ of its exact value. Then, 1 µ¥/kWh at a time (at most 64 passes), a generator whose
 * demand exceeds its capacity plus the tolerance its rounding plan allows raises its price (else
 * its lowest-priority buyer would be rationed by rounding alone), and one whose plan is to sell out
 * lowers it until its demand fills its capacity.
 */
export function quantisedPrices(
  pm: PreparedMarket,
  prices: Float64Array,
  tolerance: Float64Array = new Float64Array(pm.G),
): bigint[] {
  const q = new Array<bigint>(pm.G).fill(0n);
  const { order } = makeBook(pm, prices);
  let carry = 0;
  for (const g of order) {
    const exact = prices[g]! * 1e6 + carry;
    const rounded = Math.floor(exact + 0.5);
    carry = exact - rounded;
    q[g] = BigInt(rounded);
  }
  const asFloat = (): Float64Array => Float64Array.from(q, (x) => Number(x) / 1e6);
  let st = demandAt(pm, asFloat());
  for (let pass = 0; pass < 64; pass++) {
    let moved = false;
    for (let g = 0; g < pm.G; g++) {
      const cap = pm.cost[g]!.capacity;
      if (st.demand[g]! > cap + tolerance[g]!) {
        q[g] = q[g]! + 1n; // oversubscribed beyond what its plan allows
        moved = true;
      } else if (tolerance[g]! > 0 && st.demand[g]! < cap * (1 - 1e-12) && q[g]! > 0n) {
        q[g] = q[g]! - 1n; // a generator that sells out rounds down to fill its capacity
        moved = true;
      }
    }
    if (!moved) break;
    st = demandAt(pm, asFloat());
  }
  return q;
}

/**
 * Rounding at capacity kinks. A generator whose demand meets its capacity at the float equilibrium
 * cannot, with whole-µ¥ prices, clear exactly: rounding may leave up to one µ¥/kWh's worth of its
 * demand (δ = slope × 1e-6 kWh) unsold, or oversubscribe it by as much, which priority rationing
 * then takes from its buyers, lowest priority first. Each such generator gets the side whose worst
 * case costs less per kWh of the party's own size: the generator's markup·δ/K (keep headroom: its
 * capacity is reduced by δ/2, so its own rounding error can never oversubscribe it) against the
 * largest bound the follower certificate (certify.ts, §6.1) would give any buyer rationing reaches
 * (sell out: allowed to be oversubscribed by up to δ). δ is the slope of the whole market's demand:
 * in a large round it is many buyers' orders, so rationing takes whole orders from the
 * lowest-priority buyers up until δ is covered, and every buyer reached counts, not only the last.
 * A buyer cut by x sees its gradient rise by βσx on the k − 1 generators it still buys from (ν, its
 * demand constraint's multiplier, zero when its demand does not bind, elsewhere); the certificate
 * pays for that either as ν′ times its slack s + x or as a residual over those k − 1 generators:
 * with a = βσx and t = min(ν + a, β'(s + x)/(k − 1)), the bound is (ν + a − t)(s + x) + (k − 1)t²/(2β').
 * For a buyer whose demand binds and whose cut is small this is ν·x, as before; for one whose demand
 * does not bind it is not second-order: its slack makes the common rise costly to certify.
 * With headroom decided, the leaders' iteration resumes from the equilibrium (a few steps).
 */
export function roundingPlan(
  pm: PreparedMarket,
  prices: Float64Array,
): { prices: Float64Array; iterations: number; tolerance: Float64Array } {
  const st = demandAt(pm, prices);
  const tolerance = new Float64Array(pm.G);
  const { order, c, pre } = st.book;
  const { k: prefix, lambda } = st;
  // Capacity-bound at the scale rounding works at: within one µ¥/kWh's worth of demand.
  const delta = new Float64Array(pm.G);
  const rank = new Int32Array(pm.G);
  const kink = new Uint8Array(pm.G);
  const open: number[] = []; // kink generators whose δ rationing has not yet covered, by rank
  for (let r = 0; r < pm.G; r++) {
    const g = order[r]!;
    const cap = pm.cost[g]!.capacity;
    rank[g] = r;
    delta[g] = st.slope[g]! * 1e-6;
    if (st.demand[g]! >= cap - Math.max(delta[g]!, cap * 1e-9)) {
      kink[g] = 1;
      open.push(g);
    }
  }
  if (open.length === 0) return { prices, iterations: 0, tolerance };
  // Each kink generator's worst buyer bound if it sells out: going up from the lowest priority,
  // each buyer's order is taken whole until δ is covered (the last buyer reached in part). O(J)
  // plus one step per (buyer, generator) cut.
  const left = Float64Array.from(delta);
  const buyerCost = new Float64Array(pm.G);
  const coupling = pm.sigma / (1 - pm.sigma); // βσ = β'σ/(1 − σ)
  for (let i = pm.J - 1; i >= 0 && open.length > 0; i--) {
    const j = pm.priority[i]!;
    const k = prefix[j]!;
    const bp = pm.betaP[j]!;
    let kept = 0;
    let slack = -1; // computed on first use
    for (let o = 0; o < open.length; o++) {
      const g = open[o]!;
      const y = rank[g]! < k ? (pm.R[j]! - c[rank[g]!]! - lambda[j]!) / bp : 0;
      if (y > 0) {
        const x = Math.min(y, left[g]!);
        left[g] = left[g]! - x;
        if (slack < 0)
          slack =
            st.bound[j] === 1 ? 0 : Math.max(0, pm.D[j]! - (k * (pm.R[j]! - lambda[j]!) - pre[k]!) / bp);
        const nu =
          st.bound[j] === 0 ? 0 : Math.max(0, lambda[j]! - (bp * pm.sigma * pm.D[j]!) / (1 - pm.sigma));
        const s = slack + x;
        const a = coupling * bp * x;
        const m = Math.max(1, k - 1);
        const t = Math.min(nu + a, (bp * s) / m);
        const bound = ((nu + a - t) * s + (m * t * t) / (2 * bp)) / pm.D[j]!;
        if (bound > buyerCost[g]!) buyerCost[g] = bound;
      }
      if (left[g]! > 0) open[kept++] = g;
    }
    open.length = kept;
  }
  let any = false;
  const cost = pm.cost.map((m, g) => {
    if (kink[g] === 0) return m;
    const markup = Math.max(0, prices[g]! - effectiveMarginal(m, m.capacity));
    if (buyerCost[g]! < (markup * delta[g]!) / m.capacity) {
      tolerance[g] = delta[g]!; // sell out
      return m;
    }
    any = true;
    const capacity = Math.max(0, m.capacity - delta[g]! / 2);
    return { ...m, capacity, qw: Math.min(m.qw, capacity) };
  });
  if (!any) return { prices, iterations: 0, tolerance };
  const eq = findEquilibrium({ ...pm, cost }, { start: prices, globalGrid: 0 });
  return { prices: eq.prices, iterations: eq.iterations, tolerance };
}
