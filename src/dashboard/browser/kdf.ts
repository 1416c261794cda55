/** Browser build of src/crypto/kdf.ts: HKDF-SHA-256 (RFC 5869) from @noble/hashes. */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** `length` bytes of HKDF-SHA-256 over `ikm`, with `salt` and a purpose string as info. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: string, length = 32): Uint8Array {
  return hkdf(sha256, ikm, salt, new TextEncoder().encode(info), length);
}
