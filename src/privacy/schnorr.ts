/**
 * Schnorr signatures (Schnorr, J. Cryptology 1991) in the edwards25519 subgroup, for pseudonym keys
 * Y = y·B: the proof of possession when a member asks the regulator to certify Y, and the
 * pseudonym's signature over application data (a bill confirmation inside a signcryption).
 *
 * Signature (e, z): R = k·B, e = H(tag, Y, R, message), z = k − e·y. Verify: R = z·B + e·Y.
 * The tag names the purpose, so a proof of possession is never a valid bill signature.
 */
import { bytesEqual, utf8 } from '../codec/bytes.ts';
import type { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { decodeScalar, ELEMENT_BYTES, type Group, type Point, type Scalar } from '../crypto/group.ts';
import { hashToScalar, hedgedScalar, type RandomSource, systemRandom } from '../crypto/scalars.ts';

/** A Schnorr signature: challenge and response. */
export interface SchnorrSignature {
  readonly e: Scalar;
  readonly z: Scalar;
}

/** Signs `message` for `purpose` with secret `y` (public key `publicKey` = y·B). */
export function schnorrSign(
  group: Group,
  purpose: string,
  y: Scalar,
  publicKey: Point,
  message: Uint8Array,
  random: RandomSource = systemRandom,
): SchnorrSignature {
  // hedged over everything that makes the signature: a repeated random source never reuses k
  const k = hedgedScalar(group, random, `dpp/schnorr/v1/nonce`, y, publicKey, utf8(purpose), message);
  const e = hashToScalar(group, `dpp/schnorr/v1/${purpose}`, publicKey, group.mulBase(k), message);
  return { e, z: group.scalarSub(k, group.scalarMul(e, y)) };
}

/** True when `sig` is a valid signature of `message` for `purpose` by `publicKey`. */
export function schnorrVerify(
  group: Group,
  purpose: string,
  publicKey: Point,
  message: Uint8Array,
  sig: SchnorrSignature,
): boolean {
  const r = group.add(group.mulBase(sig.z), group.mul(sig.e, publicKey));
  return bytesEqual(hashToScalar(group, `dpp/schnorr/v1/${purpose}`, publicKey, r, message), sig.e);
}

/** 64 bytes: e ‖ z. */
export function encodeSchnorr(sig: SchnorrSignature): Uint8Array {
  return new Writer().fixed(sig.e, ELEMENT_BYTES).fixed(sig.z, ELEMENT_BYTES).finish();
}

/** Reads e ‖ z, refusing non-canonical scalars. */
export function readSchnorr(r: Reader): SchnorrSignature {
  return { e: decodeScalar(r.fixed(ELEMENT_BYTES)), z: decodeScalar(r.fixed(ELEMENT_BYTES)) };
}
