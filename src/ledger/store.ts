/**
 * The ledger's durable store: LevelDB through `classic-level` (docs/ledger.md §5).
 *
 * Layout (one LevelDB, one-byte prefixes):
 *   'H'                → head record: u8 version 1 ‖ u64 height ‖ 32-byte block hash
 *   'b' ‖ u64 height   → block (./block.ts encoding, certificate included)
 *   'h' ‖ block hash   → u64 height
 *   't' ‖ tx id        → tx location: u64 height ‖ u32 index ‖ receipt (./receipt.ts)
 *   's' ‖ state key    → state value (absent = deleted)
 *   'm' ‖ meta key     → opaque value (consensus votes, checkpoints … written by the layers above)
 *
 * Crash safety: a committed block, all of its state writes, its tx-index entries, its hash entry
 * and the new head go to LevelDB as ONE batch written with { sync: true } (the log is fsynced before
 * the promise resolves). LevelDB applies a batch atomically on recovery, so after a kill at any
 * moment the store holds either the whole block or none of it, and every block whose commit had
 * resolved. `putMeta` is a synced write of its own, so a vote persisted before it is sent survives.
 *
 * Snapshots (docs/ledger.md §5.1): `snapshotEntries` reads the chain — everything but the metadata —
 * through one iterator, a consistent copy while commits go on; `createStoreFrom` writes such a copy
 * into a new store.
 */
import { ClassicLevel } from 'classic-level';
import { bytesEqual, concatBytes, toHex, utf8 } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { type Block, decodeBlock, encodeBlock, txIdsOf, txRootOf } from './block.ts';
import { type BlockHeader, blockHash, HASH_BYTES, ZERO_HASH } from './blockHeader.ts';
import type { GenesisState } from './genesis.ts';
import { LedgerError } from './ledgerError.ts';
import { decodeTxLocation, encodeTxLocation, type Receipt, type TxLocation } from './receipt.ts';
import {
  EMPTY_STATE_ROOT,
  nextStateRoot,
  type StateReader,
  type StateWrite,
  sortWrites,
} from './worldState.ts';

/** The last committed block. */
export interface ChainHead {
  readonly height: bigint;
  readonly hash: Uint8Array;
  readonly header: BlockHeader;
}

/** A metadata write committed together with a block (value null deletes). */
export interface MetaWrite {
  readonly key: string | Uint8Array;
  readonly value: Uint8Array | null;
}

type Db = ClassicLevel<Uint8Array, Uint8Array>;
type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/** The store key of the head record. */
export const HEAD_KEY = utf8('H');
const BLOCK = utf8('b');
const HASH = utf8('h');
const TX = utf8('t');
const STATE = utf8('s');
const META = utf8('m');
const HEAD_VERSION = 1;
const SYNC = { sync: true } as const;

/**
 * Opens (creating if needed) the store in `dir` and checks its head; throws LEDGER_STORE_UNAVAILABLE
 * (e.g. locked by another process) or LEDGER_STORE_CORRUPT.
 */
export async function openStore(dir: string): Promise<LedgerStore> {
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  try {
    await db.open();
  } catch (cause) {
    // e.g. LEVEL_LOCKED: another process (a running node) holds this directory
    throw new LedgerError('LEDGER_STORE_UNAVAILABLE', `cannot open the store in ${dir}`, { dir }, { cause });
  }
  try {
    return new LedgerStore(db, await loadHead(db));
  } catch (e) {
    await db.close();
    throw e;
  }
}

/**
 * Writes a snapshot's entries (in `LedgerStore.snapshotEntries` order) into a NEW store in `dir` —
 * refusing a directory that already holds one — then opens it with `openStore`'s checks. An entry
 * outside the chain's prefixes (H, b, h, t, s) is LEDGER_STORE_CORRUPT: metadata never comes from a
 * snapshot. Batches of about 4 MiB; the last is synced, so the store is durable once this resolves.
 * On any error the directory is left for the caller to delete.
 */
