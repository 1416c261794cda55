/**
 * Backup folders and restore (src/node/backupFolder.ts, restore.ts, silentPeriod.ts): a backup
 * written from a store's snapshot restores into a validator's data folder with the same chain, no
 * votes but a fresh record in the view the others report, and a silent period above their height;
 * every refusal — the validator running, a data folder in use without --force, a backup of another
 * chain, a corrupt or mismatched snapshot or manifest, no other validator to ask — is its typed
 * error and changes nothing; the silent period lets only block transfer through and ends at its
 * height.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { toHex } from '../../src/codec/bytes.ts';
import type { Message } from '../../src/consensus/messages.ts';
import { isDppError } from '../../src/errors.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import type { GeneratedNetwork } from '../../src/ledger/networkKeys.ts';
import { writeNetworkFiles } from '../../src/ledger/networkKeys.ts';
import { encodeSnapshot } from '../../src/ledger/snapshot.ts';
import { type LedgerStore, openStore } from '../../src/ledger/store.ts';
import {
  MANIFEST_FILE,
  openBackup,
  parseManifest,
  SNAPSHOT_FILE,
  writeBackup,
} from '../../src/node/backupFolder.ts';
import { loopbackConfig, type NodeConfig, parseNodeConfig } from '../../src/node/config.ts';
import {
  CONSENSUS_STATE_KEY,
  decodeConsensusState,
  encodeConsensusState,
} from '../../src/node/consensusState.ts';
import {
  freshConsensusState,
  type PeerReport,
  restoredView,
  restoreValidator,
  silentUntilHeight,
} from '../../src/node/restore.ts';
import { decodeRestoreRecord, RESTORE_KEY, SilentPeriod } from '../../src/node/silentPeriod.ts';
import { certifiedChain, commitCertifiedBlocks } from '../ledger/certifiedChain.ts';
import { makeNetwork } from '../ledger/fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'dpp-restore-'));
after(() => rmSync(root, { recursive: true, force: true }));
const net = makeNetwork('restore tests');
const log = pino({ level: 'silent' });
let n = 0;
const fresh = (name: string) => join(root, `${name}-${n++}`);
const code = (c: string) => (err: unknown) => isDppError(err, c);
const PEERS: PeerReport[] = [
  { index: 0, height: 40n, view: 2n },
  { index: 1, height: 41n, view: 2n },
  { index: 2, height: 39n, view: 1n },
];

/** A folder with `net`'s genesis and key files, and validator 3's configuration. */
function validatorFolder(network: GeneratedNetwork = net): NodeConfig {
  const dir = fresh('validator');
  mkdirSync(dir);
  writeNetworkFiles(dir, network);
  const raw = loopbackConfig({ chainId: network.genesis.chainId, index: 3, validators: 4, basePort: 9 });
  return parseNodeConfig(raw, dir);
}

/** A backup folder of a chain of `blocks` blocks (taken from validator 1). */
async function backupOf(blocks: number, network: GeneratedNetwork = net): Promise<string> {
  const store = await certifiedChain(fresh('source'), network, blocks);
  try {
    const out = fresh('backup');
    await writeBackup(out, encodeSnapshot(store.snapshotEntries()), {
      validator: 1,
      takenAtMs: 1_800_000_000_000,
    });
    return out;
  } finally {
    await store.close();
  }
}

/** What a store holds (its chain entries and its metadata): to see that a refusal changed nothing. */
async function contents(dir: string): Promise<string> {
  return withStore(dir, async (s) => {
    const out: string[] = [];
    for await (const [k, v] of s.snapshotEntries()) out.push(`${toHex(k)}=${toHex(v)}`);
    out.push(`votes=${toHex(s.getMeta(CONSENSUS_STATE_KEY) ?? new Uint8Array())}`);
    return out.join('\n');
  });
}

