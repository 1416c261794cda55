/**
 * The channels a validator link carries (docs/p2p.md §6). After the handshake every frame opens
 * with a channel byte:
 *
 *   0 ‖ consensus message          the bytes of consensus/messages.ts, opaque here
 *   1 ‖ (u32 len ‖ tx)*            transactions gossiped from a validator's clients, so that every
 *                                  primary has them; each opaque here (the receiving node's mempool
 *                                  checks it) and at most 80 KiB
 *
 * An empty frame, or one of another channel, is ignored.
 */
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';

/** The channel byte of a consensus message. */
export const CONSENSUS_CHANNEL = 0;
/** The channel byte of a batch of gossiped transactions. */
export const TXS_CHANNEL = 1;
/** Largest transaction a gossip batch carries (above the ledger's own limit, which the mempool applies). */
export const MAX_GOSSIP_TX_BYTES = 80 << 10;
/** Gossip frames that catch a peer up are cut once they hold about this many bytes of transactions. */
export const GOSSIP_FRAME_BYTES = 1 << 20;

/** A consensus message as a frame. */
export function consensusFrame(message: Uint8Array): Uint8Array {
  return new Writer().u8(CONSENSUS_CHANNEL).fixed(message, message.length).finish();
}

/** Transactions as one gossip frame. */
export function txBatchFrame(txs: Iterable<Uint8Array>): Uint8Array {
  const w = new Writer().u8(TXS_CHANNEL);
  for (const tx of txs) w.bytes(tx);
  return w.finish();
}

/**
 * Transactions as gossip frames: a frame is closed before the transaction that would take it past
 * `frameBytes` (a larger transaction goes alone). No frame for no transactions.
 */
export function txBatchFrames(txs: Iterable<Uint8Array>, frameBytes = GOSSIP_FRAME_BYTES): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let w = new Writer().u8(TXS_CHANNEL);
  let size = 0;
  for (const tx of txs) {
    if (size > 0 && size + tx.length > frameBytes) {
      frames.push(w.finish());
      w = new Writer().u8(TXS_CHANNEL);
      size = 0;
    }
    w.bytes(tx);
    size += tx.length;
  }
  if (size > 0) frames.push(w.finish());
  return frames;
}

/** A frame's channel byte and what follows it; null for an empty frame. */
export function openFrame(frame: Uint8Array): { channel: number; body: Uint8Array } | null {
  return frame.length === 0 ? null : { channel: frame[0]!, body: frame.subarray(1) };
}

/**
 * The transactions of a gossip frame's body, one at a time. Throws DecodeError at the first
 * malformed entry: those before it have been yielded already.
 */
export function* readTxBatch(body: Uint8Array): Generator<Uint8Array> {
  const r = new Reader(body, 'gossip');
  while (r.remaining > 0) yield r.bytes(MAX_GOSSIP_TX_BYTES);
}
