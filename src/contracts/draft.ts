/**
 * A transaction's pending writes over the state it reads: handlers stage typed records here, read
 * back what they staged (a balance credited twice in one settlement), and return the writes. A
 * stored record that does not decode is corrupt state, never a verdict on the transaction.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import type { Group } from '../crypto/group.ts';
import { LedgerError } from '../ledger/ledgerError.ts';
import type { StateReader, StateWrite } from '../ledger/worldState.ts';
import type { Codec } from './schema.ts';

/** Decodes the record stored under `key`, or undefined; corrupt bytes throw LEDGER_STATE_CORRUPT. */
export function readRecord<T>(
  state: StateReader,
  group: Group,
  key: Uint8Array,
  codec: Codec<T>,
): T | undefined {
  const bytes = state.get(key);
  if (bytes === undefined) return undefined;
  try {
    return codec.decode(bytes, group);
  } catch (cause) {
    throw new LedgerError(
      'LEDGER_STATE_CORRUPT',
      `stored ${codec.name} does not decode`,
      { key: toHex(key) },
      { cause },
    );
  }
}

/** Staged writes of one transaction, readable before they are applied. */
export class Draft implements StateReader {
  private readonly staged = new Map<string, StateWrite>();

  constructor(
    private readonly state: StateReader,
    readonly group: Group,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const w = this.staged.get(toHex(key));
    if (w === undefined) return this.state.get(key);
    return w.value ?? undefined;
  }

  /** The record under `key`, staged or stored. */
  read<T>(key: Uint8Array, codec: Codec<T>): T | undefined {
    return readRecord(this, this.group, key, codec);
  }

  /** Stages `value` under `key`. */
  put<T>(key: Uint8Array, codec: Codec<T>, value: T): this {
    this.staged.set(toHex(key), { key, value: codec.encode(value) });
    return this;
  }

  /** Stages raw bytes (null deletes). */
  putBytes(key: Uint8Array, value: Uint8Array | null): this {
    const current = this.get(key);
    if (value !== null && current !== undefined && bytesEqual(current, value)) return this;
    this.staged.set(toHex(key), { key, value });
    return this;
  }

  /** The staged writes, in staging order (the executor sorts the block's write set). */
  writes(): StateWrite[] {
    return [...this.staged.values()];
  }
}
