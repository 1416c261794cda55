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
 * then takes from its lowest-priority buyer. Each such generator gets the side whose worst case
 * costs less per kWh of the party's own size: the generator's markup·δ/K (keep headroom: its
 * capacity is reduced by δ/2, so its own rounding error can never oversubscribe it) against the
 * buyer's loss ν·δ/D, ν the multiplier of its demand constraint (zero when its demand does not bind:
 * then rationing costs it only second-order; sell out: allowed to be oversubscribed by up to δ).
 * With headroom decided, the leaders' iteration resumes from the equilibrium (a few steps).
 */
export function roundingPlan(
  pm: PreparedMarket,
  prices: Float64Array,
): { prices: Float64Array; iterations: number; tolerance: Float64Array } {
  const st = demandAt(pm, prices);
  const tolerance = new Float64Array(pm.G);
  // The lowest-priority buyer of each generator, and its λ and demand: going up from the lowest
  // priority, each consumer is the last buyer of the ranks its prefix reaches beyond those claimed.
  const last = new Int32Array(pm.G).fill(-1);
  let claimed = 0;
  const prefix = st.k;
  for (let i = pm.J - 1; i >= 0 && claimed < pm.G; i--) {
    const j = pm.priority[i]!;
    for (; claimed < prefix[j]!; claimed++) last[st.book.order[claimed]!] = j;
  }
  let any = false;
  const cost = pm.cost.map((m, g) => {
    const delta = st.slope[g]! * 1e-6;
    // Capacity-bound at the scale rounding works at: within one µ¥/kWh's worth of demand.
    if (st.demand[g]! < m.capacity - Math.max(delta, m.capacity * 1e-9)) return m;
    const markup = Math.max(0, prices[g]! - effectiveMarginal(m, m.capacity));
    const j = last[g]!;
    // The buyer's first-order loss per kWh rationed is its demand constraint's multiplier ν.
    const nu =
      j < 0 || st.bound[j] === 0 ? 0 : st.lambda[j]! - (pm.betaP[j]! * pm.sigma * pm.D[j]!) / (1 - pm.sigma);
    const buyerCost = j < 0 ? 0 : (Math.max(0, nu) * delta) / pm.D[j]!;
    if (buyerCost < (markup * delta) / m.capacity) {
      tolerance[g] = delta; // sell out
      return m;
    }
    any = true;
    const capacity = Math.max(0, m.capacity - delta / 2);
    return { ...m, capacity, qw: Math.min(m.qw, capacity) };
  });
  if (!any) return { prices, iterations: 0, tolerance };
  const eq = findEquilibrium({ ...pm, cost }, { start: prices, globalGrid: 0 });
  return { prices: eq.prices, iterations: eq.iterations, tolerance };
}
