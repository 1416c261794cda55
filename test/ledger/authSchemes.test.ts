import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, utf8 } from '../../src/codec/bytes.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import type { Block } from '../../src/ledger/block.ts';
import { executeBlock } from '../../src/ledger/execution.ts';
import { ringTxContext } from '../../src/ledger/ringAuth.ts';
import { usedKey } from '../../src/ledger/stateKeys.ts';
import { readU64Value } from '../../src/ledger/stateValues.ts';
import { encodeTransaction } from '../../src/ledger/transaction.ts';
import {
  ringTransaction,
  type SignedTransaction,
  signPseudonymTransaction,
} from '../../src/ledger/txSigning.ts';
import { isUniqueIdUsed } from '../../src/ledger/uniqueId.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { generateKeyPair } from '../../src/privacy/keyPair.ts';
import { signcrypt } from '../../src/privacy/ringSigncryption.ts';
import { encodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { makeWorld } from '../privacy/fixtures.ts';
import {
  blockOf,
  CHAIN_ID,
  commitToMemory,
  group,
  type MemoryChain,
  makeEnv,
  memoryChain,
} from './fixtures.ts';
import {
  certifiedKey,
  pseudoHandler,
  pseudoNoteKey,
  RING_KEY,
  ringHandler,
  ringNoteKey,
} from './testKinds.ts';

const random = seededRandom('auth scheme tests');
const world = makeWorld(group, 4, 'ledger ring');
const env = makeEnv([pseudoHandler, ringHandler(world.params)]);

function assertInvalid(chain: MemoryChain, block: Block, code: string, message?: string): void {
  assert.throws(
    () => executeBlock(env, chain.state, chain.head, block),
    (e) => isDppError(e, code),
    message ?? code,
  );
}

describe('pseudonym-authorised transactions (Schnorr, unique id)', () => {
  const chain = memoryChain();
  const holder = generateKeyPair(group, random);
  const stranger = generateKeyPair(group, random);
  chain.state.apply([{ key: certifiedKey(holder.publicKey), value: Uint8Array.of(1) }]);
  const pseudoTx = (key = holder, note = 'note', id = random(32)): SignedTransaction =>
    signPseudonymTransaction(
      group,
      { chainId: CHAIN_ID, kind: 'test.pseudo', payload: utf8(note) },
      key,
      id,
      random,
    );
  const first = pseudoTx();

  it('executes, and consumes its unique id at the block height', () => {
    const result = commitToMemory(env, chain, blockOf(env, chain.state, chain.head, [first.bytes]));
    assert.deepEqual(result.receipts, [{ status: 'ok' }]);
    assert.deepEqual(chain.state.get(pseudoNoteKey(holder.publicKey)), utf8('note'));
    if (first.tx.auth.scheme !== 'pseudonym') assert.fail();
    const used = chain.state.get(usedKey(first.tx.auth.uniqueId));
    assert.equal(used && readU64Value(used, usedKey(first.tx.auth.uniqueId)), chain.head.height);
  });

  it('refuses a replay, and another transaction reusing the id, in a later block or the same one', () => {
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [first.bytes]), 'LEDGER_REPLAY', 'same tx');
    if (first.tx.auth.scheme !== 'pseudonym') assert.fail();
    const reuse = pseudoTx(holder, 'other', first.tx.auth.uniqueId);
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [reuse.bytes]), 'LEDGER_REPLAY', 'same id');
    const id = random(32);
    const twice = [pseudoTx(holder, 'a', id).bytes, pseudoTx(holder, 'b', id).bytes];
    assertInvalid(chain, blockOf(env, chain.state, chain.head, twice), 'LEDGER_REPLAY', 'same block');
  });

  it('refuses a bad signature (stateless) and an uncertified pseudonym (authorise)', () => {
    const tx = pseudoTx();
    const tampered = tx.bytes.slice();
    tampered[tampered.length - 40]! ^= 1; // inside e: still canonical, no longer the challenge
    assert.throws(
      () => verifyTransaction(env, tampered),
      (e) => isDppError(e, 'LEDGER_BAD_SIGNATURE') || isDppError(e, 'DECODE_NON_CANONICAL'),
    );
    const forged = encodeTransaction({ ...tx.tx, payload: utf8('another note') }); // same signature
    assert.throws(
      () => verifyTransaction(env, forged),
      (e) => isDppError(e, 'LEDGER_BAD_SIGNATURE'),
    );
    assertInvalid(
      chain,
      blockOf(env, chain.state, chain.head, [pseudoTx(stranger).bytes]),
      'LEDGER_UNAUTHORISED',
    );
  });

  it('a business failure gives a failed receipt and still consumes the id', () => {
    const empty = pseudoTx(holder, '');
    const r = commitToMemory(env, chain, blockOf(env, chain.state, chain.head, [empty.bytes]));
    assert.deepEqual(r.receipts, [{ status: 'failed', code: 'TEST_EMPTY' }]);
    if (empty.tx.auth.scheme !== 'pseudonym') assert.fail();
    assert.equal(isUniqueIdUsed(chain.state, empty.tx.auth.uniqueId), true);
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [empty.bytes]), 'LEDGER_REPLAY');
  });
});

