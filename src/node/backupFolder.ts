/**
 * A backup folder, as `dpp node backup` writes it and `dpp node restore` reads it (docs/deploy.md
 * "Backup and restore"):
 *
 *   snapshot.dpp    the validator's snapshot stream (../ledger/snapshot.ts), byte for byte
 *   manifest.json   what it holds: chain id, genesis hash, head height, hash, state root and time,
 *                   the view of the head's certificate, the validator it came from, when it was
 *                   taken, its entries, size and SHA-256
 *
 * Both are written under a `.partial` name and renamed when complete, the manifest last: a folder
 * with a manifest holds a whole, checked snapshot. Nothing else is in it — no key, no vote.
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex } from '../codec/bytes.ts';
import { sha256Hasher } from '../crypto/hash.ts';
import { isDppError } from '../errors.ts';
import { decodeSnapshot, type SnapshotEntry, SnapshotWatcher } from '../ledger/snapshot.ts';
import { NodeError } from './nodeError.ts';

/** The snapshot file of a backup folder. */
export const SNAPSHOT_FILE = 'snapshot.dpp';
/** The manifest file of a backup folder. */
export const MANIFEST_FILE = 'manifest.json';

/** manifest.json (heights, views and times as decimal strings; hashes as lower-case hex). */
export interface BackupManifest {
  readonly format: 'dpp-snapshot';
  readonly version: 1;
  readonly chainId: string;
  readonly genesisHash: string;
  readonly height: string;
  readonly headHash: string;
  readonly stateRoot: string;
  readonly headTimestampMs: string;
  /** The view of the head block's commit certificate. */
  readonly view: string;
  /** The validator the snapshot was taken from. */
  readonly validator: number;
  /** When the snapshot was taken (ISO 8601, UTC). */
  readonly createdAt: string;
  readonly entries: number;
  readonly bytes: number;
  /** SHA-256 of snapshot.dpp. */
  readonly sha256: string;
}

/** How far a backup or a restore has come. */
export interface SnapshotProgress {
  readonly bytes: number;
  readonly entries: number;
  /** The snapshot's head height, once its first entry is read. */
  readonly height: bigint | null;
  /** The highest block copied so far (-1 before the first). */
  readonly block: bigint;
}

/** What writing a backup needs besides the stream. */
export interface WriteBackupOptions {
  /** The validator the stream comes from. */
  readonly validator: number;
  /** When the snapshot was taken (default: now). */
  readonly takenAtMs?: number;
  /** Called as data arrives, at most every 100 ms, and once at the end. */
  readonly onProgress?: (p: SnapshotProgress) => void;
}

/**
 * Writes the snapshot stream `chunks` into the new backup folder `dir` (created; refused with
 * NODE_DATA_NOT_EMPTY when it holds anything), checking the stream as it arrives: it must decode,
 * end with a matching end record and hold a head and a genesis (else NODE_SNAPSHOT_CORRUPT, and
 * nothing is left in `dir`). Returns the manifest written.
 */
export async function writeBackup(
  dir: string,
  chunks: AsyncIterable<Uint8Array>,
  o: WriteBackupOptions,
): Promise<BackupManifest> {
  // [REFUSE] a folder that holds anything: a backup never overwrites another
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new NodeError('NODE_DATA_NOT_EMPTY', `the backup folder ${dir} is not empty`, { dir });
  const created = !existsSync(dir);
  await mkdir(dir, { recursive: true });
  const partial = join(dir, `${SNAPSHOT_FILE}.partial`);
  const file = await open(partial, 'wx', 0o600);
  const takenAtMs = o.takenAtMs ?? Date.now();
  const fileHash = sha256Hasher();
  const watcher = new SnapshotWatcher();
  let bytes = 0;
  let entries = 0;
  let reported = 0;
  const report = (force: boolean) => {
    if (o.onProgress === undefined || (!force && Date.now() - reported < 100)) return;
    reported = Date.now();
    o.onProgress({ bytes, entries, height: watcher.height, block: watcher.lastBlock });
  };
  async function* tee(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      fileHash.update(chunk);
      await file.write(chunk);
      bytes += chunk.length;
      yield chunk;
    }
  }
  try {
    try {
      for await (const [key, value] of decodeSnapshot(tee())) {
        watcher.observe(key, value);
        entries++;
        report(false);
      }
      await file.sync();
    } finally {
      await file.close();
    }
    const head = watcher.result();
    if (head === undefined) throw corrupt('the snapshot holds no head block or no genesis');
    report(true);
    await rename(partial, join(dir, SNAPSHOT_FILE));
    const manifest: BackupManifest = {
      format: 'dpp-snapshot',
      version: 1,
      chainId: head.header.chainId,
      genesisHash: toHex(head.genesisHash),
      height: head.height.toString(),
      headHash: toHex(head.hash),
      stateRoot: toHex(head.header.stateRoot),
      headTimestampMs: head.header.timestampMs.toString(),
      view: head.certificateView.toString(),
      validator: o.validator,
      createdAt: new Date(takenAtMs).toISOString(),
      entries,
      bytes,
      sha256: toHex(fileHash.digest()),
    };
    const manifestPartial = join(dir, `${MANIFEST_FILE}.partial`);
    await writeFile(manifestPartial, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await rename(manifestPartial, join(dir, MANIFEST_FILE));
    return manifest;
  } catch (err) {
    // [NOTHING LEFT] a broken backup leaves no file that could be mistaken for one
    await rm(join(dir, SNAPSHOT_FILE), { force: true });
    await rm(partial, { force: true });
    if (created) await rm(dir, { recursive: true, force: true });
    throw isDppError(err) && err.code.startsWith('DECODE_')
      ? corrupt(`the snapshot stream is incomplete or corrupt: ${err.message}`)
      : err;
  }
}

