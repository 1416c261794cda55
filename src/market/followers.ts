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
 * where C_k is the sum of the k lowest c and β' = β(1 − σ). Only R and β'D enter, so the problem is
 * solved once per consumer type (prepared.ts) and a type's orders are its members' sizes times one
 * solution: O(G log G + T log G) per price vector for T types (plus O(J) if per-consumer values are
 * read).
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
  /** The same four per consumer type (prepared.ts): the per-consumer arrays, listed on first read. */
  readonly perType: {
    readonly k: Int32Array;
    readonly lambda: Float64Array;
    readonly tau: Float64Array;
    readonly bound: Uint8Array;
  };
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
 * The water-filling solution for one consumer type (reservation price R, β'D = betaPD) over
 * ascending c[0..n) with prefix sums pre[0..n]: returns k and leaves λ, τ and the binding flag in `out`.
 */
function waterFill(
  n: number,
  c: Float64Array,
  pre: Float64Array,
  R: number,
  betaPD: number,
  sigma: number,
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
  if ((M * (1 - sigma)) / denom <= betaPD) {
    out[0] = (sigma * M) / denom;
    out[1] = sigma / denom;
    out[2] = 0;
    return k;
  }
  // Demand binds: last k ≤ k_slack with (k − 1)c_k − C_{k−1} < β'D.
  lo = 1;
  hi = k;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((mid - 1) * c[mid - 1]! - pre[mid - 1]! < betaPD) lo = mid;
    else hi = mid - 1;
  }
  k = lo;
  out[0] = (k * R - pre[k]! - betaPD) / k;
  out[1] = 1 / k;
  out[2] = 1;
  return k;
}

