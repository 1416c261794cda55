/**
 * Obtaining a one-time pseudonym (docs/protocol.md §5), both sides. The consumer generates its key
 * y itself and proves possession; the regulator issues a fresh PID for the consumer's real identity,
 * certifies (Y, PID, expiry) and registers it on chain for the round with `pseudonym.register`. The
 * regulator never learns y, so it cannot sign or signcrypt as the consumer.
 */

import type { pseudonymRegisterPayload } from '../contracts/pseudonyms.ts';
import { REPUTATION_LEVEL_PPM } from '../contracts/records.ts';
import type { Group } from '../crypto/group.ts';
import { blendPpm, newcomer } from '../market/reputation.ts';
import { generateKeyPair, type KeyPair } from '../privacy/keyPair.ts';
import { issuePseudoIdentity } from '../privacy/pseudoIdentity.ts';
import {
  type CertificationRequest,
  certifyPseudonym,
  requestCertification,
} from '../privacy/pseudonymCertificate.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';

/** The consumer's half: a fresh key pair and its certification request for the regulator's PID. */
export function requestPseudonym(
  group: Group,
  pid: Parameters<typeof requestCertification>[3],
  expiresAtMs: bigint,
): { key: KeyPair; request: CertificationRequest } {
  const key = generateKeyPair(group);
  return { key, request: requestCertification(group, key.secret, key.publicKey, pid, expiresAtMs) };
}

/**
 * The regulator's half: certifies a request for `memberId`'s PID and returns the
 * `pseudonym.register` payload for `round` behind `aggregator` with the attested reputation.
 */
export function certifyForRound(
  group: Group,
  regulator: RegulatorKeys,
  request: CertificationRequest,
  nowMs: bigint,
  round: bigint,
  aggregator: string,
  reputationPpm: number,
): ReturnType<typeof pseudonymRegisterPayload.decode> {
  const certificate = certifyPseudonym(group, regulator, request, { has: () => false }, nowMs);
  return {
    round,
    aggregator,
    reputationPpm,
    certificate,
    proofOfPossession: request.proofOfPossession,
  };
}

/**
 * The regulator's view of a consumer's reputation: a newcomer's, moved by the round score of each
 * of its earlier pseudonyms in round order (scores as finalization recorded them on chain).
 */
export function consumerReputationPpm(roundScores: readonly number[]): number {
  return roundScores.reduce((r, score) => blendPpm(r, score), newcomer().reputationPpm);
}

/** The level the regulator attests on a pseudonym: the reputation rounded down to a multiple of REPUTATION_LEVEL_PPM. */
export function reputationLevel(reputationPpm: number): number {
  return Math.floor(reputationPpm / REPUTATION_LEVEL_PPM) * REPUTATION_LEVEL_PPM;
}

/** Both halves in one place, nothing sent (./actions/obtainPseudonym.ts also registers it; the contract tests use this). */
export function issueOneTimePseudonym(
  group: Group,
  regulator: RegulatorKeys,
  memberId: string,
  nowMs: bigint,
  expiresAtMs: bigint,
  round: bigint,
  aggregator: string,
  reputationPpm: number,
): { key: KeyPair; payload: ReturnType<typeof pseudonymRegisterPayload.decode> } {
  const pid = issuePseudoIdentity(group, regulator, memberId);
  const { key, request } = requestPseudonym(group, pid, expiresAtMs);
  return {
    key,
    payload: certifyForRound(group, regulator, request, nowMs, round, aggregator, reputationPpm),
  };
}
