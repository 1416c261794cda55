import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSeeds, viewChangeBound } from '../../src/consensus/sim/runSeeds.ts';

describe('PBFT simulator, N = 4: safety and liveness under faults', () => {
  it('500 seeds: no safety violation, every run live after the heal within the view-change bound', () => {
    const report = runSeeds(4, 1, 500);
    for (const f of report.failures) console.log(`seed ${f.seed}: ${f.reason}\n  replay: ${f.replay}`);
    assert.equal(report.safetyViolations, 0, 'safety violations');
    assert.equal(report.livenessFailures, 0, 'liveness failures');
    assert.equal(report.boundExceeded, 0, `runs over the bound of ${viewChangeBound(4)} view changes`);
  });
});
