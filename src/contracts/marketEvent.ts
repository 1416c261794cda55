/**
 * How a contract declares the events its committed transactions publish (docs/api.md "Market
 * events"). Each event type is one zod schema (`marketEvent`): its `type`, the block's `height` and
 * the transaction's `txId`, then its own fields. Each kind that publishes declares, beside the kind
 * itself, how one of its transactions with an ok receipt becomes events (`kindEvents`). ./events.ts
 * gathers every kind's; the API only streams what they produce and documents their schemas.
 *
 * A derivation is pure and quick (it runs on the node's commit path). It reads the committed state
 * only for fields that never change once written, so its answer does not depend on how far the
 * store has moved on. Privacy (DESIGN "Privacy model"): an event carries no more than any validator
 * stores and less than the market routes serve — never a consumer's pseudonym, never anything of a
 * bill response beyond its ring (round, aggregator) and addressee, never free text.
 */
import { z } from 'zod';
import type { Group } from '../crypto/group.ts';
import type { StateReader } from '../ledger/worldState.ts';
import { readRecord } from './draft.ts';
import type { Codec } from './schema.ts';
import { Decimal, Hex32 } from './views.ts';

/** Declares an event type: `type`, `height` (the block's) and `txId` (the transaction's), then `fields`. */
export function marketEvent<const T extends string, S extends z.ZodRawShape>(type: T, fields: S) {
  return z.object({
    type: z.literal(type),
    height: Decimal.describe('the block’s height'),
    txId: Hex32.describe('the transaction'),
    ...fields,
  });
}

/** Where a transaction sits: every event of it carries these (spread them after `type`). */
export interface EventOrigin {
  readonly height: string;
  readonly txId: string;
}

/** What a kind's derivation is given for one of its transactions. */
export interface EventCall<P> {
  readonly payload: P;
  readonly at: EventOrigin;
  /** The block's height. */
  readonly height: bigint;
  /** A committed record (only fields that never change once written), or undefined. */
  read<T>(key: Uint8Array, codec: Codec<T>): T | undefined;
}

/** The events of one kind: the types it publishes and how a committed transaction becomes events. */
export interface KindEvents<E extends readonly z.ZodObject[] = readonly z.ZodObject[]> {
  readonly kind: string;
  readonly events: E;
  /** The events of one transaction of this kind with an ok receipt. */
  derive(
    payload: Uint8Array,
    at: EventOrigin,
    height: bigint,
    state: StateReader,
    group: Group,
  ): z.output<E[number]>[];
}

/** Declares the events of `kind`: its payload's codec, the event types and their derivation. */
export function kindEvents<P, const E extends readonly z.ZodObject[]>(spec: {
  readonly kind: string;
  readonly payload: Codec<P>;
  readonly events: E;
  derive(call: EventCall<P>): z.output<NoInfer<E>[number]>[];
}): KindEvents<E> {
  return {
    kind: spec.kind,
    events: spec.events,
    derive: (bytes, at, height, state, group) =>
      spec.derive({
        payload: spec.payload.decode(bytes, group),
        at,
        height,
        read: (key, codec) => readRecord(state, group, key, codec),
      }),
  };
}

/** The `type` an event schema declares. */
export function eventType(schema: z.ZodObject): string {
  return (schema.shape.type as z.ZodLiteral<string>).value;
}
