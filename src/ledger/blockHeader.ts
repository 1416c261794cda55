/**
 * Block headers and the block hash (docs/ledger.md §3):
 *
 *   u8 version = 1 ‖ string chainId ‖ u64 height ‖ prevHash (32) ‖ txRoot (32) ‖ stateRoot (32)
 *   ‖ u64 view ‖ u16 proposer ‖ u64 timestampMs
 *
 * blockHash = SHA-256(frame("dpp/block/v1", [header encoding])). The commit certificate is outside
 * the header, so the hash validators vote on does not depend on which votes were collected.
 * `timestampMs` is chosen by the proposer and agreed by consensus; it is the only clock that
 * execution may read.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { taggedSha256 } from '../crypto/hash.ts';
import { LedgerError } from './ledgerError.ts';
import { plainBytes } from './plainBytes.ts';
import { isValidChainId, MAX_CHAIN_ID_BYTES } from './transaction.ts';

/** The header encoding version written and accepted. */
export const BLOCK_VERSION = 1;
/** The domain tag of block hashes. */
export const BLOCK_TAG = 'dpp/block/v1';
/** Length of every hash in a header. */
export const HASH_BYTES = 32;
/** The previous hash of the genesis block. */
export const ZERO_HASH: Uint8Array = new Uint8Array(HASH_BYTES);

/** A block header. */
export interface BlockHeader {
  readonly chainId: string;
  readonly height: bigint;
  readonly prevHash: Uint8Array;
  /** RFC 6962 Merkle tree hash of the transaction ids (./merkle.ts). */
  readonly txRoot: Uint8Array;
  /** State root after executing this block (./worldState.ts). */
  readonly stateRoot: Uint8Array;
  /** The consensus view in which the block was proposed. */
  readonly view: bigint;
  /** Index of the proposing validator in the genesis validator list. */
  readonly proposer: number;
  /** Milliseconds since the Unix epoch, agreed by consensus; non-decreasing along the chain. */
  readonly timestampMs: bigint;
}

/** Writes a header's canonical fields; throws LedgerError for a field out of range. */
export function writeHeader(w: Writer, h: BlockHeader): Writer {
  if (!isValidChainId(h.chainId)) throw new LedgerError('LEDGER_BAD_FIELD', 'header: invalid chain id');
  try {
    return w
      .u8(BLOCK_VERSION)
      .string(h.chainId)
      .u64(h.height)
      .fixed(h.prevHash, HASH_BYTES)
      .fixed(h.txRoot, HASH_BYTES)
      .fixed(h.stateRoot, HASH_BYTES)
      .u64(h.view)
      .u16(h.proposer)
      .u64(h.timestampMs);
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_FIELD', 'header: field out of range', {}, { cause });
  }
}

/** The canonical bytes of a header. */
export function encodeHeader(h: BlockHeader): Uint8Array {
  return writeHeader(new Writer(), h).finish();
}

/** Reads a header; throws DecodeError. */
export function readHeader(r: Reader): BlockHeader {
  const version = r.u8();
  if (version !== BLOCK_VERSION) {
    throw new DecodeError('DECODE_BAD_VERSION', `block version ${version}, expected ${BLOCK_VERSION}`);
  }
  const chainId = r.string(MAX_CHAIN_ID_BYTES);
  if (!isValidChainId(chainId)) throw new DecodeError('DECODE_OUT_OF_RANGE', 'header: invalid chain id');
  return {
    chainId,
    height: r.u64(),
    prevHash: r.fixed(HASH_BYTES),
    txRoot: r.fixed(HASH_BYTES),
    stateRoot: r.fixed(HASH_BYTES),
    view: r.u64(),
    proposer: r.u16(),
    timestampMs: r.u64(),
  };
}

/** Decodes a header alone; throws DecodeError. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const r = new Reader(plainBytes(bytes), 'block header');
  const h = readHeader(r);
  r.end();
  return h;
}

/** The block hash: SHA-256 of the tagged header encoding. */
export function blockHash(h: BlockHeader): Uint8Array {
  return taggedSha256(BLOCK_TAG, encodeHeader(h));
}
