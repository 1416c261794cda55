/**
 * The privacy-cost measurement (docs/privacy.md §7, docs/experiments.md §3), shared by
 * `npm run bench:crypto` and `dpp experiment crypto`: for each ring size, every scheme — ours, the
 * untraceable composition, and each pairing-based baseline on BLS12-381 and BN254 — is prepared and
 * its round trip checked (the message comes back, a flipped byte is refused) before any timing;
 * then median milliseconds of signcrypt and of verify+unsigncrypt (from bytes, as a receiver) over
 * interleaved repetitions after warm-up, with ours measured beside each curve's schemes (so every
 * ratio compares runs made in the same rounds), and the unit costs of ours's operation-count bound
 * (fixed-base and variable-base multiplications, point validations) sampled while ours runs.
 */
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { randomScalar, systemRandom } from '../crypto/scalars.ts';
import { oursOperationCounts, oursScheme } from '../privacy/baselines/ours.ts';
import { pairingBaselines } from '../privacy/baselines/pairing/index.ts';
import type { BenchableScheme, PreparedRing } from '../privacy/baselines/scheme.ts';
import { untraceableScheme } from '../privacy/baselines/untraceable.ts';

/** One timed row. */
export interface CryptoBenchRow {
  readonly scheme: string;
  readonly curve: string;
  readonly n: number;
  readonly signcryptMs: number;
  readonly unsigncryptMs: number;
  /** Ours's total (signcrypt + verify+unsigncrypt) measured in the same rounds as this row. */
  readonly oursBesideTotalMs: number;
  /** Order of the timing in the run (compare with the check's `seq`). */
  readonly timedSeq: number;
}

/** A round-trip check made before a scheme was timed. */
export interface RoundTripCheck {
  readonly scheme: string;
  readonly curve: string;
  readonly n: number;
  /** The signcryption unsigncrypted to the same message. */
  readonly roundTrip: boolean;
  /** A signcryption with one byte flipped was refused. */
  readonly tamperRefused: boolean;
  readonly seq: number;
}

/** Unit costs (ms) sampled while ours ran at one ring size. */
export interface UnitCosts {
  readonly fixedMs: number;
  readonly variableMs: number;
  readonly validationMs: number;
}

/** Ours against its operation-count bound at one ring size. */
export interface BoundRow {
  readonly n: number;
  readonly signcrypt: { readonly fixedBase: number; readonly variableBase: number; readonly boundMs: number };
  readonly unsigncrypt: {
    readonly fixedBase: number;
    readonly variableBase: number;
    readonly pointValidations: number;
    readonly boundMs: number;
  };
  readonly measuredMs: number;
  readonly measuredOverBound: number;
}

/** The whole measurement. */
export interface CryptoBenchResult {
  readonly group: string;
  readonly sizes: readonly number[];
  readonly messageBytes: number;
  readonly rows: readonly CryptoBenchRow[];
  readonly checks: readonly RoundTripCheck[];
  readonly unitCosts: Readonly<Record<string, UnitCosts>>;
  readonly bound: readonly BoundRow[];
}

/** How long and how often to measure. */
export interface CryptoBenchOptions {
  readonly sizes: readonly number[];
  readonly minReps: number;
  readonly maxReps: number;
  /** Per ring size and block, after warm-up. */
  readonly budgetMs: number;
  readonly warmupMs: number;
  /** Called before each (block, ring size) step. */
  readonly progress?: (done: number, total: number, label: string) => void;
}

/** The benchmark's settings: full, and quick (a short run for tests). */
export const CRYPTO_FULL: CryptoBenchOptions = {
  sizes: [2, 4, 8, 16, 32, 64],
  minReps: 9,
  maxReps: 61,
  budgetMs: 600,
  warmupMs: 150,
};
export const CRYPTO_QUICK: CryptoBenchOptions = {
  sizes: [2, 8],
  minReps: 3,
  maxReps: 9,
  budgetMs: 50,
  warmupMs: 20,
};

