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

/** An incremental SHA-256: `update` with each piece, then `digest` once (e.g. a snapshot streamed in chunks). */
export interface Sha256Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

/** A fresh incremental SHA-256. */
export function sha256Hasher(): Sha256Hasher {
  const h = createHash('sha256');
  return {
    update: (data) => {
      h.update(data);
    },
    digest: () => new Uint8Array(h.digest()),
  };
}

/** SHA-512 of `data`. */
export function sha512(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha512', data, 'buffer'));
}

/** SHAKE256 (FIPS 202) of `data`, `length` bytes (the pairing baselines' XOF). */
export function shake256(data: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(createHash('shake256', { outputLength: length }).update(data).digest());
}
