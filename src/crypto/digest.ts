/**
 * SHA-256 and SHA-512 from node:crypto. The dashboard's browser build replaces this file (and
 * kdf.ts, aead.ts) with @noble implementations (src/dashboard/browser/), cross-tested byte for byte
 * in test/dashboard/browserCrypto.test.ts.
 */
import { createHash, hash } from 'node:crypto';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', data, 'buffer'));
}

/** SHA-512 of `data`. */
export function sha512(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha512', data, 'buffer'));
}

/** SHAKE256 (FIPS 202) of `data`, `length` bytes (the pairing baselines' XOF). */
export function shake256(data: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(createHash('shake256', { outputLength: length }).update(data).digest());
}
