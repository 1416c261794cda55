/**
 * Runs many simulator seeds and summarises them: what `npm test` (test/consensus/simulator*.test.ts)
 * and `npm run sim:long` use. A failing seed is reported with the command that replays it.
 */
import { faultTolerance } from '../../ledger/certificate.ts';
import { runScenario, type SimResult, scenarioFor } from './simulator.ts';

/** Summary of a batch of seeds. */
export interface SeedReport {
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

/** Runs seeds [from, from + count) for n replicas; `onProgress` is called after each seed. */
export function runSeeds(
  n: number,
  from: number,
  count: number,
  onProgress?: (done: number, r: SimResult) => void,
): SeedReport {
  let safety = 0;
  let liveness = 0;
  let bound = 0;
  let maxVc = 0;
  const failures: { seed: number; reason: string; replay: string }[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = runScenario(scenarioFor(seed, n));
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
    if (reasons.length > 0) {
      failures.push({
        seed,
        reason: reasons.join(' | '),
        replay: `npm run sim:long -- --n ${n} --seed ${seed}`,
      });
    }
    onProgress?.(seed - from + 1, r);
  }
  return {
    n,
    seeds: count,
    safetyViolations: safety,
    livenessFailures: liveness,
    boundExceeded: bound,
    maxViewChangesAfterHeal: maxVc,
    failures,
  };
}
