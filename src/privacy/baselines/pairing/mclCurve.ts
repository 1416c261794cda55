/**
 * The pairing groups of the baseline schemes, through mcl-wasm (herumi/mcl), as Type-3 pairings
 * e: G1 × G2 → GT: BLS12-381 (~128-bit, the fair comparison) and BN254 (mcl's BN_SNARK1, the
 * alt_bn128 curve, ~100-bit since exTNFS, for reference).
 *
 * mcl holds one curve per process: `mcl.init` replaces its WASM instance, after which every G1, G2,
 * GT and PrecomputedG2 value of the previous curve is meaningless. `useCurve` initialises only on a
 * change and stamps the context it returns with an epoch; `assertCurrent` refuses a context (and so
 * a prepared ring) from an earlier epoch instead of computing garbage.
 *
 * Decoding (STACK.md): a point is accepted only when it is on the curve, canonical (it re-encodes to
 * the same bytes), not the identity, and in the prime-order subgroup. mcl's `verifyOrderG1` is on
 * for BLS12-381 (G1 has cofactor ≈ 2^126) and off for BN254 (G1 = E(Fp), cofactor 1, so the check
 * would be redundant); `verifyOrderG2` is on for both. Hashing to G1/G2 is RFC 9380 hash_to_curve
 * (mcl's IRTF mode) on BLS12-381 and mcl's default map on BN254.
 */
import mcl, { type Fr, type G1, type G2, type PrecomputedG2 } from 'mcl-wasm';
import { bytesEqual } from '../../../codec/bytes.ts';
import { DecodeError } from '../../../codec/decodeError.ts';
import { frame, taggedSha512 } from '../../../crypto/hash.ts';
import { DppError } from '../../../errors.ts';

/** The pairing-friendly curves the baselines run on, named as in the benchmark output. */
export type PairingCurve = 'bls12-381' | 'bn254';

/** Both curves, the fair comparison first. */
export const PAIRING_CURVES: readonly PairingCurve[] = ['bls12-381', 'bn254'];

/** One initialisation of mcl on one curve: its generators and encoding sizes. */
export interface PairingContext {
  readonly curve: PairingCurve;
  /** Which `useCurve` initialisation this belongs to; stale once another curve is initialised. */
  readonly epoch: number;
  /** Bytes of a compressed G1 point (48 on BLS12-381, 32 on BN254). */
  readonly g1Bytes: number;
  /** Bytes of a compressed G2 point (96 on BLS12-381, 64 on BN254). */
  readonly g2Bytes: number;
  /** Generator P1 of G1 (hashed from a fixed string: any non-identity point generates). */
  readonly g1: G1;
  /** Generator P2 of G2, likewise. */
  readonly g2: G2;
  /** P2 prepared for Miller loops. */
  readonly g2Pre: PrecomputedG2;
}

const MCL_CURVE_IDS: Readonly<Record<PairingCurve, number>> = {
  'bls12-381': mcl.BLS12_381,
  bn254: mcl.BN_SNARK1,
};

let active: PairingContext | undefined;
let epoch = 0;
let switching: Promise<unknown> = Promise.resolve();

/** The context of `curve`, initialising mcl on it when another curve (or none) is active. */
export function useCurve(curve: PairingCurve): Promise<PairingContext> {
  // Serialised, so that two concurrent prepare() calls never interleave two initialisations.
  const next = switching.then(() => initialise(curve));
  switching = next.catch(() => undefined);
  return next;
}

async function initialise(curve: PairingCurve): Promise<PairingContext> {
  if (active?.curve === curve) return active;
  active = undefined;
  await mcl.init(MCL_CURVE_IDS[curve]);
  applyPointChecks(curve);
  if (curve === 'bls12-381') mcl.setMapToMode(mcl.IRTF);
  epoch += 1;
  const g1 = hashToG1('dpp/baselines/pairing/v1/generator-g1', new Uint8Array(0));
  const g2 = hashToG2('dpp/baselines/pairing/v1/generator-g2', new Uint8Array(0));
  active = {
    curve,
    epoch,
    g1Bytes: g1.serialize().length,
    g2Bytes: g2.serialize().length,
    g1,
    g2,
    g2Pre: new mcl.PrecomputedG2(g2),
  };
  return active;
}

/** Sets mcl's subgroup checks on deserialisation as `curve` needs them (G1: BLS12-381 only; G2: both). */
export function applyPointChecks(curve: PairingCurve): void {
  mcl.verifyOrderG1(curve === 'bls12-381');
  mcl.verifyOrderG2(true);
}

/** Throws when `ctx` belongs to a curve initialisation that another one has since replaced. */
export function assertCurrent(ctx: PairingContext): void {
  if (active?.epoch !== ctx.epoch) {
    throw new DppError(
      'CRYPTO_CURVE_SWITCHED',
      `keys prepared on ${ctx.curve} are invalid: mcl has been initialised on another curve since`,
      { curve: ctx.curve, active: active?.curve ?? null },
    );
  }
}

/** A uniformly random non-zero scalar (mcl's CSPRNG draws from crypto.getRandomValues). */
export function randomFr(): Fr {
  const r = new mcl.Fr();
  do r.setByCSPRNG();
  while (r.isZero());
  return r;
}

/** H(tag, parts) mod r: SHA-512 over the tagged framing, reduced (bias < 2^-255). */
export function hashToFr(tag: string, ...parts: readonly Uint8Array[]): Fr {
  const r = new mcl.Fr();
  r.setBigEndianMod(taggedSha512(tag, ...parts));
  return r;
}

/** A random oracle into G1 over the tagged framing of `parts`. */
export function hashToG1(tag: string, ...parts: readonly Uint8Array[]): G1 {
  return mcl.hashAndMapToG1(frame(tag, parts));
}

/** A random oracle into G2 over the tagged framing of `parts`. */
export function hashToG2(tag: string, ...parts: readonly Uint8Array[]): G2 {
  return mcl.hashAndMapToG2(frame(tag, parts));
}

/** A G1 point from its compressed encoding; refuses off-curve, non-subgroup, identity, non-canonical. */
export function decodeG1(ctx: PairingContext, bytes: Uint8Array): G1 {
  return decodePoint(new mcl.G1(), ctx.g1Bytes, bytes, 'G1');
}

/** A G2 point from its compressed encoding; refuses off-curve, non-subgroup, identity, non-canonical. */
export function decodeG2(ctx: PairingContext, bytes: Uint8Array): G2 {
  return decodePoint(new mcl.G2(), ctx.g2Bytes, bytes, 'G2');
}

function decodePoint<P extends G1 | G2>(p: P, length: number, bytes: Uint8Array, group: string): P {
  if (bytes.length !== length) {
    throw new DecodeError('DECODE_BAD_LENGTH', `${group} point of ${bytes.length} bytes, expected ${length}`);
  }
  try {
    // [REJECT] not on the curve, or (with verifyOrder on) not in the prime-order subgroup
    p.deserialize(bytes);
  } catch {
    throw new DecodeError('DECODE_INVALID_POINT', `not a point of ${group}`);
  }
  // [REJECT] the identity: no honest signature or ciphertext contains it
  if (p.isZero()) throw new DecodeError('DECODE_INVALID_POINT', `identity of ${group}`);
  // [REJECT] a second encoding of the same point
  if (!bytesEqual(p.serialize(), bytes)) {
    throw new DecodeError('DECODE_NON_CANONICAL', `non-canonical encoding of a ${group} point`);
  }
  return p;
}
