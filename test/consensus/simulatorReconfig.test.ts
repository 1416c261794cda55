/**
 * The simulator across reconfigurations of the validator set (src/consensus/sim/scenarios.ts
 * `reconfigScenario`, `reconfigCrashScenario`): a validator joins from a snapshot and one leaves,
 * at checkpoint heights, under random faults — and a validator crashed at each of its first 150
 * effects while the set grows and shrinks. Safety (every honest effect, ./safetyMonitor.ts) and
 * liveness after the heal, for the honest validators of the last set. `npm run sim:long -- --mode
 * reconfig` runs more seeds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSeeds } from '../../src/consensus/sim/runSeeds.ts';

function check(report: ReturnType<typeof runSeeds>): void {
  assert.deepEqual(report.failures.slice(0, 5), [], `${report.failures.length} failures`);
  assert.equal(report.safetyViolations, 0);
  assert.equal(report.livenessFailures, 0);
}

describe('reconfiguration in the simulator', () => {
  it('n = 4 → 5 → 4: 300 seeds of random faults', () => check(runSeeds(4, 0, 300, 'reconfig')));
  it('n = 7 → 8 → 7: 100 seeds of random faults', () => check(runSeeds(7, 0, 100, 'reconfig')));
  it('a crash at each of the first 150 effects of three validators, across both switches', () =>
    check(runSeeds(4, 0, 450, 'reconfig-crash')));
});
