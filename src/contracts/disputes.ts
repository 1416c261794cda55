/**
 * Disputes and tracing (docs/protocol.md §8–§9). The regulator resolves a disputed or escalated
 * bill — upholding it, waiving the deviation penalties, or voiding it — after looking into it off
 * chain (provable decryption by the generator, or tracing). Every trace the regulator performs is
 * recorded on chain as an audit event: who traced which response, when and why, with a SHA-256
 * commitment to the salted result and its proofs (./traceCommitment.ts) — never the identity in
 * clear. The parties to the dispute receive the opening and check it against the commitment.
 */
import { ContractError } from './contractError.ts';
import { billKey, LAST_TRACE_KEY, responseKey, traceKey } from './keys.ts';
import { notFound, orgKind } from './kinds.ts';
import { billRecord, counterRecord, responseRecord, text, traceRecord } from './records.ts';
import { fixed, oneOf, record, u32, u64 } from './schema.ts';
import { settleBill } from './settlement.ts';

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
