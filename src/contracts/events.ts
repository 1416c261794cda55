/**
 * The market's application events (docs/api.md "Market events"): every kind's events as its
 * contract declares them (./marketEvent.ts, `kindEvents` beside each kind), their schemas as one
 * union, and the deriver that turns a committed block into them — for each transaction with an ok
 * receipt, in block order, its kind's events. Failed transactions and kinds that publish nothing
 * produce none. The API registers the deriver on its event bus and streams what it returns; a new
 * kind that publishes events adds its `kindEvents` to CONTRACT_EVENTS and nothing else.
 */
import { z } from 'zod';
import type { Group } from '../crypto/group.ts';
import type { Block } from '../ledger/block.ts';
import type { Receipt } from '../ledger/receipt.ts';
import { decodeTransaction } from '../ledger/transaction.ts';
import type { StateReader } from '../ledger/worldState.ts';
import { acknowledgeEvents, escalateEvents, respondEvents } from './billResponses.ts';
import { resolveEvents, traceEvents } from './disputes.ts';
import { finalizeEvents } from './finalize.ts';
import { eventType, type KindEvents } from './marketEvent.ts';
import { generationEvents, meterEvents } from './metering.ts';
import { roundCloseEvents, roundOpenEvents } from './rounds.ts';

/** Every kind that publishes events, in protocol order. */
export const CONTRACT_EVENTS = [
  roundOpenEvents,
  roundCloseEvents,
  meterEvents,
  generationEvents,
  respondEvents,
  acknowledgeEvents,
  escalateEvents,
  resolveEvents,
  traceEvents,
  finalizeEvents,
] as const;

/** The schema of each market event type, in protocol order. */
export const CONTRACT_EVENT_SCHEMAS: readonly z.ZodObject[] = CONTRACT_EVENTS.flatMap(
  (k): readonly z.ZodObject[] => k.events,
);

/** Every market event type, in protocol order (`round-opened`, `round-cleared` …). */
export const CONTRACT_EVENT_TYPES: readonly string[] = CONTRACT_EVENT_SCHEMAS.map(eventType);

/** Any market event (as published, before the stream adds its `seq`). */
export const ContractEvent = z.discriminatedUnion(
  'type',
  CONTRACT_EVENT_SCHEMAS as unknown as [z.ZodObject, ...z.ZodObject[]],
);
export type ContractEvent = z.output<(typeof CONTRACT_EVENTS)[number]['events'][number]>;

/** A committed block as the deriver reads it: its receipts and transaction ids in block order. */
export interface CommittedTxs {
  readonly block: Block;
  readonly receipts: readonly Receipt[];
  /** Hex, in block order. */
  readonly txIds: readonly string[];
}

/** The deriver of market events over `state` (the node's committed store). */
export function contractEventDeriver(
  state: StateReader,
  group: Group,
): (committed: CommittedTxs) => ContractEvent[] {
  const byKind = new Map<string, KindEvents>(CONTRACT_EVENTS.map((k) => [k.kind, k]));
  return (committed) => {
    const height = committed.block.header.height;
    const events: ContractEvent[] = [];
    committed.block.txs.forEach((bytes, i) => {
      if (committed.receipts[i]?.status !== 'ok') return;
      const tx = decodeTransaction(group, bytes);
      const kind = byKind.get(tx.kind);
      if (kind === undefined) return;
      const at = { height: height.toString(), txId: committed.txIds[i]! };
      events.push(...(kind.derive(tx.payload, at, height, state, group) as ContractEvent[]));
    });
    return events;
  };
}
