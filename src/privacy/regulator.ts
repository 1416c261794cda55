/**
 * The regulator's keys (the trading centre in dppchain). The master secret s, with P = s·B public,
 * opens pseudo-identities and traces ring signcryptions; a separate Ed25519 certification key signs
 * pseudonym certificates, so the key that certifies never needs the power to trace, and the master
 * secret stays in the trading centre's node or CLI key store.
 */
import { type OrgKeyPair, orgKeyPair } from '../crypto/ed25519.ts';
import type { Group, Point, Scalar } from '../crypto/group.ts';
import { type RandomSource, randomScalar, systemRandom } from '../crypto/scalars.ts';

/** What every member knows of the regulator. */
export interface RegulatorPublic {
  /** P = s·B: the tracing and opening key. */
  readonly masterPublic: Point;
  /** Ed25519 public key that signs pseudonym certificates. */
  readonly certPublicKey: Uint8Array;
}

/** The regulator's secrets with their public halves. */
export interface RegulatorKeys extends RegulatorPublic {
  readonly masterSecret: Scalar;
  readonly certKey: OrgKeyPair;
}

/** Fresh regulator keys (a seeded RandomSource gives reproducible ones, for tests and vectors). */
export function setupRegulator(group: Group, random: RandomSource = systemRandom): RegulatorKeys {
  const masterSecret = randomScalar(group, random);
  const certKey = orgKeyPair(random(32));
  return {
    masterSecret,
    masterPublic: group.mulBase(masterSecret),
    certKey,
    certPublicKey: certKey.publicKey,
  };
}