export async function createStoreFrom(
  dir: string,
  entries: AsyncIterable<readonly [Uint8Array, Uint8Array]>,
): Promise<LedgerStore> {
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    errorIfExists: true,
  });
  try {
    await db.open();
  } catch (cause) {
    throw new LedgerError(
      'LEDGER_STORE_UNAVAILABLE',
      `cannot create a new store in ${dir}`,
      { dir },
      { cause },
    );
  }
  try {
    const chain = new Set([HEAD_KEY[0], BLOCK[0], HASH[0], TX[0], STATE[0]]);
    let batch: BatchOp[] = [];
    let bytes = 0;
    for await (const [key, value] of entries) {
      // [REFUSE] an entry that is not chain data: metadata is each validator's own
      if (!chain.has(key[0]))
        throw new LedgerError('LEDGER_STORE_CORRUPT', 'a snapshot entry outside the chain’s keys', {
          prefix: key[0] ?? null,
        });
      if (bytes >= 4 << 20) {
        await db.batch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push({ type: 'put', key, value });
      bytes += key.length + value.length;
    }
    if (batch.length > 0) await db.batch(batch, SYNC);
  } finally {
    await db.close();
  }
  return openStore(dir);
}

/** Commits the genesis block into an empty store, or checks that the store holds this chain. */
export async function ensureGenesis(store: LedgerStore, genesis: GenesisState): Promise<ChainHead> {
  const head = store.head();
  if (head === undefined) return store.commitBlock(genesis.block, genesis.writes, []);
  const stored = await store.getBlock(0n);
  // [REFUSE] a data directory of another chain
  if (stored === undefined || !bytesEqual(blockHash(stored.header), genesis.hash)) {
    throw new LedgerError('LEDGER_WRONG_CHAIN', 'the store holds another chain (genesis hash differs)', {
      expected: toHex(genesis.hash),
    });
  }
  return head;
}

/** A LevelDB-backed chain store; state reads are synchronous (`StateReader`). */
export class LedgerStore implements StateReader {
  /** The head after every accepted commit (durable or queued). */
  private tip: ChainHead | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private closed = false;

  /** Use `openStore`. */
  constructor(
    private readonly db: Db,
    private durable: ChainHead | undefined,
  ) {
    this.tip = durable;
  }

  /** The last durably committed block, or undefined for an empty store. */
  head(): ChainHead | undefined {
    return this.durable;
  }

  /** The committed value of state `key` (StateReader). */
  get(key: Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    return view(this.db.getSync(concatBytes(STATE, key)));
  }

  /** Same as `get`. */
  getState(key: Uint8Array): Uint8Array | undefined {
    return this.get(key);
  }

  /** The block at `height`, or undefined. */
  async getBlock(height: bigint): Promise<Block | undefined> {
    this.assertOpen();
    const bytes = view(await this.db.get(blockKey(height)));
    return bytes === undefined ? undefined : decodeStored(() => decodeBlock(bytes), 'block');
  }

  /** The block with hash `hash`, or undefined. */
  async getBlockByHash(hash: Uint8Array): Promise<Block | undefined> {
    this.assertOpen();
    if (hash.length !== HASH_BYTES) return undefined;
    const h = view(await this.db.get(concatBytes(HASH, hash)));
    return h === undefined ? undefined : this.getBlock(decodeStored(() => readU64(h), 'hash index'));
  }

  /** Where transaction `txId` was committed and its receipt, or undefined. */
  async getTxLocation(txId: Uint8Array): Promise<TxLocation | undefined> {
    this.assertOpen();
    const bytes = view(await this.db.get(concatBytes(TX, txId)));
    return bytes === undefined ? undefined : decodeStored(() => decodeTxLocation(bytes), 'tx location');
  }

  /** The metadata value under `key`, or undefined. */
  getMeta(key: string | Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    return view(this.db.getSync(metaKey(key)));
  }

  /** Writes metadata durably (synced) before resolving; value null deletes. */
  putMeta(key: string | Uint8Array, value: Uint8Array | null): Promise<void> {
    if (this.closed) return Promise.reject(new LedgerError('LEDGER_STORE_CLOSED', 'the store is closed'));
    return this.enqueue(async () => {
      const k = metaKey(key);
      if (value === null) await this.db.del(k, SYNC);
      else await this.db.put(k, value, SYNC);
    });
  }

