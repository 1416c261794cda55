/**
 * Settling a round in integers (docs/market-model.md §5). Orders are filled generator by generator
 * in the consumers' priority order (reputation high to low, then id) up to each capacity — the rule
 * by which a consumer's own reputation counts when a generator is oversubscribed; whatever is not
 * filled is bought from the grid at the catalog tariff. Each consumer pays energy + T&D + funds on
 * direct energy and the catalog tariff on the rest; each generator earns its direct sales, plus the
 * benchmark price on what it sells to the grid (outside option), minus its production cost. Every
 * amount is exact integer arithmetic with one rounding rule (moneyFor): bigint, or doubles where
 * whole numbers stay below 2^53 (Settlement), which give the same integers faster.
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
  const s = new Settlement(scenario);
  for (const k of contracts) s.add(k.j, k.g, k.energyWh, k.priceMicroYuanPerKWh);
  return s.outcome(mode);
}

/**
 * A settlement fed one contract at a time (so a large round need not list its contracts first).
 * Every sum is exact: a double part kept below 2^52 (whole numbers, so exact) and a bigint part it
 * carries into before it could round; money per contract is moneyFor, computed in doubles when the
 * product is below 2^53 (moneyForSafe) and in bigint otherwise.
 */
export class Settlement {
  private readonly directJ: ExactSums;
  private readonly payJ: ExactSums;
  private readonly directG: ExactSums;
  private readonly revenueG: ExactSums;
  /** T&D plus funds per consumer, µ¥/kWh. */
  private readonly deliveryJ: Float64Array;

  constructor(private readonly scenario: Scenario) {
    const { generators, consumers } = scenario;
    this.directJ = new ExactSums(consumers.length);
    this.payJ = new ExactSums(consumers.length);
    this.directG = new ExactSums(generators.length);
    this.revenueG = new ExactSums(generators.length);
    this.deliveryJ = Float64Array.from(consumers, (c) =>
      Number(c.transmissionMicroYuanPerKWh + c.fundsMicroYuanPerKWh),
    );
  }

  /** Adds one contract: consumer j buys energyWh from generator g at its price. */
  add(j: number, g: number, energyWh: bigint, priceMicroYuanPerKWh: bigint): void {
    const e = Number(energyWh);
    const p = Number(priceMicroYuanPerKWh);
    if (Number.isSafeInteger(e) && Number.isSafeInteger(p)) this.addWh(j, g, e, p);
    else this.addBig(j, g, energyWh, priceMicroYuanPerKWh);
  }

  /** The same, with whole Wh and µ¥/kWh held in doubles. */
  addWh(j: number, g: number, energyWh: number, priceMicroYuanPerKWh: number): void {
    const delivered = this.deliveryJ[j]! + priceMicroYuanPerKWh;
    const pay = moneyForSafe(energyWh, delivered);
    const revenue = moneyForSafe(energyWh, priceMicroYuanPerKWh);
    if (!(energyWh >= 0 && energyWh < SPLIT && pay >= 0 && revenue >= 0)) {
      this.addBig(j, g, BigInt(energyWh), BigInt(priceMicroYuanPerKWh));
      return;
    }
    this.directJ.add(j, energyWh);
    this.directG.add(g, energyWh);
    this.payJ.add(j, pay);
    this.revenueG.add(g, revenue);
  }

  private addBig(j: number, g: number, energyWh: bigint, priceMicroYuanPerKWh: bigint): void {
    const delivered = BigInt(this.deliveryJ[j]!) + priceMicroYuanPerKWh;
    this.directJ.addBig(j, energyWh);
    this.directG.addBig(g, energyWh);
    this.payJ.addBig(j, moneyFor(energyWh, delivered));
    this.revenueG.addBig(g, moneyFor(energyWh, priceMicroYuanPerKWh));
  }

  /** Bills, revenues and profits of the contracts added. */
  outcome(mode: string): ModeOutcome {
    const { generators, consumers, parameters } = this.scenario;
    const directJ = this.directJ.values();
    const payJ = this.payJ.values();
    const directG = this.directG.values();
    const revenueG = this.revenueG.values();
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
}

/**
 * moneyFor on whole numbers held in doubles, when Wh × µ¥/kWh is a nonnegative safe integer:
 * then every step below is exact and the result is moneyFor's. NaN otherwise (use moneyFor).
 * Module-local on purpose: it runs once per contract, tens of millions of times in a large round.
 */
function moneyForSafe(energyWh: number, priceMicroYuanPerKWh: number): number {
  const n = energyWh * priceMicroYuanPerKWh;
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) return Number.NaN;
  let q = Math.floor(n / 1000);
  let rem = n - q * 1000;
  if (rem < 0) {
    q -= 1;
    rem += 1000;
  } else if (rem >= 1000) {
    q += 1;
    rem -= 1000;
  }
  return 2 * rem >= 1000 ? q + 1 : q;
}

/** 2^52: whole numbers below it are exact in doubles, and so is the sum of two. */
const SPLIT = 4_503_599_627_370_496;

/** Exact running sums: a double part below 2^52 and a bigint part it carries into. */
class ExactSums {
  private readonly small: Float64Array;
  private readonly big: bigint[];

  constructor(n: number) {
    this.small = new Float64Array(n);
    this.big = new Array<bigint>(n).fill(0n);
  }

  /** Adds a whole number in [0, 2^52). */
  add(i: number, x: number): void {
    const s = this.small[i]! + x;
    if (s < SPLIT) this.small[i] = s;
    else {
      this.big[i] = this.big[i]! + BigInt(this.small[i]!) + BigInt(x);
      this.small[i] = 0;
    }
  }

  addBig(i: number, x: bigint): void {
    this.big[i] = this.big[i]! + x;
  }

  values(): bigint[] {
    return this.big.map((b, i) => b + BigInt(this.small[i]!));
  }
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
