/**
 * Scenarios as JSON (data/scenarios/*.json): integers that may exceed 2^53 are decimal strings,
 * everything else is as in types.ts. Decoding checks every field's type and then the whole
 * scenario with validateScenario, so a file can never smuggle a bad round into the solver.
 */
import { MarketError } from './marketError.ts';
import { validateScenario } from './scenario.ts';
import type { ConsumerSpec, GeneratorSpec, Scenario } from './types.ts';

/** A JSON-ready copy of a scenario (bigints as decimal strings). */
export function scenarioToJson(s: Scenario): unknown {
  const big = (o: object): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
  return {
    name: s.name,
    parameters: big(s.parameters),
    generators: s.generators.map(big),
    consumers: s.consumers.map(big),
  };
}

/** Reads a scenario from its JSON form; throws MarketError on any bad field. */
export function scenarioFromJson(value: unknown): Scenario {
  const v = value as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || typeof v.name !== 'string') bad('name');
  const p = v.parameters as Record<string, unknown>;
  if (typeof p !== 'object' || p === null) bad('parameters');
  const list = (x: unknown, what: string): Record<string, unknown>[] => {
    if (!Array.isArray(x)) bad(what);
    return x as Record<string, unknown>[];
  };
  const generators: GeneratorSpec[] = list(v.generators, 'generators').map((g) => ({
    id: str(g.id, 'generator id'),
    capacityWh: big(g.capacityWh, 'capacityWh'),
    costQuadraticMicroYuanPerMWh2: big(g.costQuadraticMicroYuanPerMWh2, 'costQuadraticMicroYuanPerMWh2'),
    costLinearMicroYuanPerKWh: big(g.costLinearMicroYuanPerKWh, 'costLinearMicroYuanPerKWh'),
    costFixedMicroYuan: big(g.costFixedMicroYuan, 'costFixedMicroYuan'),
    reputationPpm: num(g.reputationPpm, 'reputationPpm'),
  }));
  const consumers: ConsumerSpec[] = list(v.consumers, 'consumers').map((c) => ({
    id: str(c.id, 'consumer id'),
    group: str(c.group, 'group'),
    demandWh: big(c.demandWh, 'demandWh'),
    catalogMicroYuanPerKWh: big(c.catalogMicroYuanPerKWh, 'catalogMicroYuanPerKWh'),
    transmissionMicroYuanPerKWh: big(c.transmissionMicroYuanPerKWh, 'transmissionMicroYuanPerKWh'),
    fundsMicroYuanPerKWh: big(c.fundsMicroYuanPerKWh, 'fundsMicroYuanPerKWh'),
    diversificationMicroYuanPerKWh: big(c.diversificationMicroYuanPerKWh, 'diversificationMicroYuanPerKWh'),
    reputationPpm: num(c.reputationPpm, 'reputationPpm'),
  }));
  if (typeof p.outsideOption !== 'boolean') bad('parameters.outsideOption');
  return validateScenario({
    name: v.name as string,
    parameters: {
      benchmarkMicroYuanPerKWh: big(p.benchmarkMicroYuanPerKWh, 'benchmarkMicroYuanPerKWh'),
      outsideOption: p.outsideOption as boolean,
      reputationWeightMicroYuanPerKWh: big(
        p.reputationWeightMicroYuanPerKWh,
        'reputationWeightMicroYuanPerKWh',
      ),
      substitutionPpm: num(p.substitutionPpm, 'substitutionPpm'),
    },
    generators,
    consumers,
  });
}

function big(x: unknown, what: string): bigint {
  if (typeof x !== 'string' || !/^(0|-?[1-9]\d{0,30})$/.test(x)) bad(what);
  return BigInt(x as string);
}

function num(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) bad(what);
  return x as number;
}

function str(x: unknown, what: string): string {
  if (typeof x !== 'string') bad(what);
  return x as string;
}

function bad(what: string): never {
  throw new MarketError('MARKET_BAD_DATA', `scenario JSON: missing or malformed ${what}`);
}
