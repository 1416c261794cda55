/**
 * Disputes and tracing (docs/protocol.md §8–§9). The regulator resolves a disputed or escalated
 * bill — upholding it, waiving the deviation penalties, or voiding it — after looking into it off
 * chain (provable decryption by the generator, or tracing). Every trace the regulator performs is
 * recorded on chain as an audit event: who traced which response, when and why, with a SHA-256
 * commitment to the salted result and its proofs (./traceCommitment.ts) — never the identity in
 * clear. The parties to the dispute receive the opening and check it against the commitment.
 */
import { z } from 'zod';
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { ContractError } from './contractError.ts';
import { billKey, LAST_TRACE_KEY, responseKey, traceKey } from './keys.ts';
import { notFound, orgKind } from './kinds.ts';
import { kindEvents, marketEvent } from './marketEvent.ts';
import { billRecord, counterRecord, responseRecord, text, traceRecord } from './records.ts';
import { fixed, oneOf, record, u32, u64 } from './schema.ts';
import { settleBill } from './settlement.ts';
import { Decimal, Hex32 } from './views.ts';

/** How the regulator resolves a bill. */
export const RESOLUTIONS = ['uphold', 'waive-penalties', 'void'] as const;

/** `dispute.resolve` payload. */
export const resolvePayload = record('dispute.resolve', 1, {
  round: u64(),
  bill: u32(),
  outcome: oneOf(RESOLUTIONS),
  note: text,
});

/** `dispute.resolve`: the regulator settles or voids a disputed or escalated bill. */
export const disputeResolve = orgKind({
  kind: 'dispute.resolve',
  roles: ['trading-centre'],
  payload: resolvePayload,
  execute({ payload: p, draft }) {
    const key = billKey(p.round, p.bill);
    const bill = draft.read(key, billRecord) ?? notFound('bill');
    // [FAIL] only a disputed or escalated bill awaits the regulator
    if (bill.status !== 'disputed' && bill.status !== 'escalated') {
      throw new ContractError('CONTRACT_BAD_STATUS', `the bill is ${bill.status}`);
    }
    const noted = { ...bill, resolution: p.note };
    draft.put(
      key,
      billRecord,
      p.outcome === 'void'
        ? { ...noted, status: 'voided' }
        : settleBill(draft, noted, p.outcome === 'waive-penalties'),
    );
  },
});

/** `trace.record` payload. */
export const traceRecordPayload = record('trace.record', 1, {
  response: fixed(32),
  reason: text,
  commitment: fixed(32),
});

/** `trace.record`: the regulator's audit event for a trace it performed. */
export const traceRecordKind = orgKind({
  kind: 'trace.record',
  roles: ['trading-centre'],
  payload: traceRecordPayload,
  execute({ ctx, payload: p, sender, draft }) {
    // [FAIL] only a response on chain (hence one that verified) can be traced
    if (draft.read(responseKey(p.response), responseRecord) === undefined) notFound('response');
    if (p.reason.trim().length === 0)
      throw new ContractError('CONTRACT_BAD_STATUS', 'a trace needs a reason');
    const seq = (draft.read(LAST_TRACE_KEY, counterRecord)?.value ?? 0n) + 1n;
    draft.put(LAST_TRACE_KEY, counterRecord, { value: seq });
    draft.put(traceKey(seq), traceRecord, {
      seq,
      regulator: sender.id,
      response: p.response,
      reason: p.reason,
      atMs: ctx.block.timestampMs,
      height: ctx.block.height,
      commitment: p.commitment,
    });
  },
});

/** `dispute-resolved`: the regulator's outcome for a bill (never its note). */
export const DisputeResolvedEvent = marketEvent('dispute-resolved', {
  round: Decimal,
  bill: z.number().int().describe('the bill’s index in its round'),
  outcome: z.enum(RESOLUTIONS),
});

/** `trace-recorded`: a trace's audit event (never its reason). */
export const TraceRecordedEvent = marketEvent('trace-recorded', {
  traceSeq: Decimal.nullable().describe('the audit event’s number in GET /v1/traces (`seq` is the stream’s)'),
  response: Hex32.describe('the traced bill response'),
});

/** The events of `dispute.resolve`. */
export const resolveEvents = kindEvents({
  kind: disputeResolve.kind,
  payload: resolvePayload,
  events: [DisputeResolvedEvent],
  derive: ({ payload: p, at }) => [
    { type: 'dispute-resolved' as const, ...at, round: p.round.toString(), bill: p.bill, outcome: p.outcome },
  ],
});

/** The events of `trace.record`, with the number the audit log gave the trace. */
export const traceEvents = kindEvents({
  kind: traceRecordKind.kind,
  payload: traceRecordPayload,
  events: [TraceRecordedEvent],
  derive: ({ payload: p, at, height, read }) => {
    // the record this transaction wrote: at this height, of this response and commitment
    let traceSeq: string | null = null;
    for (let seq = read(LAST_TRACE_KEY, counterRecord)?.value ?? 0n; seq >= 1n; seq--) {
      const t = read(traceKey(seq), traceRecord);
      if (t === undefined || t.height < height) break;
      if (t.height === height && bytesEqual(t.response, p.response) && bytesEqual(t.commitment, p.commitment))
        traceSeq = t.seq.toString();
    }
    return [{ type: 'trace-recorded' as const, ...at, traceSeq, response: toHex(p.response) }];
  },
});
