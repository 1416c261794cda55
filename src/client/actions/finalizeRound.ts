/**
 * `round.finalize` (docs/protocol.md §8): once no response can still be acknowledged or escalated
 * (the response deadline + twice the acknowledgement window, `disputesCloseAtMs`) and no dispute is
 * open, the trading centre closes the books: unanswered bills become overdue, and the generators',
 * aggregators' and pseudonyms' reputations move.
 */
import { finalizePayload } from '../../contracts/finalize.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** Which round. */
export interface FinalizeRoundParams {
  readonly round: bigint;
}

/** The trading centre finalizes the round. */
export function finalizeRound(
  tradingCentre: ParticipantClient,
  { round }: FinalizeRoundParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg('round.finalize', finalizePayload, { round });
}
