/**
 * The libsodium backend of ./group.ts: point arithmetic through sodium-native (native libsodium:
 * `crypto_scalarmult_ed25519_*_noclamp`, `crypto_core_ed25519_*`), and the one scalar operation
 * sodium-native 5.1 lacks, `crypto_core_ed25519_scalar_mul`, through libsodium-wrappers-sumo (the
 * same C code compiled to WASM). libsodium's scalar multiplication refuses a zero scalar and an
 * identity input or result, so those cases are answered here, before calling it.
 */
import sumo from 'libsodium-wrappers-sumo';
import sodium from 'sodium-native';
import {
  ELEMENT_BYTES,
  type Group,
  IDENTITY_BYTES,
  invalidPoint,
  isIdentity,
  isZeroScalar,
  type Point,
  type Scalar,
} from './group.ts';

let loaded: Promise<Group> | undefined;

/** The libsodium group (loads libsodium's WASM module once). */
export function libsodiumGroup(): Promise<Group> {
  loaded ??= sumo.ready.then(makeGroup);
  return loaded;
}

function makeGroup(): Group {
  const point = (): Point => new Uint8Array(ELEMENT_BYTES) as Point;
  const scalar = (): Scalar => new Uint8Array(ELEMENT_BYTES) as Scalar;
  const identity = IDENTITY_BYTES.slice() as Point;
  const base = point();
  sodium.crypto_scalarmult_ed25519_base_noclamp(base, Uint8Array.of(1, ...new Uint8Array(31)));

  const isValidPoint = (bytes: Uint8Array): boolean =>
    bytes.length === ELEMENT_BYTES && sodium.crypto_core_ed25519_is_valid_point(bytes);

  return {
    name: 'edwards25519',
    backend: 'libsodium',
    base,
    identity,
    isValidPoint,
    decodePoint(bytes) {
      if (bytes.length !== ELEMENT_BYTES) invalidPoint(`length ${bytes.length}, expected 32`);
      if (!sodium.crypto_core_ed25519_is_valid_point(bytes)) {
        invalidPoint('non-canonical, not on the curve, of small order or outside the prime-order subgroup');
      }
      return bytes.slice() as Point;
    },
    mulBase(s) {
      if (isZeroScalar(s)) return identity;
      const q = point();
      sodium.crypto_scalarmult_ed25519_base_noclamp(q, s);
      return q;
    },
    mul(s, p) {
      if (isZeroScalar(s) || isIdentity(p)) return identity;
      const q = point();
      sodium.crypto_scalarmult_ed25519_noclamp(q, s, p);
      return q;
    },
    add(p, q) {
      const r = point();
      sodium.crypto_core_ed25519_add(r, p, q);
      return r;
    },
    sub(p, q) {
      const r = point();
      sodium.crypto_core_ed25519_sub(r, p, q);
      return r;
    },
    scalarFromWide(wide) {
      if (wide.length !== 64) throw new RangeError('wide scalar must be 64 bytes');
      const r = scalar();
      sodium.crypto_core_ed25519_scalar_reduce(r, wide);
      return r;
    },
    scalarAdd(a, b) {
      const r = scalar();
      sodium.crypto_core_ed25519_scalar_add(r, a, b);
      return r;
    },
    scalarSub(a, b) {
      const r = scalar();
      sodium.crypto_core_ed25519_scalar_sub(r, a, b);
      return r;
    },
    scalarMul(a, b) {
      return sumo.crypto_core_ed25519_scalar_mul(a, b) as Scalar;
    },
    scalarNeg(a) {
      const r = scalar();
      sodium.crypto_core_ed25519_scalar_negate(r, a);
      return r;
    },
  };
}
