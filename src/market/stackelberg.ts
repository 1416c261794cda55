/**
 * The reputation-aware Stackelberg round (docs/market-model.md §4–§5): generators (leaders) post
 * prices knowing the consumers' (followers') best responses, solved in closed form by backward
 * induction (followers.ts); the leaders' equilibrium is found by equilibrium.ts; prices are then
 * rounded to µ¥/kWh (rounding.ts), orders floored to Wh, filled in priority order and settled in
 * integers (modeOutcome.ts). This is what a validator runs; certify.ts checks the result.
 */
import { findEquilibrium, type SolveOptions } from './equilibrium.ts';
import { demandAt, ordersOf } from './followers.ts';
import { fillByPriority, type IndexedContract, namedContracts, settle } from './modeOutcome.ts';
import { type PreparedMarket, prepare } from './prepared.ts';
import { quantisedPrices, roundingPlan } from './rounding.ts';
import type { Contract, ModeOutcome, Scenario } from './types.ts';
import { floorWh } from './units.ts';

export type { SolveOptions };

/** A solved and settled round. */
export interface MarketResult {
  readonly scenario: Scenario;
  readonly prices: readonly { readonly generatorId: string; readonly priceMicroYuanPerKWh: bigint }[];
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

/** Settles the round at given float prices: rounding plan, quantise, order, fill, pay. */
export function settleAtPrices(
  pm: PreparedMarket,
  equilibrium: Float64Array,
  solver: MarketResult['solver'],
): MarketResult {
  const { scenario } = pm;
  const room = roundingPlan(pm, equilibrium);
  const priceInts = quantisedPrices(pm, room.prices, room.tolerance);
  const exact = Float64Array.from(priceInts, (p) => Number(p) / 1e6);
  const st = demandAt(pm, exact);
  const orders = scenario.consumers.map((_, j) => Array.from(ordersOf(pm, st, j), floorWh));
  const filled = fillByPriority(scenario, pm.priority, orders);
  const contracts: IndexedContract[] = [];
  filled.forEach((row, j) => {
    row.forEach((energyWh, g) => {
      if (energyWh > 0n) contracts.push({ j, g, energyWh, priceMicroYuanPerKWh: priceInts[g]! });
    });
  });
  return {
    scenario,
    prices: scenario.generators.map((g, i) => ({ generatorId: g.id, priceMicroYuanPerKWh: priceInts[i]! })),
    contracts: namedContracts(scenario, contracts),
    outcome: settle(scenario, 'stackelberg', contracts),
    solver: { ...solver, iterations: solver.iterations + room.iterations },
  };
}
