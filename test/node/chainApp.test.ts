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
import { genesisState } from '../../src/ledger/genesis.ts';
import { ensureGenesis, openStore } from '../../src/ledger/store.ts';
import { ChainApp } from '../../src/node/chainApp.ts';
import { Mempool } from '../../src/node/mempool.ts';
import { GENESIS_TIME_MS, makeEnv, makeNetwork } from '../ledger/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'dpp-chainapp-'));
const net = makeNetwork('chain-app');
const env = makeEnv();
const store = await openStore(join(dir, 'data'));
await ensureGenesis(store, genesisState(net.genesis));
const clock = () => Number(GENESIS_TIME_MS) + 1_000;
const app = new ChainApp(env, store, new Mempool(env), 4, clock);

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
