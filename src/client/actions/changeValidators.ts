/**
 * `validator.change` (docs/protocol.md §4.4): sends an approved request — an add or a removal by
 * the trading centre, a rekey by any member — that takes effect at the end of its activation block.
 */
import { validatorChangePayload } from '../../contracts/validators.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';
import { type ChangeRequest, changePayload } from '../validatorChange.ts';

/** Sends `request` as `validator.change`. */
export function changeValidators(sender: ParticipantClient, request: ChangeRequest): Promise<TxReceipt> {
  return sender.sendOrg('validator.change', validatorChangePayload, changePayload(request));
}
