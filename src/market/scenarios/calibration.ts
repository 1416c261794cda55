/**
 * Turning public case data into market participants (docs/market-model.md §8):
 * - generator costs are MATPOWER's $/h polynomials times ONE factor k per scenario, fixed in advance
 *   by ../shared/DESIGN.md: the capacity-weighted mean marginal cost at full output equals the
 *   benchmark price (the 2018 national average coal on-grid price, 0.3739 yuan/kWh);
 * - a consumer's curvature φ (diversification cost of buying its whole demand from one seller) is
 *   its reservation margin over the benchmark, φ = R − w: a consumer offered the best conceivable
 *   deal (one seller of perfect reputation at the benchmark price) would just buy all its demand
 *   from it. Floor: 1 % of its catalog tariff, if R ≤ w.
 */
import type { ConsumerSpec, GeneratorSpec } from '../types.ts';
import type { MatpowerGenerator } from './matpower.ts';
import { catalogFor, type TariffSet } from './tariffs.ts';

/** k (yuan per case-currency unit) making the capacity-weighted mean full-output marginal cost = w. */
export function costScale(gens: readonly MatpowerGenerator[], benchmarkMicroYuanPerKWh: bigint): number {
  let cap = 0;
  let weighted = 0;
  for (const g of gens) {
    cap += g.pmaxMW;
    weighted += g.pmaxMW * (2 * g.c2 * g.pmaxMW + g.c1); // $/MWh at full output, capacity-weighted
  }
  const targetYuanPerMWh = Number(benchmarkMicroYuanPerKWh) / 1000;
  return targetYuanPerMWh / (weighted / cap);
}

/** A generator spec from a MATPOWER row scaled by k (one round = one hour, so MW = MWh). */
export function generatorFrom(
  id: string,
  g: MatpowerGenerator,
  k: number,
  reputationPpm: number,
): GeneratorSpec {
  return {
    id,
    capacityWh: BigInt(Math.round(g.pmaxMW * 1e6)),
    costQuadraticMicroYuanPerMWh2: BigInt(Math.round(k * g.c2 * 1e6)),
    costLinearMicroYuanPerKWh: BigInt(Math.round(k * g.c1 * 1000)),
    costFixedMicroYuan: BigInt(Math.round(k * g.c0 * 1e6)),
    reputationPpm,
  };
}

/** A consumer spec: demand in MW (one hour), sized into a catalog class by its apparent power. */
export function consumerFrom(
  id: string,
  group: string,
  demandMW: number,
  apparentMVA: number,
  t: TariffSet,
  reputationPpm: number,
): ConsumerSpec {
  const catalog = catalogFor(t, apparentMVA * 1000);
  const reservation = catalog - t.transmissionMicroYuanPerKWh - t.fundsMicroYuanPerKWh;
  const margin = reservation - t.benchmarkMicroYuanPerKWh;
  const floor = catalog / 100n;
  return {
    id,
    group,
    demandWh: BigInt(Math.round(demandMW * 1e6)),
    catalogMicroYuanPerKWh: catalog,
    transmissionMicroYuanPerKWh: t.transmissionMicroYuanPerKWh,
    fundsMicroYuanPerKWh: t.fundsMicroYuanPerKWh,
    diversificationMicroYuanPerKWh: margin > floor ? margin : floor,
    reputationPpm,
  };
}

/** The market parameters a tariff set implies (outside option on). */
export function parametersFrom(t: TariffSet) {
  return {
    benchmarkMicroYuanPerKWh: t.benchmarkMicroYuanPerKWh,
    outsideOption: true,
    reputationWeightMicroYuanPerKWh: t.reputationWeightMicroYuanPerKWh,
    substitutionPpm: t.substitutionPpm,
  };
}
