/**
 * The node's ReplicaApp (src/node/chainApp.ts) on a real LevelDB store: what a backup refuses
 * before it prepares a proposal. Found by review: a primary could stamp its header with a later
 * view it also leads (n = 4: views 0 and 4); the block committed with a certificate cast in the
 * proposal's view, earlier than the header's, which every light client then refuses — so no
 * transaction of that block could ever be proven.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EMPTY_CERTIFICATE } from '../../src/ledger/certificate.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import { HandlerRegistry } from '../../src/ledger/handler.ts';
import { memoHandler } from '../../src/ledger/memo.ts';
import { ensureGenesis, openStore } from '../../src/ledger/store.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { ChainApp } from '../../src/node/chainApp.ts';
import { Mempool } from '../../src/node/mempool.ts';
import { CHAIN_ID, GENESIS_TIME_MS, makeEnv, makeNetwork, member } from '../ledger/fixtures.ts';
import { countingHandler } from '../ledger/testKinds.ts';

const dir = mkdtempSync(join(tmpdir(), 'dpp-chainapp-'));
const net = makeNetwork('chain-app');
const env = makeEnv();
const store = await openStore(join(dir, 'data'));
await ensureGenesis(store, genesisState(net.genesis));
const clock = () => Number(GENESIS_TIME_MS) + 1_000;
const app = new ChainApp(env, store, new Mempool(env), () => 4, clock);

describe('ChainApp.validate', () => {
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a header stamped with a view after the one it is proposed in', () => {
    // validator 0 leads views 0 and 4 of 4; it builds a header for view 4 ...
    const { payload } = app.propose(4n, 0, 10);
    // ... and proposes it in view 0: refused
    assert.equal(app.validate(0n, 1n, payload), false);
    // proposed in view 4 it is valid, and a later view may re-propose it (a view change keeps the header)
    assert.equal(app.validate(4n, 1n, payload), true);
    assert.equal(app.validate(5n, 1n, payload), true);
  });

  it('refuses a header whose proposer does not lead the header’s view, and one of another height', () => {
    const { payload } = app.propose(1n, 0, 10); // validator 0 does not lead view 1
    assert.equal(app.validate(1n, 1n, payload), false);
    const good = app.propose(0n, 0, 10).payload;
    assert.equal(app.validate(0n, 2n, good), false);
    assert.equal(app.validate(0n, 1n, good), true);
  });
});

describe('each transaction is verified once per validator (docs/consensus.md §8)', () => {
  const counting = countingHandler();
  const countEnv = { ...env, handlers: new HandlerRegistry([memoHandler, counting]) };
  const tc = member(net, 'trading-centre');
  const tx = (nonce: bigint) =>
    signOrgTransaction({ chainId: CHAIN_ID, kind: 'test.count', payload: Uint8Array.of(1) }, nonce, tc.key)
      .bytes;
  const next = { chainId: CHAIN_ID, height: 1n, timestampMs: BigInt(clock()), proposer: 0 };

  it('admission’s verdict serves building, validation and commit; an unknown one is verified once', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'dpp-chainapp-once-'));
    const store2 = await openStore(join(dir2, 'data'));
    try {
      await ensureGenesis(store2, genesisState(net.genesis));
      const primaryPool = new Mempool(countEnv);
      const backupPool = new Mempool(countEnv);
      const primary = new ChainApp(countEnv, store2, primaryPool, () => 4, clock);
      const backup = new ChainApp(countEnv, store2, backupPool, () => 4, clock);
      primaryPool.admit(tx(1n), store2, next);
      backupPool.admit(tx(1n), store2, next, 'gossip');
      primaryPool.admit(tx(2n), store2, next); // its gossip has not reached the backup
      assert.equal(counting.decoded, 3, 'each validator verified what it admitted');
      const { payload } = primary.propose(0n, 0, 10);
      assert.equal(counting.decoded, 3, 'building verifies nothing again');
      const digest = backup.digest(payload);
      assert.equal(backup.validate(0n, 1n, payload), true);
      assert.equal(counting.decoded, 4, 'the backup verified only the transaction it had not seen');
      assert.equal(backup.validate(1n, 1n, payload.slice()), true, 'the same block proposed again');
      assert.equal(counting.decoded, 4, 'its verdict was kept');
      await backup.commit({ height: 1n, digest, payload, certificate: EMPTY_CERTIFICATE });
      assert.equal(counting.decoded, 4, 'commit verifies nothing');
      assert.equal(backupPool.verdicts.size, 0, 'committed transactions leave the verdict cache');
      // the tx2 gossip arriving late is refused by its nonce before any verification
      assert.throws(() => backupPool.admit(tx(2n), store2, { ...next, height: 2n }, 'gossip'));
      assert.equal(counting.decoded, 4);
    } finally {
      await store2.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
