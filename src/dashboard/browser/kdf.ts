/** Browser build of src/crypto/kdf.ts: HKDF-SHA-256 (RFC 5869) and scrypt (RFC 7914) from @noble/hashes. */
import { hkdf } from '@noble/hashes/hkdf.js';
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** `length` bytes of HKDF-SHA-256 over `ikm`, with `salt` and a purpose string as info. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: string, length = 32): Uint8Array {
  return hkdf(sha256, ikm, salt, new TextEncoder().encode(info), length);
}

/** scrypt cost parameters (RFC 7914): N (a power of two), r, p. */
export interface ScryptCost {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** `length` bytes of scrypt over the UTF-8 of `passphrase` with `salt` at cost `c`. */
export function scrypt(passphrase: string, salt: Uint8Array, c: ScryptCost, length = 32): Uint8Array {
  return nobleScrypt(passphrase, salt, { N: c.n, r: c.r, p: c.p, dkLen: length });
}
