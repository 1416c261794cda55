/**
 * `bill.escalate` (docs/protocol.md §7): a consumer whose response its generator left
 * unacknowledged past the acknowledgement window reports it to the regulator, signed by the bill's
 * pseudonym and carrying the proof, made with the trace secret it kept, that it sent the response
 * (docs/privacy.md §5, ../billResponse.ts `buildEscalation`).
 */
import { fromHex } from '../../codec/bytes.ts';
import type { Point } from '../../crypto/group.ts';
import type { KeyPair } from '../../privacy/keyPair.ts';
import { buildEscalation } from '../billResponse.ts';
import type { SentResponse } from '../memberSecrets.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** The response the consumer sent, as it kept it, and why it escalates. */
export interface EscalateResponseParams {
  readonly sent: SentResponse;
  /** The signcryption the chain stored for the response. */
  readonly signcryption: Uint8Array;
  /** The bill's pseudonym key pair (the one that sent the response). */
  readonly pseudonym: KeyPair;
  readonly regulatorKey: Point;
  /** Why (on chain, ≤ 200 bytes). */
  readonly reason: string;
}

/** The consumer escalates its unacknowledged response. */
export function escalateResponse(
  consumer: ParticipantClient,
  params: EscalateResponseParams,
): Promise<TxReceipt> {
  const { sent } = params;
  const tx = buildEscalation({
    chainId: consumer.chain.chainId,
    params: { group: consumer.chain.group, regulatorKey: params.regulatorKey },
    pseudonym: params.pseudonym,
    response: fromHex(sent.response),
    signcryption: params.signcryption,
    traceSecret: sent.traceSecret,
    round: sent.round,
    bill: sent.bill,
    reason: params.reason,
  });
  return consumer.send(tx);
}