/** Median of a non-empty list. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Milliseconds taken by `f`. */
function timeMs(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Runs the measurement. */
export async function runCryptoBench(o: CryptoBenchOptions): Promise<CryptoBenchResult> {
  const message = systemRandom(96); // a bill confirmation: bill id, verdict, pseudonym signature
  const group = await libsodiumGroup();
  const ours = oursScheme(group);
  let seq = 0;
  const checks: RoundTripCheck[] = [];
  const fixedMs: number[] = [];
  const variableMs: number[] = [];
  const decodeMs: number[] = [];
  const unitCosts: Record<string, UnitCosts> = {};

  /** 40 fixed-base, 40 variable-base multiplications and 40 point validations: one sample of each. */
  const sampleUnitCosts = (): void => {
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
  };

  const prepareChecked = async (scheme: BenchableScheme, n: number): Promise<PreparedRing> => {
    const ring = await scheme.prepare(n, n - 1);
    const sc = ring.signcrypt(message);
    const back = ring.unsigncrypt(sc);
    const roundTrip = back !== null && Buffer.compare(back, message) === 0;
    const bad = sc.slice();
    bad[bad.length >> 1]! ^= 1;
    const tamperRefused = ring.unsigncrypt(bad) === null;
    checks.push({ scheme: scheme.scheme, curve: scheme.curve, n, roundTrip, tamperRefused, seq: seq++ });
    if (!roundTrip) throw new Error(`${scheme.scheme}/${scheme.curve} n=${n}: round trip failed`);
    if (!tamperRefused) throw new Error(`${scheme.scheme}/${scheme.curve} n=${n}: tampered input accepted`);
    return ring;
  };

  /** Median signcrypt and verify+unsigncrypt times of each scheme at size n, repetitions interleaved. */
  const measure = async (schemes: readonly BenchableScheme[], n: number, withUnitCosts: boolean) => {
    const rings: PreparedRing[] = [];
    for (const s of schemes) rings.push(await prepareChecked(s, n));
    const sign: number[][] = schemes.map(() => []);
    const open: number[][] = schemes.map(() => []);
    const oneRound = (): void => {
      rings.forEach((ring, k) => {
        let sc: Uint8Array = new Uint8Array();
        sign[k]!.push(
          timeMs(() => {
            sc = ring.signcrypt(message);
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
    // Warm-up (JIT, caches): at least two rounds and warmupMs, timed only to size the run, then discarded.
    let warmRounds = 0;
    const warmStart = process.hrtime.bigint();
    const elapsedMs = (): number => Number(process.hrtime.bigint() - warmStart) / 1e6;
    while (warmRounds < 2 || elapsedMs() < o.warmupMs) {
      oneRound();
      warmRounds++;
    }
    const warm = elapsedMs() / warmRounds;
    for (const list of [...sign, ...open, fixedMs, variableMs, decodeMs]) list.length = 0;
    const reps = Math.min(o.maxReps, Math.max(o.minReps, Math.round(o.budgetMs / warm)));
    for (let rep = 0; rep < reps; rep++) oneRound();
    if (withUnitCosts)
      unitCosts[n] = {
        fixedMs: median(fixedMs),
        variableMs: median(variableMs),
        validationMs: median(decodeMs),
      };
    const timed = seq++;
    return schemes.map((s, k) => ({
      scheme: s.scheme,
      curve: s.curve,
      n,
      signcryptMs: round3(median(sign[k]!)),
      unsigncryptMs: round3(median(open[k]!)),
      timedSeq: timed,
    }));
  };

  // Three blocks, one per curve (mcl holds one curve at a time); ours runs in every block.
  const blocks: { label: string; schemes: BenchableScheme[] }[] = [
    { label: 'pairing-free', schemes: [ours, untraceableScheme(group)] },
    { label: 'bls12-381', schemes: [ours, ...pairingBaselines('bls12-381')] },
    { label: 'bn254', schemes: [ours, ...pairingBaselines('bn254')] },
  ];
  const rows: CryptoBenchRow[] = [];
  const total = blocks.length * o.sizes.length;
  let done = 0;
  for (const [b, block] of blocks.entries()) {
    for (const n of o.sizes) {
      o.progress?.(done, total, `${block.label}, ring size ${n}`);
      const measured = await measure(block.schemes, n, b === 0);
      const oursHere = measured.find((r) => r.scheme === 'ours')!;
      const oursTotal = round3(oursHere.signcryptMs + oursHere.unsigncryptMs);
      for (const r of measured) {
        if (r.scheme === 'ours' && b > 0) continue;
        rows.push({ ...r, oursBesideTotalMs: oursTotal });
      }
      done++;
    }
  }
  o.progress?.(total, total, 'done');

  const bound: BoundRow[] = o.sizes.map((n) => {
    const c = oursOperationCounts(n);
    const u = unitCosts[n]!;
    const signMs = c.signcrypt.fixedBase * u.fixedMs + c.signcrypt.variableBase * u.variableMs;
    const openMs =
      c.unsigncrypt.fixedBase * u.fixedMs +
      c.unsigncrypt.variableBase * u.variableMs +
      c.unsigncrypt.pointDecodes * u.validationMs;
    const r = rows.find((x) => x.scheme === 'ours' && x.n === n)!;
    const measuredMs = r.signcryptMs + r.unsigncryptMs;
    return {
      n,
      signcrypt: { ...c.signcrypt, boundMs: round3(signMs) },
      unsigncrypt: {
        fixedBase: c.unsigncrypt.fixedBase,
        variableBase: c.unsigncrypt.variableBase,
        pointValidations: c.unsigncrypt.pointDecodes,
        boundMs: round3(openMs),
      },
      measuredMs: round3(measuredMs),
      measuredOverBound: Math.round((measuredMs / (signMs + openMs)) * 100) / 100,
    };
  });
  return {
    group: `${group.backend} ${group.name}`,
    sizes: o.sizes,
    messageBytes: message.length,
    rows,
    checks,
    unitCosts,
    bound,
  };
}
