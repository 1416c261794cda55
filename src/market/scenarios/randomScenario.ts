/**
 * Seeded random scenarios built from the same public data: a generator fleet drawn (with
 * replacement) from the case30 and case118 generator rows with each cost coefficient perturbed by a
 * factor in [0.8, 1.2], scaled by the same one-factor rule; total demand a load factor in
 * [0.35, 0.75] of capacity (case30 is 0.56, case118 0.43), split into consumers whose relative sizes
 * are drawn from case118's loads; three aggregator groups; reputations from synthetic histories;
 * tariffs as in tariffs.json. The seed fully determines the scenario.
 */
import { seededRng } from '../../prng.ts';
import { isEligible } from '../reputation.ts';
import type { ConsumerSpec, GeneratorSpec } from '../types.ts';
import { consumerFrom, costScale, generatorFrom, parametersFrom } from './calibration.ts';
import type { BuiltScenario } from './case30.ts';
import { simulatedReputation } from './history.ts';
import type { MatpowerGenerator } from './matpower.ts';
import type { TariffSet } from './tariffs.ts';

/** Sizes of a random scenario (before reputation exclusions). */
export interface RandomShape {
  readonly generators: number;
  readonly consumers: number;
}

/** The shape drawn for the experiment's random scenarios: 3–12 generators, 10–60 consumers. */
export function randomShape(seed: string): RandomShape {
  const rng = seededRng(`${seed}/shape`);
  return { generators: rng.int(3, 12), consumers: rng.int(10, 60) };
}

/**
 * A seeded random scenario; `pool` supplies generator rows and load sizes (case30 + case118).
 * `admitAll` keeps participants the reputation model would exclude (benchmarks need exact sizes).
 */
export function randomScenario(
  seed: string,
  shape: RandomShape,
  pool: { generators: readonly MatpowerGenerator[]; loadsMW: readonly number[] },
  tariffs: TariffSet,
  options: { readonly admitAll?: boolean } = {},
): BuiltScenario {
  const rng = seededRng(`${seed}/scenario`);
  const rows: MatpowerGenerator[] = [];
  for (let i = 0; i < shape.generators; i++) {
    const g = rng.pick(pool.generators);
    rows.push({ ...g, c2: g.c2 * rng.between(0.8, 1.2), c1: g.c1 * rng.between(0.8, 1.2) });
  }
  const k = costScale(rows, tariffs.benchmarkMicroYuanPerKWh);
  const capacityMW = rows.reduce((s, g) => s + g.pmaxMW, 0);
  const loadFactor = rng.between(0.35, 0.75);
  const weights = Array.from({ length: shape.consumers }, () => rng.pick(pool.loadsMW));
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const reps = seededRng(`${seed}/reputation`);
  const generators: GeneratorSpec[] = [];
  const excluded: string[] = [];
  rows.forEach((g, i) => {
    const state = simulatedReputation(reps, 'generator');
    if (options.admitAll || isEligible(state))
      generators.push(generatorFrom(`g${i + 1}`, g, k, state.reputationPpm));
    else excluded.push(`g${i + 1}`);
  });
  const consumers: ConsumerSpec[] = [];
  weights.forEach((w, j) => {
    const state = simulatedReputation(reps, 'consumer');
    const group = `A${1 + rng.int(0, 2)}`;
    if (!options.admitAll && !isEligible(state)) {
      excluded.push(`c${j + 1}`);
      return;
    }
    const mw = Math.max(0.5, (capacityMW * loadFactor * w) / weightSum);
    consumers.push(
      consumerFrom(`c${j + 1}`, group, mw, mw / tariffs.powerFactor, tariffs, state.reputationPpm),
    );
  });
  return { scenario: { name: seed, parameters: parametersFrom(tariffs), generators, consumers }, excluded };
}
