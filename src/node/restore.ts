/**
 * `dpp node restore`: brings a validator back from a backup folder (./backupFolder.ts) — refusing
 * while the validator runs, over a data folder that holds anything (unless forced), a backup of
 * another chain, or one that does not check out — writing it into a new store beside the data
 * folder, auditing it, and only then swapping it into place by rename. A refusal changes nothing.
 *
 * What a restore writes besides the chain (docs/consensus.md §4.1):
 * - NO votes. The snapshot carries none, and the restored validator's replica starts from a fresh
 *   record: the view the other validators report (so it can join their view), no vote, no prepared
 *   certificate, no floor.
 * - A restore record whose `silentUntilHeight` keeps it from voting (./silentPeriod.ts) until its
 *   head is above every height it may have voted at before the restore: the highest height the other
 *   validators report now, plus 2 — one because it may have voted one above the chain's head, one
 *   because the validators that certified that head had committed only the block before it. The old
 *   process had stopped before the restore began (the store's lock says so), so the heights now
 *   bound where it was then. A quorum of the others must answer: then at least one honest member of
 *   the quorum that certified the chain's head is among them (2q − n = f + 1 of them are), whatever
 *   f faulty ones report — and a quorum of the others is what the chain needs to commit while this
 *   validator is silent anyway. "The others" and "a quorum" are those of the validator set the
 *   restored chain is in (docs/consensus.md §9): answers of validators outside it do not count.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toHex } from '../codec/bytes.ts';
import type { PersistedState } from '../consensus/replica.ts';
import { isDppError } from '../errors.ts';
import { faultTolerance, quorumSize } from '../ledger/certificate.ts';
import { auditChain } from '../ledger/chainAudit.ts';
import { genesisState } from '../ledger/genesis.ts';
import { createStoreFrom, type LedgerStore, openStore } from '../ledger/store.ts';
import { currentEpoch } from '../ledger/validatorSet.ts';
import { type BackupManifest, openBackup, type SnapshotProgress } from './backupFolder.ts';
import { loadIdentity } from './bootstrap.ts';
import type { NodeConfig } from './config.ts';
import { encodeConsensusState } from './consensusState.ts';
import { consensusStateKey } from './epochs.ts';
import { NodeError } from './nodeError.ts';
import { encodeRestoreRecord, RESTORE_KEY } from './silentPeriod.ts';

/** What one other validator's API reports now. */
export interface PeerReport {
  readonly index: number;
  readonly height: bigint;
  readonly view: bigint;
}

/** What to restore, and what is known of the chain now. */
export interface RestoreOptions {
  readonly config: NodeConfig;
  /** The backup folder. */
  readonly from: string;
  /** Replace a data folder that holds anything. */
  readonly force?: boolean;
  /**
   * Asks the other validators' APIs for their heights and views; called once the data folder is
   * known not to be in use (so this validator's old process has stopped before the answers).
   */
  readonly askPeers: () => Promise<readonly PeerReport[]>;
  /**
   * The operator's own bound: stay silent until this height at least. Needed when no other
   * validator answers; 0 when none can have voted above the backup (every validator is restored).
   */
  readonly silentUntil?: bigint;
  readonly now?: () => number;
  readonly onProgress?: (p: SnapshotProgress) => void;
}

/** What a restore did. */
export interface RestoreResult {
  readonly manifest: BackupManifest;
  /** The restored head. */
  readonly height: bigint;
  /** The validator sends no vote until its head reaches this height. */
  readonly silentUntilHeight: bigint;
  /** The view its replica starts in. */
  readonly view: bigint;
  /** Votes a block needs (of all validators): while silent, the others must make it without this one. */
  readonly quorum: number;
  /** What the other validators reported. */
  readonly peers: readonly PeerReport[];
  /** The head of the store it replaced (null: none, or one that did not open); undefined: the folder was empty. */
  readonly replaced: bigint | null | undefined;
  readonly ms: number;
}

/**
 * The height a restored validator stays silent until: the highest height `peers` report plus 2, or
 * the operator's `silentUntil` when higher. Without the operator's height, at least `quorum` peers
 * must have answered (NODE_RESTORE_NO_QUORUM otherwise).
 */
