/**
 * Transaction receipts and where a transaction landed (docs/ledger.md §5):
 *   receipt  = u8 0 (ok) | u8 1 ‖ string code (1..64 B, [A-Z][A-Z0-9_]*)       (failed)
 *   location = u64 height ‖ u32 index ‖ receipt
 * A failed receipt names the DppError code of the kind's business validation; the transaction's
 * nonce or unique id was consumed and nothing else changed.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { MAX_BLOCK_TXS } from './block.ts';
import { LedgerError } from './ledgerError.ts';
import { plainBytes } from './plainBytes.ts';

/** The outcome of one included transaction. */
export type Receipt = { readonly status: 'ok' } | { readonly status: 'failed'; readonly code: string };

/** Where a committed transaction is, and how it ended. */
export interface TxLocation {
  readonly height: bigint;
  readonly index: number;
  readonly receipt: Receipt;
}

/** The receipt of a successful transaction. */
export const OK_RECEIPT: Receipt = Object.freeze({ status: 'ok' });

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** True for an error code a receipt can carry. */
export function isReceiptCode(code: string): boolean {
  return CODE.test(code);
}

/** Writes a receipt; throws LedgerError for an invalid code. */
export function writeReceipt(w: Writer, receipt: Receipt): Writer {
  if (receipt.status === 'ok') return w.u8(0);
  if (!isReceiptCode(receipt.code)) throw new LedgerError('LEDGER_BAD_FIELD', 'receipt: invalid error code');
  return w.u8(1).string(receipt.code);
}

/** Reads a receipt; throws DecodeError. */
export function readReceipt(r: Reader): Receipt {
  const status = r.u8();
  if (status === 0) return OK_RECEIPT;
  if (status !== 1) throw new DecodeError('DECODE_BAD_TAG', `receipt: unknown status ${status}`);
  const code = r.string(64);
  if (!isReceiptCode(code)) throw new DecodeError('DECODE_OUT_OF_RANGE', 'receipt: invalid error code');
  return { status: 'failed', code };
}

/** The canonical bytes of a receipt. */
export function encodeReceipt(receipt: Receipt): Uint8Array {
  return writeReceipt(new Writer(), receipt).finish();
}

/** Decodes a receipt; throws DecodeError. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  const r = new Reader(plainBytes(bytes), 'receipt');
  const receipt = readReceipt(r);
  r.end();
  return receipt;
}

/** The canonical bytes of a transaction location. */
export function encodeTxLocation(loc: TxLocation): Uint8Array {
  return writeReceipt(new Writer().u64(loc.height).u32(loc.index), loc.receipt).finish();
}

/** Decodes a transaction location; throws DecodeError. */
export function decodeTxLocation(bytes: Uint8Array): TxLocation {
  const r = new Reader(plainBytes(bytes), 'transaction location');
  const height = r.u64();
  const index = r.u32();
  if (index >= MAX_BLOCK_TXS) throw new DecodeError('DECODE_OUT_OF_RANGE', 'transaction location: index');
  const receipt = readReceipt(r);
  r.end();
  return { height, index, receipt };
}
