/** Shared fixtures for the privacy tests: a regulator, certified members, a receiver, rings. */
import type { Group } from '../../src/crypto/group.ts';
import { type RandomSource, seededRandom } from '../../src/crypto/scalars.ts';
import { generateKeyPair } from '../../src/privacy/keyPair.ts';
import { issuePseudoIdentity } from '../../src/privacy/pseudoIdentity.ts';
import {
  certifyPseudonym,
  type PseudonymCertificate,
  requestCertification,
} from '../../src/privacy/pseudonymCertificate.ts';
import { type RegulatorKeys, setupRegulator } from '../../src/privacy/regulator.ts';
import { type Ring, ringFromCertificates } from '../../src/privacy/ring.ts';
import type { PseudonymKeyPair, ReceiverKeyPair, RscParams } from '../../src/privacy/ringSigncryption.ts';
import type { SigncryptionContext } from '../../src/privacy/signcryptionEncoding.ts';

export const NOW_MS = 1_800_000_000_000n;
export const EXPIRY_MS = NOW_MS + 3_600_000n;

/** A member: its organisation name, pseudonym key pair and certificate. */
export interface Member {
  readonly realIdentity: string;
  readonly keys: PseudonymKeyPair;
  readonly certificate: PseudonymCertificate;
}

/** A whole privacy world: regulator, n certified members in a canonical ring, one receiver. */
export interface World {
  readonly group: Group;
  readonly regulator: RegulatorKeys;
  readonly params: RscParams;
  /** Members in ring order (sorted by key). */
  readonly members: readonly Member[];
  readonly ring: Ring;
  readonly receiver: ReceiverKeyPair;
  readonly context: SigncryptionContext;
  readonly random: RandomSource;
}

/** A key pair y, Y = y·B. */
export const keyPair = generateKeyPair;

/** Builds a world of `n` certified members from a seed (reproducible). */
export function makeWorld(group: Group, n: number, seed = `world-${n}`): World {
  const random = seededRandom(seed);
  const regulator = setupRegulator(group, random);
  const certified = new Set<string>();
  const made: Member[] = [];
  for (let i = 0; i < n; i++) {
    const realIdentity = `consumer-${i}.example`;
    const keys = keyPair(group, random);
    const pid = issuePseudoIdentity(group, regulator, realIdentity, random);
    const request = requestCertification(group, keys.secret, keys.publicKey, pid, EXPIRY_MS, random);
    const certificate = certifyPseudonym(
      group,
      regulator,
      request,
      { has: (k) => certified.has(Buffer.from(k).toString('hex')) },
      NOW_MS,
    );
    certified.add(Buffer.from(keys.publicKey).toString('hex'));
    made.push({ realIdentity, keys, certificate });
  }
  const ring = ringFromCertificates(
    regulator,
    made.map((m) => m.certificate),
    NOW_MS,
  );
  const members = ring.members.map((y) => made.find((m) => Buffer.compare(m.keys.publicKey, y) === 0)!);
  return {
    group,
    regulator,
    params: { group, regulatorKey: regulator.masterPublic },
    members,
    ring,
    receiver: keyPair(group, random),
    context: { chainId: 'dppchain-test', purpose: 'bill-confirmation', nonce: Uint8Array.of(0, 0, 0, 7) },
    random,
  };
}
