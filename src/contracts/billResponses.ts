/**
 * Private bill responses (docs/protocol.md §7, DESIGN "Privacy model"). A consumer confirms or
 * disputes its bill with a traceable ring signcryption addressed to the bill's generator (its
 * counterparty, ./clearing.ts) and forwarded by its aggregator (`bill.respond`, ring
 * authorisation): validators check that a consumer of the bill's ring sent it — the ring is one
 * group of the partition of the aggregator's billed pseudonyms of the round (./rings.ts), between
 * ringSize and 2·ringSize − 1 of them — without learning which one, which bill, or what it says. Inside,
 * the plaintext names the bill and the verdict and carries a Schnorr signature by the bill's own
 * pseudonym over (chain, bill, verdict, remarks hash, the transaction's unique id).
 *
 * The generator decrypts it and acknowledges on chain (`bill.acknowledge`) with the bill, the
 * verdict, the remarks' hash and that signature; validators verify the signature against the bill's
 * pseudonym and the response's unique id — so a generator can neither invent a confirmation nor
 * attach one to another response — and settle a confirmed bill or mark a disputed one. A consumer
 * whose response is not acknowledged within the round's acknowledgement window escalates to the
 * regulator under its pseudonym (`bill.escalate`), proving that the response is its own
 * (../privacy/sendership.ts) — so no ring mate can pass another member's response off as its own.
 */
import { z } from 'zod';
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import type { Point } from '../crypto/group.ts';
import { sha256 } from '../crypto/hash.ts';
import type { RingTxHandler } from '../ledger/handler.ts';
import { matchesRingTxContext } from '../ledger/ringAuth.ts';
import { ringOf } from '../privacy/ring.ts';
import { verify } from '../privacy/ringSigncryption.ts';
import { schnorrVerify } from '../privacy/schnorr.ts';
import { verifySendership } from '../privacy/sendership.ts';
import { decodeSigncryption, type Signcryption } from '../privacy/signcryptionEncoding.ts';
import { ContractError } from './contractError.ts';
import { Draft, readRecord } from './draft.ts';
import {
  billKey,
  inboxCountKey,
  inboxEntryKey,
  receivingKey,
  responseEntryKey,
  responseKey,
  roundResponsesKey,
} from './keys.ts';
import { notFound, orgKind, pseudonymKind } from './kinds.ts';
import { kindEvents, marketEvent } from './marketEvent.ts';
import { receivingKeyRecord } from './membership.ts';
import { regulatorOf } from './pseudonyms.ts';
import {
  billRecord,
  counterRecord,
  MAX_ROUND_RESPONSES,
  MAX_SIGNCRYPTION_BYTES,
  memberId,
  responseRecord,
  text,
  txEntryRecord,
  VERDICTS,
  type Verdict,
} from './records.ts';
import { billResponsePlaintext } from './responsePlaintext.ts';
import { activeRing } from './rings.ts';
import { roundOf } from './rounds.ts';
import { bytes, fixed, oneOf, record, scalar, struct, u32, u64 } from './schema.ts';
import { settleBill } from './settlement.ts';
import { Decimal, Hex32, MemberId } from './views.ts';

/** The Schnorr purpose of a pseudonym's signature on its bill response. */
export const BILL_RESPONSE_PURPOSE = 'bill-response';

// What the consumer signcrypts lives in ./responsePlaintext.ts (the dashboard decodes it without the handlers).
export { billResponsePlaintext };

/** The bytes the bill's pseudonym signs (remarks enter by hash, so acknowledging keeps them private). */
export function billResponseSigningBytes(
  chainId: string,
  round: bigint,
  bill: number,
  verdict: Verdict,
  remarksHash: Uint8Array,
  uniqueId: Uint8Array,
): Uint8Array {
  return new Writer()
    .string('dpp/bill-response/v1')
    .string(chainId)
    .u64(round)
    .u32(bill)
    .u8(VERDICTS.indexOf(verdict) + 1)
    .fixed(remarksHash, 32)
    .fixed(uniqueId, 32)
    .finish();
}

/** SHA-256 of the remarks' UTF-8 bytes. */
export function remarksHash(remarks: string): Uint8Array {
  return sha256(new TextEncoder().encode(remarks));
}

/** `bill.respond` payload: the ring (round, aggregator, index), the addressee, the signcryption. */
export const respondPayload = record('bill.respond', 2, {
  round: u64(),
  aggregator: memberId,
  ringIndex: u32(),
  generator: memberId,
  signcryption: bytes(MAX_SIGNCRYPTION_BYTES),
});

