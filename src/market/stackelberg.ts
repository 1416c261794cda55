/**
 * The reputation-aware Stackelberg round (docs/market-model.md §4–§5): generators (leaders) post
 * prices knowing the consumers' (followers') best responses, solved in closed form by backward
 * induction (followers.ts); the leaders' equilibrium is found by equilibrium.ts; prices are then
 * rounded to µ¥/kWh (rounding.ts), orders floored to Wh, filled in priority order and settled in
 * integers (modeOutcome.ts). This is what a validator runs; certify.ts checks the result.
 */
import { contractList, recordAllocation } from './allocation.ts';
import { findEquilibrium, type SolveOptions } from './equilibrium.ts';
import { demandAt } from './followers.ts';
import { MarketError } from './marketError.ts';
import { Settlement } from './modeOutcome.ts';
import { type PreparedMarket, prepare } from './prepared.ts';
import { quantisedPrices, roundingPlan } from './rounding.ts';
import type { Contract, ModeOutcome, Scenario } from './types.ts';

export type { SolveOptions };

/** A solved and settled round. */
export interface MarketResult {
  readonly scenario: Scenario;
  readonly prices: readonly { readonly generatorId: string; readonly priceMicroYuanPerKWh: bigint }[];
  /**
   * Contracts in canonical (consumer, generator) order. On the solver's results they are listed on
   * first use from the allocation they were settled with (allocation.ts): Σ_j k_j objects.
   */
  readonly contracts: readonly Contract[];
  readonly outcome: ModeOutcome;
  readonly solver: {
    readonly iterations: number;
    readonly converged: boolean;
    readonly globalMoves: number;
    readonly globallyStable: boolean;
    readonly residualMicroYuanPerKWh: number;
  };
}

/** Solves a round: equilibrium prices, quantised; orders filled by priority; settled in integers. */
export function solve(scenario: Scenario, options: SolveOptions = {}): MarketResult {
  const pm = prepare(scenario);
  const eq = findEquilibrium(pm, options);
  return settleAtPrices(pm, eq.prices, {
    iterations: eq.iterations,
    converged: eq.converged,
    globalMoves: eq.globalMoves,
    globallyStable: eq.globallyStable,
    residualMicroYuanPerKWh: eq.residual * 1e6,
  });
}

/** Settles the round at given float prices: rounding plan and quantisation (§5), then settlement. */
export function settleAtPrices(
  pm: PreparedMarket,
  equilibrium: Float64Array,
  solver: MarketResult['solver'],
): MarketResult {
  const room = roundingPlan(pm, equilibrium);
  const priceInts = quantisedPrices(pm, room.prices, room.tolerance);
  return settleAtIntegerPrices(pm, priceInts, { ...solver, iterations: solver.iterations + room.iterations });
}

/**
 * Settles the round at integer prices (µ¥/kWh, canonical generator order), exactly as given: orders,
 * fill, pay. Every consumer orders from a prefix of the generators ranked by reputation-adjusted
 * price, so orders are kept per consumer over its prefix only (Σ_j k_j entries, never J × G),
 * floored to whole Wh, filled in priority order and kept as an allocation (allocation.ts) in
 * canonical (consumer, generator) order; `contracts` is listed from it on first read. The same
 * contracts as filling every consumer's J × G orders (`ordersOf`, `fillByPriority`), in O(Σ_j k_j).
 */
export function settleAtIntegerPrices(
  pm: PreparedMarket,
  priceInts: readonly bigint[],
  solver: MarketResult['solver'],
): MarketResult {
  const { scenario, J, G } = pm;
  const prices = Float64Array.from(priceInts, Number);
  const yuanPerKWh = prices.map((p) => p / 1e6);
  const st = demandAt(pm, yuanPerKWh);
  const { order, c } = st.book;
  const { k: prefix, lambda } = st;
  // Orders floored to whole Wh (exact in doubles), consumer j's at start[j] + rank.
  let total = 0;
  for (let j = 0; j < J; j++) total += prefix[j]!;
  // [REJECT] more contracts than one array can index
  if (total > 2_147_483_647)
    throw new MarketError('MARKET_OUT_OF_RANGE', 'the round has too many contracts to settle', { total });
  const start = new Int32Array(J + 1);
  for (let j = 0; j < J; j++) start[j + 1] = start[j]! + prefix[j]!;
  const wh = new Float64Array(total);
  for (let j = 0; j < J; j++) {
    for (let r = 0; r < prefix[j]!; r++) {
      const kWh = (pm.R[j]! - c[r]! - lambda[j]!) / pm.betaP[j]!;
      wh[start[j]! + r] = kWh > 0 ? Math.floor(kWh * 1000 + 1e-9) : 0; // floorWh
    }
  }
  // Filled in priority order up to each capacity (fillByPriority, over prefixes).
  const remaining = Float64Array.from(scenario.generators, (g) => Number(g.capacityWh));
  for (const j of pm.priority) {
    for (let r = 0; r < prefix[j]!; r++) {
      const g = order[r]!;
      const take = Math.min(wh[start[j]! + r]!, remaining[g]!);
      wh[start[j]! + r] = take;
      remaining[g] = remaining[g]! - take;
    }
  }
  // Each distinct prefix length's ranks in generator order, for the canonical listing.
  const byGenerator = new Map<number, Int32Array>();
  const ranksOf = (k: number): Int32Array => {
    let ranks = byGenerator.get(k);
    if (ranks === undefined) {
      ranks = Int32Array.from({ length: k }, (_, r) => r).sort((x, y) => order[x]! - order[y]!);
      byGenerator.set(k, ranks);
    }
    return ranks;
  };
  // Compacted in place (a consumer's entries only move down): positive fills, by generator.
  const generator = new Int32Array(total);
  const segment = new Float64Array(G);
  const settlement = new Settlement(scenario);
  let n = 0;
  for (let j = 0; j < J; j++) {
    const from = start[j]!;
    const k = prefix[j]!;
    segment.set(wh.subarray(from, from + k));
    start[j] = n;
    for (const r of ranksOf(k)) {
      const energy = segment[r]!;
      if (energy <= 0) continue;
      const g = order[r]!;
      generator[n] = g;
      wh[n++] = energy;
      settlement.addWh(j, g, energy, prices[g]!);
    }
  }
  start[J] = n;
  const allocation = { start, generator: generator.subarray(0, n), energyWh: wh.subarray(0, n) };
  let listed: readonly Contract[] | undefined;
  const result: MarketResult = {
    scenario,
    prices: scenario.generators.map((g, i) => ({ generatorId: g.id, priceMicroYuanPerKWh: priceInts[i]! })),
    get contracts(): readonly Contract[] {
      listed ??= contractList(scenario, allocation, priceInts);
      return listed;
    },
    outcome: settlement.outcome('stackelberg'),
    solver,
  };
  recordAllocation(result, allocation);
  return result;
}
