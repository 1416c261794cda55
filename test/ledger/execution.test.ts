import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, toHex, utf8 } from '../../src/codec/bytes.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import type { Block } from '../../src/ledger/block.ts';
import { BLOCK_ENVELOPE_BYTES, buildBlock } from '../../src/ledger/blockBuilder.ts';
import { blockHash } from '../../src/ledger/blockHeader.ts';
import { executeBlock, executeTransaction } from '../../src/ledger/execution.ts';
import { HandlerRegistry, type OrgTxHandler } from '../../src/ledger/handler.ts';
import { LedgerError } from '../../src/ledger/ledgerError.ts';
import { MEMO_KIND, memoHandler, memoKey } from '../../src/ledger/memo.ts';
import { nextNonce, storedNonce } from '../../src/ledger/orgAuth.ts';
import { nonceKey } from '../../src/ledger/stateKeys.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { VerdictCache } from '../../src/ledger/verdictCache.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { MemoryState, nextStateRoot } from '../../src/ledger/worldState.ts';
import {
  blockOf,
  CHAIN_ID,
  commitToMemory,
  type MemoryChain,
  makeEnv,
  member,
  memoryChain,
  memoTx,
} from './fixtures.ts';
import { countingHandler, faultyHandler } from './testKinds.ts';

const env = makeEnv([faultyHandler]);

/** Asserts that executing `block` on `chain` is refused with `code` and changes nothing. */
function assertInvalid(chain: MemoryChain, block: Block, code: string, message?: string): void {
  const before = chain.state.size;
  assert.throws(
    () => executeBlock(env, chain.state, chain.head, block),
    (e) => isDppError(e, code),
    message ?? code,
  );
  assert.equal(chain.state.size, before);
}

describe('executing memo transactions', () => {
  it('applies valid transactions in order, with receipts, nonces and a state root from the write set', () => {
    const chain = memoryChain();
    const tc = member(chain.net, 'trading-centre');
    const gen = member(chain.net, 'gen-a');
    const txs = [memoTx(tc, 'first', 1n), memoTx(gen, 'hello', 1n), memoTx(tc, 'second', 2n)].map(
      (t) => t.bytes,
    );
    const block = blockOf(env, chain.state, chain.head, txs);
    const parentRoot = chain.head.stateRoot;
    const result = commitToMemory(env, chain, block);
    assert.deepEqual(result.receipts, [{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }]);
    assert.deepEqual(chain.state.get(memoKey(tc.key.publicKey)), utf8('second'));
    assert.deepEqual(chain.state.get(memoKey(gen.key.publicKey)), utf8('hello'));
    assert.equal(storedNonce(chain.state, tc.key.publicKey), 2n);
    assert.equal(nextNonce(chain.state, gen.key.publicKey), 2n);
    assert.equal(result.writes.length, 4, 'two memo keys and two nonce keys, last value wins');
    assert.equal(toHex(result.stateRoot), toHex(nextStateRoot(parentRoot, result.writes)));
    assert.equal(toHex(result.stateRoot), toHex(block.header.stateRoot));
  });

  it('is deterministic: two validators executing the same blocks reach the same roots', () => {
    const a = memoryChain('same');
    const b = memoryChain('same');
    const tc = member(a.net, 'trading-centre');
    for (let h = 1n; h <= 3n; h++) {
      const txs = [0, 1, 2].map((i) => memoTx(tc, `m${h}-${i}`, (h - 1n) * 3n + BigInt(i) + 1n).bytes);
      const block = blockOf(env, a.state, a.head, txs);
      const ra = commitToMemory(env, a, block);
      const rb = commitToMemory(env, b, block);
      assert.equal(toHex(ra.stateRoot), toHex(rb.stateRoot));
    }
  });

  it('gives a failed receipt for a business failure, consuming only the nonce', () => {
    const chain = memoryChain();
    const tc = member(chain.net, 'trading-centre');
    const block = blockOf(env, chain.state, chain.head, [
      memoTx(tc, '', 1n).bytes,
      memoTx(tc, 'after', 2n).bytes,
    ]);
    const result = commitToMemory(env, chain, block);
    assert.deepEqual(result.receipts, [{ status: 'failed', code: 'LEDGER_MEMO_EMPTY' }, { status: 'ok' }]);
    assert.equal(storedNonce(chain.state, tc.key.publicKey), 2n);

    const chain2 = memoryChain();
    const r2 = commitToMemory(
      env,
      chain2,
      blockOf(env, chain2.state, chain2.head, [memoTx(tc, '', 1n).bytes]),
    );
    assert.deepEqual(
      r2.writes.map((w) => toHex(w.key)),
      [toHex(nonceKey(tc.key.publicKey))],
      'a failed transaction writes its nonce and nothing else',
    );
    assert.equal(chain2.state.get(memoKey(tc.key.publicKey)), undefined);
  });
});

