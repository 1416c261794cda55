/**
 * The two ends of a private bill response (docs/protocol.md §7). The consumer signs its verdict
 * with the bill's pseudonym key, signcrypts it to the generator's receiving key within its ring
 * and hands the `bill.respond` transaction to its aggregator; the generator decrypts a response
 * addressed to it, checks the pseudonym's signature against the bill, and builds its
 * `bill.acknowledge` payload from what it read. A consumer whose response goes unacknowledged
 * escalates it (`buildEscalation`), proving with the trace secret it kept that the response is its own.
 */
import { bytesEqual } from '../codec/bytes.ts';
import {
  type acknowledgePayload,
  BILL_RESPONSE_PURPOSE,
  billResponsePlaintext,
  billResponseSigningBytes,
  escalatePayload,
  escalationProofContext,
  remarksHash,
  respondPayload,
} from '../contracts/billResponses.ts';
import type { BillRecord, ResponseRecord, Verdict } from '../contracts/records.ts';
import type { Point, Scalar } from '../crypto/group.ts';
import { systemRandom } from '../crypto/scalars.ts';
import { matchesRingTxContext, ringTxContext } from '../ledger/ringAuth.ts';
import { ringTransaction, type SignedTransaction } from '../ledger/txSigning.ts';
import { UNIQUE_ID_BYTES } from '../ledger/uniqueId.ts';
import type { KeyPair } from '../privacy/keyPair.ts';
import { ringOf } from '../privacy/ring.ts';
import { type RscParams, signcryptKeepingTraceSecret, unsigncrypt } from '../privacy/ringSigncryption.ts';
import { schnorrSign, schnorrVerify } from '../privacy/schnorr.ts';
import { proveSendership } from '../privacy/sendership.ts';
import { decodeSigncryption, encodeSigncryption } from '../privacy/signcryptionEncoding.ts';
import { ClientError } from './clientError.ts';
import { pseudonymContractTx } from './contractTx.ts';

/** What a consumer needs to respond to one of its bills. */
export interface BillResponseInput {
  readonly chainId: string;
  readonly params: RscParams;
  /** The bill's pseudonym key pair (the consumer's one-time key of the bill's round). */
  readonly pseudonym: KeyPair;
  /** The bill's ring (its members, as the chain reports them). */
  readonly ring: readonly Point[];
  readonly round: bigint;
  readonly bill: number;
  readonly aggregator: string;
  /** The index of the bill's ring among the aggregator's rings of the round. */
  readonly ringIndex: number;
  readonly generator: string;
  /** The generator's receiving key Z. */
  readonly receiver: Point;
  readonly verdict: Verdict;
  readonly remarks: string;
}

/** A consumer's response: the transaction, and the secret that later proves it is the consumer's. */
export interface BillResponse {
  readonly tx: SignedTransaction;
  /** The trace tag's randomness: it reveals the sender's pseudonym, so keep it like a secret key. */
  readonly traceSecret: Scalar;
}

/** The consumer's `bill.respond` transaction. */
export function buildBillResponse(input: BillResponseInput): BillResponse {
  const { params, pseudonym } = input;
  const uniqueId = systemRandom(UNIQUE_ID_BYTES);
  const message = billResponseSigningBytes(
    input.chainId,
    input.round,
    input.bill,
    input.verdict,
    remarksHash(input.remarks),
    uniqueId,
  );
  const signature = schnorrSign(
    params.group,
    BILL_RESPONSE_PURPOSE,
    pseudonym.secret,
    pseudonym.publicKey,
    message,
  );
  const plaintext = billResponsePlaintext.encode({
    round: input.round,
    bill: input.bill,
    verdict: input.verdict,
    remarks: input.remarks,
    signature,
  });
  const context = ringTxContext(input.chainId, 'bill.respond', uniqueId);
  const { signcryption, traceSecret } = signcryptKeepingTraceSecret(
    params,
    pseudonym,
    ringOf(input.ring),
    input.receiver,
    context,
    plaintext,
  );
  const payload = respondPayload.encode({
    round: input.round,
    aggregator: input.aggregator,
    ringIndex: input.ringIndex,
    generator: input.generator,
    signcryption: encodeSigncryption(signcryption),
  });
  return {
    tx: ringTransaction({ chainId: input.chainId, kind: 'bill.respond', payload }, uniqueId),
    traceSecret,
  };
}

