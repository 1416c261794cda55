/** HKDF-SHA-256 (RFC 5869) from node:crypto. */
import { hkdfSync } from 'node:crypto';
import { utf8 } from '../codec/bytes.ts';

/** `length` bytes of HKDF-SHA-256 over `ikm`, with `salt` and a purpose string as info. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: string, length = 32): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, utf8(info), length));
}
