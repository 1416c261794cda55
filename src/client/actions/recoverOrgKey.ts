/**
 * `member.recover-key` (docs/protocol.md §4.2): the trading centre replaces the organisation key of
 * a member that lost it, on its own authority and with a reason the chain records. With the
 * member's new signed card (`dpp keys new` on the member's machine) the chain also checks that the
 * member holds the new key.
 */
import { recoverKeyPayload } from '../../contracts/orgKeys.ts';
import type { MemberCard } from '../../ledger/memberCard.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';
import { admissionPayload } from './admitMember.ts';

/** Whose key, the new key (or the card that declares and proves it), and why. */
export interface RecoverOrgKeyParams {
  readonly member: string;
  readonly newKey: Uint8Array;
  readonly reason: string;
  /** The member's new card: its organisation key is `newKey`. */
  readonly card?: MemberCard;
}

/** The trading centre replaces `member`'s organisation key with `newKey`. */
export function recoverOrgKey(
  tradingCentre: ParticipantClient,
  { member, newKey, reason, card }: RecoverOrgKeyParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg('member.recover-key', recoverKeyPayload, {
    id: member,
    newKey,
    reason,
    card: card === undefined ? null : admissionPayload(card),
  });
}
