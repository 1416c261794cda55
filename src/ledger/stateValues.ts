/** Encodings of the small values the ledger keeps in state: u64 counters (nonces, heights). */
import { toHex } from '../codec/bytes.ts';
import { LedgerError } from './ledgerError.ts';

/** 8 bytes big-endian. */
export function u64Value(v: bigint): Uint8Array {
  scratchView.setBigUint64(0, v);
  return scratch.slice();
}

const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/** The u64 stored under `key`; throws LEDGER_STATE_CORRUPT when the value is not 8 bytes. */
export function readU64Value(value: Uint8Array, key: Uint8Array): bigint {
  if (value.length !== 8) {
    throw new LedgerError('LEDGER_STATE_CORRUPT', 'a u64 state value is not 8 bytes', {
      key: toHex(key),
      length: value.length,
    });
  }
  scratch.set(value);
  return scratchView.getBigUint64(0);
}
