/**
 * `market.offer` (docs/protocol.md §6): a generator offers capacity at its cost parameters in an
 * open round, before gate closure; a later offer replaces it. The generator must have published
 * its receiving key (./publishReceivingKey.ts).
 */
import type { RecordOf } from '../../contracts/records.ts';
import { offerPayload } from '../../contracts/rounds.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** An offer: the round, the capacity and the cost function's coefficients. */
export type OfferParams = RecordOf<typeof offerPayload>;

/** The generator offers. */
export function offer(generator: ParticipantClient, params: OfferParams): Promise<TxReceipt> {
  return generator.sendOrg('market.offer', offerPayload, params);
}
