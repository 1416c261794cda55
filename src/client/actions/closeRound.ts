/**
 * `round.close` (docs/protocol.md §6): from gate closure on, the trading centre closes the round;
 * every validator computes the same reputation-aware Stackelberg equilibrium and records one
 * energy contract (a bill) per pair. A round closed once delivery has started, or with no offers
 * or no demand, is cancelled with its reason.
 */
import { roundClosePayload } from '../../contracts/rounds.ts';
import { ClientError } from '../clientError.ts';
import type { RoundView } from '../marketReader.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** Which round to close. */
export interface CloseRoundParams {
  readonly round: bigint;
}

/** A closed round: cleared, or cancelled with its reason. */
export interface ClosedRound {
  readonly round: RoundView;
  readonly receipt: TxReceipt;
}

/** The trading centre closes the round and reads what it became. */
export async function closeRound(
  tradingCentre: ParticipantClient,
  { round }: CloseRoundParams,
): Promise<ClosedRound> {
  const receipt = await tradingCentre.sendOrg('round.close', roundClosePayload, { round });
  const view = await tradingCentre.read((r) => r.round(round));
  if (view === undefined)
    throw new ClientError('CLIENT_NOT_FOUND', `round ${round} is not on the node that closed it`);
  return { round: view, receipt };
}
