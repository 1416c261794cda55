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
 * largest loss per kWh of demand among the buyers rationing would reach (sell out: allowed to be
 * oversubscribed by up to δ). δ is the slope of the whole market's demand, so in a large round it is
 * many buyers' orders: rationing takes whole orders from the lowest-priority buyers up, and those
 * same buyers are rationed at every generator that sells out. A buyer cut by x (Σx over the
 * generators decided to sell out so far, in index order) loses at most
 * ν·Σx + (β'/2)·Σx² + (β'σ/(2(1 − σ)))·(Σx)² (its utility is quadratic and its gradient is ν, the
 * multiplier of its demand constraint, on every generator it buys from; zero when its demand does
 * not bind). With headroom decided, the leaders' iteration resumes from the equilibrium (a few
 * steps).
 */
export function roundingPlan(
  pm: PreparedMarket,
  prices: Float64Array,
): { prices: Float64Array; iterations: number; tolerance: Float64Array } {
  const st = demandAt(pm, prices);
  const tolerance = new Float64Array(pm.G);
  const { order, c } = st.book;
  // Capacity-bound at the scale rounding works at: within one µ¥/kWh's worth of demand.
  const delta = new Float64Array(pm.G);
  const rank = new Int32Array(pm.G);
  const open: number[] = []; // kink generators whose δ is not yet covered, by rank
  for (let r = 0; r < pm.G; r++) {
    const g = order[r]!;
    rank[g] = r;
    delta[g] = st.slope[g]! * 1e-6;
    if (st.demand[g]! >= pm.cost[g]!.capacity - Math.max(delta[g]!, pm.cost[g]!.capacity * 1e-9)) open.push(g);
  }
  if (open.length === 0) return { prices, iterations: 0, tolerance };
  // Who rationing δ would reach at each kink generator: going up from the lowest priority, each
  // buyer's order is taken whole until δ is covered (the last one reached in part).
  const left = Float64Array.from(delta);
  const cutG: number[] = [];
  const cutJ: number[] = [];
  const cutX: number[] = [];
  const { k: prefix, lambda } = st;
  for (let i = pm.J - 1; i >= 0 && open.length > 0; i--) {
    const j = pm.priority[i]!;
    let kept = 0;
    for (let o = 0; o < open.length; o++) {
      const g = open[o]!;
      if (rank[g]! < prefix[j]!) {
        const y = (pm.R[j]! - c[rank[g]!]! - lambda[j]!) / pm.betaP[j]!;
        if (y > 0) {
          const x = Math.min(y, left[g]!);
          cutG.push(g);
          cutJ.push(j);
          cutX.push(x);
          left[g] = left[g]! - x;
        }
      }
      if (left[g]! > 0) open[kept++] = g;
    }
    open.length = kept;
  }
  // The cuts by generator (stable: each generator's buyers from the lowest priority up).
  const first = new Int32Array(pm.G + 1);
  for (const g of cutG) first[g + 1] = first[g + 1]! + 1;
  for (let g = 0; g < pm.G; g++) first[g + 1] = first[g + 1]! + first[g]!;
  const at = first.slice(0, pm.G);
  const byG = new Int32Array(cutG.length);
  for (let n = 0; n < cutG.length; n++) byG[at[cutG[n]!]!++] = n;
  // Each buyer's cuts at the generators decided to sell out so far: Σx and Σx².
  const sum = new Map<number, number>();
  const sumSq = new Map<number, number>();
  const count = new Map<number, number>();
  const coupling = pm.sigma / (2 * (1 - pm.sigma));
  let any = false;
  const cost = pm.cost.map((m, g) => {
    if (!(st.demand[g]! >= m.capacity - Math.max(delta[g]!, m.capacity * 1e-9))) return m;
    const markup = Math.max(0, prices[g]! - effectiveMarginal(m, m.capacity));
    let buyerCost = 0;
    for (let n = first[g]!; n < first[g + 1]!; n++) {
      const e = byG[n]!;
      const j = cutJ[e]!;
      const x = cutX[e]!;
      // The buyer's gradient on every generator it buys from is its demand multiplier ν.
      const nu =
        st.bound[j] === 0 ? 0 : Math.max(0, lambda[j]! - (pm.betaP[j]! * pm.sigma * pm.D[j]!) / (1 - pm.sigma));
      const V = process.env.RV ?? '';
      const sx = (V.includes('a') ? 0 : (sum.get(j) ?? 0)) + x;
      const sx2 = (V.includes('a') ? 0 : (sumSq.get(j) ?? 0)) + x * x;
      let loss = nu * sx + (V.includes('q') ? 0 : pm.betaP[j]! * (0.5 * sx2 + coupling * sx * sx));
      if (V.includes('c')) {
        const bp = pm.betaP[j]!;
        const k = prefix[j]!;
        const cutCount = (count.get(j) ?? 0) + 1;
        const slack = st.bound[j] === 1 ? 0 : Math.max(0, pm.D[j]! - (k * (pm.R[j]! - lambda[j]!) - st.book.pre[k]!) / bp);
        const S = slack + sx;
        const a = (bp / (1 - pm.sigma)) * pm.sigma * sx;
        const m = Math.max(1, k - cutCount);
        const t = Math.min(nu + a, (bp * S) / m);
        loss = (nu + a - t) * S + (m * t * t) / (2 * bp);
      }
      buyerCost = Math.max(buyerCost, loss / pm.D[j]!);
    }
    if (process.env.RDBG) console.error('plan g', g, 'genCost', ((markup * delta[g]!) / m.capacity) * 1e6, 'buyerCost', buyerCost * 1e6, 'buyers', first[g + 1]! - first[g]!, 'delta', delta[g], 'K', m.capacity);
    if (buyerCost < (markup * delta[g]!) / m.capacity) {
      tolerance[g] = delta[g]!; // sell out
      for (let n = first[g]!; n < first[g + 1]!; n++) {
        const e = byG[n]!;
        const j = cutJ[e]!;
        const x = cutX[e]!;
        sum.set(j, (sum.get(j) ?? 0) + x);
        sumSq.set(j, (sumSq.get(j) ?? 0) + x * x);
        count.set(j, (count.get(j) ?? 0) + 1);
      }
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
