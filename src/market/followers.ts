/**
 * The followers (docs/market-model.md §2). Consumer j, facing generator prices p, buys y_g ≥ 0 from
 * each generator with Σy ≤ D_j and maximises its saving against the catalog tariff net of risk:
 *
 *   U_j(y) = Σ_g (R_j − p_g − θ(1 − r_g))·y_g − (β_j/2)·[(1 − σ)·Σ_g y_g² + σ·(Σ_g y_g)²],
 *
 * strictly concave with modulus β_j(1 − σ), β_j = φ_j/D_j. Writing c_g = p_g + θ(1 − r_g) (the
 * reputation-adjusted price, the same for every consumer) and m_g = R_j − c_g, the KKT conditions
 * give y_g = (m_g − λ)⁺/(β_j(1 − σ)), with λ = β_jσ·Σy + ν and ν ≥ 0 the demand constraint's
 * multiplier. So every consumer buys from a prefix of the generators ranked by c (a sort once per
 * price vector), and the prefix length k and λ follow by binary search on prefix sums:
 *   demand slack (ν = 0):  λ = σ·(kR − C_k)/(1 − σ + σk),  k = max{k : (R − c_k)(1 − σ) > σ((k − 1)c_k − C_{k−1})}
 *   demand binds (ΣY = D): λ = (kR − C_k − β'D)/k,         k = max{k : (k − 1)c_k − C_{k−1} < β'D}
 * where C_k is the sum of the k lowest c and β' = β(1 − σ). O(G log G + J log G) per price vector.
 */
import type { PreparedMarket } from './prepared.ts';

/** Generators ranked by reputation-adjusted price, with prefix sums. */
export interface Book {
  /** Generator index at each rank (ascending c). */
  readonly order: Int32Array;
  /** c at each rank, ascending. */
  readonly c: Float64Array;
  /** pre[k] = sum of the k lowest c. */
  readonly pre: Float64Array;
}

/** Every consumer's best response to one price vector, aggregated per generator. */
export interface DemandState {
  readonly prices: Float64Array;
  readonly book: Book;
  /** Per consumer: how many of the cheapest-ranked generators it buys from. */
  readonly k: Int32Array;
  /** Per consumer: λ_j. */
  readonly lambda: Float64Array;
  /** Per consumer: τ_j = −∂λ/∂p_g for an active g (own-price pass-through), σ/(1−σ+σk) or 1/k. */
  readonly tau: Float64Array;
  /** Per consumer: 1 when its demand constraint binds (it buys all its demand directly). */
  readonly bound: Uint8Array;
  /** Per generator: total quantity ordered (kWh), before any capacity limit. */
  readonly demand: Float64Array;
  /** Per generator: −∂demand/∂p_g (kWh per yuan/kWh) on the current linear piece. */
  readonly slope: Float64Array;
  /** max_j (R_j − λ_j): a generator whose c is below this has at least one buyer. */
  readonly entryBound: number;
}

/** Ranks generators by c = price + premium (ties by index) and builds prefix sums. */
export function makeBook(pm: PreparedMarket, prices: Float64Array): Book {
  const G = pm.G;
  const cg = new Float64Array(G);
  for (let g = 0; g < G; g++) cg[g] = prices[g]! + pm.premium[g]!;
  const idx = Array.from({ length: G }, (_, g) => g);
  idx.sort((x, y) => cg[x]! - cg[y]! || x - y);
  const order = Int32Array.from(idx);
  const c = new Float64Array(G);
  const pre = new Float64Array(G + 1);
  for (let r = 0; r < G; r++) {
    c[r] = cg[order[r]!]!;
    pre[r + 1] = pre[r]! + c[r]!;
  }
  return { order, c, pre };
}

/** Scratch output of waterFill: [λ, τ, 1 if the demand constraint binds]. */
const out = new Float64Array(3);

/**
 * The water-filling solution for one consumer over ascending c[0..n) with prefix sums pre[0..n]:
 * returns k and leaves λ, τ and the binding flag in `out`.
 */
function waterFill(
  n: number,
  c: Float64Array,
  pre: Float64Array,
  R: number,
  betaP: number,
  sigma: number,
  D: number,
): number {
  if (n === 0 || !(R > c[0]!)) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    return 0;
  }
  // Demand slack: last k with (R − c_k)(1 − σ) > σ((k − 1)c_k − C_{k−1}).
  let lo = 1;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const ck = c[mid - 1]!;
    if ((R - ck) * (1 - sigma) > sigma * ((mid - 1) * ck - pre[mid - 1]!)) lo = mid;
    else hi = mid - 1;
  }
  let k = lo;
  const M = k * R - pre[k]!;
  const denom = 1 - sigma + sigma * k;
  if ((M * (1 - sigma)) / denom <= betaP * D) {
    out[0] = (sigma * M) / denom;
    out[1] = sigma / denom;
    out[2] = 0;
    return k;
  }
  // Demand binds: last k ≤ k_slack with (k − 1)c_k − C_{k−1} < β'D.
  const phi = betaP * D;
  lo = 1;
  hi = k;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((mid - 1) * c[mid - 1]! - pre[mid - 1]! < phi) lo = mid;
    else hi = mid - 1;
  }
  k = lo;
  out[0] = (k * R - pre[k]! - phi) / k;
  out[1] = 1 / k;
  out[2] = 1;
  return k;
}

