/**
 * Verify once per validator (src/ledger/verdictCache.ts, docs/consensus.md §8): a transaction's
 * signature, and a kind's pure check (a ring proof), are computed once per validator — at
 * admission, building and validation alike — while the stateful checks (nonce, membership, the
 * ring in the block's state) run at every execution; a transaction this validator never verified
 * (a Byzantine primary's block) is verified in full; the cache holds only its own verdicts, keyed by
 * the exact bytes, and is bounded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, utf8 } from '../../src/codec/bytes.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import { txIdsOf, txRootOf } from '../../src/ledger/block.ts';
import { buildBlock } from '../../src/ledger/blockBuilder.ts';
import { authoriseTransaction, executeBlock } from '../../src/ledger/execution.ts';
import type { BlockContext } from '../../src/ledger/handler.ts';
import { HandlerRegistry } from '../../src/ledger/handler.ts';
import { memoHandler } from '../../src/ledger/memo.ts';
import { ringTxContext } from '../../src/ledger/ringAuth.ts';
import { ringTransaction, signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { VerdictCache } from '../../src/ledger/verdictCache.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { signcrypt } from '../../src/privacy/ringSigncryption.ts';
import { encodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { makeWorld } from '../privacy/fixtures.ts';
import { blockOf, CHAIN_ID, commitToMemory, group, makeEnv, member, memoryChain } from './fixtures.ts';
import { countingHandler, RING_KEY, ringHandler } from './testKinds.ts';

const random = seededRandom('verdict cache tests');
const world = makeWorld(group, 4, 'verdict ring');

describe('pure verdicts (a ring proof) are computed once per validator; the ring is read every time', () => {
  const ring = ringHandler(world.params);
  const env = makeEnv([ring]);
  const ringBytes = concatBytes(...world.ring.members);
  const ringTx = (signer = 0) => {
    const uniqueId = random(32);
    const sc = signcrypt(
      world.params,
      world.members[signer]!.keys,
      world.ring,
      world.receiver.publicKey,
      ringTxContext(CHAIN_ID, 'test.ring', uniqueId),
      utf8('bill 3: confirmed'),
      random,
    );
    return ringTransaction(
      { chainId: CHAIN_ID, kind: 'test.ring', payload: encodeSigncryption(sc) },
      uniqueId,
    );
  };

  it('admission, building and validation share one ring proof verification', () => {
    const chain = memoryChain('verdict-ring');
    chain.state.apply([{ key: RING_KEY, value: ringBytes }]);
    const next: BlockContext = { chainId: CHAIN_ID, height: 1n, timestampMs: 1n, proposer: 0 };
    const cache = new VerdictCache();
    const vt = verifyTransaction(env, ringTx().bytes);
    cache.add(vt);
    const before = ring.proofsChecked;
    authoriseTransaction(env, chain.state, next, vt, cache); // the mempool's admission check
    assert.equal(ring.proofsChecked, before + 1);
    const built = buildBlock(
      env,
      chain.state,
      chain.head,
      { view: 0n, proposer: 0, timestampMs: chain.head.timestampMs + 1n },
      [vt],
      {},
      cache,
    );
    assert.equal(built.included.length, 1);
    executeBlock(env, chain.state, chain.head, built.block, cache); // a backup validating it
    assert.equal(ring.proofsChecked, before + 1, 'building and validating reuse the admission verdict');
    executeBlock(env, chain.state, chain.head, built.block);
    assert.equal(ring.proofsChecked, before + 2, 'without the cache the proof is checked again');
  });

  it('a changed ring in the block’s state is checked again — and refused when the signer left it', () => {
    const chain = memoryChain('verdict-ring-2');
    chain.state.apply([{ key: RING_KEY, value: ringBytes }]);
    const cache = new VerdictCache();
    const tx = ringTx(0);
    const block = blockOf(env, chain.state, chain.head, [tx.bytes]);
    executeBlock(env, chain.state, chain.head, block, cache);
    const before = ring.proofsChecked;
    // the same transaction against another ring (the signer, member 0, removed): the stateful read
    // gives other bytes, so the cached verdict does not apply, and the proof fails
    const other = memoryChain('verdict-ring-2');
    other.state.apply([{ key: RING_KEY, value: concatBytes(...world.ring.members.slice(1)) }]);
    assert.throws(
      () => executeBlock(env, other.state, other.head, { ...block, header: { ...block.header } }, cache),
      (e) => isDppError(e, 'LEDGER_UNAUTHORISED'),
    );
    assert.equal(ring.proofsChecked, before + 1);
  });
});

describe('signatures are verified once per validator, and only its own verdicts are trusted', () => {
  const counting = countingHandler();
  const env = { ...makeEnv(), handlers: new HandlerRegistry([memoHandler, counting]) };
  const tx = (key: Parameters<typeof signOrgTransaction>[2], nonce: bigint, byte: number) =>
    signOrgTransaction({ chainId: CHAIN_ID, kind: 'test.count', payload: Uint8Array.of(byte) }, nonce, key)
      .bytes;

  it('a block from a Byzantine primary with transactions this validator never verified is verified in full', () => {
    const chain = memoryChain('verdict-byzantine');
    const tc = member(chain.net, 'trading-centre');
    const cache = new VerdictCache();
    const good = tx(tc.key, 1n, 1);
    cache.add(verifyTransaction(env, good));
    // the primary swaps in a transaction with the same sender and nonce whose signature is forged
    const forged = new Uint8Array(tx(tc.key, 1n, 2));
    forged[forged.length - 1]! ^= 1;
    const block = blockOf(env, chain.state, chain.head, [forged], { stateRoot: new Uint8Array(32) });
    assert.throws(
      () => executeBlock(env, chain.state, chain.head, block, cache),
      (e) => isDppError(e, 'LEDGER_BAD_SIGNATURE'),
    );
    assert.equal(cache.size, 1, 'a failed verification is not cached');
  });

  it('stateful checks run at execution even for a cached transaction (a replayed nonce is refused)', () => {
    const chain = memoryChain('verdict-stateful');
    const tc = member(chain.net, 'trading-centre');
    const cache = new VerdictCache();
    const first = tx(tc.key, 1n, 1);
    cache.add(verifyTransaction(env, first));
    commitToMemory(env, chain, blockOf(env, chain.state, chain.head, [first]));
    const decoded = counting.decoded;
    const replay = blockOf(env, chain.state, chain.head, [first], { stateRoot: new Uint8Array(32) });
    assert.throws(
      () => executeBlock(env, chain.state, chain.head, replay, cache),
      (e) => isDppError(e, 'LEDGER_NONCE'),
    );
    assert.equal(counting.decoded, decoded, 'the signature verdict was reused, the nonce checked');
  });

  it('is bounded in entries and bytes, oldest first, and forgets committed transactions', () => {
    const chain = memoryChain('verdict-bound');
    const tc = member(chain.net, 'trading-centre');
    const vts = [1, 2, 3].map((n) => verifyTransaction(env, tx(tc.key, BigInt(n), n)));
    const byCount = new VerdictCache({ maxEntries: 2 });
    for (const vt of vts) byCount.add(vt);
    assert.equal(byCount.size, 2);
    assert.equal(byCount.get(vts[0]!.idHex), undefined);
    const byBytes = new VerdictCache({ maxBytes: vts[0]!.bytes.length * 2 });
    for (const vt of vts) byBytes.add(vt);
    assert.equal(byBytes.size, 2);
    byBytes.forget([vts[2]!.idHex]);
    assert.equal(byBytes.get(vts[2]!.idHex), undefined);
    assert.equal(byBytes.get(vts[1]!.idHex), vts[1]);
    // a pure verdict is remembered per exact input bytes
    let runs = 0;
    const check = () => {
      runs++;
      return true;
    };
    byBytes.verdict(vts[1]!.idHex, [Uint8Array.of(1)], check);
    byBytes.verdict(vts[1]!.idHex, [Uint8Array.of(1)], check);
    byBytes.verdict(vts[1]!.idHex, [Uint8Array.of(1, 0)], check);
    byBytes.verdict(vts[1]!.idHex, [Uint8Array.of(1), Uint8Array.of()], check);
    assert.equal(runs, 3);
  });
});

describe('a block’s ids and txRoot are computed once per list of transactions', () => {
  it('txIdsOf and txRootOf return the same objects for the same list', () => {
    const chain = memoryChain('verdict-ids');
    const tc = member(chain.net, 'trading-centre');
    const txs = [1n, 2n].map(
      (n) => signOrgTransaction({ chainId: CHAIN_ID, kind: 'memo', payload: utf8(`m${n}`) }, n, tc.key).bytes,
    );
    assert.equal(txIdsOf(txs), txIdsOf(txs));
    assert.equal(txRootOf(txs), txRootOf(txs));
    assert.notEqual(txIdsOf([...txs]), txIdsOf(txs), 'another list is computed on its own');
    assert.deepEqual(txRootOf([...txs]), txRootOf(txs));
  });
});
