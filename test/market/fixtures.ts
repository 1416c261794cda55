/** Small market scenarios for tests, and fast-check arbitraries of valid ones. */
import fc from 'fast-check';
import type { ConsumerSpec, GeneratorSpec, MarketParameters, Scenario } from '../../src/market/types.ts';

/** A generator with a linear or quadratic cost (µ¥/kWh, µ¥/MWh²) and a capacity in kWh. */
export function gen(
  id: string,
  o: { capKWh: number; lin: number; quad?: number; rep?: number },
): GeneratorSpec {
  return {
    id,
    capacityWh: BigInt(o.capKWh * 1000),
    costQuadraticMicroYuanPerMWh2: BigInt(o.quad ?? 0),
    costLinearMicroYuanPerKWh: BigInt(o.lin),
    costFixedMicroYuan: 0n,
    reputationPpm: o.rep ?? 1_000_000,
  };
}

/** A consumer with demand in kWh and tariffs in µ¥/kWh. */
export function con(
  id: string,
  o: {
    demandKWh: number;
    catalog: number;
    td?: number;
    funds?: number;
    phi: number;
    rep?: number;
    group?: string;
  },
): ConsumerSpec {
  return {
    id,
    group: o.group ?? 'A1',
    demandWh: BigInt(o.demandKWh * 1000),
    catalogMicroYuanPerKWh: BigInt(o.catalog),
    transmissionMicroYuanPerKWh: BigInt(o.td ?? 0),
    fundsMicroYuanPerKWh: BigInt(o.funds ?? 0),
    diversificationMicroYuanPerKWh: BigInt(o.phi),
    reputationPpm: o.rep ?? 1_000_000,
  };
}

/** Parameters: no outside option, no reputation weight, σ = 0 unless given. */
export function params(o: Partial<MarketParameters> = {}): MarketParameters {
  return {
    benchmarkMicroYuanPerKWh: 373_900n,
    outsideOption: false,
    reputationWeightMicroYuanPerKWh: 0n,
    substitutionPpm: 0,
    ...o,
  };
}

/** A scenario. */
export function scenario(
  generators: GeneratorSpec[],
  consumers: ConsumerSpec[],
  parameters: MarketParameters = params(),
): Scenario {
  return { name: 'test', parameters, generators, consumers };
}

/** Random valid scenarios of realistic magnitude: 1–4 generators, 1–6 consumers. */
export function arbScenario(o: { outsideOption?: boolean } = {}): fc.Arbitrary<Scenario> {
  const g = fc.record({
    capKWh: fc.integer({ min: 2_000, max: 80_000 }),
    lin: fc.integer({ min: 100_000, max: 380_000 }),
    quad: fc.integer({ min: 0, max: 3_000_000 }),
    rep: fc.integer({ min: 300_000, max: 1_000_000 }),
  });
  const c = fc.record({
    demandKWh: fc.integer({ min: 500, max: 40_000 }),
    catalog: fc.constantFrom(610_000, 670_000),
    phi: fc.integer({ min: 30_000, max: 150_000 }),
    rep: fc.integer({ min: 300_000, max: 1_000_000 }),
    group: fc.constantFrom('A1', 'A2', 'A3'),
  });
  return fc
    .record({
      gs: fc.array(g, { minLength: 1, maxLength: 4 }),
      cs: fc.array(c, { minLength: 1, maxLength: 6 }),
      theta: fc.integer({ min: 0, max: 60_000 }),
      sigma: fc.integer({ min: 0, max: 900_000 }),
      outside: o.outsideOption === undefined ? fc.boolean() : fc.constant(o.outsideOption),
    })
    .map(({ gs, cs, theta, sigma, outside }) =>
      scenario(
        gs.map((x, i) => gen(`g${i}`, x)),
        cs.map((x, j) => con(`c${j}`, { ...x, td: 142_800, funds: 26_000 })),
        params({
          outsideOption: outside,
          reputationWeightMicroYuanPerKWh: BigInt(theta),
          substitutionPpm: sigma,
        }),
      ),
    );
}
