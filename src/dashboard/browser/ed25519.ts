/**
 * Browser build of src/crypto/ed25519.ts: Ed25519 (RFC 8032) from @noble/curves. The seed stays in
 * this page's memory; `privateKey` is the seed itself here (a node:crypto KeyObject on the node).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { DecodeError } from '../../codec/decodeError.ts';

/** An organisation's signing key. */
export interface OrgKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** A key pair from a 32-byte seed (fresh random when omitted). */
export function orgKeyPair(seed: Uint8Array = crypto.getRandomValues(new Uint8Array(32))): OrgKeyPair {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  return { publicKey: ed25519.getPublicKey(seed), privateKey: Uint8Array.from(seed) };
}

/** The 64-byte Ed25519 signature of `message`. */
export function orgSign(key: OrgKeyPair, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, key.privateKey);
}

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKey` (RFC 8032, not ZIP 215). */
export function orgVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Checks that `publicKey` decodes as an Ed25519 point; throws DecodeError otherwise. */
export function publicKeyObject(publicKey: Uint8Array): Uint8Array {
  try {
    ed25519.Point.fromBytes(publicKey);
  } catch (cause) {
    throw new DecodeError('DECODE_INVALID_POINT', 'not an Ed25519 public key', { cause: String(cause) });
  }
  return publicKey;
}
