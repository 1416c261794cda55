/**
 * The simulator's stand-in for signatures: validator i "signs" with SHA-512(secret_i ‖ bytes), and
 * verification recomputes it. Deterministic and about a hundred times faster than Ed25519, so
 * thousands of seeds run in minutes; unforgeable inside the simulation because a Byzantine replica
 * is only given its own secret. Real signatures are exercised by the unit and end-to-end tests.
 */
import { bytesEqual, concatBytes } from '../../codec/bytes.ts';
import { sha256, sha512 } from '../../crypto/hash.ts';
import type { ConsensusCrypto } from '../consensusCrypto.ts';

/** Per-validator secrets derived from the run's seed. */
export function standInSecrets(seed: number, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha256(new TextEncoder().encode(`dpp/sim/secret/${seed}/${i}`)));
}

/** The stand-in crypto of validator `self`. */
export function standInCrypto(secrets: readonly Uint8Array[], self: number): ConsensusCrypto {
  const sig = (i: number, bytes: Uint8Array): Uint8Array => sha512(concatBytes(secrets[i]!, bytes));
  return {
    sign: (bytes) => sig(self, bytes),
    verify: (validator, bytes, signature) =>
      validator >= 0 &&
      validator < secrets.length &&
      signature.length === 64 &&
      bytesEqual(sig(validator, bytes), signature),
    digest: (payload) => sha256(payload),
  };
}