describe('ring-authorised transactions (ring signcryption in the payload, unique id)', () => {
  const chain = memoryChain();
  chain.state.apply([{ key: RING_KEY, value: concatBytes(...world.ring.members) }]);
  const ringTx = (uniqueId: Uint8Array, contextId = uniqueId, signer = 0): SignedTransaction => {
    const sc = signcrypt(
      world.params,
      world.members[signer]!.keys,
      world.ring,
      world.receiver.publicKey,
      ringTxContext(CHAIN_ID, 'test.ring', contextId),
      utf8('bill 7: confirmed'),
      random,
    );
    return ringTransaction(
      { chainId: CHAIN_ID, kind: 'test.ring', payload: encodeSigncryption(sc) },
      uniqueId,
    );
  };
  const id = random(32);
  const first = ringTx(id);

  it('executes a signcryption by a ring member bound to the unique id', () => {
    const r = commitToMemory(env, chain, blockOf(env, chain.state, chain.head, [first.bytes]));
    assert.deepEqual(r.receipts, [{ status: 'ok' }]);
    assert.deepEqual(chain.state.get(ringNoteKey(id)), Uint8Array.of(1));
    assert.equal(isUniqueIdUsed(chain.state, id), true);
  });

  it('refuses a replay, and the same payload re-sent under a fresh unique id', () => {
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [first.bytes]), 'LEDGER_REPLAY');
    const rewrapped = ringTransaction(
      { chainId: CHAIN_ID, kind: 'test.ring', payload: first.tx.payload },
      random(32),
    );
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [rewrapped.bytes]), 'LEDGER_UNAUTHORISED');
    const mismatched = ringTx(random(32), random(32), 1);
    assertInvalid(chain, blockOf(env, chain.state, chain.head, [mismatched.bytes]), 'LEDGER_UNAUTHORISED');
  });

  it('refuses a signcryption whose ring is not the one in state, and a malformed payload', () => {
    const elsewhere = memoryChain();
    elsewhere.state.apply([{ key: RING_KEY, value: concatBytes(...world.ring.members.slice(1)) }]);
    const tx = ringTx(random(32));
    assert.throws(
      () =>
        executeBlock(
          env,
          elsewhere.state,
          elsewhere.head,
          blockOf(env, elsewhere.state, elsewhere.head, [tx.bytes]),
        ),
      (e) => isDppError(e, 'LEDGER_UNAUTHORISED'),
    );
    const junk = ringTransaction(
      { chainId: CHAIN_ID, kind: 'test.ring', payload: utf8('not a signcryption') },
      random(32),
    );
    assert.throws(
      () => verifyTransaction(env, junk.bytes),
      (e) => isDppError(e, 'LEDGER_BAD_PAYLOAD'),
    );
  });
});
