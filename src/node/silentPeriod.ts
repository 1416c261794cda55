/**
 * A restored validator's silent period (docs/consensus.md §4.1). `dpp node restore` leaves a
 * `restore` record in the store's metadata (./restore.ts); while the store's head is below its
 * `silentUntilHeight` the validator only FOLLOWS the chain: it asks for certified blocks and commits
 * them, serves blocks, and joins the view a new-view message announces, but it takes in no proposal,
 * vote or view change and sends no consensus message but a request for blocks. What its replica
 * signs meanwhile never leaves the node: without others' prepares it never prepares, so no vote of
 * its own enters a certificate it could serve, and its unsent messages belong to heights its head
 * passes before the period ends (a commit clears them).
 *
 * Why: the restored store has none of the votes the validator cast after the snapshot was taken (a
 * restore never carries votes over). Voting again at a (view, height) it had voted at before could
 * sign a second, different digest there — equivocation, which PBFT's safety does not survive beside
 * f faulty validators. Every height it can have voted at is at most one above the highest height
 * committed anywhere when its old process stopped; restore sets `silentUntilHeight` above that
 * (./restore.ts says how), so once its head reaches it, every vote it casts is at a height it never
 * voted at. The record stays in the store afterwards, inert.
 */
import { fromHex, toHex, utf8 } from '../codec/bytes.ts';
import type { Message } from '../consensus/messages.ts';
import type { LedgerStore } from '../ledger/store.ts';
import type { Logger } from './logger.ts';
import { NodeError } from './nodeError.ts';

/** The metadata key of the restore record. */
export const RESTORE_KEY = 'restore';

/** What `dpp node restore` records in the store it writes. */
export interface RestoreRecord {
  /** The snapshot's head. */
  readonly snapshotHeight: bigint;
  readonly snapshotHash: Uint8Array;
  /** The validator sends no vote until its head is at this height. */
  readonly silentUntilHeight: bigint;
  readonly restoredAtMs: number;
}

/** JSON bytes of the record. */
export function encodeRestoreRecord(r: RestoreRecord): Uint8Array {
  return utf8(
    JSON.stringify({
      version: 1,
      snapshotHeight: r.snapshotHeight.toString(),
      snapshotHash: toHex(r.snapshotHash),
      silentUntilHeight: r.silentUntilHeight.toString(),
      restoredAtMs: r.restoredAtMs,
    }),
  );
}

/** The record back from its bytes; NODE_BAD_CONFIG when malformed (a validator never guesses here). */
export function decodeRestoreRecord(bytes: Uint8Array): RestoreRecord {
  try {
    const o = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const height = (v: unknown): bigint => {
      if (typeof v !== 'string' || !/^\d{1,20}$/.test(v)) throw new Error('not a height');
      return BigInt(v);
    };
    if (o.version !== 1) throw new Error('unknown version');
    if (typeof o.snapshotHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.snapshotHash))
      throw new Error('bad hash');
    if (typeof o.restoredAtMs !== 'number') throw new Error('bad time');
    return {
      snapshotHeight: height(o.snapshotHeight),
      snapshotHash: fromHex(o.snapshotHash),
      silentUntilHeight: height(o.silentUntilHeight),
      restoredAtMs: o.restoredAtMs,
    };
  } catch (cause) {
    throw new NodeError('NODE_BAD_CONFIG', `stored restore record is corrupt: ${(cause as Error).message}`);
  }
}

/**
 * What a silent validator still takes in: commits and checkpoints (to learn of later blocks), block
 * transfer, and new views (re-sent by their primary while the view lasts), so that it ends its
 * silence in the others' view even when they changed views meanwhile.
 */
const ADMITTED: ReadonlySet<Message['type']> = new Set([
  'commit',
  'checkpoint',
  'fetch-blocks',
  'blocks',
  'new-view',
]);
/** What it still sends: requests for blocks, and the blocks it serves. */
const PUBLISHED: ReadonlySet<Message['type']> = new Set(['fetch-blocks', 'blocks']);

/** Whether this validator is silent, and the filters that make it so. */
export class SilentPeriod {
  private constructor(
    private until: bigint | null,
    private readonly log: Logger,
  ) {}

  /** The silent period of `store` (none without a restore record, or once its head has reached it). */
  static of(store: LedgerStore, log: Logger): SilentPeriod {
    const bytes = store.getMeta(RESTORE_KEY);
    const record = bytes === undefined ? undefined : decodeRestoreRecord(bytes);
    const height = store.head()?.height ?? 0n;
    if (record === undefined || height >= record.silentUntilHeight) return new SilentPeriod(null, log);
    log.warn(
      {
        snapshotHeight: record.snapshotHeight.toString(),
        silentUntilHeight: record.silentUntilHeight.toString(),
      },
      'restored from a snapshot: following the chain without voting until the silent period ends',
    );
    return new SilentPeriod(record.silentUntilHeight, log);
  }

  /** The height the silent period ends at, or null when the validator votes. */
  get untilHeight(): bigint | null {
    return this.until;
  }

  /** Whether an incoming consensus message reaches the replica now. */
  admits(message: Message): boolean {
    return this.until === null || ADMITTED.has(message.type);
  }

  /** Whether an outgoing consensus message may leave now. */
  publishes(message: Message): boolean {
    return this.until === null || PUBLISHED.has(message.type);
  }

  /** The store's head is now `height`: the silent period ends when it reaches its height. */
  committed(height: bigint): void {
    if (this.until === null || height < this.until) return;
    this.log.info({ height: height.toString() }, 'silent period over: voting again');
    this.until = null;
  }
}
