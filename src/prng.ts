/**
 * The one seeded pseudo-random generator of dppchain, for everything that must replay the same way
 * on every machine and is not cryptography: the market's random scenarios and the consensus
 * simulator's fault schedules. sfc32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * PractRand-tested) seeded from a string through FNV-1a; only 32-bit integer operations
 * (Math.imul, shifts), so every engine produces the same sequence. Secrets and nonces come from
 * crypto/scalars.ts (the OS CSPRNG), never from here.
 */

/** A deterministic stream of numbers. */
export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  next(): number;
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number;
  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** An element of a non-empty list. */
  pick<T>(xs: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
  /** `length` pseudo-random bytes. */
  bytes(length: number): Uint8Array;
}

/** A generator seeded by a string (e.g. "random-scenario/17", "sim/42"). */
export function seededRng(seed: string): Rng {
  let a = fnv1a(`a:${seed}`);
  let b = fnv1a(`b:${seed}`);
  let c = fnv1a(`c:${seed}`);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next(); // mix the seed in
  const uniform = (): number => next() / 4294967296;
  const int = (lo: number, hi: number): number => lo + Math.floor(uniform() * (hi - lo + 1));
  return {
    next,
    uniform,
    between: (lo, hi) => lo + (hi - lo) * uniform(),
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!,
    chance: (p) => uniform() < p,
    bytes: (length) => Uint8Array.from({ length }, () => next() & 0xff),
  };
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