describe('org replay protection: a transaction must carry exactly the stored nonce + 1', () => {
  const chain = memoryChain();
  const tc = member(chain.net, 'trading-centre');
  const first = memoTx(tc, 'one', 1n).bytes;

  it('refuses a nonce gap, zero, a reordering and a repeat within one block', () => {
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [memoTx(tc, 'x', 2n).bytes]),
      'LEDGER_NONCE',
      'gap',
    );
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [memoTx(tc, 'x', 0n).bytes]),
      'LEDGER_NONCE',
      'zero',
    );
    const reordered = [memoTx(tc, 'b', 2n).bytes, memoTx(tc, 'a', 1n).bytes];
    assertInvalid(chain, blockOf(env, chain.state, chain.head, reordered), 'LEDGER_NONCE', 'reordered');
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [first, first]), 'LEDGER_NONCE', 'repeat');
  });

  it('refuses a replay in a later block', () => {
    commitToMemory(env, chain, blockOf(env, chain.state, chain.head, [first]));
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [first]), 'LEDGER_NONCE', 'replay');
    commitToMemory(env, chain, blockOf(env, chain.state, chain.head, [memoTx(tc, 'two', 2n).bytes]));
    assert.equal(storedNonce(chain.state, tc.key.publicKey), 2n);
  });

  it('refuses a sender that is not a member’s organisation key', () => {
    const outsider = {
      id: 'x',
      role: 'generator' as const,
      key: orgKeyPair(new Uint8Array(32).fill(5)),
      seed: new Uint8Array(32),
    };
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [memoTx(outsider, 'hi', 1n).bytes]),
      'LEDGER_UNAUTHORISED',
    );
  });
});

