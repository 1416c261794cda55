/**
 * `npm run sim:long -- [--seeds 20000] [--from 1] [--n 4,7] [--seed S]`: runs the deterministic PBFT
 * simulator over many seeds (or replays one with --seed) and prints safety and liveness results.
 * Exits 1 if any seed fails.
 */
import { runSeeds, viewChangeBound } from '../src/consensus/sim/runSeeds.ts';
import { runScenario, scenarioFor } from '../src/consensus/sim/simulator.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const sizes = opt('n', '4,7').split(',').map(Number);
const single = opt('seed', '');

if (single !== '') {
  for (const n of sizes) {
    const r = runScenario(scenarioFor(Number(single), n));
    const s = r.scenario;
    console.log(
      JSON.stringify(
        {
          ...s,
          byzantine: [...s.byzantine],
          heights: r.heights,
          heightAtHeal: r.heightAtHeal,
          viewChangesAfterHeal: r.viewChangesAfterHeal,
        },
        (_, v) => (typeof v === 'bigint' ? v.toString() : v),
        2,
      ),
    );
    console.log(r.safetyViolations.length === 0 ? 'safety: ok' : `SAFETY: ${r.safetyViolations.join('\n')}`);
    console.log(r.livenessFailure === null ? 'liveness: ok' : `LIVENESS: ${r.livenessFailure}`);
  }
} else {
  const total = Number(opt('seeds', '20000'));
  const from = Number(opt('from', '1'));
  let failed = false;
  for (const n of sizes) {
    const count = Math.ceil(total / sizes.length);
    const started = Date.now();
    const report = runSeeds(n, from, count, (done) => {
      if (done % 100 === 0 || done === count) {
        const rate = done / ((Date.now() - started) / 1000);
        process.stderr.write(`\rN = ${n}: ${done}/${count} seeds (${rate.toFixed(1)}/s)   `);
      }
    });
    process.stderr.write('\n');
    for (const f of report.failures) console.log(`seed ${f.seed}: ${f.reason}\n  replay: ${f.replay}`);
    console.log(
      `N = ${n}: ${report.seeds} seeds, ${report.safetyViolations} safety violations, ${report.livenessFailures} liveness failures, ` +
        `max ${report.maxViewChangesAfterHeal} view changes after heal (bound ${viewChangeBound(n)})`,
    );
    failed ||= report.failures.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
}
