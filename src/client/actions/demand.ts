/**
 * `market.demand` (docs/protocol.md §6): a consumer states its demand in an open round under its
 * one-time pseudonym (./obtainPseudonym.ts), signed by the pseudonym and sent through its
 * aggregator's node; stated again, it replaces the demand under the same pseudonym. Its
 * diversification preference φ is sent as its nearest level (the chain takes levels only).
 */
import { diversificationLevel, type RecordOf } from '../../contracts/records.ts';
import { demandPayload } from '../../contracts/rounds.ts';
import type { KeyPair } from '../../privacy/keyPair.ts';
import { pseudonymContractTx } from '../contractTx.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** A demand and the pseudonym that signs it. */
export type DemandParams = RecordOf<typeof demandPayload> & {
  /** The consumer's pseudonym of the round. */
  readonly pseudonym: KeyPair;
};

/** The consumer demands under its pseudonym. */
export function demand(consumer: ParticipantClient, params: DemandParams): Promise<TxReceipt> {
  const { pseudonym, ...value } = params;
  const levelled = {
    ...value,
    diversificationMicroYuanPerKWh: diversificationLevel(value.diversificationMicroYuanPerKWh),
  };
  return consumer.send(
    pseudonymContractTx(consumer.chain, 'market.demand', demandPayload, levelled, pseudonym),
  );
}
