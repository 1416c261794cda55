/**
 * `member.admit` (docs/protocol.md §4.1): the trading centre admits an organisation after genesis
 * from the member card it made on its own machine (`dpp keys new`); every validator checks the
 * card's signature by the organisation key it declares, its chain and its role.
 */
import { memberAdmitPayload } from '../../contracts/memberAdmission.ts';
import type { MemberCard, MemberCardBody } from '../../ledger/memberCard.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The organisation's signed card (checked by `parseMemberCard`, or built in memory). */
export interface AdmitMemberParams {
  readonly card: MemberCard;
}

/** The `member.admit` payload of `card`: its body and its organisation signature (the validator's is not carried). */
export function admissionPayload(card: MemberCard): { card: MemberCardBody; signature: Uint8Array } {
  const { signature, validatorSignature: _v, ...body } = card;
  return { card: body, signature };
}

/** The trading centre admits the organisation of `card`. */
export function admitMember(
  tradingCentre: ParticipantClient,
  { card }: AdmitMemberParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg('member.admit', memberAdmitPayload, admissionPayload(card));
}
