/**
 * The case30 scenario: MATPOWER's IEEE 30-bus case (Alsac & Stott 1974; generator costs and limits
 * and bus areas from Ferrero, Shahidehpour & Ramesh 1997). Six generators; the 20 buses with load
 * are the large consumers; the case's three areas are the three aggregators' groups (A1, A2, A3).
 * One round is one hour at the case's load. Costs are scaled by the one factor of calibration.ts;
 * tariffs come from tariffs.json; reputations from seeded synthetic histories (history.ts).
 */
import { seededRng } from '../../prng.ts';
import { isEligible } from '../reputation.ts';
import type { Scenario } from '../types.ts';
import { consumerFrom, costScale, generatorFrom, parametersFrom } from './calibration.ts';
import { simulatedReputation } from './history.ts';
import type { MatpowerCase } from './matpower.ts';
import type { TariffSet } from './tariffs.ts';

/** A built scenario and the participants its reputation model kept out of the round. */
export interface BuiltScenario {
  readonly scenario: Scenario;
  /** Participants excluded by reputation (below the threshold) at the round. */
  readonly excluded: readonly string[];
}

/** Builds a scenario from a MATPOWER case; `groupOf` names a load's aggregator group. */
export function scenarioFromCase(
  name: string,
  data: MatpowerCase,
  tariffs: TariffSet,
  groupOf: (area: number) => string,
): BuiltScenario {
  const rng = seededRng(`${name}/reputation`);
  const k = costScale(data.generators, tariffs.benchmarkMicroYuanPerKWh);
  const excluded: string[] = [];
  const generators = data.generators.flatMap((g, i) => {
    const id = `g${i + 1}.bus${g.bus}`;
    const state = simulatedReputation(rng, 'generator');
    if (!isEligible(state)) {
      excluded.push(id);
      return [];
    }
    return [generatorFrom(id, g, k, state.reputationPpm)];
  });
  const consumers = data.loads.flatMap((l) => {
    const id = `c.bus${String(l.bus).padStart(3, '0')}`;
    const state = simulatedReputation(rng, 'consumer');
    if (!isEligible(state)) {
      excluded.push(id);
      return [];
    }
    const mva =
      l.qdMVAr === 0 ? l.pdMW / tariffs.powerFactor : Math.sqrt(l.pdMW * l.pdMW + l.qdMVAr * l.qdMVAr);
    return [consumerFrom(id, groupOf(l.area), l.pdMW, mva, tariffs, state.reputationPpm)];
  });
  return { scenario: { name, parameters: parametersFrom(tariffs), generators, consumers }, excluded };
}

/** The case30 scenario (areas 1–3 → aggregator groups A1–A3). */
export function case30Scenario(data: MatpowerCase, tariffs: TariffSet): BuiltScenario {
  return scenarioFromCase('case30', data, tariffs, (area) => `A${area}`);
}
