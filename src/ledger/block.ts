/**
 * Blocks (docs/ledger.md §3): a header (./blockHeader.ts), the encoded transactions in execution
 * order, and the commit certificate (./certificate.ts), which is not covered by the block hash.
 *
 *   header ‖ u32 n (≤ 10 000) ‖ n × bytes tx (each ≤ 70 KiB) ‖ certificate      (whole ≤ 16 MiB)
 *
 * Transactions stay encoded: the block decoder checks the envelope only; ./execution.ts decodes and
 * verifies each transaction (or takes this validator's earlier verdict) and checks txRoot. A block's
 * transaction ids and txRoot are computed once per list of transactions (`txIdsOf`, `txRootOf`):
 * naming a proposal, executing it and storing it each need them.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { type BlockHeader, readHeader, writeHeader } from './blockHeader.ts';
import { type CommitCertificate, readCertificate, writeCertificate } from './certificate.ts';
import { LedgerError } from './ledgerError.ts';
import { merkleRoot } from './merkle.ts';
import { plainBytes } from './plainBytes.ts';
import { MAX_TX_BYTES, transactionId } from './transaction.ts';

/** Most transactions in a block. */
export const MAX_BLOCK_TXS = 10_000;
/** Largest encoded block. */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

/** A block. */
export interface Block {
  readonly header: BlockHeader;
  /** Canonical transaction encodings, in execution order. */
  readonly txs: readonly Uint8Array[];
  readonly certificate: CommitCertificate;
}

/** Ids and txRoot of lists of transactions, by list (a block's `txs` is never changed once made). */
const derived = new WeakMap<readonly Uint8Array[], { ids: readonly Uint8Array[]; root?: Uint8Array }>();

/** The ids of a list of encoded transactions (SHA-256 of each), computed once per list. */
export function txIdsOf(txs: readonly Uint8Array[]): readonly Uint8Array[] {
  let d = derived.get(txs);
  if (d === undefined) {
    d = { ids: txs.map(transactionId) };
    derived.set(txs, d);
  }
  return d.ids;
}

/** The txRoot of a list of encoded transactions: MTH of their ids, computed once per list. */
export function txRootOf(txs: readonly Uint8Array[]): Uint8Array {
  txIdsOf(txs);
  const d = derived.get(txs)!;
  d.root ??= merkleRoot(d.ids);
  return d.root;
}

/** The canonical bytes of a block; throws LedgerError when a limit is exceeded. */
export function encodeBlock(block: Block): Uint8Array {
  if (block.txs.length > MAX_BLOCK_TXS) {
    throw new LedgerError(
      'LEDGER_TOO_LARGE',
      `block of ${block.txs.length} transactions exceeds the limit of ${MAX_BLOCK_TXS} (MAX_BLOCK_TXS)`,
      { count: block.txs.length, limit: MAX_BLOCK_TXS, limitName: 'MAX_BLOCK_TXS' },
    );
  }
  const w = writeHeader(new Writer(), block.header).u32(block.txs.length);
  for (const tx of block.txs) {
    if (tx.length > MAX_TX_BYTES) {
      throw new LedgerError(
        'LEDGER_TOO_LARGE',
        `block holds a transaction of ${tx.length} bytes, above the limit of ${MAX_TX_BYTES} (MAX_TX_BYTES)`,
        { size: tx.length, limit: MAX_TX_BYTES, limitName: 'MAX_TX_BYTES' },
      );
    }
    w.bytes(tx);
  }
  const out = writeCertificate(w, block.certificate).finish();
  if (out.length > MAX_BLOCK_BYTES) {
    throw new LedgerError(
      'LEDGER_TOO_LARGE',
      `block of ${out.length} bytes exceeds the limit of ${MAX_BLOCK_BYTES} (MAX_BLOCK_BYTES)`,
      { size: out.length, limit: MAX_BLOCK_BYTES, limitName: 'MAX_BLOCK_BYTES' },
    );
  }
  return out;
}

/** Decodes a block's envelope; throws DecodeError. Transactions are returned encoded. */
export function decodeBlock(bytes: Uint8Array): Block {
  if (bytes.length > MAX_BLOCK_BYTES) {
    throw new DecodeError('DECODE_BAD_LENGTH', `block of ${bytes.length} bytes exceeds ${MAX_BLOCK_BYTES}`);
  }
  const r = new Reader(plainBytes(bytes), 'block');
  const header = readHeader(r);
  const n = r.u32();
  if (n > MAX_BLOCK_TXS)
    throw new DecodeError('DECODE_BAD_LENGTH', `block: ${n} transactions exceed ${MAX_BLOCK_TXS}`);
  const txs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) txs.push(r.bytes(MAX_TX_BYTES));
  const certificate = readCertificate(r);
  r.end();
  return { header, txs, certificate };
}