/** A backup folder opened for reading: its manifest, and its entries checked against it. */
export interface Backup {
  readonly manifest: BackupManifest;
  /**
   * The snapshot's entries in order. Ends only after checking the end record, the manifest's entry
   * count, size and SHA-256: any mismatch throws NODE_SNAPSHOT_CORRUPT (so what was written from the
   * entries must be discarded).
   */
  entries(onProgress?: (p: SnapshotProgress) => void): AsyncGenerator<SnapshotEntry>;
}

/** Opens the backup folder `dir`; NODE_SNAPSHOT_CORRUPT when its manifest is missing or malformed. */
export function openBackup(dir: string): Backup {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw corrupt(`${dir} holds no ${MANIFEST_FILE}: not a backup, or one that did not complete`);
  }
  const manifest = parseManifest(text);
  return {
    manifest,
    async *entries(onProgress) {
      const fileHash = sha256Hasher();
      const watcher = new SnapshotWatcher();
      let bytes = 0;
      let entries = 0;
      let reported = 0;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        const stream = createReadStream(join(dir, SNAPSHOT_FILE), { highWaterMark: 1 << 20 });
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          const bytesOf = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
          fileHash.update(bytesOf);
          bytes += chunk.length;
          yield bytesOf;
        }
      }
      try {
        for await (const entry of decodeSnapshot(chunks())) {
          watcher.observe(entry[0], entry[1]);
          entries++;
          if (onProgress !== undefined && Date.now() - reported >= 100) {
            reported = Date.now();
            onProgress({ bytes, entries, height: watcher.height, block: watcher.lastBlock });
          }
          yield entry;
        }
      } catch (err) {
        if (isDppError(err) && err.code.startsWith('DECODE_'))
          throw corrupt(`${SNAPSHOT_FILE} is corrupt: ${err.message}`);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw corrupt(`${dir} holds no ${SNAPSHOT_FILE}`);
        throw err;
      }
      onProgress?.({ bytes, entries, height: watcher.height, block: watcher.lastBlock });
      // [REFUSE] a snapshot file other than the one the manifest describes
      if (
        toHex(fileHash.digest()) !== manifest.sha256 ||
        bytes !== manifest.bytes ||
        entries !== manifest.entries
      )
        throw corrupt(`${SNAPSHOT_FILE} is not the file its manifest describes (size or SHA-256 differs)`);
      const head = watcher.result();
      if (
        head === undefined ||
        head.height.toString() !== manifest.height ||
        toHex(head.hash) !== manifest.headHash ||
        toHex(head.genesisHash) !== manifest.genesisHash
      )
        throw corrupt(`${SNAPSHOT_FILE} does not hold the head its manifest names`);
    },
  };
}

/** A manifest from its JSON text; NODE_SNAPSHOT_CORRUPT naming the first field that is wrong. */
export function parseManifest(text: string): BackupManifest {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw corrupt(`${MANIFEST_FILE} is not JSON`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw corrupt(`${MANIFEST_FILE} is not an object`);
  const bad = (field: string, why: string): never => {
    throw corrupt(`${MANIFEST_FILE}: ${field} ${why}`);
  };
  const fields: Record<keyof BackupManifest, (v: unknown) => boolean> = {
    format: (v) => v === 'dpp-snapshot',
    version: (v) => v === 1,
    chainId: (v) => typeof v === 'string' && /^[a-z0-9.-]{1,64}$/.test(v),
    genesisHash: hex32,
    height: decimal,
    headHash: hex32,
    stateRoot: hex32,
    headTimestampMs: decimal,
    view: decimal,
    validator: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1024,
    createdAt: (v) => typeof v === 'string' && Number.isFinite(Date.parse(v)),
    entries: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
    bytes: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
    sha256: hex32,
  };
  for (const key of Object.keys(o)) if (!(key in fields)) bad(key, 'is not a manifest field');
  for (const [key, check] of Object.entries(fields)) {
    if (!(key in o)) bad(key, 'is missing');
    if (!check(o[key]))
      bad(key, key === 'format' || key === 'version' ? 'is not dpp-snapshot v1' : 'is malformed');
  }
  return o as unknown as BackupManifest;
}

function hex32(v: unknown): boolean {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
}

function decimal(v: unknown): boolean {
  return typeof v === 'string' && /^(0|[1-9]\d{0,19})$/.test(v);
}

function corrupt(message: string): NodeError {
  return new NodeError('NODE_SNAPSHOT_CORRUPT', message);
}
