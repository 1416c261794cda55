/**
 * A consumer obtains a one-time pseudonym for a round (docs/protocol.md §5), both halves: the
 * consumer makes its key y and proves possession; the regulator issues a fresh pseudo-identity for
 * the consumer, certifies (Y, PID, expiry) attesting the level of the consumer's reputation, and
 * the trading centre registers it on chain with `pseudonym.register`. The consumer keeps y before
 * it is registered. The regulator never learns y.
 */

import { pseudonymRegisterPayload } from '../../contracts/pseudonyms.ts';
import type { RoundTerms } from '../../contracts/records.ts';
import { disputesCloseAtMs } from '../../contracts/rounds.ts';
import type { Point } from '../../crypto/group.ts';
import type { KeyPair } from '../../privacy/keyPair.ts';
import { issuePseudoIdentity } from '../../privacy/pseudoIdentity.ts';
import type { RegulatorKeys } from '../../privacy/regulator.ts';
import type { KeyStoreEntry } from '../keyStore.ts';
import { pseudonymEntry } from '../memberSecrets.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';
import { certifyForRound, consumerReputationPpm, reputationLevel, requestPseudonym } from '../pseudonyms.ts';

/** How long a pseudonym outlives its round's disputes. */
const PSEUDONYM_GRACE_MS = 3_600_000n;

/** Whose pseudonym, for which round. */
export interface ObtainPseudonymParams {
  /** The consumer, and the aggregator it demands through. */
  readonly member: string;
  readonly aggregator: string;
  readonly round: bigint;
  /** The round's deadlines: the pseudonym stays valid until its disputes close, and an hour more. */
  readonly terms: Pick<RoundTerms, 'responseDeadlineMs' | 'ackWindowMs'>;
  readonly regulator: RegulatorKeys;
  /** The consumer's round scores so far, in round order (the regulator attests their blend's level). */
  readonly roundScores: readonly number[];
  /** The chain time the certificate is issued at (default: read now). */
  readonly nowMs?: bigint;
  /** Told of the pseudonym's secret before it is registered, to keep it in the consumer's key store. */
  readonly keep?: (entry: KeyStoreEntry) => void;
}

/** A registered pseudonym. */
export interface ObtainedPseudonym {
  readonly key: KeyPair;
  readonly receipt: TxReceipt;
}

/** The consumer's pseudonym for `round`, certified by the regulator and registered by the trading centre. */
export async function obtainPseudonym(
  tradingCentre: ParticipantClient,
  params: ObtainPseudonymParams,
): Promise<ObtainedPseudonym> {
  const { group } = tradingCentre.chain;
  const { regulator, round } = params;
  const expiresAtMs = disputesCloseAtMs(params.terms) + PSEUDONYM_GRACE_MS;
  const pid = issuePseudoIdentity(group, regulator, params.member);
  const { key, request } = requestPseudonym(group, pid, expiresAtMs);
  params.keep?.(pseudonymEntry(round, key));
  const nowMs = params.nowMs ?? (await tradingCentre.read((r) => r.chainTimeMs()));
  const reputation = reputationLevel(consumerReputationPpm(params.roundScores));
  const payload = certifyForRound(group, regulator, request, nowMs, round, params.aggregator, reputation);
  return {
    key,
    receipt: await tradingCentre.sendOrg('pseudonym.register', pseudonymRegisterPayload, payload),
  };
}

/** The round scores finalization recorded for `pseudonyms` (those of rounds not finalized have none). */
export async function pseudonymRoundScores(
  client: ParticipantClient,
  { pseudonyms }: { readonly pseudonyms: readonly Point[] },
): Promise<number[]> {
  const scores: number[] = [];
  for (const y of pseudonyms) {
    const score = (await client.read((r) => r.pseudonym(y)))?.roundScorePpm;
    if (score !== null && score !== undefined) scores.push(score);
  }
  return scores;
}