/** What a consumer needs to escalate a response it sent. */
export interface EscalationInput {
  readonly chainId: string;
  readonly params: RscParams;
  /** The bill's pseudonym key pair (the one that sent the response). */
  readonly pseudonym: KeyPair;
  /** The response (its transaction id) and the signcryption the chain stored for it. */
  readonly response: Uint8Array;
  readonly signcryption: Uint8Array;
  readonly traceSecret: Scalar;
  readonly round: bigint;
  readonly bill: number;
  readonly reason: string;
}

/** The consumer's `bill.escalate` transaction, with its proof that it sent the response. */
export function buildEscalation(input: EscalationInput): SignedTransaction {
  const { params, pseudonym } = input;
  const sc = decodeSigncryption(params.group, input.signcryption);
  const context = escalationProofContext(input.chainId, input.response, input.round, input.bill);
  const proof = proveSendership(params, sc, pseudonym.publicKey, input.traceSecret, context);
  return pseudonymContractTx(
    { chainId: input.chainId, group: params.group },
    'bill.escalate',
    escalatePayload,
    { response: input.response, round: input.round, bill: input.bill, reason: input.reason, proof },
    pseudonym,
  );
}

/** What the generator reads from a response addressed to it. */
export interface OpenedResponse {
  readonly round: bigint;
  readonly bill: number;
  readonly verdict: Verdict;
  readonly remarks: string;
  /** The `bill.acknowledge` payload that reveals bill and verdict (not the remarks). */
  readonly acknowledgement: ReturnType<typeof acknowledgePayload.decode>;
}

/**
 * The generator decrypts `response` (stored on chain under transaction id `responseId`) with its
 * receiving key and checks the pseudonym's signature against `billOf(round, index)`.
 */
export function openBillResponse(
  chainId: string,
  params: RscParams,
  receiving: KeyPair,
  responseId: Uint8Array,
  response: ResponseRecord,
  billOf: (round: bigint, index: number) => BillRecord | undefined,
): OpenedResponse {
  const sc = decodeSigncryption(params.group, response.signcryption);
  // [REJECT] a signcryption bound to another chain, kind or transaction than this response's
  // (`verify` proves who may have made it, not for what: the context is the caller's to check)
  const auth = { scheme: 'ring', uniqueId: response.uniqueId } as const;
  if (!matchesRingTxContext(sc.context, { chainId, kind: 'bill.respond', auth }))
    throw new ClientError(
      'CLIENT_BAD_RESPONSE',
      'the response’s signcryption is bound to another transaction',
    );
  const plain = unsigncrypt(params, sc, ringOf(response.ring), receiving);
  if (plain === null)
    throw new ClientError('CLIENT_CANNOT_DECRYPT', 'the response does not decrypt with this receiving key');
  const r = billResponsePlaintext.decode(plain, params.group);
  // [REJECT] a plaintext naming a bill of another round than the one whose ring it was verified in
  if (r.round !== response.round)
    throw new ClientError(
      'CLIENT_BAD_RESPONSE',
      `the response names round ${r.round} but was sent in round ${response.round}`,
    );
  const bill = billOf(r.round, r.bill);
  if (bill === undefined)
    throw new ClientError(
      'CLIENT_BAD_RESPONSE',
      `the response names bill ${r.round}/${r.bill}, which does not exist`,
    );
  const hash = remarksHash(r.remarks);
  const message = billResponseSigningBytes(chainId, r.round, r.bill, r.verdict, hash, response.uniqueId);
  const signedByBill =
    response.ring.some((y) => bytesEqual(y, bill.consumer)) &&
    schnorrVerify(params.group, BILL_RESPONSE_PURPOSE, bill.consumer, message, r.signature);
  if (!signedByBill)
    throw new ClientError('CLIENT_BAD_RESPONSE', 'the response is not signed by the bill’s pseudonym');
  return {
    round: r.round,
    bill: r.bill,
    verdict: r.verdict,
    remarks: r.remarks,
    acknowledgement: {
      response: responseId,
      round: r.round,
      bill: r.bill,
      verdict: r.verdict,
      remarksHash: hash,
      signature: r.signature,
    },
  };
}