export function silentUntilHeight(
  peers: readonly PeerReport[],
  silentUntil: bigint | undefined,
  quorum: number,
): bigint {
  // [REFUSE] a restore that cannot know which heights the validator may have voted at
  if (peers.length < quorum && silentUntil === undefined)
    throw new NodeError(
      'NODE_RESTORE_NO_QUORUM',
      `${peers.length === 0 ? 'no' : `only ${peers.length}`} other validator${peers.length === 1 ? '' : 's'} answered, and ${quorum} (a quorum) must: the heights this validator may have voted at before are unknown`,
      { answered: peers.length, quorum },
    );
  const fromPeers = peers.reduce((m, p) => (p.height + 2n > m ? p.height + 2n : m), 0n);
  return silentUntil !== undefined && silentUntil > fromPeers ? silentUntil : fromPeers;
}

/**
 * The view a restored replica starts in: the (f + 1)-th highest view the peers report — one at
 * least an honest validator has reached, so f faulty ones cannot push it up — and never below the
 * view the snapshot's head was certified in.
 */
export function restoredView(peers: readonly PeerReport[], snapshotView: bigint, validators: number): bigint {
  const f = faultTolerance(validators);
  const views = peers.map((p) => p.view).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const reported = views[f];
  return reported !== undefined && reported > snapshotView ? reported : snapshotView;
}

/** A replica's persisted state with nothing voted: it starts in `view`, out of any view change. */
export function freshConsensusState(view: bigint): PersistedState {
  return {
    view,
    inViewChange: false,
    votes: { view, height: 0n, prePrepare: null, prepare: null, commit: null },
    prepared: null,
    floor: null,
  };
}

/** Restores `o.config`'s validator from the backup folder `o.from`; see the module comment. */
export async function restoreValidator(o: RestoreOptions): Promise<RestoreResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const { config } = o;
  const identity = loadIdentity(config);
  const genesis = genesisState(identity.genesis);
  const backup = openBackup(o.from);
  const { manifest } = backup;
  // [REFUSE] a backup of another chain
  if (manifest.chainId !== identity.genesis.chainId || manifest.genesisHash !== toHex(genesis.hash)) {
    throw new NodeError(
      'NODE_SNAPSHOT_WRONG_CHAIN',
      `the backup is of chain ${manifest.chainId} (genesis ${manifest.genesisHash.slice(0, 12)}…), the validator's genesis is ${identity.genesis.chainId} (${toHex(genesis.hash).slice(0, 12)}…)`,
      { backupChain: manifest.chainId, backupGenesis: manifest.genesisHash },
    );
  }
  const genesisKeys = identity.genesis.validators.map((v) => v.publicKey);
  const held = await holdDataFolder(config.dataDir);
  try {
    // [REFUSE] a data folder that holds anything, unless told to replace it
    if (held.contents !== 'empty' && o.force !== true) {
      const what = held.contents === 'store' ? `a store at height ${held.height}` : 'files';
      throw new NodeError(
        'NODE_DATA_NOT_EMPTY',
        `the data folder ${config.dataDir} holds ${what}: nothing was changed`,
        { dir: config.dataDir },
      );
    }
    // the validator is not running (its store is held, or there is none): its heights are bounded now
    const asked = await o.askPeers();
    const temp = join(dirname(config.dataDir), `.${basename(config.dataDir)}.restoring`);
    await rm(temp, { recursive: true, force: true });
    await mkdir(dirname(temp), { recursive: true });
    let counted: { peers: readonly PeerReport[]; quorum: number; silentUntil: bigint; view: bigint };
    try {
      const store = await fill(temp, backup.entries(o.onProgress));
      try {
        await check(store, manifest, identity.genesis.chainId, genesis.hash, genesisKeys);
        // the validator set the restored chain is in counts: its quorum, and only its members' answers
        const epoch = currentEpoch(store);
        const slots = new Set(epoch.validators.map((v) => v.slot));
        const peers = asked.filter((p) => slots.has(p.index) && p.index !== config.validatorIndex);
        const quorum = quorumSize(epoch.validators.length);
        counted = {
          peers,
          quorum,
          silentUntil: silentUntilHeight(peers, o.silentUntil, quorum),
          view: restoredView(peers, BigInt(manifest.view), epoch.validators.length),
        };
        await store.putMeta(
          consensusStateKey(epoch.number),
          encodeConsensusState(freshConsensusState(counted.view)),
        );
        await store.putMeta(
          RESTORE_KEY,
          encodeRestoreRecord({
            snapshotHeight: store.head()!.height,
            snapshotHash: store.head()!.hash,
            silentUntilHeight: counted.silentUntil,
            restoredAtMs: now(),
          }),
        );
      } finally {
        await store.close();
      }
      await held.release();
      await swapInto(temp, config.dataDir, now());
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw err;
    }
    return {
      manifest,
      height: BigInt(manifest.height),
      silentUntilHeight: counted.silentUntil,
      view: counted.view,
      quorum: counted.quorum,
      peers: counted.peers,
      replaced: held.contents === 'empty' ? undefined : held.contents === 'store' ? held.height : null,
      ms: now() - started,
    };
  } finally {
    await held.release();
  }
}

