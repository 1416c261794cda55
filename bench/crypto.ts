/**
 * `npm run bench:crypto [-- --json] [-- --quick]`: the cost claim of docs/privacy.md §7.
 *
 * For ring sizes 2..64 and every scheme — ours, the untraceable composition, and each pairing-based
 * baseline on BLS12-381 and BN254 — prints the median milliseconds of signcrypt and of
 * verify+unsigncrypt (from bytes, as a receiver), the ratio baseline/ours of their sum, and ours
 * against its operation-count bound: (fixed-base count × fixed-base time + variable-base count ×
 * variable-base time), both times measured in this run, interleaved with ours. Every scheme's round
 * trip is checked before it is timed. With --json, stdout carries only the JSON rows. The
 * measurement itself lives in src/experiments/cryptoBench.ts (shared with `dpp experiment crypto`).
 */
import { CRYPTO_FULL, CRYPTO_QUICK, runCryptoBench } from '../src/experiments/cryptoBench.ts';
import { machineLine } from './machine.ts';

const json = process.argv.includes('--json');
const settings = process.argv.includes('--quick') ? CRYPTO_QUICK : CRYPTO_FULL;
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

log(`bench:crypto — ${machineLine()}`);
log(
  `ring sizes ${settings.sizes.join(', ')}; median of ${settings.minReps}–${settings.maxReps} interleaved runs after warm-up; message 96 B`,
);
const result = await runCryptoBench({
  ...settings,
  progress: (done, total, label) => {
    if (done < total) log(`  ${label} …`);
  },
});
const rows = result.rows;
const total = (r: { signcryptMs: number; unsigncryptMs: number }): number => r.signcryptMs + r.unsigncryptMs;

if (json) {
  process.stdout.write(
    `${JSON.stringify(rows.map(({ scheme, curve, n, signcryptMs, unsigncryptMs }) => ({ scheme, curve, n, signcryptMs, unsigncryptMs })))}\n`,
  );
} else {
  const pad = (s: string | number, w: number): string => String(s).padStart(w);
  const sizes = result.sizes;
  console.log(`bench:crypto — ${machineLine()}`);
  const us = (f: (u: (typeof result.unitCosts)[string]) => number): string =>
    sizes.map((n) => (f(result.unitCosts[n]!) * 1000).toFixed(1)).join('/');
  console.log(`unit costs (${result.group}, sampled while ours ran, per n = ${sizes.join('/')}):`);
  console.log(
    `  fixed-base ${us((u) => u.fixedMs)} µs; variable-base ${us((u) => u.variableMs)} µs; point validation ${us((u) => u.validationMs)} µs`,
  );
  console.log(
    `\n${pad('scheme', 12)} ${pad('curve', 13)} ${pad('n', 3)} ${pad('signcrypt ms', 13)} ${pad('verify+unsc ms', 15)} ${pad('total ms', 9)} ${pad('÷ ours', 7)}`,
  );
  for (const r of rows) {
    const ratio = total(r) / r.oursBesideTotalMs;
    console.log(
      `${pad(r.scheme, 12)} ${pad(r.curve, 13)} ${pad(r.n, 3)} ${pad(r.signcryptMs.toFixed(2), 13)} ${pad(r.unsigncryptMs.toFixed(2), 15)} ${pad(total(r).toFixed(2), 9)} ${pad(ratio.toFixed(2), 7)}`,
    );
  }
  console.log(
    '\nours against its operation-count bound (scalar multiplications F/V and, for verify, 4 point validations, × unit costs):',
  );
  console.log(
    `${pad('n', 3)} ${pad('sign F/V', 9)} ${pad('bound ms', 9)} ${pad('meas ms', 8)} ${pad('open F/V', 9)} ${pad('bound ms', 9)} ${pad('meas ms', 8)} ${pad('meas ÷ bound', 12)}`,
  );
  for (const b of result.bound) {
    const r = rows.find((x) => x.scheme === 'ours' && x.n === b.n)!;
    console.log(
      `${pad(b.n, 3)} ${pad(`${b.signcrypt.fixedBase}/${b.signcrypt.variableBase}`, 9)} ${pad(b.signcrypt.boundMs.toFixed(2), 9)} ${pad(r.signcryptMs.toFixed(2), 8)} ${pad(`${b.unsigncrypt.fixedBase}/${b.unsigncrypt.variableBase}`, 9)} ${pad(b.unsigncrypt.boundMs.toFixed(2), 9)} ${pad(r.unsigncryptMs.toFixed(2), 8)} ${pad(b.measuredOverBound.toFixed(2), 12)}`,
    );
  }
  const worst = Math.max(...result.bound.map((b) => b.measuredOverBound));
  const oursAt = (n: number) => rows.find((r) => r.scheme === 'ours' && r.n === n)!;
  const losses = rows.filter(
    (r) => r.scheme !== 'ours' && r.scheme !== 'untraceable' && total(r) <= total(oursAt(r.n)),
  );
  console.log(`\nworst ours ÷ bound: ${worst.toFixed(2)} (target ≤ 1.5)`);
  console.log(
    losses.length === 0
      ? 'every pairing-based baseline costs more than ours at every n measured'
      : `cases where a pairing-based baseline costs no more than ours: ${losses.map((r) => `${r.scheme}/${r.curve}/n=${r.n}`).join(', ')}`,
  );
}