/** Solves every consumer at `prices` and aggregates demand and own-price slopes per generator. */
export function demandAt(pm: PreparedMarket, prices: Float64Array): DemandState {
  const { G, J, sigma } = pm;
  const book = makeBook(pm, prices);
  const { c, pre } = book;
  const k = new Int32Array(J);
  const lambda = new Float64Array(J);
  const tau = new Float64Array(J);
  const bound = new Uint8Array(J);
  // Per-rank accumulators: consumer j adds to ranks 1..k_j.
  const addA = new Float64Array(G + 2);
  const addB = new Float64Array(G + 2);
  const addS = new Float64Array(G + 2);
  let entryBound = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < J; j++) {
    const bp = pm.betaP[j]!;
    const kj = waterFill(G, c, pre, pm.R[j]!, bp, sigma, pm.D[j]!);
    k[j] = kj;
    lambda[j] = out[0]!;
    tau[j] = out[1]!;
    bound[j] = out[2]!;
    if (pm.R[j]! - out[0]! > entryBound) entryBound = pm.R[j]! - out[0]!;
    if (kj > 0) {
      addA[kj] = addA[kj]! + (pm.R[j]! - out[0]!) / bp;
      addB[kj] = addB[kj]! + 1 / bp;
      addS[kj] = addS[kj]! + (1 - out[1]!) / bp;
    }
  }
  const demand = new Float64Array(G);
  const slope = new Float64Array(G);
  let A = 0;
  let B = 0;
  let S = 0;
  for (let r = G; r >= 1; r--) {
    A += addA[r]!;
    B += addB[r]!;
    S += addS[r]!;
    const g = book.order[r - 1]!;
    demand[g] = Math.max(0, A - c[r - 1]! * B);
    slope[g] = S;
  }
  return { prices, book, k, lambda, tau, bound, demand, slope, entryBound };
}

/**
 * For each generator, how far its own price can rise (`up`) or fall (`down`), others fixed, before
 * some consumer's solution changes form in a way that makes the generator's demand LESS elastic:
 * its demand constraint starts binding (falling price) or stops (rising), or another generator
 * leaves (falling) or joins (rising) its set. Only such kinks can be maxima of the generator's
 * profit: at the others (a buyer joins as the price falls, or leaves as it rises) demand becomes
 * more elastic in the direction of travel, the profit's kink is convex, and the closed-form best
 * response may step straight over it. `upBy`/`downBy` name the limiting consumer (−1: none), so
 * leaders pushing into the same consumer's kink can share the distance. O(Σ_j k_j).
 */
export function pieceBounds(
  pm: PreparedMarket,
  st: DemandState,
): { up: Float64Array; down: Float64Array; upBy: Int32Array; downBy: Int32Array } {
  const { G, J, sigma } = pm;
  const { c, pre, order } = st.book;
  const up = new Float64Array(G).fill(Number.POSITIVE_INFINITY);
  const down = new Float64Array(G).fill(Number.POSITIVE_INFINITY);
  const upBy = new Int32Array(G).fill(-1);
  const downBy = new Int32Array(G).fill(-1);
  for (let j = 0; j < J; j++) {
    const k = st.k[j]!;
    if (k === 0) continue;
    const R = pm.R[j]!;
    const lam = st.lambda[j]!;
    const bp = pm.betaP[j]!;
    const tau = st.tau[j]!;
    const bound = st.bound[j] === 1;
    // Rising price (λ falls): the next generator joins; a binding demand constraint releases.
    let upAll = Number.POSITIVE_INFINITY;
    if (k < G && tau > 0) {
      const gap = lam - (R - c[k]!);
      upAll = bound ? gap * k : gap / tau;
    }
    if (bound) upAll = Math.min(upAll, (lam - (bp * sigma * pm.D[j]!) / (1 - sigma)) * k); // ν reaches 0
    // Falling price (λ rises): the demand constraint starts binding.
    let downAll = Number.POSITIVE_INFINITY;
    if (!bound) {
      const slack = bp * pm.D[j]! - (k * R - pre[k]! - k * lam); // β'(D − S)
      downAll = (slack * (1 - sigma + sigma * k)) / (1 - sigma);
    }
    for (let r = 1; r <= k; r++) {
      const g = order[r - 1]!;
      let d = downAll;
      if (k >= 2 && tau > 0) {
        const other = r === k ? k - 1 : k; // the active other with the smallest order leaves first
        const oy = R - c[other - 1]! - lam;
        d = Math.min(d, bound ? oy * k : oy / tau);
      }
      if (upAll < up[g]!) {
        up[g] = Math.max(0, upAll);
        upBy[g] = j;
      }
      if (d < down[g]!) {
        down[g] = Math.max(0, d);
        downBy[g] = j;
      }
    }
  }
  return { up, down, upBy, downBy };
}