  /** Every state entry in key order (e.g. for state transfer to a validator that is behind). */
  async *stateEntries(): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.assertOpen();
    const end = Uint8Array.of(STATE[0]! + 1);
    for await (const [k, v] of this.db.iterator({ gte: STATE, lt: end })) {
      yield [view(k)!.subarray(1), view(v)!];
    }
  }

  /**
   * The chain's entries — head record, blocks, hash and transaction index, state — as raw LevelDB
   * key/value pairs in key order (the head record first), for a snapshot (./snapshot.ts). They are
   * read through ONE iterator, created at the first `next()`: LevelDB iterators read from an
   * implicit snapshot taken when they are created, so the entries are the store as of that instant
   * — each block whole or not at all, the head record agreeing with the blocks — while commits go
   * on. Metadata (`m…`, e.g. this validator's consensus votes) is left out: it is never copied.
   */
  async *snapshotEntries(): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.assertOpen();
    const iterator = this.db.iterator();
    try {
      for await (const [k, v] of iterator) {
        if (k[0] === META[0]) continue;
        yield [view(k)!, view(v)!];
      }
    } finally {
      await iterator.close();
    }
  }

  /**
   * Commits `block` (executed on top of the current tip into `writes` and `receipts`) as one synced
   * batch with its state writes, tx index, hash index, optional `meta` writes and the new head.
   * Checks that it extends the tip and that its roots match; throws LedgerError otherwise. Calls
   * are queued, so a caller may commit h + 1 before h has resolved.
   */
  commitBlock(
    block: Block,
    writes: readonly StateWrite[],
    receipts: readonly Receipt[],
    meta: readonly MetaWrite[] = [],
  ): Promise<ChainHead> {
    let prepared: { ops: BatchOp[]; head: ChainHead };
    try {
      this.assertOpen();
      prepared = this.prepare(block, writes, receipts, meta);
    } catch (e) {
      return Promise.reject(e);
    }
    const { ops, head } = prepared;
    this.tip = head;
    return this.enqueue(async () => {
      await this.db.batch(ops, SYNC);
      this.durable = head;
      return head;
    });
  }

  /** Waits for queued writes, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.db.close();
  }

  private prepare(
    block: Block,
    writes: readonly StateWrite[],
    receipts: readonly Receipt[],
    meta: readonly MetaWrite[],
  ): { ops: BatchOp[]; head: ChainHead } {
    const { header } = block;
    const tip = this.tip;
    const details = { height: header.height.toString() };
    // [REFUSE] a block that does not extend the tip
    if (tip === undefined && (header.height !== 0n || !bytesEqual(header.prevHash, ZERO_HASH))) {
      throw new LedgerError(
        'LEDGER_OUT_OF_ORDER',
        'the first block of a store must be a genesis block',
        details,
      );
    }
    if (
      tip !== undefined &&
      (header.height !== tip.height + 1n ||
        !bytesEqual(header.prevHash, tip.hash) ||
        header.chainId !== tip.header.chainId)
    ) {
      throw new LedgerError(
        'LEDGER_OUT_OF_ORDER',
        `block ${header.height} does not extend head ${tip.height}`,
        details,
      );
    }
    // [REFUSE] receipts, txRoot or stateRoot that do not belong to this block and these writes
    if (receipts.length !== block.txs.length) {
      throw new LedgerError('LEDGER_BAD_BLOCK', 'one receipt per transaction is needed', details);
    }
    const ids = txIdsOf(block.txs);
    if (!bytesEqual(txRootOf(block.txs), header.txRoot)) {
      throw new LedgerError('LEDGER_BAD_TX_ROOT', 'txRoot does not match the transactions', details);
    }
    const sorted = sortWrites(writes);
    const previousRoot = tip?.header.stateRoot ?? EMPTY_STATE_ROOT;
    if (!bytesEqual(nextStateRoot(previousRoot, sorted), header.stateRoot)) {
      throw new LedgerError(
        'LEDGER_STATE_ROOT_MISMATCH',
        'the writes do not give the header’s state root',
        details,
      );
    }
    const hash = blockHash(header);
    const height = u64(header.height);
    const ops: BatchOp[] = [
      { type: 'put', key: blockKey(header.height), value: encodeBlock(block) },
      { type: 'put', key: concatBytes(HASH, hash), value: height },
    ];
    ids.forEach((id, index) => {
      const value = encodeTxLocation({ height: header.height, index, receipt: receipts[index]! });
      ops.push({ type: 'put', key: concatBytes(TX, id), value });
    });
    for (const w of sorted) {
      const key = concatBytes(STATE, w.key);
      ops.push(w.value === null ? { type: 'del', key } : { type: 'put', key, value: w.value });
    }
    for (const m of meta) {
      const key = metaKey(m.key);
      ops.push(m.value === null ? { type: 'del', key } : { type: 'put', key, value: m.value });
    }
    ops.push({ type: 'put', key: HEAD_KEY, value: encodeHeadRecord(header.height, hash) });
    return { ops, head: { height: header.height, hash, header } };
  }

  /** Runs writes one after another; after a failed write the store refuses every later one. */
  private enqueue<T>(write: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.failure !== undefined) {
        throw new LedgerError(
          'LEDGER_STORE_CORRUPT',
          'an earlier write failed; reopen the store',
          {},
          {
            cause: this.failure,
          },
        );
      }
      try {
        return await write();
      } catch (e) {
        this.failure ??= e;
        this.tip = this.durable;
        throw e;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new LedgerError('LEDGER_STORE_CLOSED', 'the store is closed');
  }
}

