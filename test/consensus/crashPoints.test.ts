/**
 * The simulator's crash-point sweep in `npm test`: validator 0 runs as twins that both propose, the
 * network splits for a while, and each honest validator in turn is crashed right after its k-th
 * effect for every k from 1 to 150 — after a persist and before the send it guards, between two
 * sends of one batch, right after a commit — and restarted 40 ms later from what it persisted.
 * Every run must stay safe and commit again after the heal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSeeds } from '../../src/consensus/sim/runSeeds.ts';
import { CRASH_POINTS, scenarioCount } from '../../src/consensus/sim/scenarios.ts';

describe('crash points inside an effect batch', () => {
  it(`${CRASH_POINTS} crash points × 3 victims: safe, and live after the restart`, () => {
    let reached = 0;
    const report = runSeeds(4, 0, scenarioCount('crash', 4), 'crash', {
      onProgress: (_, r) => {
        if (r.victimEffects >= r.scenario.crashPoint!.afterEffect) reached++;
      },
    });
    for (const f of report.failures.slice(0, 5))
      console.log(`crash ${f.seed}: ${f.reason}\n  replay: ${f.replay}`);
    assert.equal(report.safetyViolations, 0, 'safety violations');
    assert.equal(report.livenessFailures, 0, 'liveness failures');
    // A point the victim never reaches tests nothing: nearly all must be reached.
    assert.ok(reached >= 0.9 * report.seeds, `${reached} of ${report.seeds} crash points reached`);
  });
});
