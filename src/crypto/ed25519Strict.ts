/**
 * The Ed25519 (RFC 8032) verifier that decides validity on chain — transaction admission, block
 * validation, commit certificates, the regulator's pseudonym certificates — through libsodium
 * (`sodium-native`, `crypto_sign_verify_detached`), about 1.7× faster than node:crypto and with no
 * KeyObject to build per key. libsodium's rules are the consensus rules: S < ℓ, canonical A and R,
 * and A and R not of small order. Every validator runs this same function, so they agree bit for
 * bit; node:crypto's verifier (./ed25519.ts `orgVerify`) checks off-chain signatures (sessions)
 * and is cross-tested against this one.
 */
import sodium from 'sodium-native';

/** Length of an Ed25519 public key. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Length of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKey` (libsodium rules). */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES)
    return false;
  return sodium.crypto_sign_verify_detached(signature, message, publicKey);
}

/** True when `publicKey` is a canonical point of the prime-order subgroup, not of small order. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  return (
    publicKey.length === ED25519_PUBLIC_KEY_BYTES && sodium.crypto_core_ed25519_is_valid_point(publicKey)
  );
}
