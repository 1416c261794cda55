/**
 * `bill.respond` (docs/protocol.md §7): a consumer answers one of its bills privately — its verdict
 * signed by the bill's pseudonym, ring-signcrypted to the receiving key of the generator the bill is
 * addressed to, within the bill's ring (ringSize..2·ringSize − 1 of its aggregator's billed
 * pseudonyms of the round, ../../contracts/rings.ts; ../billResponse.ts) — through its aggregator's
 * node. Validators learn only that one of the ring sent it. The consumer keeps the response's id and the
 * trace secret that proves it sent it (for an escalation) before sending.
 */
import type { BillRecord, Verdict } from '../../contracts/records.ts';
import type { Point, Scalar } from '../../crypto/group.ts';
import type { KeyPair } from '../../privacy/keyPair.ts';
import { buildBillResponse } from '../billResponse.ts';
import type { KeyStoreEntry } from '../keyStore.ts';
import { sentResponseEntry } from '../memberSecrets.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';
import { txIdOf } from '../txSubmitter.ts';

/** The bill, the answer, and the public keys it is made with. */
export interface RespondToBillParams {
  readonly bill: BillRecord;
  /** The bill's pseudonym key pair (the consumer's one-time key of the bill's round). */
  readonly pseudonym: KeyPair;
  readonly verdict: Verdict;
  /** Free text for the generator, never on chain in clear (≤ 200 bytes). */
  readonly remarks: string;
  /** The regulator's tracing key P and the generator's receiving key Z. */
  readonly regulatorKey: Point;
  readonly receiver: Point;
  /** The bill's ring (default: read now). */
  readonly ring?: readonly Point[];
  /** Told of the sent response (its id and trace secret) before it is sent, to keep it in the consumer's key store. */
  readonly keep?: (entry: KeyStoreEntry) => void;
}

/** A sent response. */
export interface BillResponseSent {
  /** The response's id: its transaction's. */
  readonly responseId: string;
  /** The trace tag's randomness: it reveals the sender's pseudonym, so it is kept like a secret key. */
  readonly traceSecret: Scalar;
  readonly ringSize: number;
  readonly receipt: TxReceipt;
}

/** The consumer signcrypts its verdict on `bill` and sends it through its aggregator's node. */
export async function respondToBill(
  consumer: ParticipantClient,
  params: RespondToBillParams,
): Promise<BillResponseSent> {
  const { bill } = params;
  const ring = params.ring ?? (await consumer.read((r) => r.ring(bill.round, bill.aggregator, bill.ring)));
  const { tx, traceSecret } = buildBillResponse({
    chainId: consumer.chain.chainId,
    params: { group: consumer.chain.group, regulatorKey: params.regulatorKey },
    pseudonym: params.pseudonym,
    ring,
    round: bill.round,
    bill: bill.index,
    aggregator: bill.aggregator,
    ringIndex: bill.ring,
    generator: bill.generator,
    receiver: params.receiver,
    verdict: params.verdict,
    remarks: params.remarks,
  });
  const responseId = txIdOf(tx);
  params.keep?.(sentResponseEntry(bill.round, bill.index, responseId, traceSecret));
  const receipt = await consumer.send(tx);
  return { responseId, traceSecret, ringSize: ring.length, receipt };
}