/** Solves every consumer type at `prices` and aggregates demand and own-price slopes per generator. */
export function demandAt(pm: PreparedMarket, prices: Float64Array): DemandState {
  const { G, sigma, types } = pm;
  const T = types.count;
  const book = makeBook(pm, prices);
  const { c, pre } = book;
  const tk = new Int32Array(T);
  const tLambda = new Float64Array(T);
  const tTau = new Float64Array(T);
  const tBound = new Uint8Array(T);
  // Per-rank accumulators: a type adds to ranks 1..k_t, weighted by Σ 1/β' of its members.
  const addA = new Float64Array(G + 2);
  const addB = new Float64Array(G + 2);
  const addS = new Float64Array(G + 2);
  let entryBound = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < T; t++) {
    const R = types.R[t]!;
    const kt = waterFill(G, c, pre, R, types.betaPD[t]!, sigma);
    tk[t] = kt;
    tLambda[t] = out[0]!;
    tTau[t] = out[1]!;
    tBound[t] = out[2]!;
    if (R - out[0]! > entryBound) entryBound = R - out[0]!;
    if (kt > 0) {
      const w = types.weight[t]!;
      addA[kt] = addA[kt]! + (R - out[0]!) * w;
      addB[kt] = addB[kt]! + w;
      addS[kt] = addS[kt]! + (1 - out[1]!) * w;
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
  const perType = { k: tk, lambda: tLambda, tau: tTau, bound: tBound };
  // The per-consumer arrays are O(J): listed from the types' solutions only when read.
  let each: Pick<DemandState, 'k' | 'lambda' | 'tau' | 'bound'> | undefined;
  const perConsumer = (): NonNullable<typeof each> => {
    if (each === undefined) {
      const of = types.of;
      each = {
        k: Int32Array.from(of, (t) => tk[t]!),
        lambda: Float64Array.from(of, (t) => tLambda[t]!),
        tau: Float64Array.from(of, (t) => tTau[t]!),
        bound: Uint8Array.from(of, (t) => tBound[t]!),
      };
    }
    return each;
  };
  return {
    prices,
    book,
    get k() {
      return perConsumer().k;
    },
    get lambda() {
      return perConsumer().lambda;
    },
    get tau() {
      return perConsumer().tau;
    },
    get bound() {
      return perConsumer().bound;
    },
    perType,
    demand,
    slope,
    entryBound,
  };
}

/**
 * For each generator, how far its own price can rise (`up`) or fall (`down`), others fixed, before
 * some consumer's solution changes form in a way that makes the generator's demand LESS elastic:
 * its demand constraint starts binding (falling price) or stops (rising), or another generator
 * leaves (falling) or joins (rising) its set. Only such kinks can be maxima of the generator's
 * profit: at the others (a buyer joins as the price falls, or leaves as it rises) demand becomes
 * more elastic in the direction of travel, the profit's kink is convex, and the closed-form best
 * response may step straight over it. `upBy`/`downBy` name the limiting consumer (the first of its
 * type, since a type's members share every kink; −1: none), so leaders pushing into the same
 * consumer's kink can share the distance.
 *
 * A type with prefix k limits every rank ≤ k alike, except that the active other generator that
 * leaves first is rank k for ranks < k and rank k − 1 for rank k itself. So each type posts at
 * most three candidates — "ranks ≤ k" up, "ranks ≤ k − 1" down, "rank k" down — and one sweep from
 * the top rank down keeps the running minimum (ties: the earlier type). O(T + G).
 */
export function pieceBounds(
  pm: PreparedMarket,
  st: DemandState,
): { up: Float64Array; down: Float64Array; upBy: Int32Array; downBy: Int32Array } {
  const { G, sigma, types } = pm;
  const { c, pre, order } = st.book;
  const { k: tk, lambda: tLambda, tau: tTau, bound: tBound } = st.perType;
  const INF = Number.POSITIVE_INFINITY;
  // Candidates by rank r (1..G): the smallest distance posted there and the type that posted it.
  const upAt = new Float64Array(G + 1).fill(INF); // applies to ranks ≤ r
  const upType = new Int32Array(G + 1).fill(-1);
  const downAt = new Float64Array(G + 1).fill(INF); // applies to ranks ≤ r
  const downType = new Int32Array(G + 1).fill(-1);
  const downOnly = new Float64Array(G + 1).fill(INF); // applies to rank r alone
  const downOnlyType = new Int32Array(G + 1).fill(-1);
  const post = (at: Float64Array, by: Int32Array, r: number, v: number, t: number): void => {
    if (v < at[r]!) {
      at[r] = v;
      by[r] = t;
    }
  };
  for (let t = 0; t < types.count; t++) {
    const k = tk[t]!;
    if (k === 0) continue;
    const R = types.R[t]!;
    const lam = tLambda[t]!;
    const tau = tTau[t]!;
    const bound = tBound[t] === 1;
    const betaPD = types.betaPD[t]!;
    // Rising price (λ falls): the next generator joins; a binding demand constraint releases.
    let upAll = INF;
    if (k < G && tau > 0) {
      const gap = lam - (R - c[k]!);
      upAll = bound ? gap * k : gap / tau;
    }
    if (bound) upAll = Math.min(upAll, (lam - (betaPD * sigma) / (1 - sigma)) * k); // ν reaches 0
    post(upAt, upType, k, upAll, t);
    // Falling price (λ rises): the demand constraint starts binding.
    let downAll = INF;
    if (!bound) {
      const slack = betaPD - (k * R - pre[k]! - k * lam); // β'(D − S)
      downAll = (slack * (1 - sigma + sigma * k)) / (1 - sigma);
    }
    if (k >= 2 && tau > 0) {
      // The active other with the smallest order leaves first.
      const leaves = (other: number): number => {
        const oy = R - c[other - 1]! - lam;
        return bound ? oy * k : oy / tau;
      };
      post(downAt, downType, k - 1, Math.min(downAll, leaves(k)), t);
      post(downOnly, downOnlyType, k, Math.min(downAll, leaves(k - 1)), t);
    } else post(downAt, downType, k, downAll, t);
  }
  const up = new Float64Array(G).fill(INF);
  const down = new Float64Array(G).fill(INF);
  const upBy = new Int32Array(G).fill(-1);
  const downBy = new Int32Array(G).fill(-1);
  let runUp = INF;
  let runUpType = -1;
  let runDown = INF;
  let runDownType = -1;
  const earlier = (v: number, t: number, best: number, bestType: number): boolean =>
    v < best || (v === best && t >= 0 && t < bestType);
  for (let r = G; r >= 1; r--) {
    if (earlier(upAt[r]!, upType[r]!, runUp, runUpType)) {
      runUp = upAt[r]!;
      runUpType = upType[r]!;
    }
    if (earlier(downAt[r]!, downType[r]!, runDown, runDownType)) {
      runDown = downAt[r]!;
      runDownType = downType[r]!;
    }
    let d = runDown;
    let dType = runDownType;
    if (earlier(downOnly[r]!, downOnlyType[r]!, d, dType)) {
      d = downOnly[r]!;
      dType = downOnlyType[r]!;
    }
    const g = order[r - 1]!;
    if (runUpType >= 0) {
      up[g] = Math.max(0, runUp);
      upBy[g] = types.first[runUpType]!;
    }
    if (dType >= 0) {
      down[g] = Math.max(0, d);
      downBy[g] = types.first[dType]!;
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

/** Demand for generator g at its own price q, every other price fixed. O(G + T log G). */
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
  const { types } = pm;
  for (let t = 0; t < types.count; t++) {
    const R = types.R[t]!;
    if (!(R > cg)) continue;
    const kt = waterFill(n, c, pre, R, types.betaPD[t]!, pm.sigma);
    if (kt > pos) {
      const margin = R - cg - out[0]!;
      if (margin > 0) {
        demand += margin * types.weight[t]!;
        slopeBound += types.weight[t]!;
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
