/**
 * Browser build of src/crypto/ed25519Strict.ts (sodium-native is a native addon): @noble/curves with
 * RFC 8032 rules. The dashboard only reaches it through module imports (block headers live beside
 * transactions); no chain decision is ever made with it.
 */
import { ed25519 } from '@noble/curves/ed25519.js';

/** Length of an Ed25519 public key. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Length of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKey`. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES)
    return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** True when `publicKey` is a canonical point of the prime-order subgroup, not of small order. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  try {
    const p = ed25519.Point.fromBytes(publicKey, false);
    return !p.isSmallOrder() && p.isTorsionFree();
  } catch {
    return false;
  }
}
