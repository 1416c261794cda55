/**
 * `npm run bench:market [-- --json] [-- --quick]`: the market engine's speed (issue 3). Solves
 * seeded random rounds of 10×100, 50×500 and 100×1000 (generators × consumers) built from the
 * project's data, and prints the median solve time over repetitions, the leaders' iterations, the
 * ratio to the 1 s target for 100×1000 measured in this run, and — timed separately, since it is not
 * part of a validator's solve — the certification time and whether the round certifies.
 */
import { loadMarketData } from '../src/cli/commands/marketData.ts';
import { certify } from '../src/market/certify.ts';
import { randomScenario } from '../src/market/scenarios/randomScenario.ts';
import { solve } from '../src/market/stackelberg.ts';
import { machineLine, median, timeMs } from './machine.ts';

/** One row of the result. */
export interface MarketBenchRow {
  generators: number;
  consumers: number;
  solveMs: number;
  iterations: number;
  converged: boolean;
  targetRatio: number;
  certifyMs: number;
  certified: boolean;
  maxGapMicroYuanPerKWh: number;
}

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const SIZES: [number, number][] = quick
  ? [[10, 100]]
  : [
      [10, 100],
      [50, 500],
      [100, 1000],
    ];
const REPS = quick ? 3 : 7;
const TARGET_MS = 1000;
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

log(machineLine());
const data = loadMarketData();
const pool = {
  generators: [...data.case30.generators, ...data.case118.generators],
  loadsMW: data.case118.loads.map((l) => l.pdMW),
};
const rows: MarketBenchRow[] = [];
for (const [G, J] of SIZES) {
  const { scenario } = randomScenario(
    `bench-${G}x${J}`,
    { generators: G, consumers: J },
    pool,
    data.tariffs,
    {
      admitAll: true,
    },
  );
  let result = solve(scenario); // warm-up, and the result certified below
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) times.push(timeMs(() => (result = solve(scenario))));
  let cert = certify(result);
  const certifyMs = timeMs(() => (cert = certify(result)));
  const row: MarketBenchRow = {
    generators: G,
    consumers: J,
    solveMs: median(times),
    iterations: result.solver.iterations,
    converged: result.solver.converged,
    targetRatio: median(times) / TARGET_MS,
    certifyMs,
    certified: cert.certified,
    maxGapMicroYuanPerKWh: Math.max(cert.maxLeaderGap, cert.maxFollowerGap),
  };
  rows.push(row);
  log(
    `${`${G}×${J}`.padEnd(9)} solve ${row.solveMs.toFixed(1).padStart(7)} ms (median of ${REPS}, ${(row.targetRatio * 100).toFixed(1)} % of the 1 s target) · ${row.iterations} iterations${row.converged ? '' : ' (not converged)'} · certify ${certifyMs.toFixed(0)} ms: ${cert.certified ? 'certified' : 'NOT certified'}, max gap ${row.maxGapMicroYuanPerKWh.toFixed(1)} µ¥/kWh`,
  );
}
const big = rows.find((r) => r.generators === 100 && r.consumers === 1000);
if (big) {
  log(
    `target: 100×1000 in under 1 s — ${big.solveMs < TARGET_MS ? 'met' : 'MISSED'} (${big.solveMs.toFixed(1)} ms, ratio ${big.targetRatio.toFixed(3)})`,
  );
}
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