type RespondPayload = {
  readonly fields: ReturnType<typeof respondPayload.decode>;
  readonly sc: Signcryption;
};

/** The ring a response is verified against: the active members of the named ring of the round. */
function ringFor(
  ctx: Parameters<RingTxHandler['authorise']>[0],
  { round, aggregator, ringIndex }: { round: bigint; aggregator: string; ringIndex: number },
): Point[] {
  const members = activeRing(ctx, round, aggregator, ringIndex);
  if (members.length === 0)
    throw new ContractError('CONTRACT_BAD_RING', `no ring ${ringIndex} of ${aggregator} in round ${round}`);
  return members;
}

/** `bill.respond`: a consumer's ring-signcrypted confirmation or dispute, forwarded by its aggregator. */
export const billRespond: RingTxHandler<RespondPayload> = {
  kind: 'bill.respond',
  authScheme: 'ring',
  decodePayload(data, group) {
    const fields = respondPayload.decode(data, group);
    return { fields, sc: decodeSigncryption(group, fields.signcryption) };
  },
  authorise(ctx, tx, { fields, sc }) {
    // [INVALID] not bound to this transaction's chain, kind and unique id (a replay or a copy)
    if (!matchesRingTxContext(sc.context, tx)) {
      throw new ContractError(
        'CONTRACT_BAD_SIGNCRYPTION',
        'the signcryption is bound to another transaction',
      );
    }
    // [INVALID] not addressed to the generator's receiving key
    const receiving = readRecord(ctx.state, ctx.group, receivingKey(fields.generator), receivingKeyRecord);
    if (receiving === undefined || !bytesEqual(receiving.key, sc.receiver)) {
      throw new ContractError(
        'CONTRACT_BAD_SIGNCRYPTION',
        `not addressed to ${fields.generator}'s receiving key`,
      );
    }
    // [INVALID] the ring proof fails against the round's pseudonyms behind the aggregator
    // (a pure check of the signcryption against these exact ring and tracing keys: the validator
    // computes it once, at admission, and reuses the verdict when the block executes)
    const regulator = regulatorOf(ctx.state, ctx.group);
    const ring = ringOf(ringFor(ctx, fields));
    const verifies = ctx.pureVerdict([regulator.masterPublic, ...ring.members], () =>
      verify({ group: ctx.group, regulatorKey: regulator.masterPublic }, sc, ring),
    );
    if (!verifies) {
      throw new ContractError('CONTRACT_BAD_SIGNCRYPTION', 'the ring signcryption does not verify');
    }
  },
  validate() {},
  apply(ctx, tx, { fields }) {
    const draft = new Draft(ctx.state, ctx.group);
    const round = roundOf(draft, fields.round);
    // [FAIL] responses are for a cleared round's bills, by the response deadline
    if (round.phase !== 'cleared')
      throw new ContractError('CONTRACT_WRONG_PHASE', `round ${fields.round} is ${round.phase}`);
    if (ctx.block.timestampMs > round.terms.responseDeadlineMs) {
      throw new ContractError('CONTRACT_TOO_LATE', 'the response deadline has passed');
    }
    const count = Number(draft.read(roundResponsesKey(fields.round), counterRecord)?.value ?? 0n);
    if (count >= MAX_ROUND_RESPONSES)
      throw new ContractError('CONTRACT_LIMIT', `a round keeps at most ${MAX_ROUND_RESPONSES} responses`);
    draft.put(responseEntryKey(fields.round, count), txEntryRecord, { id: ctx.txId });
    draft.put(roundResponsesKey(fields.round), counterRecord, { value: BigInt(count + 1) });
    // the addressee's inbox, so a generator pages its own responses, not the round's
    const inbox = Number(
      draft.read(inboxCountKey(fields.round, fields.generator), counterRecord)?.value ?? 0n,
    );
    draft.put(inboxEntryKey(fields.round, fields.generator, inbox), txEntryRecord, { id: ctx.txId });
    draft.put(inboxCountKey(fields.round, fields.generator), counterRecord, { value: BigInt(inbox + 1) });
    draft.put(responseKey(ctx.txId), responseRecord, {
      round: fields.round,
      aggregator: fields.aggregator,
      ringIndex: fields.ringIndex,
      generator: fields.generator,
      uniqueId: tx.auth.uniqueId,
      signcryption: fields.signcryption,
      receivedAtMs: ctx.block.timestampMs,
      status: 'pending',
      bill: null,
      verdict: null,
      acknowledgedAtMs: null,
      ring: ringFor(ctx, fields),
    });
    return draft.writes();
  },
};

