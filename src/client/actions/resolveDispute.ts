/**
 * `dispute.resolve` (docs/protocol.md §8): the trading centre, as regulator, settles a disputed or
 * escalated bill — upheld, or with its penalties waived — or voids it, with a note on chain.
 */
import { type RESOLUTIONS, resolvePayload } from '../../contracts/disputes.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The bill and the outcome. */
export interface ResolveDisputeParams {
  readonly round: bigint;
  readonly bill: number;
  readonly outcome: (typeof RESOLUTIONS)[number];
  /** On chain, ≤ 200 bytes. */
  readonly note: string;
}

/** The trading centre resolves the dispute. */
export function resolveDispute(
  tradingCentre: ParticipantClient,
  params: ResolveDisputeParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg('dispute.resolve', resolvePayload, params);
}