describe('invalid transactions make the block invalid', () => {
  const chain = memoryChain();
  const tc = member(chain.net, 'trading-centre');
  const ok = memoTx(tc, 'fine', 1n).bytes;

  it('a bad signature, another chain, an unknown kind, a wrong scheme, a malformed payload or encoding', () => {
    const badSig = ok.slice();
    badSig[badSig.length - 1]! ^= 1;
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [badSig]), 'LEDGER_BAD_SIGNATURE');
    const otherChain = memoTx(tc, 'x', 1n, undefined, 'other-chain').bytes;
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [otherChain]), 'LEDGER_WRONG_CHAIN');
    const unknown = signOrgTransaction(
      { chainId: CHAIN_ID, kind: 'no.such.kind', payload: new Uint8Array() },
      1n,
      tc.key,
    );
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [unknown.bytes]), 'LEDGER_UNKNOWN_KIND');
    const wrongScheme = concatBytes(
      ok.subarray(0, ok.length - 32 - 8 - 64 - 1),
      Uint8Array.of(3),
      new Uint8Array(32), // a ring-authorised memo
    );
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [wrongScheme]), 'LEDGER_WRONG_AUTH_SCHEME');
    const tooLong = memoTx(tc, new Uint8Array(257), 1n).bytes;
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [tooLong]), 'LEDGER_BAD_PAYLOAD');
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [ok.subarray(0, 20)]), 'LEDGER_BAD_TX');
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [ok, badSig]),
      'LEDGER_BAD_SIGNATURE',
      'second tx',
    );
  });

  it('a handler that throws a non-DppError, writes a reserved key or a non-byte value, or refuses authorisation', () => {
    const faulty = (b: number, nonce = 1n) =>
      signOrgTransaction({ chainId: CHAIN_ID, kind: 'test.faulty', payload: Uint8Array.of(b) }, nonce, tc.key)
        .bytes;
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [faulty(1)]), 'LEDGER_HANDLER_FAULT', 'bug');
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [faulty(2)]),
      'LEDGER_HANDLER_FAULT',
      'reserved key',
    );
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [faulty(3)]),
      'LEDGER_HANDLER_FAULT',
      'not bytes',
    );
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [faulty(4)]),
      'LEDGER_UNAUTHORISED',
      'authorise',
    );
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [faulty(5)]),
      'LEDGER_HANDLER_FAULT',
      'bad code',
    );
    const refused = commitToMemory(
      env,
      chain,
      blockOf(env, chain.state, chain.head, [faulty(6), faulty(0, 2n)]),
    );
    assert.deepEqual(refused.receipts, [{ status: 'failed', code: 'TEST_REFUSED' }, { status: 'ok' }]);
  });
});

describe('block checks', () => {
  const chain = memoryChain();
  const tc = member(chain.net, 'trading-centre');
  const txs = [memoTx(tc, 'a', 1n).bytes];

  it('refuse a wrong height, previous hash, chain, timestamp, txRoot or stateRoot', () => {
    const good = blockOf(env, chain.state, chain.head, txs);
    const h = good.header;
    const cases: [Partial<typeof h>, string][] = [
      [{ height: h.height + 1n }, 'LEDGER_BAD_BLOCK'],
      [{ prevHash: new Uint8Array(32) }, 'LEDGER_BAD_BLOCK'],
      [{ chainId: 'other-chain' }, 'LEDGER_WRONG_CHAIN'],
      [{ timestampMs: chain.head.timestampMs - 1n }, 'LEDGER_BAD_BLOCK'],
      [{ txRoot: new Uint8Array(32) }, 'LEDGER_BAD_TX_ROOT'],
      [{ stateRoot: new Uint8Array(32).fill(1) }, 'LEDGER_STATE_ROOT_MISMATCH'],
    ];
    for (const [o, code] of cases)
      assertInvalid(chain, { ...good, header: { ...h, ...o } }, code, JSON.stringify(Object.keys(o)));
    assert.doesNotThrow(
      () =>
        executeBlock(env, chain.state, chain.head, {
          ...good,
          header: { ...h, timestampMs: chain.head.timestampMs },
        }).writes,
    );
  });

  it('an empty block is valid and its root still advances', () => {
    const empty = blockOf(env, chain.state, chain.head, []);
    const r = executeBlock(env, chain.state, chain.head, empty);
    assert.deepEqual(r.writes, []);
    assert.notEqual(toHex(r.stateRoot), toHex(chain.head.stateRoot));
  });
});

