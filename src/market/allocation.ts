/**
 * A settled round's contracts held compactly (docs/market-model.md §5, §11): consumer j's contracts
 * are entries start[j]..start[j + 1] of two typed arrays, the supplier's index and the energy in
 * whole Wh, in canonical (consumer, then generator) order. Every consumer buys from a prefix of the
 * ranked generators, so a round has Σ_j k_j contracts — about 80 million at 1 000 generators ×
 * 100 000 consumers. Here they take 12 bytes each; as `Contract` objects (two ids, bigint energy
 * and price) about 80, more than a default Node heap holds at that size. So the solver settles and
 * certifies on this form, and `MarketResult.contracts` is listed from it on first use.
 */
import { MarketError } from './marketError.ts';
import type { Contract, Scenario } from './types.ts';

/** What an allocation is read from: a settled result's scenario and contracts (stackelberg.ts `MarketResult`). */
interface Settled {
  readonly scenario: Scenario;
  readonly contracts: readonly Contract[];
}

/** Contracts by consumer (canonical order): supplier index and whole Wh. */
export interface Allocation {
  /** J + 1 offsets: consumer j's contracts are entries start[j]..start[j + 1]. */
  readonly start: Int32Array;
  /** Supplier (generator index, canonical order) of each contract. */
  readonly generator: Int32Array;
  /** Energy of each contract, whole Wh (exact in doubles: at most 10 TWh). */
  readonly energyWh: Float64Array;
}

/** Allocations of the results the solver returned, by result object. */
const settled = new WeakMap<Settled, Allocation>();

/** Records the allocation a result was settled with (for the solver's own result objects). */
export function recordAllocation(result: Settled, allocation: Allocation): void {
  settled.set(result, allocation);
}

/**
 * A result's contracts by consumer: as settled, for a result object the solver returned; for any
 * other (a copy whose contracts or prices a caller replaced), read from its `contracts` in list
 * order, a pair listed twice appearing twice.
 */
export function allocationOf(result: Settled): Allocation {
  const known = settled.get(result);
  if (known !== undefined) return known;
  const { generators, consumers } = result.scenario;
  const gIndex = new Map(generators.map((g, i) => [g.id, i]));
  const jIndex = new Map(consumers.map((c, j) => [c.id, j]));
  const n = result.contracts.length;
  const of = new Int32Array(n);
  const start = new Int32Array(consumers.length + 1);
  result.contracts.forEach((k, i) => {
    const j = jIndex.get(k.consumerId);
    // [REJECT] a contract naming someone outside the round
    if (j === undefined || !gIndex.has(k.generatorId)) {
      throw new MarketError('MARKET_BAD_DATA', 'a contract names a participant outside the round', {
        consumer: k.consumerId,
        generator: k.generatorId,
      });
    }
    of[i] = j;
    start[j + 1] = start[j + 1]! + 1;
  });
  for (let j = 0; j < consumers.length; j++) start[j + 1] = start[j + 1]! + start[j]!;
  const next = start.slice(0, consumers.length);
  const generator = new Int32Array(n);
  const energyWh = new Float64Array(n);
  result.contracts.forEach((k, i) => {
    const at = next[of[i]!]!;
    next[of[i]!] = at + 1;
    generator[at] = gIndex.get(k.generatorId)!;
    energyWh[at] = Number(k.energyWh);
  });
  return { start, generator, energyWh };
}

/** The allocation's contracts as `Contract` objects, in its order, at the generators' prices. */
export function contractList(
  scenario: Scenario,
  allocation: Allocation,
  priceMicroYuanPerKWh: readonly bigint[],
): Contract[] {
  const { start, generator, energyWh } = allocation;
  const out: Contract[] = [];
  for (let j = 0; j < scenario.consumers.length; j++) {
    const consumerId = scenario.consumers[j]!.id;
    for (let i = start[j]!; i < start[j + 1]!; i++) {
      const g = generator[i]!;
      out.push({
        consumerId,
        generatorId: scenario.generators[g]!.id,
        energyWh: BigInt(energyWh[i]!),
        priceMicroYuanPerKWh: priceMicroYuanPerKWh[g]!,
      });
    }
  }
  return out;
}
