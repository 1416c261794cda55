/**
 * World state: a map from byte-string keys to byte-string values, read through `StateReader`, and
 * its deterministic state root (docs/ledger.md §4).
 *
 * Executing a block never touches committed state: it writes into a `StateOverlay` whose reads fall
 * through to the state below (the store, or another overlay when blocks are pipelined), and whose
 * collected writes become the block's write set — committed in one batch with the block.
 *
 * State root, a hash chain over write sets (O(writes) per block, identical on every validator):
 *   root_h = SHA-256( frame("dpp/state/v1") ‖ root_{h−1}
 *                     ‖ u32 n ‖ for each write of block h, sorted by key (bytewise):
 *                         u32 |key| ‖ key ‖ (0x00 for a deletion | 0x01 ‖ u32 |value| ‖ value) )
 * with root_{−1} = 32 zero bytes for the genesis block. It commits to the whole history of writes,
 * hence to the whole state, but it does not give per-key proofs: a Merkle state tree can replace it
 * later behind the same header field.
 */
import { compareBytes, toHex } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { sha256 } from '../crypto/digest.ts';
import { LedgerError } from './ledgerError.ts';

/** A read-only view of state: the value stored under `key`, or undefined. */
export interface StateReader {
  get(key: Uint8Array): Uint8Array | undefined;
}

/** One entry of a write set: a new value, or null for a deletion. */
export interface StateWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/** Longest state key. */
export const MAX_STATE_KEY_BYTES = 512;
/** Largest state value. */
export const MAX_STATE_VALUE_BYTES = 1024 * 1024;
/** The root before genesis. */
export const EMPTY_STATE_ROOT: Uint8Array = new Uint8Array(32);

const STATE_TAG = 'dpp/state/v1';

/** Throws LEDGER_BAD_WRITE unless `key` and `value` fit the limits. */
export function assertWritable(key: Uint8Array, value: Uint8Array | null): void {
  if (key.length === 0 || key.length > MAX_STATE_KEY_BYTES) {
    throw new LedgerError('LEDGER_BAD_WRITE', `state key of ${key.length} bytes (1..${MAX_STATE_KEY_BYTES})`);
  }
  if (value !== null && value.length > MAX_STATE_VALUE_BYTES) {
    throw new LedgerError('LEDGER_BAD_WRITE', `state value of ${value.length} bytes exceeds the limit`);
  }
}

/**
 * Writes on top of a base state; reads see the writes first. A checkpoint journals the writes
 * after it, so that `revert` can undo them (one transaction of a block) and `release` keeps them.
 */
export class StateOverlay implements StateReader {
  private readonly pending = new Map<string, StateWrite>();
  /** (key, entry before the write), for every write since the first open checkpoint. */
  private readonly journal: [string, StateWrite | undefined][] = [];
  private journaling = false;

  constructor(private readonly base: StateReader) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const w = this.pending.get(keyId(key));
    if (w !== undefined) return w.value ?? undefined;
    return this.base.get(key);
  }

  /** Sets `key` to `value`. */
  put(key: Uint8Array, value: Uint8Array): void {
    this.write({ key, value });
  }

  /** Deletes `key` (recorded as a deletion even when the base has no such key). */
  delete(key: Uint8Array): void {
    this.write({ key, value: null });
  }

  /** Applies one write (copies key and value, so later mutation by the caller changes nothing). */
  write(w: StateWrite): void {
    assertWritable(w.key, w.value);
    const id = keyId(w.key);
    if (this.journaling) this.journal.push([id, this.pending.get(id)]);
    this.pending.set(id, { key: w.key.slice(), value: w.value === null ? null : w.value.slice() });
  }

  /** Applies every write of `writes`, in order (a later write to a key wins). */
  writeAll(writes: Iterable<StateWrite>): void {
    for (const w of writes) this.write(w);
  }

  /** Opens a checkpoint: a mark that `revert` can return to until `release`. */
  checkpoint(): number {
    this.journaling = true;
    return this.journal.length;
  }

  /** Undoes every write made since `mark` (a checkpoint not yet released). */
  revert(mark: number): void {
    while (this.journal.length > mark) {
      const [id, previous] = this.journal.pop()!;
      if (previous === undefined) this.pending.delete(id);
      else this.pending.set(id, previous);
    }
  }

  /** Keeps every write and closes all checkpoints. */
  release(): void {
    this.journal.length = 0;
    this.journaling = false;
  }

  /** Number of distinct keys written. */
  get size(): number {
    return this.pending.size;
  }

  /** The collected writes, one per key, sorted by key. */
  writes(): StateWrite[] {
    return sortWrites([...this.pending.values()]);
  }
}

/** An in-memory state (tests, the consensus simulator, tools). */
export class MemoryState implements StateReader {
  private readonly entries = new Map<string, Uint8Array>();

  get(key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(keyId(key));
  }

  /** Applies a write set. */
  apply(writes: Iterable<StateWrite>): void {
    for (const w of writes) {
      if (w.value === null) this.entries.delete(keyId(w.key));
      else this.entries.set(keyId(w.key), w.value.slice());
    }
  }

  /** Number of keys present. */
  get size(): number {
    return this.entries.size;
  }
}

/** `writes` sorted by key (a new array); throws LEDGER_BAD_WRITE on a repeated key. */
export function sortWrites(writes: readonly StateWrite[]): StateWrite[] {
  const sorted = [...writes].sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1]!.key, sorted[i]!.key) === 0) {
      throw new LedgerError('LEDGER_BAD_WRITE', 'a write set names the same key twice', {
        key: toHex(sorted[i]!.key),
      });
    }
  }
  return sorted;
}

/** root_h from root_{h−1} and block h's write set (any order; sorted here). */
export function nextStateRoot(previousRoot: Uint8Array, writes: readonly StateWrite[]): Uint8Array {
  if (previousRoot.length !== 32) throw new RangeError('a state root is 32 bytes');
  const sorted = sortWrites(writes);
  // u32 len ‖ tag ‖ previous root ‖ u32 count ‖ (u32 len ‖ key ‖ (00 | 01 ‖ u32 len ‖ value))*
  const w = new Writer().string(STATE_TAG).fixed(previousRoot, 32).u32(sorted.length);
  for (const { key, value } of sorted) {
    w.bytes(key);
    if (value === null) w.u8(DELETION);
    else w.u8(PRESENT).bytes(value);
  }
  return sha256(w.finish());
}

/** A Map key for a byte string: one UTF-16 code unit per byte (a bijection, cheaper than hex). */
function keyId(key: Uint8Array): string {
  // Keys are at most MAX_STATE_KEY_BYTES, well below the engine's argument-count limit.
  return String.fromCharCode.apply(null, key as unknown as number[]);
}

const DELETION = 0;
const PRESENT = 1;
