/**
 * The node's event stream, fed by the validator's commit hook (`ValidatorNode.onCommit`). For each
 * committed block the bus publishes one `block` event, then the events of every registered
 * `EventDeriver`, in registration order — derivers turn a committed block's transactions and
 * receipts into application events (a market round opened or cleared, a bill confirmed, a trace
 * recorded…). Each published event gets a sequence number `seq`, increasing by one per event within
 * a node process, so a subscriber can tell when it missed some (a slow WebSocket client is
 * disconnected rather than buffered without bound; it reconnects and catches up from /v1/blocks).
 *
 * Events are JSON: integers that may exceed 2^53 (heights, timestamps, amounts) are decimal strings.
 */
import type { z } from 'zod';
import { toHex } from '../codec/bytes.ts';
import type { Block } from '../ledger/block.ts';
import { blockHash } from '../ledger/blockHeader.ts';
import type { Receipt } from '../ledger/receipt.ts';
import { transactionId } from '../ledger/transaction.ts';
import type { BlockEvent } from './schemas.ts';

/** A JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

/** An event as published: a `type` (lower-case, dash-separated) and JSON fields. */
export interface ApiEvent {
  readonly type: string;
  readonly [field: string]: JsonValue;
}

/** An event as delivered, with its sequence number. */
export type SequencedEvent = ApiEvent & { readonly seq: number };

/** A committed block as derivers see it: ids and hash computed once. */
export interface CommittedBlock {
  readonly block: Block;
  /** Receipts in transaction order. */
  readonly receipts: readonly Receipt[];
  /** Block hash, hex. */
  readonly hash: string;
  /** Transaction ids in block order, hex. */
  readonly txIds: readonly string[];
}

/** Derives application events from a committed block; must be pure and quick, may return []. */
export type EventDeriver = (committed: CommittedBlock) => readonly ApiEvent[];

/** Receives every published event. */
export type EventListener = (event: SequencedEvent) => void;

/** The `block` event: published first for each committed block. */
export function blockEvent(c: CommittedBlock): z.output<typeof BlockEvent> {
  const h = c.block.header;
  return {
    type: 'block',
    height: h.height.toString(),
    hash: c.hash,
    timestampMs: h.timestampMs.toString(),
    view: h.view.toString(),
    proposer: h.proposer,
    txs: c.txIds.length,
    failed: c.receipts.filter((r) => r.status === 'failed').length,
    txIds: [...c.txIds],
  };
}

const TYPE = /^[a-z][a-z0-9-]{0,63}$/;

/** Publish/subscribe of node events. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly derivers: { readonly name: string; readonly derive: EventDeriver }[] = [];
  private seq = 0;
  private lastCommit: { readonly height: bigint; readonly atMs: number } | null = null;

  constructor(private readonly onError: (source: string, err: unknown) => void = () => {}) {}

  /** Registers a deriver of application events, named for error reports. */
  addDeriver(name: string, derive: EventDeriver): void {
    this.derivers.push({ name, derive });
  }

  /** Subscribes to every event from now on; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribers now. */
  get subscribers(): number {
    return this.listeners.size;
  }

  /** The height and local time of the last commit seen, or null before the first. */
  get lastCommitSeen(): { readonly height: bigint; readonly atMs: number } | null {
    return this.lastCommit;
  }

  /** Publishes one event to every subscriber; a listener that throws is reported and skipped. */
  publish(event: ApiEvent): void {
    if (!TYPE.test(event.type)) throw new RangeError(`event type ${JSON.stringify(event.type)}`);
    const sequenced: SequencedEvent = { ...event, seq: ++this.seq };
    for (const listener of this.listeners) {
      try {
        listener(sequenced);
      } catch (err) {
        this.onError('listener', err);
      }
    }
  }

  /** The commit hook: `node.onCommit((block, receipts) => bus.commit(block, receipts))`. */
  commit(block: Block, receipts: readonly Receipt[]): void {
    this.lastCommit = { height: block.header.height, atMs: Date.now() };
    const committed: CommittedBlock = {
      block,
      receipts,
      hash: toHex(blockHash(block.header)),
      txIds: block.txs.map((tx) => toHex(transactionId(tx))),
    };
    this.publish(blockEvent(committed));
    for (const { name, derive } of this.derivers) {
      let events: readonly ApiEvent[];
      try {
        events = derive(committed);
      } catch (err) {
        this.onError(`deriver ${name}`, err);
        continue;
      }
      for (const e of events) {
        try {
          this.publish(e);
        } catch (err) {
          this.onError(`deriver ${name}`, err);
        }
      }
    }
  }
}
