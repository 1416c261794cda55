/**
 * `pseudonym.revoke` (docs/protocol.md §5): the trading centre, as regulator, revokes a pseudonym:
 * it leaves its ring and can no longer sign demand, responses or escalations.
 */
import { pseudonymRevokePayload } from '../../contracts/pseudonyms.ts';
import type { Point } from '../../crypto/group.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The pseudonym's public key Y. */
export interface RevokePseudonymParams {
  readonly key: Point;
}

/** The trading centre revokes the pseudonym. */
export function revokePseudonym(
  tradingCentre: ParticipantClient,
  { key }: RevokePseudonymParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg('pseudonym.revoke', pseudonymRevokePayload, { key });
}
