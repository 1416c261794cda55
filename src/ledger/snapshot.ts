/**
 * The snapshot stream: a store's chain entries (`LedgerStore.snapshotEntries`, key order) as one
 * byte stream, which `dpp node backup` receives from a running validator and keeps as a file, and
 * `dpp node restore` writes into a fresh store (docs/ledger.md §5.1):
 *
 *   snapshot = "dpp/snapshot/v1\n"                                   16 bytes
 *              { 0x01 ‖ u32 |key| ‖ key ‖ u32 |value| ‖ value }*     entries, keys strictly increasing
 *              0x00 ‖ u64 entries ‖ SHA-256(every byte before this end record)
 *
 * The end record makes a truncated or altered stream detectable on its own (a dropped connection, a
 * disk error): the decoder refuses it with a DecodeError once it reaches the end, so a consumer
 * must treat what it wrote as unconfirmed until the generator has finished.
 */
import { bytesEqual, compareBytes, toHex, utf8 } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Writer } from '../codec/writer.ts';
import { sha256Hasher } from '../crypto/hash.ts';
import { decodeBlock } from './block.ts';
import { type BlockHeader, blockHash } from './blockHeader.ts';
import { blockKey, decodeHeadRecord, HEAD_KEY } from './store.ts';

/** The first 16 bytes of every snapshot. */
export const SNAPSHOT_MAGIC = utf8('dpp/snapshot/v1\n');
/** Longest key an entry may have (the store's keys are at most 1 + 512 bytes). */
export const MAX_SNAPSHOT_KEY_BYTES = 1024;
/** Largest value (a block is at most 16 MiB). */
export const MAX_SNAPSHOT_VALUE_BYTES = 64 << 20;

/** One store entry. */
export type SnapshotEntry = readonly [key: Uint8Array, value: Uint8Array];

const BLOCK_PREFIX = blockKey(0n)[0]!;
const ENTRY = 1;
const END = 0;
const END_BYTES = 1 + 8 + 32;
/** Encoded entries are gathered into chunks of about this size. */
const CHUNK_BYTES = 256 << 10;

/** The snapshot bytes of `entries` (in strictly increasing key order), in chunks of about 256 KiB. */
export async function* encodeSnapshot(entries: AsyncIterable<SnapshotEntry>): AsyncGenerator<Uint8Array> {
  const hash = sha256Hasher();
  let w = new Writer().fixed(SNAPSHOT_MAGIC, SNAPSHOT_MAGIC.length);
  let size = SNAPSHOT_MAGIC.length;
  let count = 0n;
  let previous: Uint8Array | undefined;
  const flush = (): Uint8Array => {
    const chunk = w.finish();
    hash.update(chunk);
    w = new Writer();
    size = 0;
    return chunk;
  };
  for await (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_SNAPSHOT_KEY_BYTES || value.length > MAX_SNAPSHOT_VALUE_BYTES)
      throw new RangeError(`snapshot entry of ${key.length}-byte key, ${value.length}-byte value`);
    if (previous !== undefined && compareBytes(previous, key) >= 0)
      throw new RangeError('snapshot entries must come in strictly increasing key order');
    previous = key;
    w.u8(ENTRY).bytes(key).bytes(value);
    size += 9 + key.length + value.length;
    count++;
    if (size >= CHUNK_BYTES) yield flush();
  }
  const last = flush();
  yield new Writer().fixed(last, last.length).u8(END).u64(count).fixed(hash.digest(), 32).finish();
}

/**
 * The entries of a snapshot read from `chunks`, in order. Throws DecodeError: another format
 * (DECODE_BAD_TAG), a length above its cap (DECODE_BAD_LENGTH), keys out of order
 * (DECODE_NON_CANONICAL), a stream that ends before its end record (DECODE_TRUNCATED), bytes after
 * it (DECODE_TRAILING_BYTES), an end record whose count or SHA-256 differs (DECODE_BAD_CHECKSUM).
 */