/** `bill.acknowledge` payload: the revealed bill and verdict with the pseudonym's signature. */
export const acknowledgePayload = record('bill.acknowledge', 1, {
  response: fixed(32),
  round: u64(),
  bill: u32(),
  verdict: oneOf(VERDICTS),
  remarksHash: fixed(32),
  signature: struct({ e: scalar, z: scalar }),
});

/** `bill.acknowledge`: the generator reveals what the response said; validators check and settle. */
export const billAcknowledge = orgKind({
  kind: 'bill.acknowledge',
  roles: ['generator'],
  payload: acknowledgePayload,
  execute({ ctx, payload: p, sender, draft }) {
    const response = draft.read(responseKey(p.response), responseRecord) ?? notFound('response');
    // [FAIL] only the addressee acknowledges, once
    if (response.generator !== sender.id)
      throw new ContractError('CONTRACT_WRONG_ROLE', 'the response is addressed to another generator');
    if (response.status !== 'pending')
      throw new ContractError('CONTRACT_BAD_STATUS', `the response is ${response.status}`);
    const bill = draft.read(billKey(p.round, p.bill), billRecord) ?? notFound('bill');
    // [FAIL] the bill must be this generator's, of the response's round and ring, awaiting a response
    if (
      bill.generator !== sender.id ||
      bill.round !== response.round ||
      bill.aggregator !== response.aggregator ||
      bill.ring !== response.ringIndex
    ) {
      throw new ContractError('CONTRACT_BAD_SIGNATURE', 'the bill does not match the response');
    }
    if (!response.ring.some((y) => bytesEqual(y, bill.consumer))) {
      throw new ContractError('CONTRACT_BAD_SIGNATURE', 'the bill’s pseudonym is not in the response’s ring');
    }
    if (bill.status !== 'issued')
      throw new ContractError('CONTRACT_BAD_STATUS', `the bill is ${bill.status}`);
    // [FAIL] the bill's own pseudonym did not sign this verdict for this response
    const message = billResponseSigningBytes(
      ctx.block.chainId,
      p.round,
      p.bill,
      p.verdict,
      p.remarksHash,
      response.uniqueId,
    );
    if (!schnorrVerify(ctx.group, BILL_RESPONSE_PURPOSE, bill.consumer, message, p.signature)) {
      throw new ContractError(
        'CONTRACT_BAD_SIGNATURE',
        'the pseudonym’s signature on the response does not verify',
      );
    }
    draft.put(responseKey(p.response), responseRecord, {
      ...response,
      status: 'acknowledged',
      bill: p.bill,
      verdict: p.verdict,
      acknowledgedAtMs: ctx.block.timestampMs,
    });
    const answered = { ...bill, respondedAtMs: response.receivedAtMs, response: p.response };
    draft.put(
      billKey(p.round, p.bill),
      billRecord,
      p.verdict === 'confirm' ? settleBill(draft, answered) : { ...answered, status: 'disputed' },
    );
  },
});

/**
 * `bill.escalate` payload: the response, the bill, a reason, and the pseudonym's proof that it sent
 * the response (bound to `escalationProofContext`).
 */
export const escalatePayload = record('bill.escalate', 2, {
  response: fixed(32),
  round: u64(),
  bill: u32(),
  reason: text,
  proof: struct({ e: scalar, z: scalar }),
});

/** What an escalation's proof of sendership is bound to: the chain, the response and the bill. */
export function escalationProofContext(
  chainId: string,
  response: Uint8Array,
  round: bigint,
  bill: number,
): Uint8Array {
  return new Writer()
    .string('dpp/bill-escalate/v1')
    .string(chainId)
    .fixed(response, 32)
    .u64(round)
    .u32(bill)
    .finish();
}

