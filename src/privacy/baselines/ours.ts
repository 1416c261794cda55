/**
 * Our traceable ring signcryption in the benchmark's shape (./scheme.ts): a regulator, n certified
 * pseudonyms in a canonical ring and a receiver are prepared once; signcrypt returns the encoded
 * signcryption, unsigncrypt decodes, verifies and decrypts it, exactly as a receiver would.
 *
 * Operation counts (docs/privacy.md §7), n = ring size:
 *   signcrypt:            5 fixed-base and 2n + 3 variable-base scalar multiplications
 *   verify + unsigncrypt: 3 fixed-base and 2n + 5 variable-base, plus 4 point validations
 */
import { bytesEqual } from '../../codec/bytes.ts';
import type { Group } from '../../crypto/group.ts';
import { generateKeyPair } from '../keyPair.ts';
import { setupRegulator } from '../regulator.ts';
import { ringOf } from '../ring.ts';
import { signcrypt, unsigncrypt } from '../ringSigncryption.ts';
import { decodeSigncryption, encodeSigncryption } from '../signcryptionEncoding.ts';
import type { BenchableScheme } from './scheme.ts';

/** Scalar multiplications of one signcryption and of one verify + unsigncrypt, by kind. */
export function oursOperationCounts(n: number): {
  signcrypt: { fixedBase: number; variableBase: number };
  unsigncrypt: { fixedBase: number; variableBase: number; pointDecodes: number };
} {
  return {
    signcrypt: { fixedBase: 5, variableBase: 2 * n + 3 },
    unsigncrypt: { fixedBase: 3, variableBase: 2 * n + 5, pointDecodes: 4 },
  };
}

/** Ours in the benchmark's shape. */
export function oursScheme(group: Group): BenchableScheme {
  return {
    scheme: 'ours',
    curve: group.name,
    async prepare(n, signer) {
      const regulator = setupRegulator(group);
      const params = { group, regulatorKey: regulator.masterPublic };
      const keys = Array.from({ length: n }, () => generateKeyPair(group));
      const ring = ringOf(keys.map((k) => k.publicKey));
      const me = keys.find((k) => bytesEqual(k.publicKey, ring.members[signer]!))!;
      const receiver = generateKeyPair(group);
      const context = { chainId: 'dppchain-bench', purpose: 'bill-confirmation', nonce: Uint8Array.of(1) };
      return {
        signcrypt: (m) => encodeSigncryption(signcrypt(params, me, ring, receiver.publicKey, context, m)),
        unsigncrypt(bytes) {
          try {
            return unsigncrypt(params, decodeSigncryption(group, bytes), ring, receiver);
          } catch {
            return null;
          }
        },
      };
    },
  };
}
