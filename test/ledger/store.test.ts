import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toHex, utf8 } from '../../src/codec/bytes.ts';
import { isDppError } from '../../src/errors.ts';
import { buildBlock } from '../../src/ledger/blockBuilder.ts';
import { blockHash } from '../../src/ledger/blockHeader.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import { memoKey } from '../../src/ledger/memo.ts';
import { storedNonce } from '../../src/ledger/orgAuth.ts';
import { ensureGenesis, type LedgerStore, openStore } from '../../src/ledger/store.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { makeEnv, makeNetwork, member, memoTx } from './fixtures.ts';

const env = makeEnv();
const net = makeNetwork('store tests');
const genesis = genesisState(net.genesis);
const tc = member(net, 'trading-centre');
const root = mkdtempSync(join(tmpdir(), 'dpp-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `db-${dirs++}`);

/** Builds the next block of memos on the store's head (not committed). */
async function nextBlock(store: LedgerStore, memos: readonly string[]) {
  const head = store.head()!;
  const start = storedNonce(store, tc.key.publicKey);
  const vts = memos.map((m, i) => verifyTransaction(env, memoTx(tc, m, start + BigInt(i) + 1n).bytes));
  const built = buildBlock(
    env,
    store,
    head.header,
    { view: 0n, proposer: 0, timestampMs: head.header.timestampMs + 1n },
    vts,
  );
  assert.equal(built.rejected.length, 0);
  return built;
}

describe('LevelDB store', () => {
  it('commits genesis and blocks, and reads back blocks, transactions, receipts and state', async () => {
    const store = await openStore(freshDir());
    try {
      assert.equal(store.head(), undefined);
      const g = await ensureGenesis(store, genesis);
      assert.equal(g.height, 0n);
      assert.equal(toHex(g.hash), toHex(genesis.hash));
      const b1 = await nextBlock(store, ['hello', '', 'world']);
      const head = await store.commitBlock(b1.block, b1.writes, b1.receipts);
      assert.equal(head.height, 1n);
      assert.equal(toHex(store.head()!.hash), toHex(blockHash(b1.block.header)));
      assert.deepEqual(await store.getBlock(1n), b1.block);
      assert.deepEqual(await store.getBlockByHash(blockHash(b1.block.header)), b1.block);
      assert.equal(await store.getBlock(2n), undefined);
      assert.equal(await store.getBlockByHash(new Uint8Array(32)), undefined);
      assert.deepEqual(await store.getTxLocation(transactionId(b1.block.txs[1]!)), {
        height: 1n,
        index: 1,
        receipt: { status: 'failed', code: 'LEDGER_MEMO_EMPTY' },
      });
      assert.deepEqual(store.getState(memoKey(tc.key.publicKey)), utf8('world'));
      assert.equal(storedNonce(store, tc.key.publicKey), 3n);
      const entries: string[] = [];
      for await (const [k] of store.stateEntries()) entries.push(toHex(k));
      assert.equal(entries.length, genesis.writes.length + 2);
      assert.deepEqual(entries, [...entries].sort());
    } finally {
      await store.close();
    }
  });

  it('survives close and reopen, and refuses a store of another chain', async () => {
    const dir = freshDir();
    let store = await openStore(dir);
    await ensureGenesis(store, genesis);
    const b1 = await nextBlock(store, ['persisted']);
    await store.commitBlock(b1.block, b1.writes, b1.receipts);
    await store.putMeta('pbft/vote', utf8('view 3 commit'));
    await store.close();

    store = await openStore(dir);
    try {
      await assert.rejects(
        openStore(dir),
        (e) => isDppError(e, 'LEDGER_STORE_UNAVAILABLE'),
        'locked while open',
      );
      assert.equal(store.head()?.height, 1n);
      assert.equal((await ensureGenesis(store, genesis)).height, 1n, 'same chain: the head is kept');
      assert.deepEqual(store.getState(memoKey(tc.key.publicKey)), utf8('persisted'));
      assert.deepEqual(store.getMeta('pbft/vote'), utf8('view 3 commit'));
      await store.putMeta('pbft/vote', null);
      assert.equal(store.getMeta('pbft/vote'), undefined);
      const other = genesisState(makeNetwork('another chain').genesis);
      await assert.rejects(ensureGenesis(store, other), (e) => isDppError(e, 'LEDGER_WRONG_CHAIN'));
    } finally {
      await store.close();
    }
  });

  it('refuses a block that does not extend the head, or whose writes or receipts do not match it', async () => {
    const store = await openStore(freshDir());
    try {
      await assert.rejects(
        (async () =>
          store.commitBlock(
            { ...genesis.block, header: { ...genesis.block.header, height: 1n } },
            genesis.writes,
            [],
          ))(),
        (e) => isDppError(e, 'LEDGER_OUT_OF_ORDER'),
      );
      await ensureGenesis(store, genesis);
      const b1 = await nextBlock(store, ['a']);
      const refuse = async (p: () => Promise<unknown>, code: string) =>
        assert.rejects((async () => p())(), (e) => isDppError(e, code), code);
      await refuse(() => store.commitBlock(genesis.block, genesis.writes, []), 'LEDGER_OUT_OF_ORDER');
      await refuse(
        () => store.commitBlock(b1.block, b1.writes.slice(1), b1.receipts),
        'LEDGER_STATE_ROOT_MISMATCH',
      );
      await refuse(() => store.commitBlock(b1.block, b1.writes, []), 'LEDGER_BAD_BLOCK');
      await refuse(() => store.commitBlock({ ...b1.block, txs: [] }, b1.writes, []), 'LEDGER_BAD_TX_ROOT');
      const wrongParent = { ...b1.block, header: { ...b1.block.header, prevHash: new Uint8Array(32) } };
      await refuse(() => store.commitBlock(wrongParent, b1.writes, b1.receipts), 'LEDGER_OUT_OF_ORDER');
      assert.equal(store.head()?.height, 0n, 'nothing was written');
      assert.equal(await store.getBlock(1n), undefined);
    } finally {
      await store.close();
    }
    assert.throws(
      () => store.getState(utf8('x')),
      (e) => isDppError(e, 'LEDGER_STORE_CLOSED'),
    );
    await assert.rejects(store.putMeta('k', utf8('v')), (e) => isDppError(e, 'LEDGER_STORE_CLOSED'));
    await assert.rejects(store.commitBlock(genesis.block, genesis.writes, []), (e) =>
      isDppError(e, 'LEDGER_STORE_CLOSED'),
    );
  });

  it('queues commits: block h + 1 may be committed before h has resolved', async () => {
    const store = await openStore(freshDir());
    try {
      await ensureGenesis(store, genesis);
      const b1 = await nextBlock(store, ['one']);
      const p1 = store.commitBlock(b1.block, b1.writes, b1.receipts);
      // execute block 2 on top of block 1's writes (an overlay), before block 1 is durable
      const { StateOverlay } = await import('../../src/ledger/worldState.ts');
      const over = new StateOverlay(store);
      over.writeAll(b1.writes);
      const vt = verifyTransaction(env, memoTx(tc, 'two', 2n).bytes);
      const b2 = buildBlock(env, over, b1.block.header, { view: 0n, proposer: 1, timestampMs: 0n }, [vt]);
      const p2 = store.commitBlock(b2.block, b2.writes, b2.receipts);
      const [h1, h2] = await Promise.all([p1, p2]);
      assert.equal(h1.height, 1n);
      assert.equal(h2.height, 2n);
      assert.equal(store.head()?.height, 2n);
      assert.deepEqual(store.getState(memoKey(tc.key.publicKey)), utf8('two'));
    } finally {
      await store.close();
    }
  });
});
