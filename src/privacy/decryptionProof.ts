/**
 * Provable decryption: the receiver of a signcryption shows a third party (the regulator in a
 * dispute) what it said, without giving away its key. It reveals S = z·K with a Chaum–Pedersen
 * proof that log_B(Z) = log_K(S); anyone holding the proof re-derives the DEM key from S and opens
 * the ciphertext. A receiver cannot claim a different plaintext: AEAD decryption under the one
 * key that S determines either yields the sent message or fails.
 */
import { Writer } from '../codec/writer.ts';
import type { Point } from '../crypto/group.ts';
import { sha256 } from '../crypto/hash.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { type DleqProof, type DleqStatement, proveDleq, verifyDleq } from './chaumPedersen.ts';
import type { Ring } from './ring.ts';
import { openWithSharedSecret, type ReceiverKeyPair, type RscParams, verify } from './ringSigncryption.ts';
import { encodeSigncryption, type Signcryption } from './signcryptionEncoding.ts';

/** The KEM secret S = z·K and the proof that it is correct. */
export interface DecryptionProof {
  readonly shared: Point;
  readonly proof: DleqProof;
}

/** The receiver proves the decryption of `sc`. */
export function proveDecryption(
  params: RscParams,
  sc: Signcryption,
  receiver: ReceiverKeyPair,
  random: RandomSource = systemRandom,
): DecryptionProof {
  const shared = params.group.mul(receiver.secret, sc.kemShare);
  return {
    shared,
    proof: proveDleq(
      params.group,
      statement(params, sc, shared),
      receiver.secret,
      decryptionContext(sc),
      random,
    ),
  };
}

/** The plaintext that `proof` shows `sc` carries, or null when `sc` or the proof does not verify. */
export function verifyDecryption(
  params: RscParams,
  sc: Signcryption,
  ring: Ring,
  proof: DecryptionProof,
): Uint8Array | null {
  if (!verify(params, sc, ring)) return null;
  if (!verifyDleq(params.group, statement(params, sc, proof.shared), proof.proof, decryptionContext(sc)))
    return null;
  return openWithSharedSecret(params, sc, ring, proof.shared);
}

/** log_B(Z) = log_K(S). */
function statement(params: RscParams, sc: Signcryption, shared: Point): DleqStatement {
  return { g: params.group.base, x: sc.receiver, h: sc.kemShare, y: shared };
}

/** What a decryption proof is bound to: string "dpp/rsc/v1/decryption" ‖ SHA-256(encoding of sc). */
export function decryptionContext(sc: Signcryption): Uint8Array {
  return new Writer()
    .string('dpp/rsc/v1/decryption')
    .fixed(sha256(encodeSigncryption(sc)), 32)
    .finish();
}