export async function* decodeSnapshot(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<SnapshotEntry> {
  const input = new ByteQueue(chunks);
  const hash = sha256Hasher();
  const take = async (n: number): Promise<Uint8Array> => {
    const bytes = await input.take(n);
    hash.update(bytes);
    return bytes;
  };
  const magic = await take(SNAPSHOT_MAGIC.length);
  if (compareBytes(magic, SNAPSHOT_MAGIC) !== 0)
    throw new DecodeError('DECODE_BAD_TAG', 'not a dppchain snapshot (v1)');
  let count = 0n;
  let previous: Uint8Array | undefined;
  for (;;) {
    const tag = (await input.take(1))[0]!;
    if (tag === END) break;
    if (tag !== ENTRY) throw new DecodeError('DECODE_BAD_TAG', `snapshot record tag ${tag}`, { tag });
    hash.update(Uint8Array.of(tag));
    const key = await take(lengthOf(await take(4), MAX_SNAPSHOT_KEY_BYTES, 'key'));
    if (key.length === 0) throw new DecodeError('DECODE_BAD_LENGTH', 'snapshot entry with an empty key');
    const value = await take(lengthOf(await take(4), MAX_SNAPSHOT_VALUE_BYTES, 'value'));
    // [REFUSE] keys out of order: a store's entries come in key order, each once
    if (previous !== undefined && compareBytes(previous, key) >= 0)
      throw new DecodeError('DECODE_NON_CANONICAL', 'snapshot keys out of order', { entry: Number(count) });
    previous = key;
    count++;
    yield [key, value];
  }
  const end = await input.take(END_BYTES - 1);
  const view = new DataView(end.buffer, end.byteOffset, end.length);
  const stated = view.getBigUint64(0);
  const digest = hash.digest();
  // [REFUSE] a snapshot altered or cut short: the end record must count and hash what came before it
  if (stated !== count || compareBytes(end.subarray(8), digest) !== 0) {
    throw new DecodeError('DECODE_BAD_CHECKSUM', 'the snapshot does not match its end record', {
      entries: Number(count),
      stated: stated.toString(),
      sha256: toHex(digest),
    });
  }
  if (!(await input.atEnd()))
    throw new DecodeError('DECODE_TRAILING_BYTES', 'bytes after the snapshot’s end record');
}

function lengthOf(bytes: Uint8Array, max: number, what: string): number {
  const n = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (n > max)
    throw new DecodeError('DECODE_BAD_LENGTH', `snapshot ${what} of ${n} bytes exceeds ${max}`, {
      length: n,
      max,
    });
  return n;
}

/** Bytes from an async stream of chunks, taken front to back without copying more than needed. */
class ByteQueue {
  private readonly source: AsyncIterator<Uint8Array>;
  private chunks: Uint8Array[] = [];
  private offset = 0;
  private buffered = 0;
  private ended = false;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.source = chunks[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes (a plain Uint8Array of its own); DECODE_TRUNCATED if the stream ends first. */
  async take(n: number): Promise<Uint8Array> {
    while (this.buffered < n) {
      if (!(await this.pull()))
        throw new DecodeError('DECODE_TRUNCATED', 'the snapshot ends before its end record', {
          needed: n - this.buffered,
        });
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const chunk = this.chunks[0]!;
      const piece = Math.min(n - at, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + piece), at);
      at += piece;
      this.offset += piece;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.buffered -= n;
    return out;
  }

  /** True when nothing is left. */
  async atEnd(): Promise<boolean> {
    while (this.buffered === 0) if (!(await this.pull())) return true;
    return false;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    if (next.value.length > 0) {
      this.chunks.push(next.value);
      this.buffered += next.value.length;
    }
    return true;
  }
}

/** What a snapshot holds, as read from its entries: its head and the genesis it grew from. */
export interface SnapshotHead {
  readonly height: bigint;
  readonly hash: Uint8Array;
  /** The head block's header and the view of its commit certificate. */
  readonly header: BlockHeader;
  readonly certificateView: bigint;
  readonly genesisHash: Uint8Array;
}

/**
 * Watches a snapshot's entries go by (`observe` each, in order) and learns its head: the head record
 * comes first (key `H`), then the blocks in height order, genesis first.
 */
export class SnapshotWatcher {
  private head: { height: bigint; hash: Uint8Array } | undefined;
  private genesisHash: Uint8Array | undefined;
  private found: SnapshotHead | undefined;
  /** The highest block height seen so far (progress), or -1. */
  lastBlock = -1n;

  /** The head height, once the head record went by. */
  get height(): bigint | null {
    return this.head?.height ?? null;
  }

  /** Looks at one entry; throws DecodeError (or LedgerError) for a head record or block that does not decode. */
  observe(key: Uint8Array, value: Uint8Array): void {
    if (bytesEqual(key, HEAD_KEY)) {
      this.head = decodeHeadRecord(value);
      return;
    }
    if (key[0] !== BLOCK_PREFIX || key.length !== 9) return;
    const height = new DataView(key.buffer, key.byteOffset, 9).getBigUint64(1);
    this.lastBlock = height;
    const isHead = this.head !== undefined && height === this.head.height;
    if (height !== 0n && !isHead) return;
    const block = decodeBlock(value);
    if (height === 0n) this.genesisHash = blockHash(block.header);
    if (isHead && this.genesisHash !== undefined && bytesEqual(blockHash(block.header), this.head!.hash)) {
      this.found = {
        height,
        hash: this.head!.hash,
        header: block.header,
        certificateView: block.certificate.view,
        genesisHash: this.genesisHash,
      };
    }
  }

  /** The snapshot's head, or undefined when its entries held no head record with its block and a genesis. */
  result(): SnapshotHead | undefined {
    return this.found;
  }
}
