/**
 * `npm run bench:market [-- --json] [-- --quick] [-- --large]`: the market engine's speed (issues 3
 * and 14). Solves seeded random rounds of 10×100, 50×500, 100×1000 and 200×10 000 (generators ×
 * consumers) built from the project's data — and 1 000×100 000 with --large — and prints the median
 * solve time over repetitions, the leaders' iterations, and, timed separately since it is not part
 * of a validator's solve, the certification time and whether the round certifies; then how long
 * listing the round's contracts as objects takes. Ratios against bounds and a baseline measured in
 * this run: 100×1000's solve against the 1 s target (issue 3), 200×10 000's solve + certify against
 * the 2 s target (issue 14), and each larger row's solve + certify against 100×1000's.
 */
import { loadMarketData } from '../src/cli/commands/marketData.ts';
import { allocationOf } from '../src/market/allocation.ts';
import { certify } from '../src/market/certify.ts';
import { randomScenario } from '../src/market/scenarios/randomScenario.ts';
import { type MarketResult, solve } from '../src/market/stackelberg.ts';
import { machineLine, median, timeMs } from './machine.ts';

/** One row of the result. */
export interface MarketBenchRow {
  generators: number;
  consumers: number;
  solveMs: number;
  iterations: number;
  converged: boolean;
  /** solveMs against the 1 s target of issue 3 (100×1000). */
  targetRatio: number;
  certifyMs: number;
  certified: boolean;
  maxGapMicroYuanPerKWh: number;
  /** Participants beyond ε (leaders, followers). */
  beyondEpsilon: [number, number];
  /** Contracts in the settled round (Σ_j k_j). */
  contracts: number;
  /** Listing them as `Contract` objects; null when skipped (--large: tens of millions of objects). */
  contractsMs: number | null;
  /** (solveMs + certifyMs) against the same for 100×1000 in this run; null without that row. */
  vs100x1000: number | null;
}

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const large = process.argv.includes('--large');
/** Size, solve repetitions, certify repetitions, whether to list the contracts as objects. */
const SIZES: [number, number, number, number, boolean][] = quick
  ? [[10, 100, 3, 1, true]]
  : [
      [10, 100, 7, 3, true],
      [50, 500, 7, 3, true],
      [100, 1000, 7, 3, true],
      [200, 10_000, 7, 3, true],
      ...(large ? [[1000, 100_000, 1, 1, false] as [number, number, number, number, boolean]] : []),
    ];
const TARGET_MS = 1000;
const PROVINCE_TARGET_MS = 2000;
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
for (const [G, J, reps, certifyReps, list] of SIZES) {
  const { scenario } = randomScenario(
    `bench-${G}x${J}`,
    { generators: G, consumers: J },
    pool,
    data.tariffs,
    {
      admitAll: true,
    },
  );
  let result: MarketResult = solve(scenario); // warm-up, and the result certified below
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(timeMs(() => (result = solve(scenario))));
  let cert = certify(result);
  const certifyTimes: number[] = [];
  for (let i = 0; i < certifyReps; i++) certifyTimes.push(timeMs(() => (cert = certify(result))));
  const contracts = allocationOf(result).generator.length;
  // The solver lists `contracts` on first read: time it on a round of its own.
  const fresh = list ? solve(scenario) : null;
  const contractsMs = fresh === null ? null : timeMs(() => fresh.contracts);
  const solveMs = median(times);
  const certifyMs = median(certifyTimes);
  const base = rows.find((r) => r.generators === 100 && r.consumers === 1000);
  const row: MarketBenchRow = {
    generators: G,
    consumers: J,
    solveMs,
    iterations: result.solver.iterations,
    converged: result.solver.converged,
    targetRatio: solveMs / TARGET_MS,
    certifyMs,
    certified: cert.certified,
    maxGapMicroYuanPerKWh: Math.max(cert.maxLeaderGap, cert.maxFollowerGap),
    beyondEpsilon: [
      cert.leaders.filter((b) => !b.certified).length,
      cert.followers.filter((b) => !b.certified).length,
    ],
    contracts,
    contractsMs,
    vs100x1000: base === undefined ? null : (solveMs + certifyMs) / (base.solveMs + base.certifyMs),
  };
  rows.push(row);
  const verdict = cert.certified
    ? 'certified'
    : `NOT certified (${row.beyondEpsilon[0]} leaders, ${row.beyondEpsilon[1]} followers beyond ε)`;
  log(
    `${`${G}×${J}`.padEnd(12)} solve ${solveMs.toFixed(1).padStart(8)} ms (median of ${reps}, ${(row.targetRatio * 100).toFixed(1)} % of the 1 s target) · ${row.iterations} iterations${row.converged ? '' : ' (not converged)'} · certify ${certifyMs.toFixed(0)} ms: ${verdict}, max gap ${row.maxGapMicroYuanPerKWh.toFixed(1)} µ¥/kWh · ${contracts.toLocaleString('en')} contracts, ${contractsMs === null ? 'not listed as objects' : `listed in ${contractsMs.toFixed(0)} ms`}${row.vs100x1000 === null || row.vs100x1000 === 1 ? '' : ` · solve + certify ${row.vs100x1000.toFixed(1)}× 100×1000's`}`,
  );
}
const small = rows.find((r) => r.generators === 100 && r.consumers === 1000);
if (small) {
  log(
    `target: 100×1000 in under 1 s — ${small.solveMs < TARGET_MS ? 'met' : 'MISSED'} (${small.solveMs.toFixed(1)} ms, ratio ${small.targetRatio.toFixed(3)})`,
  );
}
const province = rows.find((r) => r.generators === 200 && r.consumers === 10_000);
if (province) {
  const total = province.solveMs + province.certifyMs;
  const met = total < PROVINCE_TARGET_MS && province.certified;
  log(
    `target: 200×10000 solved and certified in under 2 s — ${met ? 'met' : 'MISSED'} (${province.solveMs.toFixed(0)} + ${province.certifyMs.toFixed(0)} = ${total.toFixed(0)} ms, ratio ${(total / PROVINCE_TARGET_MS).toFixed(3)}, ${province.certified ? 'certified' : 'NOT certified'})`,
  );
}
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
