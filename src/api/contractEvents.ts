/**
 * The market's application events on the event stream (docs/api.md "Market events"): an
 * EventDeriver (./eventBus.ts) that turns each committed block's contract transactions with an ok
 * receipt into events — a round opened, cleared, finalized; bills issued, answered, confirmed,
 * disputed, escalated, resolved; a trace recorded. Failed and non-contract transactions produce
 * none. The deriver reads the committed state for what the transactions alone do not say (a
 * clearing's result, a bill's parties, a trace's sequence number) — only fields that never change
 * once written, so the answer does not depend on how far the store has moved on.
 *
 * Privacy (DESIGN "Privacy model"): an event carries no more than any validator stores and less than
 * the market routes serve — never a consumer's pseudonym, never anything of a bill response beyond
 * its ring (round, aggregator) and addressee, never free text (remarks, reasons, notes).
 */
import { toHex } from '../codec/bytes.ts';
import { acknowledgePayload, escalatePayload, respondPayload } from '../contracts/billResponses.ts';
import { resolvePayload, traceRecordPayload } from '../contracts/disputes.ts';
import { readRecord } from '../contracts/draft.ts';
import { finalizePayload } from '../contracts/finalize.ts';
import { billKey, clearingKey, LAST_TRACE_KEY, roundKey, traceKey } from '../contracts/keys.ts';
import { meterPayload } from '../contracts/metering.ts';
import { billRecord, clearingRecord, counterRecord, roundRecord, traceRecord } from '../contracts/records.ts';
import { roundClosePayload, roundOpenPayload } from '../contracts/rounds.ts';
import type { Group } from '../crypto/group.ts';
import { decodeTransaction, type Transaction } from '../ledger/transaction.ts';
import type { StateReader } from '../ledger/worldState.ts';
import type { ApiEvent, CommittedBlock, EventDeriver } from './eventBus.ts';

/** Every event type this deriver publishes. */
export const CONTRACT_EVENT_TYPES = [
  'round-opened',
  'round-cleared',
  'bill-issued',
  'bill-response',
  'bill-confirmed',
  'bill-disputed',
  'bill-escalated',
  'dispute-resolved',
  'trace-recorded',
  'round-finalized',
] as const;

/** What one transaction contributes: its events, given its position in the block. */
type Derive = (tx: Transaction, at: { readonly height: string; readonly txId: string }) => ApiEvent[];

/** The deriver of market events over `state` (the node's committed store). */
export function contractEventDeriver(state: StateReader, group: Group): EventDeriver {
  const read = <T>(key: Uint8Array, codec: Parameters<typeof readRecord<T>>[3]) =>
    readRecord(state, group, key, codec);

  /** The trace records written at `height` for `response`, newest last. */
  const tracesAt = (height: bigint): ReturnType<typeof traceRecord.decode>[] => {
    const out: ReturnType<typeof traceRecord.decode>[] = [];
    for (let seq = read(LAST_TRACE_KEY, counterRecord)?.value ?? 0n; seq >= 1n; seq--) {
      const t = read(traceKey(seq), traceRecord);
      if (t === undefined || t.height < height) break;
      if (t.height === height) out.unshift(t);
    }
    return out;
  };

  const byKind: Readonly<Record<string, Derive>> = {
    'round.open': (tx, at) => {
      const { id, terms } = roundOpenPayload.decode(tx.payload, group);
      return [
        {
          type: 'round-opened',
          ...at,
          round: id.toString(),
          period: terms.period,
          deliveryStartMs: terms.deliveryStartMs.toString(),
          deliveryEndMs: terms.deliveryEndMs.toString(),
          responseDeadlineMs: terms.responseDeadlineMs.toString(),
          ackWindowMs: terms.ackWindowMs.toString(),
        },
      ];
    },
    'round.close': (tx, at) => {
      const { round } = roundClosePayload.decode(tx.payload, group);
      const r = read(roundKey(round), roundRecord);
      const clearing = read(clearingKey(round), clearingRecord);
      if (r === undefined || clearing === undefined) return [];
      return [
        {
          type: 'round-cleared',
          ...at,
          round: round.toString(),
          contracts: r.contracts,
          certified: clearing.certified,
          energyWh: clearing.energyWh.toString(),
          prices: clearing.prices.map((p) => ({
            generator: p.generator,
            priceMicroYuanPerKWh: p.priceMicroYuanPerKWh.toString(),
          })),
        },
      ];
    },
    'meter.submit': (tx, at) => {
      const { round, readings } = meterPayload.decode(tx.payload, group);
      return readings.flatMap(({ bill }) => {
        const b = read(billKey(round, bill), billRecord);
        if (b === undefined) return [];
        return [
          {
            type: 'bill-issued',
            ...at,
            round: round.toString(),
            bill,
            generator: b.generator,
            aggregator: b.aggregator,
          },
        ];
      });
    },
    'bill.respond': (tx, at) => {
      // the ring and the addressee only: the signcryption hides the sender, the bill and the verdict
      const { round, aggregator, generator } = respondPayload.decode(tx.payload, group);
      return [
        { type: 'bill-response', ...at, response: at.txId, round: round.toString(), aggregator, generator },
      ];
    },
    'bill.acknowledge': (tx, at) => {
      const p = acknowledgePayload.decode(tx.payload, group);
      return [
        {
          type: p.verdict === 'confirm' ? 'bill-confirmed' : 'bill-disputed',
          ...at,
          round: p.round.toString(),
          bill: p.bill,
          response: toHex(p.response),
        },
      ];
    },
    'bill.escalate': (tx, at) => {
      const p = escalatePayload.decode(tx.payload, group);
      return [
        {
          type: 'bill-escalated',
          ...at,
          round: p.round.toString(),
          bill: p.bill,
          response: toHex(p.response),
        },
      ];
    },
    'dispute.resolve': (tx, at) => {
      const p = resolvePayload.decode(tx.payload, group);
      return [
        { type: 'dispute-resolved', ...at, round: p.round.toString(), bill: p.bill, outcome: p.outcome },
      ];
    },
    'trace.record': (tx, at) => {
      const p = traceRecordPayload.decode(tx.payload, group);
      return [
        {
          type: 'trace-recorded',
          ...at,
          // `seq` is the event's own sequence number on the stream; this is the trace's
          traceSeq: null,
          response: toHex(p.response),
        },
      ];
    },
    'round.finalize': (tx, at) => {
      const { round } = finalizePayload.decode(tx.payload, group);
      return [{ type: 'round-finalized', ...at, round: round.toString() }];
    },
  };

  return (committed: CommittedBlock): ApiEvent[] => {
    const height = committed.block.header.height;
    const events: ApiEvent[] = [];
    committed.block.txs.forEach((bytes, i) => {
      if (committed.receipts[i]?.status !== 'ok') return;
      const tx = decodeTransaction(group, bytes);
      const derive = byKind[tx.kind];
      if (derive === undefined) return;
      events.push(...derive(tx, { height: height.toString(), txId: committed.txIds[i]! }));
    });
    // trace sequence numbers: this block's traces, in block order
    const traced = events.filter((e) => e.type === 'trace-recorded');
    if (traced.length > 0) {
      const records = tracesAt(height);
      return events.map((e) => {
        if (e.type !== 'trace-recorded') return e;
        const k = traced.indexOf(e);
        const t = records.length === traced.length ? records[k] : undefined;
        return { ...e, traceSeq: t === undefined ? null : t.seq.toString() };
      });
    }
    return events;
  };
}