/** `bill.escalate`: the bill's consumer, under its pseudonym, reports an unacknowledged response. */
export const billEscalate = pseudonymKind({
  kind: 'bill.escalate',
  payload: escalatePayload,
  execute({ ctx, payload: p, pseudonym, draft }) {
    const bill = draft.read(billKey(p.round, p.bill), billRecord) ?? notFound('bill');
    // [FAIL] only the bill's own consumer escalates it, while it awaits a response
    if (!bytesEqual(bill.consumer, pseudonym))
      throw new ContractError('CONTRACT_WRONG_ROLE', 'not this bill’s consumer');
    if (bill.status !== 'issued')
      throw new ContractError('CONTRACT_BAD_STATUS', `the bill is ${bill.status}`);
    const response = draft.read(responseKey(p.response), responseRecord) ?? notFound('response');
    if (
      response.status !== 'pending' ||
      response.generator !== bill.generator ||
      response.round !== bill.round ||
      response.aggregator !== bill.aggregator ||
      response.ringIndex !== bill.ring
    ) {
      throw new ContractError(
        'CONTRACT_BAD_STATUS',
        'the response is not a pending response to this bill’s generator',
      );
    }
    // [FAIL] the escalating pseudonym did not send the response (it proves it knows the trace tag's randomness)
    const sc = decodeSigncryption(ctx.group, response.signcryption);
    const params = { group: ctx.group, regulatorKey: regulatorOf(draft, ctx.group).masterPublic };
    const context = escalationProofContext(ctx.block.chainId, p.response, p.round, p.bill);
    if (!verifySendership(params, sc, pseudonym, p.proof, context)) {
      throw new ContractError('CONTRACT_BAD_PROOF', 'the escalating pseudonym did not send this response');
    }
    // [FAIL] the generator still has time to acknowledge
    const round = roundOf(draft, p.round);
    if (ctx.block.timestampMs <= response.receivedAtMs + round.terms.ackWindowMs) {
      throw new ContractError('CONTRACT_TOO_EARLY', 'the generator’s acknowledgement window is still open');
    }
    draft.put(responseKey(p.response), responseRecord, { ...response, status: 'escalated' });
    draft.put(billKey(p.round, p.bill), billRecord, {
      ...bill,
      status: 'escalated',
      response: p.response,
      respondedAtMs: response.receivedAtMs,
      resolution: p.reason,
    });
  },
});

/**
 * `bill-response`: a response arrived — only its ring (round, aggregator, index) and addressee; the
 * signcryption hides the sender, the bill and the verdict.
 */
export const BillResponseEvent = marketEvent('bill-response', {
  response: Hex32.describe('= txId: the id GET /v1/responses/:id and bill.acknowledge use'),
  round: Decimal,
  aggregator: MemberId,
  ringIndex: z.number().int(),
  generator: MemberId,
});

const billAndResponse = {
  round: Decimal,
  bill: z.number().int().describe('the bill’s index in its round'),
  response: Hex32,
};
/** `bill-confirmed`: the generator acknowledged a confirmation (the bill is settled). */
export const BillConfirmedEvent = marketEvent('bill-confirmed', billAndResponse);
/** `bill-disputed`: the generator acknowledged a dispute (the bill awaits the regulator). */
export const BillDisputedEvent = marketEvent('bill-disputed', billAndResponse);
/** `bill-escalated`: a consumer escalated an unacknowledged response. */
export const BillEscalatedEvent = marketEvent('bill-escalated', billAndResponse);

/** The events of `bill.respond`. */
export const respondEvents = kindEvents({
  kind: billRespond.kind,
  payload: respondPayload,
  events: [BillResponseEvent],
  derive: ({ payload: { round, aggregator, ringIndex, generator }, at }) => [
    {
      type: 'bill-response' as const,
      ...at,
      response: at.txId,
      round: round.toString(),
      aggregator,
      ringIndex,
      generator,
    },
  ],
});

/** The events of `bill.acknowledge`, by verdict. */
export const acknowledgeEvents = kindEvents({
  kind: billAcknowledge.kind,
  payload: acknowledgePayload,
  events: [BillConfirmedEvent, BillDisputedEvent],
  derive: ({ payload: p, at }) => [
    {
      type: p.verdict === 'confirm' ? ('bill-confirmed' as const) : ('bill-disputed' as const),
      ...at,
      round: p.round.toString(),
      bill: p.bill,
      response: toHex(p.response),
    },
  ],
});

/** The events of `bill.escalate`. */
export const escalateEvents = kindEvents({
  kind: billEscalate.kind,
  payload: escalatePayload,
  events: [BillEscalatedEvent],
  derive: ({ payload: p, at }) => [
    {
      type: 'bill-escalated' as const,
      ...at,
      round: p.round.toString(),
      bill: p.bill,
      response: toHex(p.response),
    },
  ],
});
