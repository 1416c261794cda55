/**
 * A validated scenario in the solver's float units (docs/market-model.md §1–§3): per generator its
 * cost model and reputation risk premium θ(1 − r); per consumer its reservation price R, demand D
 * and curvature β' = φ(1 − σ)/D; and the consumers' priority order for oversubscribed generators
 * (reputation high to low, then id). Arrays follow the canonical (id) order of validateScenario.
 */
import { type CostModel, costModel } from './generatorCost.ts';
import { reservationMicroYuanPerKWh, validateScenario } from './scenario.ts';
import type { Scenario } from './types.ts';
import { kWhOf, yuanPerKWhOf } from './units.ts';

/** The solver's view of a round. */
export interface PreparedMarket {
  readonly scenario: Scenario;
  readonly G: number;
  readonly J: number;
  readonly sigma: number;
  readonly cost: readonly CostModel[];
  /** θ(1 − r_g), yuan/kWh: the risk premium buyers add to generator g's price. */
  readonly premium: Float64Array;
  /** Lowest price worth asking: E'_g(0), yuan/kWh. */
  readonly floorPrice: Float64Array;
  /** Consumer reservation prices, yuan/kWh. */
  readonly R: Float64Array;
  /** Consumer demands, kWh. */
  readonly D: Float64Array;
  /** β_j(1 − σ) with β_j = φ_j/D_j, yuan/kWh²: the strong-concavity modulus of consumer j. */
  readonly betaP: Float64Array;
  /** Consumer indices, highest priority first. */
  readonly priority: Int32Array;
  /** max_j R_j, yuan/kWh. */
  readonly maxR: number;
}

/** Validates a scenario and converts it to solver units. */
export function prepare(input: Scenario): PreparedMarket {
  const scenario = validateScenario(input);
  const { parameters: par, generators, consumers } = scenario;
  const G = generators.length;
  const J = consumers.length;
  const sigma = par.substitutionPpm / 1e6;
  const theta = yuanPerKWhOf(par.reputationWeightMicroYuanPerKWh);
  const w = par.outsideOption ? yuanPerKWhOf(par.benchmarkMicroYuanPerKWh) : null;
  const premium = new Float64Array(G);
  const floorPrice = new Float64Array(G);
  const cost = generators.map((g, i) => {
    const m = costModel(
      Number(g.costQuadraticMicroYuanPerMWh2) * 1e-12,
      yuanPerKWhOf(g.costLinearMicroYuanPerKWh),
      Number(g.costFixedMicroYuan) * 1e-6,
      kWhOf(g.capacityWh),
      w,
    );
    premium[i] = (theta * (1_000_000 - g.reputationPpm)) / 1e6;
    floorPrice[i] = w === null ? m.b : Math.max(w, m.b);
    return m;
  });
  const R = new Float64Array(J);
  const D = new Float64Array(J);
  const betaP = new Float64Array(J);
  let maxR = Number.NEGATIVE_INFINITY;
  consumers.forEach((c, j) => {
    R[j] = yuanPerKWhOf(reservationMicroYuanPerKWh(c));
    D[j] = kWhOf(c.demandWh);
    betaP[j] = (yuanPerKWhOf(c.diversificationMicroYuanPerKWh) * (1 - sigma)) / D[j]!;
    if (R[j]! > maxR) maxR = R[j]!;
  });
  const order = consumers.map((_, j) => j);
  order.sort((x, y) => consumers[y]!.reputationPpm - consumers[x]!.reputationPpm || x - y);
  return {
    scenario,
    G,
    J,
    sigma,
    cost,
    premium,
    floorPrice,
    R,
    D,
    betaP,
    priority: Int32Array.from(order),
    maxR,
  };
}