async function loadHead(db: Db): Promise<ChainHead | undefined> {
  const record = view(await db.get(HEAD_KEY));
  if (record === undefined) {
    for await (const _ of db.keys({ gte: BLOCK, lt: Uint8Array.of(BLOCK[0]! + 1), limit: 1 })) {
      throw new LedgerError('LEDGER_STORE_CORRUPT', 'blocks are stored but no head');
    }
    return undefined;
  }
  const { height, hash } = decodeStored(() => decodeHeadRecord(record), 'head record');
  const bytes = view(await db.get(blockKey(height)));
  if (bytes === undefined) throw new LedgerError('LEDGER_STORE_CORRUPT', `head block ${height} is missing`);
  const block = decodeStored(() => decodeBlock(bytes), 'head block');
  if (!bytesEqual(blockHash(block.header), hash) || block.header.height !== height) {
    throw new LedgerError('LEDGER_STORE_CORRUPT', `head block ${height} does not match the head record`);
  }
  if ((await db.get(blockKey(height + 1n))) !== undefined) {
    throw new LedgerError('LEDGER_STORE_CORRUPT', `a block is stored above the head ${height}`);
  }
  return { height, hash, header: block.header };
}

function encodeHeadRecord(height: bigint, hash: Uint8Array): Uint8Array {
  return new Writer().u8(HEAD_VERSION).u64(height).fixed(hash, HASH_BYTES).finish();
}

/** The head record's height and hash (the value of the store's `H` entry). */
export function decodeHeadRecord(bytes: Uint8Array): { height: bigint; hash: Uint8Array } {
  const r = new Reader(bytes, 'head record');
  if (r.u8() !== HEAD_VERSION) throw new DecodeError('DECODE_BAD_VERSION', 'head record version');
  const out = { height: r.u64(), hash: r.fixed(HASH_BYTES) };
  r.end();
  return out;
}

function decodeStored<T>(decode: () => T, what: string): T {
  try {
    return decode();
  } catch (cause) {
    throw new LedgerError('LEDGER_STORE_CORRUPT', `stored ${what} does not decode`, {}, { cause });
  }
}

function readU64(bytes: Uint8Array): bigint {
  const r = new Reader(bytes, 'u64');
  const v = r.u64();
  r.end();
  return v;
}

function u64(v: bigint): Uint8Array {
  return new Writer().u64(v).finish();
}

/** The store key of the block at `height` (`b ‖ u64 height`). */
export function blockKey(height: bigint): Uint8Array {
  return concatBytes(BLOCK, u64(height));
}

function metaKey(key: string | Uint8Array): Uint8Array {
  return concatBytes(META, typeof key === 'string' ? utf8(key) : key);
}

/**
 * A plain Uint8Array view of what LevelDB returned. It hands out Buffers, whose `slice` does not
 * copy: decoders (whose `Reader.fixed` slices) must get a plain Uint8Array so that decoded fields
 * own their bytes.
 */
function view(b: Uint8Array | undefined): Uint8Array | undefined {
  return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length);
}
