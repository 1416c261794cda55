/**
 * The market's data model, in integer units (docs/market-model.md §1). A round is one delivery hour,
 * so a capacity in MW is an energy in MWh. Energy is in Wh, prices in micro-yuan (µ¥, 1e-6 CNY) per
 * kWh, money in µ¥, reputations and shares in parts per million (ppm). Everything a validator stores
 * or compares is one of these integers; floats live only inside the solver.
 */

/** A generator (leader): capacity, quadratic cost, reputation. */
export interface GeneratorSpec {
  readonly id: string;
  /** Energy it can deliver in the round. */
  readonly capacityWh: bigint;
  /** Cost C(q) = quadratic·q_MWh² + linear·q_kWh + fixed, in µ¥: the quadratic term in µ¥/MWh². */
  readonly costQuadraticMicroYuanPerMWh2: bigint;
  /** Linear cost term, µ¥ per kWh (marginal cost at zero output). */
  readonly costLinearMicroYuanPerKWh: bigint;
  /** Fixed cost in the round, µ¥. */
  readonly costFixedMicroYuan: bigint;
  /** Reputation in [0, 1e6]. */
  readonly reputationPpm: number;
}

/** A large consumer (follower): demand, the tariffs it faces, its preferences, reputation. */
export interface ConsumerSpec {
  readonly id: string;
  /** Its aggregator's group (the energy aggregator agent node acting for it). */
  readonly group: string;
  /** Energy it needs in the round. */
  readonly demandWh: bigint;
  /** Catalog tariff it pays the grid for energy not bought directly. */
  readonly catalogMicroYuanPerKWh: bigint;
  /** Transmission and distribution tariff due on directly bought energy. */
  readonly transmissionMicroYuanPerKWh: bigint;
  /** Government funds and surcharges due on directly bought energy. */
  readonly fundsMicroYuanPerKWh: bigint;
  /**
   * φ: marginal risk and diversification cost of buying its whole demand from a single seller
   * (the curvature of its utility, docs/market-model.md §2).
   */
  readonly diversificationMicroYuanPerKWh: bigint;
  /** Reputation in [0, 1e6]; decides priority when a generator is oversubscribed. */
  readonly reputationPpm: number;
}

/** Scenario-wide parameters of the round. */
export interface MarketParameters {
  /** Benchmark on-grid price: what the grid pays for energy a generator does not sell directly. */
  readonly benchmarkMicroYuanPerKWh: bigint;
  /** Whether generators may sell unsold energy to the grid at the benchmark price. */
  readonly outsideOption: boolean;
  /** θ: a buyer's expected extra cost per kWh bought from a seller of reputation 0 (scaled by 1 − r). */
  readonly reputationWeightMicroYuanPerKWh: bigint;
  /** σ in [0, 1): substitution between generators (correlation of their delivery risks), ppm. */
  readonly substitutionPpm: number;
}

/** One market round's input. */
export interface Scenario {
  readonly name: string;
  readonly parameters: MarketParameters;
  readonly generators: readonly GeneratorSpec[];
  readonly consumers: readonly ConsumerSpec[];
}

/** One consumer's bill for the round. */
export interface ConsumerOutcome {
  readonly id: string;
  readonly group: string;
  readonly demandWh: bigint;
  /** Energy bought directly from generators (delivered). */
  readonly directWh: bigint;
  /** Energy bought from the grid at the catalog tariff. */
  readonly gridWh: bigint;
  /** Everything it pays: energy, T&D and funds on direct energy, catalog tariff on the rest. */
  readonly costMicroYuan: bigint;
}

/** One generator's result for the round. */
export interface GeneratorOutcome {
  readonly id: string;
  /** Energy sold directly to consumers. */
  readonly directWh: bigint;
  /** Energy sold to the grid at the benchmark price (outside option). */
  readonly gridWh: bigint;
  readonly revenueMicroYuan: bigint;
  /** Revenue minus production cost. */
  readonly profitMicroYuan: bigint;
}

/** A settled round under some trading mode: who paid and earned what. */
export interface ModeOutcome {
  readonly mode: string;
  readonly consumers: readonly ConsumerOutcome[];
  readonly generators: readonly GeneratorOutcome[];
}

/** One direct contract: energy from a generator to a consumer at the generator's price. */
export interface Contract {
  readonly consumerId: string;
  readonly generatorId: string;
  readonly energyWh: bigint;
  readonly priceMicroYuanPerKWh: bigint;
}
