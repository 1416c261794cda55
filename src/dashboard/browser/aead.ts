/** Browser build of src/crypto/aead.ts: ChaCha20-Poly1305 (RFC 8439) from @noble/ciphers. */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';

/** Nonce and tag sizes in bytes (keys are 32 bytes). */
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

/** Encrypts `plaintext` bound to `ad`; returns ciphertext ‖ tag. */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  return chacha20poly1305(key, nonce, ad).encrypt(plaintext);
}

/** Decrypts ciphertext ‖ tag bound to `ad`; null when it does not authenticate. */
export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
): Uint8Array | null {
  if (sealed.length < AEAD_TAG_BYTES) return null;
  try {
    return chacha20poly1305(key, nonce, ad).decrypt(sealed);
  } catch {
    return null;
  }
}
