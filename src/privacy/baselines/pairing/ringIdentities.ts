/** The identities of the benchmark's rings, and the checks every baseline's prepare() shares. */
import type { G1 } from 'mcl-wasm';
import { utf8 } from '../../../codec/bytes.ts';
import { DppError } from '../../../errors.ts';
import type { Cyh05Ring } from './cyh05RingSignature.ts';

/** Identities `ring-member-0` … `ring-member-(n−1)`; throws unless n ≥ 1 and 0 ≤ signer < n. */
export function ringIdentities(n: number, signer: number): Uint8Array[] {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(signer) || signer < 0 || signer >= n) {
    throw new DppError(
      'CRYPTO_BAD_RING',
      `need a ring of n ≥ 1 with 0 ≤ signer < n, got n = ${n}, signer = ${signer}`,
      {
        n,
        signer,
      },
    );
  }
  return Array.from({ length: n }, (_, i) => utf8(`ring-member-${i}`));
}

/** Q_s, the signer's identity point; throws when `signer` is not an index of the ring. */
export function signerPoint(ring: Cyh05Ring, signer: number): G1 {
  const q = Number.isInteger(signer) ? ring.points[signer] : undefined;
  if (q === undefined) {
    throw new DppError('CRYPTO_BAD_RING', `signer ${signer} is not in a ring of ${ring.points.length}`, {
      signer,
      n: ring.points.length,
    });
  }
  return q;
}