async function withStore<T>(dir: string, f: (s: LedgerStore) => Promise<T>): Promise<T> {
  const s = await openStore(dir);
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

describe('backup folders', () => {
  it('hold the snapshot and a manifest naming its chain, head, size and SHA-256 — nothing else', async () => {
    const out = await backupOf(4);
    assert.deepEqual(readdirSync(out).sort(), [MANIFEST_FILE, SNAPSHOT_FILE]);
    const m = parseManifest(readFileSync(join(out, MANIFEST_FILE), 'utf8'));
    assert.equal(m.chainId, net.genesis.chainId);
    assert.equal(m.genesisHash, toHex(genesisState(net.genesis).hash));
    assert.equal(m.height, '4');
    assert.equal(m.validator, 1);
    assert.equal(m.createdAt, '2027-01-15T08:00:00.000Z');
    assert.equal(m.bytes, readFileSync(join(out, SNAPSHOT_FILE)).length);
    assert.doesNotMatch(readFileSync(join(out, SNAPSHOT_FILE)).toString('latin1'), /seed|"consensus"/);
  });

  it('a manifest with a field missing, unknown or malformed is NODE_SNAPSHOT_CORRUPT naming it', async () => {
    const out = await backupOf(1);
    const m = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    const { height: _, ...missing } = m;
    for (const [bad, field] of [
      [missing, 'height'],
      [{ ...m, extra: 1 }, 'extra'],
      [{ ...m, headHash: 'zz' }, 'headHash'],
      [{ ...m, version: 2 }, 'version'],
    ] as const) {
      assert.throws(
        () => parseManifest(JSON.stringify(bad)),
        (err) => isDppError(err, 'NODE_SNAPSHOT_CORRUPT') && err.message.includes(field),
      );
    }
    assert.throws(() => parseManifest('not json'), code('NODE_SNAPSHOT_CORRUPT'));
    assert.throws(() => openBackup(fresh('nothing')), code('NODE_SNAPSHOT_CORRUPT'));
  });

  it('refuses a folder that holds anything, and a broken stream leaves nothing behind', async () => {
    const full = fresh('full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'x');
    await assert.rejects(
      writeBackup(full, (async function* () {})(), { validator: 0 }),
      code('NODE_DATA_NOT_EMPTY'),
    );
    const store = await certifiedChain(fresh('source'), net, 2);
    const chunks: Uint8Array[] = [];
    for await (const c of encodeSnapshot(store.snapshotEntries())) chunks.push(c);
    await store.close();
    const all = Buffer.concat(chunks);
    const out = fresh('cut');
    await assert.rejects(
      writeBackup(
        out,
        (async function* () {
          yield all.subarray(0, all.length - 10);
        })(),
        { validator: 0 },
      ),
      code('NODE_SNAPSHOT_CORRUPT'),
    );
    assert.equal(existsSync(out), false);
  });
});

describe('restore', () => {
  it('writes the chain, a fresh vote record in the peers’ view and a silent period above their height', async () => {
    const config = validatorFolder();
    const from = await backupOf(5);
    const r = await restoreValidator({
      config,
      from,
      askPeers: async () => PEERS,
      now: () => 1_900_000_000_000,
    });
    assert.equal(r.height, 5n);
    assert.equal(r.silentUntilHeight, 43n); // highest peer 41, + 2
    assert.equal(r.view, 2n); // the (f + 1)-th highest view: two peers are in view 2
    assert.equal(r.replaced, undefined);
    await withStore(config.dataDir, async (s) => {
      assert.equal(s.head()!.height, 5n);
      const votes = decodeConsensusState(s.getMeta(CONSENSUS_STATE_KEY)!);
      assert.deepEqual(votes, {
        view: 2n,
        inViewChange: false,
        votes: { view: 2n, height: 0n, prePrepare: null, prepare: null, commit: null },
        prepared: null,
        floor: null,
      });
      const record = decodeRestoreRecord(s.getMeta(RESTORE_KEY)!);
      assert.equal(record.silentUntilHeight, 43n);
      assert.equal(record.snapshotHeight, 5n);
    });
    assert.deepEqual(
      readdirSync(join(config.dataDir, '..')).filter(
        (f) => f.includes('restoring') || f.includes('replaced'),
      ),
      [],
    );
  });

  it('refuses, changing nothing: running, folder in use, another chain, corrupt, no peers', async () => {
    const config = validatorFolder();
    const from = await backupOf(3);
    // a store already in the data folder (at height 2)
    const existing = await certifiedChain(config.dataDir, net, 2);
    await existing.putMeta(CONSENSUS_STATE_KEY, encodeConsensusState(freshConsensusState(7n)));
    await existing.close();
    const before = await contents(config.dataDir);
    const unchanged = async () => assert.equal(await contents(config.dataDir), before);

    await assert.rejects(
      restoreValidator({ config, from, askPeers: async () => PEERS }),
      code('NODE_DATA_NOT_EMPTY'),
    );
    await unchanged();
    const running = await openStore(config.dataDir); // the validator holds its store's lock
    // the peers are asked only once the validator is known to be stopped
    const notYet = async (): Promise<PeerReport[]> => assert.fail('asked the peers while the validator runs');
    await assert.rejects(
      restoreValidator({ config, from, askPeers: notYet, force: true }),
      code('NODE_RUNNING'),
    );
    await running.close();
    await assert.rejects(
      restoreValidator({ config, from, askPeers: async () => [], force: true }),
      code('NODE_RESTORE_NO_QUORUM'),
    );
    const strangers = await backupOf(3, makeNetwork('another chain'));
    await assert.rejects(
      restoreValidator({ config, from: strangers, askPeers: async () => PEERS, force: true }),
      code('NODE_SNAPSHOT_WRONG_CHAIN'),
    );
    // one byte of the snapshot file altered
    const flipped = fresh('flipped');
    mkdirSync(flipped);
    for (const f of [MANIFEST_FILE, SNAPSHOT_FILE])
      writeFileSync(join(flipped, f), readFileSync(join(from, f)));
    const bytes = readFileSync(join(flipped, SNAPSHOT_FILE));
    bytes[bytes.length - 100]! ^= 1;
    writeFileSync(join(flipped, SNAPSHOT_FILE), bytes);
    await assert.rejects(
      restoreValidator({ config, from: flipped, askPeers: async () => PEERS, force: true }),
      code('NODE_SNAPSHOT_CORRUPT'),
    );
    // a manifest naming another head than the snapshot holds
    const lying = fresh('lying');
    mkdirSync(lying);
    writeFileSync(join(lying, SNAPSHOT_FILE), readFileSync(join(from, SNAPSHOT_FILE)));
    const m = JSON.parse(readFileSync(join(from, MANIFEST_FILE), 'utf8'));
    writeFileSync(join(lying, MANIFEST_FILE), JSON.stringify({ ...m, height: '7' }));
    await assert.rejects(
      restoreValidator({ config, from: lying, askPeers: async () => PEERS, force: true }),
      code('NODE_SNAPSHOT_CORRUPT'),
    );
    await unchanged();
    assert.deepEqual(
      readdirSync(join(config.dataDir, '..')).filter(
        (f) => f.includes('restoring') || f.includes('replaced'),
      ),
      [],
    );

    // --force replaces the store, and says what it replaced
    const r = await restoreValidator({ config, from, askPeers: async () => PEERS, force: true });
    assert.equal(r.replaced, 2n);
    await withStore(config.dataDir, async (s) => assert.equal(s.head()!.height, 3n));
  });

  it('with the operator’s --silent-until and no peers; 0 lets it vote at once', async () => {
    const config = validatorFolder();
    const from = await backupOf(3);
    const r = await restoreValidator({ config, from, askPeers: async () => [], silentUntil: 0n });
    assert.equal(r.silentUntilHeight, 0n);
    await withStore(config.dataDir, async (s) => assert.equal(SilentPeriod.of(s, log).untilHeight, null));
  });
});

describe('the silent period', () => {
  it('is the highest peer height + 2 (or the operator’s, when higher), in the (f + 1)-th highest view', () => {
    assert.equal(silentUntilHeight(PEERS, undefined, 3), 43n);
    assert.equal(silentUntilHeight(PEERS, 100n, 3), 100n);
    assert.equal(silentUntilHeight(PEERS, 5n, 3), 43n);
    assert.equal(silentUntilHeight([], 7n, 3), 7n);
    assert.equal(silentUntilHeight(PEERS.slice(1), 7n, 3), 43n);
    // fewer than a quorum of the others answered, and no height from the operator
    assert.throws(() => silentUntilHeight([], undefined, 3), code('NODE_RESTORE_NO_QUORUM'));
    assert.throws(() => silentUntilHeight(PEERS.slice(1), undefined, 3), code('NODE_RESTORE_NO_QUORUM'));
    // one faulty peer claiming view 99 cannot drag the restored validator there
    assert.equal(restoredView([{ index: 0, height: 1n, view: 99n }, ...PEERS.slice(1)], 0n, 4), 2n);
    assert.equal(restoredView([{ index: 0, height: 1n, view: 99n }], 0n, 4), 0n);
    assert.equal(restoredView([], 3n, 4), 3n);
  });

  it('lets only block transfer through until the head reaches its height, then everything', async () => {
    const config = validatorFolder();
    const from = await backupOf(2);
    const peers = [0, 1, 2].map((index) => ({ index, height: 2n, view: 0n }));
    await restoreValidator({ config, from, askPeers: async () => peers });
    await withStore(config.dataDir, async (s) => {
      const silent = SilentPeriod.of(s, log);
      assert.equal(silent.untilHeight, 4n);
      const m = (type: Message['type']) => ({ type }) as Message;
      const votes = ['pre-prepare', 'prepare', 'view-change'] as const;
      for (const t of votes) assert.equal(silent.admits(m(t)), false, `admits ${t}`);
      for (const t of [...votes, 'new-view', 'commit', 'checkpoint'] as const)
        assert.equal(silent.publishes(m(t)), false, t);
      for (const t of ['commit', 'checkpoint', 'fetch-blocks', 'blocks', 'new-view'] as const)
        assert.ok(silent.admits(m(t)));
      for (const t of ['fetch-blocks', 'blocks'] as const) assert.ok(silent.publishes(m(t)));
      silent.committed(3n);
      assert.equal(silent.untilHeight, 4n);
      silent.committed(4n);
      assert.equal(silent.untilHeight, null);
      for (const t of votes) assert.ok(silent.admits(m(t)) && silent.publishes(m(t)));
      // a restart after the head passed it: not silent
      await commitCertifiedBlocks(s, net, 2);
      assert.equal(SilentPeriod.of(s, log).untilHeight, null);
    });
  });
});
