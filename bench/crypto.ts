/**
 * `npm run bench:crypto [-- --json] [-- --quick]`: the cost claim of docs/privacy.md §6.
 *
 * For ring sizes 2..64 and every scheme — ours, the untraceable composition, and each pairing-based
 * baseline on BLS12-381 and BN254 — prints the median milliseconds of signcrypt and of
 * verify+unsigncrypt (from bytes, as a receiver), the ratio baseline/ours of their sum, and ours
 * against its operation-count bound: (fixed-base count × fixed-base time + variable-base count ×
 * variable-base time), both times measured in this run, interleaved with ours. Every scheme's round
 * trip is checked before it is timed. With --json, stdout carries only the JSON rows.
 */
import { randomBytes } from 'node:crypto';
import { libsodiumGroup } from '../src/crypto/groupLibsodium.ts';
import { randomScalar } from '../src/crypto/scalars.ts';
import { oursOperationCounts, oursScheme } from '../src/privacy/baselines/ours.ts';
import { pairingBaselines } from '../src/privacy/baselines/pairing/index.ts';
import type { BenchableScheme, PreparedRing } from '../src/privacy/baselines/scheme.ts';
import { untraceableScheme } from '../src/privacy/baselines/untraceable.ts';
import { machineLine, median, timeMs } from './machine.ts';

/** One row of the result. */
export interface CryptoBenchRow {
  scheme: string;
  curve: string;
  n: number;
  signcryptMs: number;
  unsigncryptMs: number;
}

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const SIZES = quick ? [2, 8] : [2, 4, 8, 16, 32, 64];
const MIN_REPS = quick ? 3 : 9;
const MAX_REPS = quick ? 9 : 61;
const BUDGET_MS = quick ? 50 : 600; // per ring size and block, after warm-up
const WARMUP_MS = quick ? 20 : 150;
const MESSAGE = randomBytes(96); // a bill confirmation: bill id, verdict, pseudonym signature
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const group = await libsodiumGroup();
const ours = oursScheme(group);
/** Unit-cost samples of the current ring size, and their medians per ring size. */
const fixedMs: number[] = [];
const variableMs: number[] = [];
const decodeMs: number[] = [];
const unitCosts = new Map<number, { fixed: number; variable: number; decode: number }>();

/**
 * Times 40 fixed-base multiplications, 40 variable-base multiplications and 40 point validations
 * (a validation is a subgroup check, i.e. a multiplication by ℓ): one sample of each unit cost.
 */
function sampleUnitCosts(): void {
  const s = randomScalar(group);
  const p = group.mulBase(randomScalar(group));
  fixedMs.push(
    timeMs(() => {
      for (let i = 0; i < 40; i++) group.mulBase(s);
    }) / 40,
  );
  variableMs.push(
    timeMs(() => {
      for (let i = 0; i < 40; i++) group.mul(s, p);
    }) / 40,
  );
  decodeMs.push(
    timeMs(() => {
      for (let i = 0; i < 40; i++) group.decodePoint(p);
    }) / 40,
  );
}

async function prepareChecked(scheme: BenchableScheme, n: number): Promise<PreparedRing> {
  const ring = await scheme.prepare(n, n - 1);
  const sc = ring.signcrypt(MESSAGE);
  const back = ring.unsigncrypt(sc);
  if (back === null || Buffer.compare(back, MESSAGE) !== 0)
    throw new Error(`${scheme.scheme}/${scheme.curve} n=${n}: round trip failed`);
  const bad = sc.slice();
  bad[bad.length >> 1]! ^= 1;
  if (ring.unsigncrypt(bad) !== null)
    throw new Error(`${scheme.scheme}/${scheme.curve} n=${n}: tampered input accepted`);
  return ring;
}

