/** HKDF-SHA-256 (RFC 5869) and scrypt (RFC 7914, for key stores) from node:crypto. */
import { hkdfSync, scryptSync } from 'node:crypto';
import { utf8 } from '../codec/bytes.ts';

/** `length` bytes of HKDF-SHA-256 over `ikm`, with `salt` and a purpose string as info. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: string, length = 32): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, utf8(info), length));
}

/** scrypt cost parameters (RFC 7914): N (a power of two), r, p. */
export interface ScryptCost {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** `length` bytes of scrypt over the UTF-8 of `passphrase` with `salt` at cost `c`. */
export function scrypt(passphrase: string, salt: Uint8Array, c: ScryptCost, length = 32): Uint8Array {
  const maxmem = 128 * c.n * c.r * c.p + 128 * c.r * 2 + (1 << 20);
  return new Uint8Array(scryptSync(passphrase, salt, length, { N: c.n, r: c.r, p: c.p, maxmem }));
}
