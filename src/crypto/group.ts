/**
 * The prime-order group every privacy proof runs in: the subgroup of order
 * ℓ = 2^252 + 27742317777372353535851937790883648493 of edwards25519 (RFC 8032 §5.1), generator B.
 *
 * Points and scalars travel as their 32-byte encodings. A `Point` returned by `decodePoint` is
 * canonical, on the curve, in the order-ℓ subgroup and not of small order (so never the identity);
 * a `Point` computed by the group may be the identity (`isIdentity`), which no decoder accepts.
 * A `Scalar` is 32 bytes little-endian and < ℓ. Two backends implement this interface
 * (./groupLibsodium.ts, ./groupNoble.ts) and are tested against each other byte for byte.
 */
import { DecodeError } from '../codec/decodeError.ts';

/** A 32-byte encoding of a subgroup element (validated on decode). */
export type Point = Uint8Array & { readonly __point: true };
/** A 32-byte little-endian integer in [0, ℓ). */
export type Scalar = Uint8Array & { readonly __scalar: true };

/** Which library computes. */
export type GroupBackendName = 'libsodium' | 'noble';

/** The operations the privacy layer needs; every method is pure. */
export interface Group {
  readonly name: 'edwards25519';
  readonly backend: GroupBackendName;
  /** The generator B of RFC 8032. */
  readonly base: Point;
  /** The neutral element (computed values only; never decodes). */
  readonly identity: Point;
  /** Validates an encoding (canonical, on curve, in the ℓ-subgroup, not small order); throws DecodeError. */
  decodePoint(bytes: Uint8Array): Point;
  /** True when `bytes` would pass decodePoint. */
  isValidPoint(bytes: Uint8Array): boolean;
  /** s·B. */
  mulBase(s: Scalar): Point;
  /** s·P. */
  mul(s: Scalar, p: Point): Point;
  /** P + Q. */
  add(p: Point, q: Point): Point;
  /** P − Q. */
  sub(p: Point, q: Point): Point;
  /** A 64-byte little-endian integer reduced mod ℓ. */
  scalarFromWide(wide: Uint8Array): Scalar;
  /** a + b mod ℓ. */
  scalarAdd(a: Scalar, b: Scalar): Scalar;
  /** a − b mod ℓ. */
  scalarSub(a: Scalar, b: Scalar): Scalar;
  /** a · b mod ℓ. */
  scalarMul(a: Scalar, b: Scalar): Scalar;
  /** −a mod ℓ. */
  scalarNeg(a: Scalar): Scalar;
}

/** Size of a point or scalar encoding. */
export const ELEMENT_BYTES = 32;

/** ℓ, little-endian, for the canonical-scalar range check. */
const ORDER_LE = Uint8Array.from(
  'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'.match(/../g)!,
  (h) => Number.parseInt(h, 16),
); // no Buffer: this file also runs in the dashboard's browser build

/** The encoding of the identity (x = 0, y = 1). */
export const IDENTITY_BYTES: Uint8Array = (() => {
  const b = new Uint8Array(32);
  b[0] = 1;
  return b;
})();

/** True when a 32-byte little-endian integer is < ℓ. */
export function isCanonicalScalar(bytes: Uint8Array): boolean {
  if (bytes.length !== ELEMENT_BYTES) return false;
  for (let i = ELEMENT_BYTES - 1; i >= 0; i--) {
    if (bytes[i]! < ORDER_LE[i]!) return true;
    if (bytes[i]! > ORDER_LE[i]!) return false;
  }
  return false;
}

/** A scalar from its encoding; refuses lengths ≠ 32 and values ≥ ℓ (e.g. s + ℓ). */
export function decodeScalar(bytes: Uint8Array): Scalar {
  if (bytes.length !== ELEMENT_BYTES) {
    throw new DecodeError('DECODE_INVALID_SCALAR', `scalar must be 32 bytes, got ${bytes.length}`);
  }
  if (!isCanonicalScalar(bytes)) throw new DecodeError('DECODE_NON_CANONICAL', 'scalar is not reduced mod ℓ');
  return bytes.slice() as Scalar;
}

/** A secret scalar: canonical and non-zero. */
export function decodeSecretScalar(bytes: Uint8Array): Scalar {
  const s = decodeScalar(bytes);
  if (isZeroScalar(s)) throw new DecodeError('DECODE_INVALID_SCALAR', 'secret scalar is zero');
  return s;
}

/** True for the zero scalar. */
export function isZeroScalar(s: Uint8Array): boolean {
  return s.every((b) => b === 0);
}

/** True for the identity's encoding. */
export function isIdentity(p: Uint8Array): boolean {
  return p.length === ELEMENT_BYTES && p[0] === 1 && p.subarray(1).every((b) => b === 0);
}

/** Throws the DecodeError every backend uses for a refused point. */
export function invalidPoint(reason: string): never {
  throw new DecodeError('DECODE_INVALID_POINT', `invalid group element: ${reason}`);
}