/** Median signcrypt and verify+unsigncrypt times of each scheme at size n, repetitions interleaved. */
async function measure(
  schemes: readonly BenchableScheme[],
  n: number,
  withUnitCosts: boolean,
): Promise<CryptoBenchRow[]> {
  const rings: PreparedRing[] = [];
  for (const s of schemes) rings.push(await prepareChecked(s, n));
  const sign: number[][] = schemes.map(() => []);
  const open: number[][] = schemes.map(() => []);
  const oneRound = (): void => {
    rings.forEach((ring, k) => {
      let sc: Uint8Array = new Uint8Array();
      sign[k]!.push(
        timeMs(() => {
          sc = ring.signcrypt(MESSAGE);
        }),
      );
      open[k]!.push(
        timeMs(() => {
          ring.unsigncrypt(sc);
        }),
      );
    });
    if (withUnitCosts) sampleUnitCosts();
  };
  // Warm-up (JIT, caches): at least two rounds and WARMUP_MS, timed only to size the run, then discarded.
  let warmRounds = 0;
  const warmStart = process.hrtime.bigint();
  const elapsedMs = (): number => Number(process.hrtime.bigint() - warmStart) / 1e6;
  while (warmRounds < 2 || elapsedMs() < WARMUP_MS) {
    oneRound();
    warmRounds++;
  }
  const warm = elapsedMs() / warmRounds;
  for (const list of [...sign, ...open, fixedMs, variableMs, decodeMs]) list.length = 0;
  const reps = Math.min(MAX_REPS, Math.max(MIN_REPS, Math.round(BUDGET_MS / warm)));
  for (let rep = 0; rep < reps; rep++) oneRound();
  if (withUnitCosts)
    unitCosts.set(n, { fixed: median(fixedMs), variable: median(variableMs), decode: median(decodeMs) });
  return schemes.map((s, k) => ({
    scheme: s.scheme,
    curve: s.curve,
    n,
    signcryptMs: round(median(sign[k]!)),
    unsigncryptMs: round(median(open[k]!)),
  }));
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

log(`bench:crypto — ${machineLine()}`);
log(
  `ring sizes ${SIZES.join(', ')}; median of ${MIN_REPS}–${MAX_REPS} interleaved runs after warm-up; message ${MESSAGE.length} B`,
);
/**
 * Three blocks, one per curve (mcl holds one curve at a time). Ours runs in every block, interleaved
 * with the block's schemes, so each ratio compares runs made in the same rounds even if the machine
 * changes speed between blocks; the rows printed for ours come from the first block.
 */
const blocks: { label: string; schemes: BenchableScheme[] }[] = [
  { label: 'pairing-free', schemes: [ours, untraceableScheme(group)] },
  { label: 'bls12-381', schemes: [ours, ...pairingBaselines('bls12-381')] },
  { label: 'bn254', schemes: [ours, ...pairingBaselines('bn254')] },
];
const rows: CryptoBenchRow[] = [];
/** Ours measured beside each row (same block, same rounds). */
const oursBeside = new Map<CryptoBenchRow, CryptoBenchRow>();
for (const [b, block] of blocks.entries()) {
  for (const n of SIZES) {
    log(`  ${block.label}: n = ${n} …`);
    const measured = await measure(block.schemes, n, b === 0);
    const oursHere = measured.find((r) => r.scheme === 'ours')!;
    for (const r of measured) {
      if (r.scheme === 'ours' && b > 0) continue;
      rows.push(r);
      oursBeside.set(r, oursHere);
    }
  }
}

const oursAt = (n: number): CryptoBenchRow => rows.find((r) => r.scheme === 'ours' && r.n === n)!;
const ratioToOurs = (r: CryptoBenchRow): number => total(r) / total(oursBeside.get(r)!);
const total = (r: CryptoBenchRow): number => r.signcryptMs + r.unsigncryptMs;
/** Ours's bound at size n, from the unit costs sampled while ours ran at that size. */
const boundMs = (n: number): { sign: number; open: number } => {
  const c = oursOperationCounts(n);
  const u = unitCosts.get(n)!;
  return {
    sign: c.signcrypt.fixedBase * u.fixed + c.signcrypt.variableBase * u.variable,
    open:
      c.unsigncrypt.fixedBase * u.fixed +
      c.unsigncrypt.variableBase * u.variable +
      c.unsigncrypt.pointDecodes * u.decode,
  };
};

if (json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  const pad = (s: string | number, w: number): string => String(s).padStart(w);
  console.log(`bench:crypto — ${machineLine()}`);
  const us = (f: (u: { fixed: number; variable: number; decode: number }) => number): string =>
    SIZES.map((n) => (f(unitCosts.get(n)!) * 1000).toFixed(1)).join('/');
  console.log(
    `unit costs (${group.backend} ${group.name}, sampled while ours ran, per n = ${SIZES.join('/')}):`,
  );
  console.log(
    `  fixed-base ${us((u) => u.fixed)} µs; variable-base ${us((u) => u.variable)} µs; point validation ${us((u) => u.decode)} µs`,
  );
  console.log(
    `\n${pad('scheme', 12)} ${pad('curve', 13)} ${pad('n', 3)} ${pad('signcrypt ms', 13)} ${pad('verify+unsc ms', 15)} ${pad('total ms', 9)} ${pad('÷ ours', 7)}`,
  );
  for (const r of rows) {
    const ratio = ratioToOurs(r);
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
  let worst = 0;
  for (const n of SIZES) {
    const c = oursOperationCounts(n);
    const b = boundMs(n);
    const r = oursAt(n);
    const ratio = total(r) / (b.sign + b.open);
    worst = Math.max(worst, ratio);
    console.log(
      `${pad(n, 3)} ${pad(`${c.signcrypt.fixedBase}/${c.signcrypt.variableBase}`, 9)} ${pad(b.sign.toFixed(2), 9)} ${pad(r.signcryptMs.toFixed(2), 8)} ${pad(`${c.unsigncrypt.fixedBase}/${c.unsigncrypt.variableBase}`, 9)} ${pad(b.open.toFixed(2), 9)} ${pad(r.unsigncryptMs.toFixed(2), 8)} ${pad(ratio.toFixed(2), 12)}`,
    );
  }
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
