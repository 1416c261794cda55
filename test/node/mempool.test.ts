import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesEqual } from '../../src/codec/bytes.ts';
import { CONTRACT_HANDLERS } from '../../src/contracts/registry.ts';
import { roundClosePayload } from '../../src/contracts/rounds.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import type { BlockContext } from '../../src/ledger/handler.ts';
import { HandlerRegistry } from '../../src/ledger/handler.ts';
import { memoHandler } from '../../src/ledger/memo.ts';
import { nonceKey } from '../../src/ledger/stateKeys.ts';
import { u64Value } from '../../src/ledger/stateValues.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { Mempool } from '../../src/node/mempool.ts';
import {
  blockOf,
  CHAIN_ID,
  commitToMemory,
  GENESIS_TIME_MS,
  makeEnv,
  member,
  memoryChain,
  memoTx,
} from '../ledger/fixtures.ts';
import { countingHandler } from '../ledger/testKinds.ts';

/** The block a transaction admitted now would enter: the first after genesis. */
const NEXT: BlockContext = {
  chainId: CHAIN_ID,
  height: 1n,
  timestampMs: GENESIS_TIME_MS + 1000n,
  proposer: 0,
};

describe('mempool admission', () => {
  const chain = memoryChain('mempool');
  const env = makeEnv();
  const alice = member(chain.net, 'gen-a');
  const bob = member(chain.net, 'agg-a');

  it('admits a member’s transactions in nonce order, per sender, and keeps arrival order', () => {
    const pool = new Mempool(env);
    const ids = [1n, 2n, 3n].map((n) => pool.admit(memoTx(alice, `a${n}`, n).bytes, chain.state, NEXT).idHex);
    ids.push(pool.admit(memoTx(bob, 'b1', 1n).bytes, chain.state, NEXT).idHex);
    assert.equal(pool.size, 4);
    assert.deepEqual(
      [...pool.candidates()].map((vt) => vt.idHex),
      ids,
    );
  });

  it('refuses a duplicate, a replayed (stale) nonce and a nonce gap, changing nothing', () => {
    const pool = new Mempool(env);
    const first = memoTx(alice, 'x', 1n).bytes;
    pool.admit(first, chain.state, NEXT);
    assert.throws(
      () => pool.admit(first, chain.state, NEXT),
      (e) => isDppError(e, 'NODE_DUPLICATE_TX'),
    );
    assert.throws(
      () => pool.admit(memoTx(alice, 'other', 1n).bytes, chain.state, NEXT),
      (e) => isDppError(e, 'NODE_DUPLICATE_TX'),
    );
    assert.throws(
      () => pool.admit(memoTx(alice, 'gap', 3n).bytes, chain.state, NEXT),
      (e) => isDppError(e, 'NODE_NONCE_GAP'),
    );
    assert.equal(pool.size, 1);
    pool.admit(memoTx(alice, 'next', 2n).bytes, chain.state, NEXT);
    assert.equal(pool.size, 2);
  });

  it('holds a gossiped transaction ahead of its sender’s nonce until the gap fills, then keeps nonce order', () => {
    // The defect: gossip dropped such a transaction; when the primary did, it and every later nonce
    // of its sender stayed pending on the backups for ever.
    const pool = new Mempool(env);
    const tx = (n: bigint) => memoTx(alice, `g${n}`, n).bytes;
    pool.admit(tx(3n), chain.state, NEXT, 'gossip');
    pool.admit(tx(2n), chain.state, NEXT, 'gossip');
    assert.equal(pool.size, 0, 'nothing joins the pool before its predecessor');
    assert.equal(pool.heldSize, 2);
    assert.throws(
      () => pool.admit(tx(3n), chain.state, NEXT, 'gossip'),
      (e) => isDppError(e, 'NODE_DUPLICATE_TX'),
    );
    // the client's own out-of-order submission is still refused with the expected nonce
    assert.throws(
      () => pool.admit(memoTx(alice, 'c4', 4n).bytes, chain.state, NEXT),
      (e) => isDppError(e, 'NODE_NONCE_GAP') && e.details.expected === '1',
    );
    pool.admit(tx(1n), chain.state, NEXT);
    assert.equal(pool.heldSize, 0);
    assert.deepEqual(
      [...pool.candidates()].map((vt) => (vt.tx.auth as { nonce: bigint }).nonce),
      [1n, 2n, 3n],
    );
  });

  it('a held transaction joins when a committed block passes its gap; one the block passed is dropped', () => {
    const c = memoryChain('mempool-refresh');
    const bobKey = member(c.net, 'agg-a');
    const pool = new Mempool(env);
    pool.admit(memoTx(bobKey, 'b2', 2n).bytes, c.state, NEXT, 'gossip');
    pool.admit(memoTx(bobKey, 'b1-elsewhere', 1n).bytes, c.state, NEXT, 'gossip'); // promotes b2 here
    const fresh = new Mempool(env);
    fresh.admit(memoTx(bobKey, 'b3', 3n).bytes, c.state, NEXT, 'gossip');
    fresh.admit(memoTx(bobKey, 'b2', 2n).bytes, c.state, NEXT, 'gossip');
    assert.equal(fresh.heldSize, 2);
    // nonces 1 and 2 commit in a block another validator proposed
    const block = blockOf(
      env,
      c.state,
      c.head,
      [...pool.candidates()].map((vt) => vt.bytes),
    );
    commitToMemory(env, c, block);
    fresh.refresh(c.state, { ...NEXT, height: 2n });
    assert.equal(fresh.heldSize, 0, 'nonce 2 was passed, nonce 3 joined');
    assert.deepEqual(
      [...fresh.candidates()].map((vt) => (vt.tx.auth as { nonce: bigint }).nonce),
      [3n],
    );
  });

  it('holds within its bounds: past them a gossiped gap is refused (NODE_NONCE_GAP), never dropped silently', () => {
    const pool = new Mempool(env, { maxHeldPerSender: 2 });
    pool.admit(memoTx(alice, 'h3', 3n).bytes, chain.state, NEXT, 'gossip');
    pool.admit(memoTx(alice, 'h4', 4n).bytes, chain.state, NEXT, 'gossip');
    assert.throws(
      () => pool.admit(memoTx(alice, 'h5', 5n).bytes, chain.state, NEXT, 'gossip'),
      (e) => isDppError(e, 'NODE_NONCE_GAP'),
    );
    assert.equal(pool.heldSize, 2);
  });

  it('refuses a non-member, a bad signature, another chain, an unknown kind, garbage and oversized bytes', () => {
    const pool = new Mempool(env);
    const stranger = {
      id: 'x',
      role: 'generator' as const,
      key: orgKeyPair(new Uint8Array(32).fill(7)),
      seed: new Uint8Array(32),
    };
    assert.throws(
      () => pool.admit(memoTx(stranger, 'hi', 1n).bytes, chain.state, NEXT),
      (e) => isDppError(e, 'LEDGER_UNAUTHORISED'),
    );
    const bad = memoTx(alice, 'hi', 1n).bytes.slice();
    bad[bad.length - 1]! ^= 1;
    assert.throws(
      () => pool.admit(bad, chain.state, NEXT),
      (e) => isDppError(e, 'LEDGER_BAD_SIGNATURE'),
    );
    assert.throws(
      () => pool.admit(memoTx(alice, 'hi', 1n, undefined, 'other-chain').bytes, chain.state, NEXT),
      (e) => isDppError(e, 'LEDGER_WRONG_CHAIN'),
    );
    const unknown = signOrgTransaction(
      { chainId: 'dppchain-test', kind: 'no-such-kind', payload: Uint8Array.of(1) },
      1n,
      alice.key,
    ).bytes;
    assert.throws(
      () => pool.admit(unknown, chain.state, NEXT),
      (e) => isDppError(e, 'LEDGER_UNKNOWN_KIND'),
    );
    assert.throws(
      () => pool.admit(Uint8Array.of(1, 2, 3), chain.state, NEXT),
      (e) => isDppError(e) && e.code.startsWith('DECODE_'),
    );
    assert.throws(
      () => pool.admit(new Uint8Array(71 * 1024), chain.state, NEXT),
      (e) => isDppError(e, 'LEDGER_TOO_LARGE'),
    );
    assert.equal(pool.size, 0);
  });

  it('is bounded: a full pool refuses with NODE_MEMPOOL_FULL and a retry hint, before verifying', () => {
    const pool = new Mempool(env, { maxTxs: 2, maxBytes: 1 << 20, clientShare: 1 });
    pool.admit(memoTx(alice, 'a', 1n).bytes, chain.state, NEXT);
    pool.admit(memoTx(alice, 'b', 2n).bytes, chain.state, NEXT);
    const forged = memoTx(alice, 'c', 3n).bytes.slice();
    forged[forged.length - 1]! ^= 1;
    assert.throws(
      () => pool.admit(forged, chain.state, NEXT),
      (e) =>
        isDppError(e, 'NODE_MEMPOOL_FULL') &&
        e.details.maxTxs === 2 &&
        typeof e.details.retryAfterMs === 'number' &&
        e.details.retryAfterMs >= 100,
    );
  });

  it('refuses clients above their share of the pool; gossip may fill the rest', () => {
    let now = 0;
    const pool = new Mempool(env, { maxTxs: 4, clientShare: 0.5 }, undefined, () => now);
    pool.admit(memoTx(alice, 'a', 1n).bytes, chain.state, NEXT);
    pool.admit(memoTx(alice, 'b', 2n).bytes, chain.state, NEXT);
    assert.throws(
      () => pool.admit(memoTx(alice, 'c', 3n).bytes, chain.state, NEXT),
      (e) => isDppError(e, 'NODE_MEMPOOL_FULL') && e.details.maxTxs === 2,
    );
    pool.admit(memoTx(alice, 'c', 3n).bytes, chain.state, NEXT, 'gossip');
    pool.admit(memoTx(alice, 'd', 4n).bytes, chain.state, NEXT, 'gossip');
    assert.throws(
      () => pool.admit(memoTx(alice, 'e', 5n).bytes, chain.state, NEXT, 'gossip'),
      (e) => isDppError(e, 'NODE_MEMPOOL_FULL'),
    );
    // the hint follows how fast the pool drained lately: one more must go to bring the pool below
    // 90 % of the clients' share (2 × 0.9 → 1); two left 2 s ago (1/s): 1 s; two more just now: 0.5 s
    assert.equal(pool.retryAfterMs(), 1_000, 'nothing drained yet: 1 s');
    now = 1_000;
    pool.remove([...pool.candidates()].slice(0, 2).map((vt) => vt.idHex));
    now = 3_000;
    assert.equal(pool.retryAfterMs(), 1_000);
    pool.admit(memoTx(alice, 'e', 5n).bytes, chain.state, NEXT, 'gossip');
    pool.admit(memoTx(alice, 'f', 6n).bytes, chain.state, NEXT, 'gossip');
    pool.remove([...pool.candidates()].slice(0, 2).map((vt) => vt.idHex));
    assert.equal(pool.retryAfterMs(), 500);
    now = 100_000;
    assert.equal(pool.retryAfterMs(), 1_000, 'the measure is of the last seconds only');
  });

  it('a second copy of a transaction is refused without verifying it again; a replay before verifying', () => {
    const counting = countingHandler();
    const env2 = { ...env, handlers: new HandlerRegistry([memoHandler, counting]) };
    const pool = new Mempool(env2);
    const tx = (n: bigint) =>
      signOrgTransaction({ chainId: CHAIN_ID, kind: 'test.count', payload: Uint8Array.of(1) }, n, alice.key)
        .bytes;
    const first = pool.admit(tx(1n), chain.state, NEXT);
    assert.equal(counting.decoded, 1);
    assert.throws(
      () => pool.admit(tx(1n), chain.state, NEXT, 'gossip'),
      (e) => isDppError(e, 'NODE_DUPLICATE_TX'),
    );
    assert.equal(counting.decoded, 1, 'the duplicate was refused by its id');
    // committed elsewhere and removed here: its nonce is refused before any verification
    pool.remove([first.idHex]);
    const usedNonce = nonceKey(alice.key.publicKey);
    const committed = {
      get: (k: Uint8Array) => (bytesEqual(k, usedNonce) ? u64Value(1n) : chain.state.get(k)),
    };
    assert.throws(
      () => pool.admit(tx(1n), committed, NEXT, 'gossip'),
      (e) => isDppError(e, 'NODE_DUPLICATE_TX'),
    );
    assert.equal(counting.decoded, 1, 'a replayed nonce is refused before verifying');
    // a transaction a block brought first (verified by execution, kept in the cache) is not verified again
    const second = verifyTransaction(env2, tx(2n));
    pool.add(second);
    pool.admit(tx(2n), committed, NEXT, 'gossip');
    assert.equal(counting.decoded, 2);
    assert.equal(pool.get(second.idHex), second);
  });

  it('after removal (committed), the next nonce is expected again from the state', () => {
    const pool = new Mempool(env);
    const a1 = pool.admit(memoTx(alice, 'a', 1n).bytes, chain.state, NEXT);
    const a2 = pool.admit(memoTx(alice, 'b', 2n).bytes, chain.state, NEXT);
    pool.remove([a1.idHex, a2.idHex]);
    assert.equal(pool.size, 0);
    // The state still says nonce 0 (nothing committed in this in-memory chain), so 1 is next again.
    pool.admit(memoTx(alice, 'a', 1n).bytes, chain.state, NEXT);
    assert.equal(pool.size, 1);
  });

  it('refuses at admission what the kind would not authorise (a wrong role), instead of dropping it later', () => {
    const chain = memoryChain();
    const pool = new Mempool(makeEnv(CONTRACT_HANDLERS));
    const consumer = member(chain.net, 'consumer-1');
    const close = signOrgTransaction(
      {
        chainId: CHAIN_ID,
        kind: 'round.close',
        payload: roundClosePayload.encode({ round: 1n, prices: [] }),
      },
      1n,
      consumer.key,
    );
    assert.throws(
      () => pool.admit(close.bytes, chain.state, NEXT),
      (e: unknown) => isDppError(e, 'LEDGER_UNAUTHORISED') && e.details.reason === 'CONTRACT_WRONG_ROLE',
    );
    assert.equal(pool.size, 0);
    // the refusal consumed nothing: the consumer's nonce 1 is still free for a memo
    pool.admit(memoTx(consumer, 'hello', 1n).bytes, chain.state, NEXT);
  });
});
