/**
 * Runs many simulator scenarios and summarises them: what `npm test` (test/consensus/simulator*.test.ts,
 * twins.test.ts, crashPoints.test.ts) and `npm run sim:long` use. A failing scenario is reported
 * with the command that replays it.
 */
import { faultTolerance } from '../../ledger/certificate.ts';
import { type ScenarioMode, scenarioFor, TWINS_PHASES } from './scenarios.ts';
import { runScenario, type SimResult } from './simulator.ts';

/** Summary of a batch of scenarios. */
export interface SeedReport {
  readonly mode: ScenarioMode;
  readonly n: number;
  readonly seeds: number;
  readonly safetyViolations: number;
  readonly livenessFailures: number;
  readonly boundExceeded: number;
  readonly maxViewChangesAfterHeal: number;
  readonly failures: readonly { seed: number; reason: string; replay: string }[];
}

/** Most views an honest replica may move through after the heal before committing again. */
export function viewChangeBound(n: number): number {
  return faultTolerance(n) + 2;
}

/** Options of a batch. */
export interface BatchOptions {
  /** Called after each scenario. */
  readonly onProgress?: (done: number, r: SimResult) => void;
  /** Stop at the first failing scenario. */
  readonly stopOnFailure?: boolean;
  /** Phases of a twins scenario. */
  readonly phases?: number;
}

/** Runs scenarios [from, from + count) of `mode` for n replicas. */
export function runSeeds(
  n: number,
  from: number,
  count: number,
  mode: ScenarioMode = 'random',
  options: BatchOptions = {},
): SeedReport {
  let safety = 0;
  let liveness = 0;
  let bound = 0;
  let maxVc = 0;
  let seeds = 0;
  const failures: { seed: number; reason: string; replay: string }[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = runScenario(scenarioFor(mode, seed, n, options.phases ?? TWINS_PHASES));
    seeds++;
    maxVc = Math.max(maxVc, r.viewChangesAfterHeal);
    const reasons: string[] = [];
    if (r.safetyViolations.length > 0) {
      safety++;
      reasons.push(`SAFETY: ${r.safetyViolations.slice(0, 3).join('; ')}`);
    }
    if (r.livenessFailure !== null) {
      liveness++;
      reasons.push(`LIVENESS: ${r.livenessFailure}`);
    }
    if (r.viewChangesAfterHeal > viewChangeBound(n)) {
      bound++;
      reasons.push(`${r.viewChangesAfterHeal} view changes after the heal (bound ${viewChangeBound(n)})`);
    }
    if (reasons.length > 0) failures.push({ seed, reason: reasons.join(' | '), replay: r.scenario.replay });
    options.onProgress?.(seed - from + 1, r);
    if (options.stopOnFailure && reasons.length > 0) break;
  }
  return {
    mode,
    n,
    seeds,
    safetyViolations: safety,
    livenessFailures: liveness,
    boundExceeded: bound,
    maxViewChangesAfterHeal: maxVc,
    failures,
  };
}
