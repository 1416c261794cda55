/**
 * The boundary of the market engine: a scenario is checked once here (ids, ranges, counts) and put
 * in canonical order (generators and consumers sorted by id), so the result never depends on the
 * order in which participants were listed — a validator iterating over them gets the same answer as
 * any other. Inside the engine, types are trusted.
 */
import { MarketError } from './marketError.ts';
import type { ConsumerSpec, GeneratorSpec, MarketParameters, Scenario } from './types.ts';

/** Largest participant count per side a round accepts (a province: docs/market-model.md §11–§12). */
export const MAX_PARTICIPANTS = 100_000;
/** Largest energy (Wh) a single capacity or demand may have: 10 TWh, far below 2^53. */
export const MAX_ENERGY_WH = 10_000_000_000_000n;
/** Largest price a tariff or cost term may have, µ¥/kWh (100 yuan/kWh). */
export const MAX_PRICE = 100_000_000n;
/** Largest substitution σ accepted (0.99): σ → 1 makes the followers' problem lose strong concavity. */
export const MAX_SUBSTITUTION_PPM = 990_000;

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Checks a scenario and returns it in canonical order; throws MarketError on the first problem. */
export function validateScenario(scenario: Scenario): Scenario {
  // [REJECT] not a scenario at all (untyped input from a decoder or a peer)
  const shape = scenario as Partial<Scenario> | null;
  if (
    typeof shape !== 'object' ||
    shape === null ||
    typeof shape.name !== 'string' ||
    typeof shape.parameters !== 'object' ||
    shape.parameters === null ||
    !Array.isArray(shape.generators) ||
    !Array.isArray(shape.consumers)
  ) {
    throw new MarketError('MARKET_BAD_DATA', 'a scenario needs a name, parameters, generators and consumers');
  }
  checkParameters(scenario.parameters);
  const { generators, consumers } = scenario;
  if (generators.length === 0 || consumers.length === 0) {
    throw new MarketError('MARKET_EMPTY', 'a round needs at least one generator and one consumer', {
      generators: generators.length,
      consumers: consumers.length,
    });
  }
  if (generators.length > MAX_PARTICIPANTS || consumers.length > MAX_PARTICIPANTS) {
    throw new MarketError('MARKET_OUT_OF_RANGE', `at most ${MAX_PARTICIPANTS} participants per side`, {
      generators: generators.length,
      consumers: consumers.length,
    });
  }
  generators.forEach(checkGenerator);
  consumers.forEach(checkConsumer);
  const byId = <T extends { id: string }>(xs: readonly T[]): T[] =>
    [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const gs = byId(generators);
  const cs = byId(consumers);
  const ids = new Set<string>();
  for (const p of [...gs, ...cs]) {
    if (ids.has(p.id)) throw new MarketError('MARKET_DUPLICATE_ID', `duplicate participant id "${p.id}"`);
    ids.add(p.id);
  }
  return { name: scenario.name, parameters: scenario.parameters, generators: gs, consumers: cs };
}

/** Reservation price R = catalog − T&D − funds: the most a direct kWh is worth to the consumer. */
export function reservationMicroYuanPerKWh(c: ConsumerSpec): bigint {
  return c.catalogMicroYuanPerKWh - c.transmissionMicroYuanPerKWh - c.fundsMicroYuanPerKWh;
}

function checkParameters(p: MarketParameters): void {
  // [REJECT] prices outside [0, MAX_PRICE], σ outside [0, 0.99]
  price('benchmark price', p.benchmarkMicroYuanPerKWh);
  price('reputation weight', p.reputationWeightMicroYuanPerKWh);
  if (
    !Number.isInteger(p.substitutionPpm) ||
    p.substitutionPpm < 0 ||
    p.substitutionPpm > MAX_SUBSTITUTION_PPM
  ) {
    throw new MarketError('MARKET_OUT_OF_RANGE', 'substitution must be an integer ppm in [0, 990000]', {
      substitutionPpm: p.substitutionPpm,
    });
  }
  if (typeof p.outsideOption !== 'boolean') {
    throw new MarketError('MARKET_OUT_OF_RANGE', 'outsideOption must be a boolean');
  }
}

function checkGenerator(g: GeneratorSpec): void {
  if (typeof g !== 'object' || g === null)
    throw new MarketError('MARKET_BAD_DATA', 'a generator must be an object');
  id(g.id);
  energy(`capacity of ${g.id}`, g.capacityWh);
  // [REJECT] negative cost terms: costs must be nondecreasing and convex in output
  bounded(`quadratic cost of ${g.id}`, g.costQuadraticMicroYuanPerMWh2, 1_000_000_000_000n);
  price(`linear cost of ${g.id}`, g.costLinearMicroYuanPerKWh);
  bounded(`fixed cost of ${g.id}`, g.costFixedMicroYuan, 1_000_000_000_000_000n);
  reputation(g.id, g.reputationPpm);
}

function checkConsumer(c: ConsumerSpec): void {
  if (typeof c !== 'object' || c === null)
    throw new MarketError('MARKET_BAD_DATA', 'a consumer must be an object');
  id(c.id);
  if (!ID.test(c.group))
    throw new MarketError('MARKET_BAD_ID', `bad group name for ${c.id}`, { group: c.group });
  energy(`demand of ${c.id}`, c.demandWh);
  price(`catalog tariff of ${c.id}`, c.catalogMicroYuanPerKWh);
  price(`T&D tariff of ${c.id}`, c.transmissionMicroYuanPerKWh);
  price(`funds of ${c.id}`, c.fundsMicroYuanPerKWh);
  price(`diversification cost of ${c.id}`, c.diversificationMicroYuanPerKWh);
  if (c.diversificationMicroYuanPerKWh === 0n) {
    throw new MarketError('MARKET_OUT_OF_RANGE', `diversification cost of ${c.id} must be positive`);
  }
  reputation(c.id, c.reputationPpm);
}

function id(s: string): void {
  if (typeof s !== 'string' || !ID.test(s)) {
    throw new MarketError('MARKET_BAD_ID', 'ids are 1–64 characters from [A-Za-z0-9._:-]', { id: String(s) });
  }
}

function energy(what: string, v: bigint): void {
  if (typeof v !== 'bigint' || v <= 0n || v > MAX_ENERGY_WH) {
    throw new MarketError('MARKET_OUT_OF_RANGE', `${what} must be in (0, ${MAX_ENERGY_WH}] Wh`, {
      value: String(v),
    });
  }
}

function price(what: string, v: bigint): void {
  bounded(what, v, MAX_PRICE);
}

function bounded(what: string, v: bigint, max: bigint): void {
  if (typeof v !== 'bigint' || v < 0n || v > max) {
    throw new MarketError('MARKET_OUT_OF_RANGE', `${what} must be in [0, ${max}]`, { value: String(v) });
  }
}

function reputation(who: string, r: number): void {
  if (!Number.isInteger(r) || r < 0 || r > 1_000_000) {
    throw new MarketError('MARKET_OUT_OF_RANGE', `reputation of ${who} must be an integer ppm in [0, 1e6]`, {
      reputationPpm: r,
    });
  }
}
