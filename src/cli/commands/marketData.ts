/**
 * Loading the project's market data from data/ (the only I/O of the market experiments): the
 * MATPOWER cases and the tariff set, and the scenarios built from them — case30, case118 and seeded
 * random ones. The data directory is the repository's own, so the project stands alone.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExperimentScenario } from '../../experiments/costExperiment.ts';
import { case30Scenario } from '../../market/scenarios/case30.ts';
import { case118Scenario } from '../../market/scenarios/case118.ts';
import { type MatpowerCase, parseCase118Json, parseMatpowerM } from '../../market/scenarios/matpower.ts';
import { randomScenario, randomShape } from '../../market/scenarios/randomScenario.ts';
import { parseTariffs, type TariffSet } from '../../market/scenarios/tariffs.ts';
import type { Scenario } from '../../market/types.ts';

/** The repository's data directory. */
export const DATA_DIR = resolve(import.meta.dirname, '../../../data');

/** The raw inputs every market scenario is built from. */
export interface MarketData {
  readonly tariffs: TariffSet;
  readonly case30: MatpowerCase;
  readonly case118: MatpowerCase;
}

/** Reads data/matpower and data/scenarios/tariffs.json. */
export function loadMarketData(dir = DATA_DIR): MarketData {
  return {
    tariffs: parseTariffs(JSON.parse(readFileSync(resolve(dir, 'scenarios/tariffs.json'), 'utf8'))),
    case30: parseMatpowerM(readFileSync(resolve(dir, 'matpower/case30.m'), 'utf8')),
    case118: parseCase118Json(JSON.parse(readFileSync(resolve(dir, 'matpower/case118.json'), 'utf8'))),
  };
}

/** The seed of the i-th random scenario. */
export function randomSeed(i: number): string {
  return `random-${String(i).padStart(3, '0')}`;
}

/** case30, case118 and `randomCount` seeded random scenarios, in that order. */
export function experimentScenarios(data: MarketData, randomCount: number): ExperimentScenario[] {
  const c30 = case30Scenario(data.case30, data.tariffs);
  const c118 = case118Scenario(data.case118, data.tariffs);
  const pool = {
    generators: [...data.case30.generators, ...data.case118.generators],
    loadsMW: data.case118.loads.map((l) => l.pdMW),
  };
  const out: ExperimentScenario[] = [
    { kind: 'case30', scenario: c30.scenario, excluded: c30.excluded },
    { kind: 'case118', scenario: c118.scenario, excluded: c118.excluded },
  ];
  for (let i = 0; i < randomCount; i++) {
    const seed = randomSeed(i);
    const built = randomScenario(seed, randomShape(seed), pool, data.tariffs);
    out.push({ kind: 'random', scenario: built.scenario, excluded: built.excluded });
  }
  return out;
}

/** The shape of a consortium of any size (`dpp start --generators G --consumers J --aggregators A`, `bench:round`). */
export interface ConsortiumSize {
  readonly generators: number;
  readonly consumers: number;
  readonly aggregators: number;
}

/**
 * A seeded random scenario of the given size (every participant admitted), its consumers spread
 * over `aggregators` groups round robin (A1, A2, …), so each aggregator acts for about J / A.
 */
export function sizedScenario(data: MarketData, size: ConsortiumSize, seed = 'province'): Scenario {
  const pool = {
    generators: [...data.case30.generators, ...data.case118.generators],
    loadsMW: data.case118.loads.map((l) => l.pdMW),
  };
  const { scenario } = randomScenario(
    `${seed}-${size.generators}x${size.consumers}`,
    { generators: size.generators, consumers: size.consumers },
    pool,
    data.tariffs,
    { admitAll: true },
  );
  const group = (j: number) =>
    `A${String(1 + (j % size.aggregators)).padStart(String(size.aggregators).length, '0')}`;
  return { ...scenario, consumers: scenario.consumers.map((c, j) => ({ ...c, group: group(j) })) };
}
