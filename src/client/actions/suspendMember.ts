/**
 * `member.suspend` (docs/protocol.md §4): the trading centre suspends a member — validators refuse
 * its transactions from the next block — or reinstates it. The trading centre itself cannot be.
 */
import { memberSuspendPayload } from '../../contracts/membership.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** Who, and whether suspended (false: reinstated). */
export interface SuspendMemberParams {
  readonly member: string;
  readonly suspended: boolean;
}

/** The trading centre suspends or reinstates `member`. */
export function suspendMember(
  tradingCentre: ParticipantClient,
  { member, suspended }: SuspendMemberParams,
): Promise<TxReceipt> {
  return tradingCentre.sendOrg('member.suspend', memberSuspendPayload, { id: member, suspended });
}
