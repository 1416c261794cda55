/**
 * The channels a validator link carries (docs/p2p.md §6). After the handshake every frame opens
 * with a channel byte:
 *
 *   0 ‖ consensus message              the bytes of consensus/messages.ts, opaque here
 *   1 ‖ u32 n ‖ n × (u32 len ‖ tx)     a batch of transactions gossiped from a validator's clients,
 *                                      so that every primary has them: 1 ≤ n ≤ 65 536, each tx
 *                                      opaque here (the receiving node's mempool checks it) and at
 *                                      most 80 KiB, nothing after the last
 *
 * Senders cut batches into frames of about `GOSSIP_FRAME_BYTES` (1 MiB) of transactions, far below
 * the transport's frame limit; the decoder is strict and whole — a batch that breaks any rule is
 * refused entire with a DecodeError naming the rule, before any of it is admitted. An empty frame,
 * or one of another channel, is ignored.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';

/** The channel byte of a consensus message. */
export const CONSENSUS_CHANNEL = 0;
/** The channel byte of a batch of gossiped transactions. */
export const TXS_CHANNEL = 1;
/** Largest transaction a gossip batch carries (above the ledger's own limit, which the mempool applies). */
export const MAX_GOSSIP_TX_BYTES = 80 << 10;
/** Most transactions in one gossip batch. */
export const MAX_GOSSIP_BATCH_TXS = 1 << 16;
/** Gossip frames are cut once they hold about this many bytes of transactions. */
export const GOSSIP_FRAME_BYTES = 1 << 20;

/** A consensus message as a frame. */
export function consensusFrame(message: Uint8Array): Uint8Array {
  return new Writer().u8(CONSENSUS_CHANNEL).fixed(message, message.length).finish();
}

/**
 * Transactions as gossip frames, in order: a frame is closed before the transaction that would take
 * it past `frameBytes` of transactions or `MAX_GOSSIP_BATCH_TXS` of them (a larger transaction goes
 * alone). No frame for no transactions.
 */
export function txBatchFrames(txs: Iterable<Uint8Array>, frameBytes = GOSSIP_FRAME_BYTES): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let size = 0;
  for (const tx of txs) {
    if (batch.length > 0 && (size + tx.length > frameBytes || batch.length >= MAX_GOSSIP_BATCH_TXS)) {
      frames.push(batchFrame(batch));
      batch = [];
      size = 0;
    }
    batch.push(tx);
    size += tx.length;
  }
  if (batch.length > 0) frames.push(batchFrame(batch));
  return frames;
}

function batchFrame(txs: readonly Uint8Array[]): Uint8Array {
  const w = new Writer().u8(TXS_CHANNEL).u32(txs.length);
  for (const tx of txs) w.bytes(tx);
  return w.finish();
}

/** A frame's channel byte and what follows it; null for an empty frame. */
export function openFrame(frame: Uint8Array): { channel: number; body: Uint8Array } | null {
  return frame.length === 0 ? null : { channel: frame[0]!, body: frame.subarray(1) };
}

/**
 * The transactions of a gossip frame's body, in order. Strict and whole: throws
 * DecodeError — DECODE_BAD_LENGTH for a count of 0 or above `MAX_GOSSIP_BATCH_TXS` or a transaction
 * above `MAX_GOSSIP_TX_BYTES`, DECODE_TRUNCATED, DECODE_TRAILING_BYTES — and then yields nothing.
 */
export function decodeTxBatch(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body, 'gossip batch');
  const n = r.u32();
  // [REJECT] an empty batch, or more transactions than a batch may hold (checked before reading them)
  if (n === 0 || n > MAX_GOSSIP_BATCH_TXS) {
    throw new DecodeError(
      'DECODE_BAD_LENGTH',
      `gossip batch of ${n} transactions (1..${MAX_GOSSIP_BATCH_TXS}, MAX_GOSSIP_BATCH_TXS)`,
      { count: n, max: MAX_GOSSIP_BATCH_TXS },
    );
  }
  const txs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) txs.push(r.bytes(MAX_GOSSIP_TX_BYTES));
  r.end();
  return txs;
}
