/**
 * `bill.acknowledge` (docs/protocol.md §7): a generator acknowledges a response it opened
 * (./openResponse.ts), revealing bill and verdict on chain (not the remarks) with the pseudonym's
 * signature; a confirmation settles the bill, a dispute awaits the regulator.
 */

import { acknowledgePayload } from '../../contracts/billResponses.ts';
import type { OpenedResponse } from '../billResponse.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The opened response to acknowledge. */
export interface AcknowledgeResponseParams {
  readonly opened: OpenedResponse;
}

/** The generator acknowledges. */
export function acknowledgeResponse(
  generator: ParticipantClient,
  { opened }: AcknowledgeResponseParams,
): Promise<TxReceipt> {
  return generator.sendOrg('bill.acknowledge', acknowledgePayload, opened.acknowledgement);
}