/** The backup's entries written into a new store in `dir`; a bad entry is NODE_SNAPSHOT_CORRUPT. */
async function fill(
  dir: string,
  entries: AsyncGenerator<readonly [Uint8Array, Uint8Array]>,
): Promise<LedgerStore> {
  try {
    return await createStoreFrom(dir, entries);
  } catch (err) {
    if (isDppError(err, 'LEDGER_STORE_CORRUPT'))
      throw new NodeError('NODE_SNAPSHOT_CORRUPT', `the backup does not make a store: ${err.message}`);
    throw err;
  }
}

/** The restored store against its manifest and the genesis: head, state root, hash links, certified head. */
async function check(
  store: LedgerStore,
  manifest: BackupManifest,
  chainId: string,
  genesisHash: Uint8Array,
  validatorKeys: readonly Uint8Array[],
): Promise<void> {
  const head = store.head();
  // [REFUSE] a store whose head is not the one the manifest names
  if (
    head === undefined ||
    head.height.toString() !== manifest.height ||
    toHex(head.hash) !== manifest.headHash ||
    toHex(head.header.stateRoot) !== manifest.stateRoot
  )
    throw new NodeError(
      'NODE_SNAPSHOT_CORRUPT',
      'the restored store’s head is not the one the manifest names',
    );
  try {
    await auditChain(store, {
      chainId,
      genesisHash,
      validatorKeys,
    });
  } catch (err) {
    if (isDppError(err, 'LEDGER_WRONG_CHAIN'))
      throw new NodeError('NODE_SNAPSHOT_WRONG_CHAIN', `the backup's chain grew from another genesis`);
    if (isDppError(err, 'LEDGER_STORE_CORRUPT'))
      throw new NodeError('NODE_SNAPSHOT_CORRUPT', `the backup's chain does not check out: ${err.message}`);
    throw err;
  }
}

/** The data folder, held (its store open, so locked) while the restore runs. */
interface HeldFolder {
  readonly contents: 'empty' | 'store' | 'files';
  /** The head of the store in it, when it opened. */
  readonly height: bigint | null;
  /** Closes the store (idempotent). */
  release(): Promise<void>;
}

/**
 * Looks at the data folder: empty or absent; a store — opened, so that no validator can start on it
 * meanwhile (NODE_RUNNING when one holds it now); or files that are no store (a corrupt one, say).
 */
async function holdDataFolder(dir: string): Promise<HeldFolder> {
  const none = { height: null, release: async () => {} };
  if (!existsSync(dir) || readdirSync(dir).length === 0) return { contents: 'empty', ...none };
  // Only a folder LevelDB recognises is opened (opening any other would create a store in it).
  if (!existsSync(join(dir, 'CURRENT'))) return { contents: 'files', ...none };
  let store: LedgerStore;
  try {
    store = await openStore(dir);
  } catch (err) {
    // [REFUSE] a validator that is running: it holds its store's lock
    if (lockedBy(err))
      throw new NodeError(
        'NODE_RUNNING',
        `the validator is running: its data folder ${dir} is locked by another process`,
        { dir },
      );
    return { contents: 'files', ...none };
  }
  let open = true;
  return {
    contents: 'store',
    height: store.head()?.height ?? null,
    release: async () => {
      if (!open) return;
      open = false;
      await store.close();
    },
  };
}

function lockedBy(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && typeof e === 'object' && e !== null; depth++) {
    if ((e as { code?: unknown }).code === 'LEVEL_LOCKED') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Puts `temp` in the place of `dir` by rename (the old folder, if any, is deleted after), synced. */
async function swapInto(temp: string, dir: string, nowMs: number): Promise<void> {
  const old = join(dirname(dir), `.${basename(dir)}.replaced-${nowMs}`);
  const had = existsSync(dir);
  if (had) await rename(dir, old);
  try {
    await rename(temp, dir);
  } catch (err) {
    if (had) await rename(old, dir);
    throw err;
  }
  const parent = await open(dirname(dir), 'r');
  try {
    await parent.sync();
  } finally {
    await parent.close();
  }
  if (had) await rm(old, { recursive: true, force: true });
}
