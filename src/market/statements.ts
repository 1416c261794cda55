/**
 * Statements: how a round's equilibrium is settled at province scale (docs/market-model.md §13).
 *
 * The game is unchanged — every consumer's best response spreads its purchase over a prefix of the
 * generators ranked by reputation-adjusted price, so the pairwise split y_jg has Σ_j k_j entries,
 * O(J × G) when σ is small. What is recorded and settled is one statement per consumer (energy
 * bought directly, and its energy part Σ_g y_jg × p_g) and one per generator (energy sold at p_g):
 * O(J + G). The pairwise split is not lost: it is a deterministic function of the prices and the
 * round's scenario, which anyone recomputes with `settleAtQuantisedPrices` (the same integers the
 * validators settled).
 *
 * Money: a consumer's energy part is Σ over its suppliers of `moneyFor(y_jg, p_g)` (halves up per
 * pair, as a bilateral contract would be), a generator's is `moneyFor(Σ_j y_jg, p_g)`; the two sums
 * differ by less than one µ¥ per pair, which the settlement agent (the grid company) carries.
 */
import { allocationOf } from './allocation.ts';
import type { PreparedMarket } from './prepared.ts';
import { type MarketResult, settleAtIntegerPrices } from './stackelberg.ts';
import { moneyFor } from './units.ts';

/**
 * The round settled at integer prices (µ¥/kWh, one per generator in the scenario's order), exactly
 * as given: each consumer's best response to them, floored to Wh, filled in priority order
 * (stackelberg.ts `settleAtIntegerPrices`, O(Σ_j k_j)). This is what a validator recomputes from
 * submitted equilibrium prices (no rounding plan: the prices are already quantised).
 */
export function settleAtQuantisedPrices(pm: PreparedMarket, priceInts: readonly bigint[]): MarketResult {
  return settleAtIntegerPrices(pm, priceInts, {
    iterations: 0,
    converged: true,
    globalMoves: 0,
    globallyStable: true,
    residualMicroYuanPerKWh: 0,
  });
}

/** One consumer's statement: what it bought directly, from how many suppliers, and the energy part of its bill. */
export interface ConsumerStatement {
  readonly consumerId: string;
  /** Its index in the scenario's (canonical) consumer order. */
  readonly consumer: number;
  readonly energyWh: bigint;
  /** Σ over its suppliers of energy × price, µ¥. */
  readonly energyMicroYuan: bigint;
  /** How many generators supply it. */
  readonly suppliers: number;
}

/** One generator's statement: what it sold at its price, and to how many consumers. */
export interface GeneratorStatement {
  readonly generatorId: string;
  readonly priceMicroYuanPerKWh: bigint;
  readonly soldWh: bigint;
  readonly buyers: number;
}

/**
 * The round's statements: one per consumer that buys directly (in the scenario's consumer order)
 * and one per generator (every generator, in the scenario's order, including those that sold
 * nothing). Read from the settled allocation in one pass over its Σ_j k_j pairs, without an object
 * per pair.
 */
export function statementsOf(result: MarketResult): {
  consumers: ConsumerStatement[];
  generators: GeneratorStatement[];
} {
  const { generators, consumers } = result.scenario;
  const price = result.prices.map((p) => p.priceMicroYuanPerKWh);
  const soldWh = new Float64Array(generators.length);
  const buyers = new Int32Array(generators.length);
  const { start, generator, energyWh } = allocationOf(result);
  const statements: ConsumerStatement[] = [];
  for (let j = 0; j < consumers.length; j++) {
    let energy = 0;
    let money = 0n;
    let suppliers = 0;
    for (let e = start[j]!; e < start[j + 1]!; e++) {
      const wh = energyWh[e]!;
      if (wh === 0) continue;
      const g = generator[e]!;
      energy += wh; // whole Wh: exact in doubles (≤ 2^53)
      money += moneyFor(BigInt(wh), price[g]!);
      soldWh[g] = soldWh[g]! + wh;
      buyers[g] = buyers[g]! + 1;
      suppliers++;
    }
    if (suppliers > 0)
      statements.push({
        consumerId: consumers[j]!.id,
        consumer: j,
        energyWh: BigInt(energy),
        energyMicroYuan: money,
        suppliers,
      });
  }
  return {
    consumers: statements,
    generators: generators.map((g, i) => ({
      generatorId: g.id,
      priceMicroYuanPerKWh: price[i]!,
      soldWh: BigInt(soldWh[i]!),
      buyers: buyers[i]!,
    })),
  };
}

/** What each generator (scenario order) supplies to the consumers `members` (scenario indexes) together, Wh. */
export function suppliedTo(result: MarketResult, members: readonly number[]): bigint[] {
  const supplied = new Float64Array(result.scenario.generators.length);
  const { start, generator, energyWh } = allocationOf(result);
  for (const j of members)
    for (let e = start[j]!; e < start[j + 1]!; e++)
      supplied[generator[e]!] = supplied[generator[e]!]! + energyWh[e]!;
  return Array.from(supplied, (wh) => BigInt(wh));
}
