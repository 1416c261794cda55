/**
 * ChaCha20-Poly1305 (RFC 8439) from node:crypto: 32-byte key, 12-byte nonce, 16-byte tag appended
 * to the ciphertext. `open` returns null on any authentication failure (a `verify`-style result),
 * never a partial plaintext.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

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
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_BYTES });
  c.setAAD(ad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  const out = new Uint8Array(body.length + AEAD_TAG_BYTES);
  out.set(body, 0);
  out.set(c.getAuthTag(), body.length);
  return out;
}

/** Decrypts ciphertext ‖ tag bound to `ad`; null when it does not authenticate. */
export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
): Uint8Array | null {
  if (sealed.length < AEAD_TAG_BYTES) return null;
  const body = sealed.subarray(0, sealed.length - AEAD_TAG_BYTES);
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_BYTES });
  d.setAAD(ad, { plaintextLength: body.length });
  d.setAuthTag(sealed.subarray(sealed.length - AEAD_TAG_BYTES));
  const out = d.update(body);
  try {
    d.final();
  } catch {
    return null;
  }
  return new Uint8Array(out);
}
