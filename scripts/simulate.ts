/**
 * `npm run sim:long -- [--mode random|twins|crash|reconfig|reconfig-crash|all] [--seeds 20000] [--from 1] [--n 4,7]
 * [--phases 3] [--seed S] [--stop-on-failure]`: runs the deterministic PBFT simulator over many
 * scenarios (or replays one with --seed) and prints safety and liveness results. Exits 1 if any
 * scenario fails.
 *   - random (default): seeded faults; --seeds is split between the sizes in --n.
 *   - twins: for n = 4 every scenario of --phases phases is enumerated (4 · 16^phases; 3 phases by
 *     default here, 2 in `npm test`); for other n, --seeds sampled scenarios.
 *   - crash: the crash-point sweep, every point of every victim (n = 4).
 *   - reconfig: the validator set grows n → n + 1 and shrinks back under random faults; --seeds
 *     split between the sizes in --n.
 *   - reconfig-crash: the crash-point sweep across both reconfigurations (n = 4).
 *   - all: every mode in turn.
 */
import { runSeeds, viewChangeBound } from '../src/consensus/sim/runSeeds.ts';
import { type ScenarioMode, scenarioCount, scenarioFor } from '../src/consensus/sim/scenarios.ts';
import { runScenario } from '../src/consensus/sim/simulator.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const modeArg = opt('mode', 'random');
const MODES: readonly ScenarioMode[] = ['random', 'twins', 'crash', 'reconfig', 'reconfig-crash'];
if (modeArg !== 'all' && !MODES.includes(modeArg as ScenarioMode)) {
  console.error(`unknown --mode ${modeArg}: use ${MODES.join(', ')} or all`);
  process.exit(2);
}
const modes = modeArg === 'all' ? MODES : [modeArg as ScenarioMode];
const sizes = opt('n', '4,7').split(',').map(Number);
const phases = Number(opt('phases', '3'));
const single = opt('seed', '');
const stopOnFailure = args.includes('--stop-on-failure');

if (single !== '') {
  for (const mode of modes) {
    for (const n of sizes) {
      const s = scenarioFor(mode, Number(single), n, phases);
      const r = runScenario(s);
      console.log(
        JSON.stringify(
          {
            ...s,
            byzantine: [...s.byzantine],
            heights: r.heights,
            heightAtHeal: r.heightAtHeal,
            viewChangesAfterHeal: r.viewChangesAfterHeal,
            victimEffects: r.victimEffects,
          },
          (_, v) => (typeof v === 'bigint' ? v.toString() : v),
          2,
        ),
      );
      console.log(
        r.safetyViolations.length === 0 ? 'safety: ok' : `SAFETY: ${r.safetyViolations.join('\n')}`,
      );
      console.log(r.livenessFailure === null ? 'liveness: ok' : `LIVENESS: ${r.livenessFailure}`);
    }
  }
} else {
  const total = Number(opt('seeds', '20000'));
  const from = Number(opt('from', '1'));
  let failed = false;
  for (const mode of modes) {
    for (const n of mode === 'crash' || mode === 'reconfig-crash' ? [4] : sizes) {
      const enumerated = scenarioCount(mode, n, phases);
      const count = Number.isFinite(enumerated) ? enumerated : Math.ceil(total / sizes.length);
      const started = Date.now();
      const report = runSeeds(n, Number.isFinite(enumerated) ? 0 : from, count, mode, {
        stopOnFailure,
        phases,
        onProgress: (done) => {
          if (done % 100 === 0 || done === count) {
            const rate = done / ((Date.now() - started) / 1000);
            process.stderr.write(`\r${mode}, N = ${n}: ${done}/${count} (${rate.toFixed(1)}/s)   `);
          }
        },
      });
      process.stderr.write('\n');
      for (const f of report.failures) console.log(`${mode} ${f.seed}: ${f.reason}\n  replay: ${f.replay}`);
      console.log(
        `${mode}, N = ${n}: ${report.seeds} scenarios, ${report.safetyViolations} safety violations, ` +
          `${report.livenessFailures} liveness failures, max ${report.maxViewChangesAfterHeal} view changes after heal ` +
          `(bound ${viewChangeBound(n)})`,
      );
      failed ||= report.failures.length > 0;
      if (failed && stopOnFailure) break;
    }
    if (failed && stopOnFailure) break;
  }
  process.exitCode = failed ? 1 : 0;
}
