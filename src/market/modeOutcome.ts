/**
 * Settling a round in integers (docs/market-model.md §5). Orders are filled generator by generator
 * in the consumers' priority order (reputation high to low, then id) up to each capacity — the rule
 * by which a consumer's own reputation counts when a generator is oversubscribed; whatever is not
 * filled is bought from the grid at the catalog tariff. Each consumer pays energy + T&D + funds on
 * direct energy and the catalog tariff on the rest; each generator earns its direct sales, plus the
 * benchmark price on what it sells to the grid (outside option), minus its production cost. Every
 * amount is exact bigint arithmetic with one rounding rule (moneyFor).
 */
import { gridOutputWh, productionCostMicroYuan } from './generatorCost.ts';
import type { ConsumerOutcome, Contract, GeneratorOutcome, ModeOutcome, Scenario } from './types.ts';
import { minBig, moneyFor } from './units.ts';

/** A contract by participant index (canonical order). */
export interface IndexedContract {
  readonly j: number;
  readonly g: number;
  readonly energyWh: bigint;
  readonly priceMicroYuanPerKWh: bigint;
}

/**
 * Fills orders (Wh, [consumer][generator]) in priority order up to each generator's capacity.
 * Returns the filled quantities, same shape.
 */
export function fillByPriority(scenario: Scenario, priority: Int32Array, orders: bigint[][]): bigint[][] {
  const remaining = scenario.generators.map((g) => g.capacityWh);
  const filled = orders.map((row) => row.map(() => 0n));
  for (const j of priority) {
    const row = orders[j]!;
    for (let g = 0; g < row.length; g++) {
      const want = row[g]!;
      if (want <= 0n) continue;
      const take = minBig(want, remaining[g]!);
      filled[j]![g] = take;
      remaining[g] = remaining[g]! - take;
    }
  }
  return filled;
}

/** Settles contracts on a canonical scenario: bills, revenues, profits. */
export function settle(scenario: Scenario, mode: string, contracts: readonly IndexedContract[]): ModeOutcome {
  const { generators, consumers, parameters } = scenario;
  const directJ = consumers.map(() => 0n);
  const payJ = consumers.map(() => 0n);
  const directG = generators.map(() => 0n);
  const revenueG = generators.map(() => 0n);
  for (const k of contracts) {
    const c = consumers[k.j]!;
    directJ[k.j] = directJ[k.j]! + k.energyWh;
    directG[k.g] = directG[k.g]! + k.energyWh;
    const delivered = c.transmissionMicroYuanPerKWh + c.fundsMicroYuanPerKWh + k.priceMicroYuanPerKWh;
    payJ[k.j] = payJ[k.j]! + moneyFor(k.energyWh, delivered);
    revenueG[k.g] = revenueG[k.g]! + moneyFor(k.energyWh, k.priceMicroYuanPerKWh);
  }
  const consumerOutcomes: ConsumerOutcome[] = consumers.map((c, j) => {
    // [REJECT] never deliver more than demanded: an invariant of every mode, checked here once more
    if (directJ[j]! > c.demandWh) throw new RangeError(`consumer ${c.id} over-delivered`);
    const gridWh = c.demandWh - directJ[j]!;
    return {
      id: c.id,
      group: c.group,
      demandWh: c.demandWh,
      directWh: directJ[j]!,
      gridWh,
      costMicroYuan: payJ[j]! + moneyFor(gridWh, c.catalogMicroYuanPerKWh),
    };
  });
  const generatorOutcomes: GeneratorOutcome[] = generators.map((g, i) => {
    if (directG[i]! > g.capacityWh) throw new RangeError(`generator ${g.id} over capacity`);
    const qw = parameters.outsideOption
      ? gridOutputWh(
          g.capacityWh,
          g.costQuadraticMicroYuanPerMWh2,
          g.costLinearMicroYuanPerKWh,
          parameters.benchmarkMicroYuanPerKWh,
        )
      : 0n;
    const gridWh = qw > directG[i]! ? qw - directG[i]! : 0n;
    const revenue = revenueG[i]! + moneyFor(gridWh, parameters.benchmarkMicroYuanPerKWh);
    const cost = productionCostMicroYuan(
      directG[i]! + gridWh,
      g.costQuadraticMicroYuanPerMWh2,
      g.costLinearMicroYuanPerKWh,
      g.costFixedMicroYuan,
    );
    return {
      id: g.id,
      directWh: directG[i]!,
      gridWh,
      revenueMicroYuan: revenue,
      profitMicroYuan: revenue - cost,
    };
  });
  return { mode, consumers: consumerOutcomes, generators: generatorOutcomes };
}

/** Contracts with participant ids, in canonical (consumer, generator) order. */
export function namedContracts(scenario: Scenario, contracts: readonly IndexedContract[]): Contract[] {
  return [...contracts]
    .sort((x, y) => x.j - y.j || x.g - y.g)
    .map((k) => ({
      consumerId: scenario.consumers[k.j]!.id,
      generatorId: scenario.generators[k.g]!.id,
      energyWh: k.energyWh,
      priceMicroYuanPerKWh: k.priceMicroYuanPerKWh,
    }));
}
