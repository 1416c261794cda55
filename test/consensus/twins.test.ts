/**
 * Twins (Bano et al., OPODIS 2021) in `npm test`: every two-phase scenario for n = 4 (which
 * validator is twinned × how the five instances are split in each phase: 4 · 16² = 1,024 runs) and
 * 150 sampled three-phase scenarios for n = 7 with two twins. `npm run sim:long -- --mode twins`
 * enumerates three phases (16,384 runs for n = 4); the three-phase scenarios that caught an injected
 * bug there are kept below and run here too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSeeds, type SeedReport } from '../../src/consensus/sim/runSeeds.ts';
import { scenarioCount, twinsScenario } from '../../src/consensus/sim/scenarios.ts';
import { runScenario } from '../../src/consensus/sim/simulator.ts';

/** Three-phase n = 4 scenarios the full enumeration found dangerous, with the interleaving each reaches. */
const CORPUS = [
  {
    index: 6054,
    reaches:
      'two prepared certificates of different views for one height in one quorum of view changes ' +
      '(catches "view change takes the lowest-view prepared certificate")',
  },
];

function assertClean(report: SeedReport): void {
  for (const f of report.failures.slice(0, 5))
    console.log(`twins ${f.seed}: ${f.reason}\n  replay: ${f.replay}`);
  assert.equal(report.safetyViolations, 0, 'safety violations');
  assert.equal(report.livenessFailures, 0, 'liveness failures');
  assert.equal(report.boundExceeded, 0, 'runs over the view-change bound');
}

describe('Twins: a validator run twice with one key', () => {
  it('n = 4: every twin placement × two phases of partitions (1,024 runs) is safe and live', () => {
    const count = scenarioCount('twins', 4);
    assert.equal(count, 1_024);
    assertClean(runSeeds(4, 0, count, 'twins'));
  });

  for (const { index, reaches } of CORPUS) {
    it(`n = 4, three phases, scenario ${index}: ${reaches}`, () => {
      const r = runScenario(twinsScenario(index, 4, 3));
      assert.deepEqual(r.safetyViolations, []);
      assert.equal(r.livenessFailure, null);
    });
  }

  it('n = 7, two twins: 150 sampled runs of three phases are safe and live', () => {
    assertClean(runSeeds(7, 0, 150, 'twins'));
  });
});
