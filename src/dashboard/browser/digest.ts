/** Browser build of src/crypto/digest.ts: SHA-256 / SHA-512 from @noble/hashes (selected by a Vite alias). */
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** An incremental SHA-256 (see src/crypto/digest.ts). */
export interface Sha256Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

/** A fresh incremental SHA-256. */
export function sha256Hasher(): Sha256Hasher {
  const h = nobleSha256.create();
  return {
    update: (data) => {
      h.update(data);
    },
    digest: () => h.digest(),
  };
}

/** SHA-512 of `data`. */
export function sha512(data: Uint8Array): Uint8Array {
  return nobleSha512(data);
}
