/**
 * A validated scenario in the solver's float units (docs/market-model.md §1–§3): per generator its
 * cost model and reputation risk premium θ(1 − r); per consumer its reservation price R, demand D
 * and curvature β' = φ(1 − σ)/D; and the consumers' priority order for oversubscribed generators
 * (reputation high to low, then id). Arrays follow the canonical (id) order of validateScenario.
 *
 * Consumer types (§2, §4): preferences are scale-free — a consumer's water level, prefix length and
 * regime depend on its R and on β'D = φ(1 − σ) only, and its orders are (R − c − λ)/β', i.e.
 * proportional to its size — so consumers with the same (R, β'D) solve one water-filling problem
 * and order in proportion to 1/β'. The solver works per type: a round of J consumers from a few
 * tariff and preference classes costs what a round of a few consumers costs.
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
  /** Consumers grouped by (R, β'D): what every per-consumer water-filling depends on. */
  readonly types: ConsumerTypes;
}

/** Consumer types, numbered by first appearance in canonical consumer order. */
export interface ConsumerTypes {
  readonly count: number;
  /** Per consumer: its type. */
  readonly of: Int32Array;
  /** Per type: the first consumer of the type (its representative when a consumer is named). */
  readonly first: Int32Array;
  /** Per type: R, yuan/kWh. */
  readonly R: Float64Array;
  /** Per type: β'D = φ(1 − σ), yuan/kWh (the same float β'_j·D_j for every member). */
  readonly betaPD: Float64Array;
  /** Per type: Σ 1/β'_j over its members, kWh² per yuan: orders are (R − c − λ) times this. */
  readonly weight: Float64Array;
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
  const types = consumerTypes(R, D, betaP);
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
    types,
  };
}

/**
 * The work of one deviation-demand evaluation (followers.ts), about G + T operations: the book
 * merged around one generator, and one water-filling per consumer type. The slow phases' work
 * budgets (equilibrium.ts, solveCertified.ts) are counted in evaluations of this cost.
 */
export function evaluationCost(pm: PreparedMarket): number {
  return pm.G + pm.types.count;
}

/** Groups consumers by (R, β'D), exact float equality, in canonical order. */
function consumerTypes(R: Float64Array, D: Float64Array, betaP: Float64Array): ConsumerTypes {
  const J = R.length;
  const of = new Int32Array(J);
  const index = new Map<number, Map<number, number>>();
  const first: number[] = [];
  const weight: number[] = [];
  for (let j = 0; j < J; j++) {
    const bd = betaP[j]! * D[j]!;
    let byBD = index.get(R[j]!);
    if (byBD === undefined) {
      byBD = new Map();
      index.set(R[j]!, byBD);
    }
    let t = byBD.get(bd);
    if (t === undefined) {
      t = first.length;
      byBD.set(bd, t);
      first.push(j);
      weight.push(0);
    }
    of[j] = t;
    weight[t] = weight[t]! + 1 / betaP[j]!;
  }
  return {
    count: first.length,
    of,
    first: Int32Array.from(first),
    R: Float64Array.from(first, (j) => R[j]!),
    betaPD: Float64Array.from(first, (j) => betaP[j]! * D[j]!),
    weight: Float64Array.from(weight),
  };
}