describe('block building', () => {
  it('includes valid transactions, leaves out invalid ones with their reason, and replicas accept the result', () => {
    const chain = memoryChain();
    const tc = member(chain.net, 'trading-centre');
    const gen = member(chain.net, 'gen-a');
    const outsider = { ...tc, key: orgKeyPair(new Uint8Array(32).fill(9)) };
    const candidates = [
      memoTx(tc, 'a', 1n),
      memoTx(tc, 'gap', 5n),
      memoTx(gen, '', 1n), // business failure: included, failed receipt
      memoTx(outsider, 'who', 1n),
      memoTx(tc, 'b', 2n),
      memoTx(tc, 'b', 2n), // duplicate of the previous
    ].map((t) => verifyTransaction(env, t.bytes));
    const built = buildBlock(
      env,
      chain.state,
      chain.head,
      { view: 1n, proposer: 2, timestampMs: 5n },
      candidates,
    );
    assert.deepEqual(
      built.included.map((vt) => candidates.indexOf(vt)),
      [0, 2, 4],
    );
    assert.deepEqual(
      built.rejected.map((r) => [candidates.indexOf(r.tx), r.error.code]),
      [
        [1, 'LEDGER_NONCE'],
        [3, 'LEDGER_UNAUTHORISED'],
        [5, 'LEDGER_NONCE'],
      ],
    );
    assert.deepEqual(built.receipts, [
      { status: 'ok' },
      { status: 'failed', code: 'LEDGER_MEMO_EMPTY' },
      { status: 'ok' },
    ]);
    assert.equal(built.block.header.timestampMs, chain.head.timestampMs, 'clamped to the parent’s time');
    assert.equal(toHex(built.hash), toHex(blockHash(built.block.header)));
    const replica = executeBlock(env, chain.state, chain.head, built.block);
    assert.equal(toHex(replica.stateRoot), toHex(built.block.header.stateRoot));
    assert.deepEqual(replica.receipts, built.receipts);
  });

  it('stops at the transaction and byte limits, keeping the order', () => {
    const chain = memoryChain();
    const tc = member(chain.net, 'trading-centre');
    const candidates = [1n, 2n, 3n, 4n].map((n) => verifyTransaction(env, memoTx(tc, `n${n}`, n).bytes));
    const byCount = buildBlock(
      env,
      chain.state,
      chain.head,
      { view: 0n, proposer: 0, timestampMs: 0n },
      candidates,
      {
        maxTxs: 2,
      },
    );
    assert.equal(byCount.included.length, 2);
    const size = candidates[0]!.bytes.length;
    const byBytes = buildBlock(
      env,
      chain.state,
      chain.head,
      { view: 0n, proposer: 0, timestampMs: 0n },
      candidates,
      {
        maxTxs: 3,
        maxBytes: BLOCK_ENVELOPE_BYTES + 3 * (size + 4) - 1, // room for 2 of 3 (each with its u32 length)
      },
    );
    assert.equal(byBytes.included.length, 2);
  });
});

describe('verified transactions are not verified again', () => {
  it('executeBlock takes transactions from the verified set and verifies only the others', () => {
    const counting = countingHandler();
    const env2 = { ...env, handlers: new HandlerRegistry([memoHandler, counting]) };
    const chain = memoryChain();
    const tc = member(chain.net, 'trading-centre');
    const txs = [1n, 2n].map(
      (n) =>
        signOrgTransaction(
          { chainId: CHAIN_ID, kind: 'test.count', payload: Uint8Array.of(Number(n)) },
          n,
          tc.key,
        ).bytes,
    );
    const cache = new VerdictCache();
    const vts = txs.map((b) => verifyTransaction(env2, b));
    for (const vt of vts) cache.add(vt);
    assert.equal(counting.decoded, 2);
    const built = buildBlock(env2, chain.state, chain.head, { view: 0n, proposer: 0, timestampMs: 1n }, vts);
    assert.equal(counting.decoded, 2, 'building does not re-verify');
    executeBlock(env2, chain.state, chain.head, built.block, cache);
    assert.equal(counting.decoded, 2, 'validation with the verified set does not re-verify');
    cache.forget([vts[0]!.idHex]);
    executeBlock(env2, chain.state, chain.head, built.block, cache);
    assert.equal(counting.decoded, 3, 'only the transaction missing from the set is verified');
    executeBlock(env2, chain.state, chain.head, built.block, cache);
    assert.equal(counting.decoded, 3, 'and kept: a second proposal of the block is not verified again');
    executeBlock(env2, chain.state, chain.head, built.block);
    assert.equal(counting.decoded, 5);
  });

  it('the cache is bounded, oldest first', () => {
    const chain = memoryChain();
    const tc = member(chain.net, 'trading-centre');
    const cache = new VerdictCache({ maxEntries: 2 });
    const vts = [1n, 2n, 3n].map((n) => verifyTransaction(env, memoTx(tc, 'x', n).bytes));
    for (const vt of vts) cache.add(vt);
    assert.equal(cache.size, 2);
    assert.equal(cache.get(vts[0]!.idHex), undefined);
    assert.equal(cache.get(vts[2]!.idHex), vts[2]);
  });
});