/** One consumer's orders (kWh per generator index) in the state's solution; zero where inactive. */
export function ordersOf(pm: PreparedMarket, st: DemandState, j: number): Float64Array {
  const y = new Float64Array(pm.G);
  const kj = st.k[j]!;
  for (let r = 0; r < kj; r++) {
    y[st.book.order[r]!] = Math.max(0, (pm.R[j]! - st.book.c[r]! - st.lambda[j]!) / pm.betaP[j]!);
  }
  return y;
}

/** The other generators' book when generator g's price is to be varied alone. */
export interface OthersBook {
  readonly g: number;
  readonly c: Float64Array;
  readonly pre: Float64Array;
}

/** Removes generator g from a book. */
export function othersBook(st: DemandState, g: number): OthersBook {
  const { order, c } = st.book;
  const n = order.length - 1;
  const oc = new Float64Array(n);
  const pre = new Float64Array(n + 1);
  let i = 0;
  for (let r = 0; r <= n; r++) {
    if (order[r] === g) continue;
    oc[i] = c[r]!;
    pre[i + 1] = pre[i]! + c[r]!;
    i++;
  }
  return { g, c: oc, pre };
}

/** Generator g's demand if it alone moved to price q (others as in the book). */
export interface Deviation {
  /** Total quantity ordered from g, kWh, before its capacity limit. */
  readonly demand: number;
  /** Σ 1/β'_j over consumers ordering from g: bounds −∂demand/∂q anywhere above q. */
  readonly slopeBound: number;
}

/** Demand for generator g at its own price q, every other price fixed. O(G + J log G). */
export function deviationDemand(pm: PreparedMarket, ob: OthersBook, q: number): Deviation {
  const cg = q + pm.premium[ob.g]!;
  const oc = ob.c;
  const n = oc.length + 1;
  // The merged book: others with c ≤ cg, then g, then the rest (ties do not change the solution).
  const c = new Float64Array(n);
  const pre = new Float64Array(n + 1);
  let pos = 0;
  while (pos < oc.length && oc[pos]! <= cg) {
    c[pos] = oc[pos]!;
    pos++;
  }
  c[pos] = cg;
  for (let r = pos; r < oc.length; r++) c[r + 1] = oc[r]!;
  for (let r = 0; r < n; r++) pre[r + 1] = pre[r]! + c[r]!;
  let demand = 0;
  let slopeBound = 0;
  for (let j = 0; j < pm.J; j++) {
    const R = pm.R[j]!;
    if (!(R > cg)) continue;
    const bp = pm.betaP[j]!;
    const kj = waterFill(n, c, pre, R, bp, pm.sigma, pm.D[j]!);
    if (kj > pos) {
      const y = (R - cg - out[0]!) / bp;
      if (y > 0) {
        demand += y;
        slopeBound += 1 / bp;
      }
    }
  }
  return { demand, slopeBound };
}

/**
 * The consumer's best response when each generator g can supply at most cap[g] (kWh): the same
 * KKT system with y_g = clamp((m_g − λ)/β', 0, cap_g). Solved by bisection on λ (the capped sum is
 * monotone in λ); used for certification and for rationed consumers only. Returns y per generator.
 */
export function cappedBestResponse(
  pm: PreparedMarket,
  prices: Float64Array,
  j: number,
  cap: Float64Array,
): Float64Array {
  const { G, sigma } = pm;
  const R = pm.R[j]!;
  const bp = pm.betaP[j]!;
  const D = pm.D[j]!;
  const m = new Float64Array(G);
  let mMax = 0;
  for (let g = 0; g < G; g++) {
    m[g] = R - prices[g]! - pm.premium[g]!;
    if (m[g]! > mMax) mMax = m[g]!;
  }
  const total = (lam: number): number => {
    let s = 0;
    for (let g = 0; g < G; g++) s += Math.min(cap[g]!, Math.max(0, (m[g]! - lam) / bp));
    return s;
  };
  // ν = 0: λ = (β'σ/(1 − σ))·S(λ). The left side increases, the right decreases: bisect.
  const ratio = sigma / (1 - sigma);
  let lam = bisect(0, mMax, (l) => l - ratio * bp * total(l));
  if (total(lam) > D) lam = bisect(0, mMax, (l) => D - total(l));
  const y = new Float64Array(G);
  for (let g = 0; g < G; g++) y[g] = Math.min(cap[g]!, Math.max(0, (m[g]! - lam) / bp));
  return y;
}

/** The root of an increasing function on [a, b] by 200 bisection steps (deterministic). */
function bisect(a: number, b: number, f: (x: number) => number): number {
  if (f(a) >= 0) return a;
  if (f(b) <= 0) return b;
  let lo = a;
  let hi = b;
  for (let i = 0; i < 200 && hi > lo; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return lo + (hi - lo) / 2;
}