describe('handler registry', () => {
  it('refuses a duplicate kind and an invalid kind name', () => {
    assert.throws(
      () => new HandlerRegistry([memoHandler, memoHandler]),
      (e) => isDppError(e, 'LEDGER_DUPLICATE_KIND'),
    );
    assert.throws(
      () => new HandlerRegistry([{ ...memoHandler, kind: 'Memo!' }]),
      (e) => isDppError(e, 'LEDGER_BAD_FIELD'),
    );
    assert.deepEqual(new HandlerRegistry([faultyHandler, memoHandler]).kinds(), [MEMO_KIND, 'test.faulty']);
  });

  it('a transaction on an empty state refuses every org sender', () => {
    const tc = member(memoryChain().net, 'trading-centre');
    const vt = verifyTransaction(env, memoTx(tc, 'x', 1n).bytes);
    const b = buildBlock(
      env,
      new MemoryState(),
      memoryChain().head,
      { view: 0n, proposer: 0, timestampMs: 0n },
      [vt],
    );
    assert.equal(b.rejected[0]?.error.code, 'LEDGER_UNAUTHORISED');
  });
});

describe('a failing state is the node’s fault, never a verdict on the transaction', () => {
  it('propagates unchanged from the scheme check and from handlers, even when a handler swallows it', () => {
    const chain = memoryChain();
    const tc = member(chain.net, 'trading-centre');
    const ioError = new Error('disk on fire');
    const failing = (failOn: (key: Uint8Array) => boolean) => ({
      get(key: Uint8Array) {
        if (failOn(key)) throw ioError;
        return chain.state.get(key);
      },
    });
    const swallowing: OrgTxHandler<Uint8Array> = {
      ...memoHandler,
      kind: 'test.swallow',
      validate(ctx) {
        try {
          ctx.state.get(utf8('boom'));
        } catch {
          // a careless handler
        }
      },
    };
    const env2 = { ...env, handlers: new HandlerRegistry([memoHandler, swallowing]) };
    const memo = verifyTransaction(env2, memoTx(tc, 'x', 1n).bytes);
    const swallow = verifyTransaction(
      env2,
      signOrgTransaction({ chainId: CHAIN_ID, kind: 'test.swallow', payload: utf8('y') }, 1n, tc.key).bytes,
    );
    const ctx = { chainId: CHAIN_ID, height: 1n, timestampMs: 0n, proposer: 0 };
    const nonceRead = failing((k) => toHex(k) === toHex(nonceKey(tc.key.publicKey)));
    assert.throws(
      () => executeTransaction(env2, nonceRead, ctx, memo, 0),
      (e) => e === ioError,
    );
    const closed = {
      get() {
        throw new LedgerError('LEDGER_STORE_CLOSED', 'closed');
      },
    };
    assert.throws(
      () => buildBlock(env2, closed, chain.head, { view: 0n, proposer: 0, timestampMs: 0n }, [memo]),
      (e) => isDppError(e, 'LEDGER_STORE_CLOSED'),
      'not a rejected transaction',
    );
    const boom = failing((k) => toHex(k) === toHex(utf8('boom')));
    assert.throws(
      () => executeTransaction(env2, boom, ctx, swallow, 0),
      (e) => e === ioError,
    );
  });
});
