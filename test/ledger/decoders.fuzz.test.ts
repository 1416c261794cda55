/**
 * Fuzz tests for every ledger decoder not fuzzed beside its unit tests (transactions:
 * transaction.test.ts, proofs: merkle.test.ts, genesis: genesis.test.ts): random bytes and
 * mutations of valid encodings never crash, they decode canonically or throw DecodeError; and
 * whatever the node does next with such input — admission, block validation — only throws typed
 * errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bytesEqual } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { isDppError } from '../../src/errors.ts';
import { decodeBlock, encodeBlock, txRootOf } from '../../src/ledger/block.ts';
import { buildBlock } from '../../src/ledger/blockBuilder.ts';
import { decodeHeader, encodeHeader } from '../../src/ledger/blockHeader.ts';
import { decodeCommitCertificate, encodeCertificate, signCommitVote } from '../../src/ledger/certificate.ts';
import { executeBlock } from '../../src/ledger/execution.ts';
import {
  decodeMemberRecord,
  decodeValidatorRecord,
  encodeMemberRecord,
  encodeValidatorRecord,
} from '../../src/ledger/memberRecord.ts';
import {
  decodeReceipt,
  decodeTxLocation,
  encodeReceipt,
  encodeTxLocation,
} from '../../src/ledger/receipt.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { makeEnv, member, memoryChain, memoTx } from './fixtures.ts';
import { faultyHandler } from './testKinds.ts';

const env = makeEnv([faultyHandler]);
const chain = memoryChain('fuzz');
const tc = member(chain.net, 'trading-centre');
const vts = [1n, 2n, 3n].map((n) => verifyTransaction(env, memoTx(tc, `memo ${n}`, n).bytes));
const built = buildBlock(env, chain.state, chain.head, { view: 2n, proposer: 1, timestampMs: 0n }, vts);
const votes = chain.net.validatorKeys
  .slice(0, 3)
  .map((v) => signCommitVote(v.key, v.index, built.block.header, 2n));
const block = { ...built.block, certificate: { view: 2n, votes } };

/** Random bytes, or one mutation (bit flip, truncation, insertion, deletion, overwrite) of a sample. */
function inputs(samples: readonly Uint8Array[], maxRandom = 300): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .record({
      base: fc.constantFrom(...samples),
      at: fc.nat(),
      op: fc.constantFrom('flip', 'truncate', 'insert', 'delete', 'set'),
      byte: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ base, at, op, byte }) => {
      const arr = [...base];
      const i = at % Math.max(arr.length, 1);
      if (op === 'flip') arr[i] = (arr[i] ?? 0) ^ (1 << (byte % 8));
      else if (op === 'truncate') arr.length = i;
      else if (op === 'insert') arr.splice(i, 0, byte);
      else if (op === 'delete') arr.splice(i, 1);
      else arr[i] = byte;
      return Uint8Array.from(arr);
    });
  return fc.oneof(fc.uint8Array({ maxLength: maxRandom }), mutated);
}

/** Decoding either fails with a DecodeError or re-encodes to the very same bytes. */
function fuzz<T>(
  name: string,
  samples: Uint8Array[],
  decode: (b: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
  runs = 2000,
) {
  it(`${name}: random and mutated input decodes canonically or throws DecodeError`, () => {
    for (const s of samples) assert.ok(bytesEqual(encode(decode(s)), s), 'the samples decode');
    fc.assert(
      fc.property(inputs(samples), (bytes) => {
        let value: T;
        try {
          value = decode(bytes);
        } catch (e) {
          if (e instanceof DecodeError) return;
          throw e;
        }
        assert.ok(bytesEqual(encode(value), bytes), 'a decoded value has one encoding');
      }),
      { numRuns: runs },
    );
  });
}

describe('decoders never crash (fuzz)', () => {
  fuzz('block', [encodeBlock(block), encodeBlock(built.block)], decodeBlock, encodeBlock, 1500);
  fuzz('header', [encodeHeader(block.header)], decodeHeader, encodeHeader);
  fuzz('certificate', [encodeCertificate(block.certificate)], decodeCommitCertificate, encodeCertificate);
  fuzz(
    'receipt',
    [encodeReceipt({ status: 'ok' }), encodeReceipt({ status: 'failed', code: 'LEDGER_MEMO_EMPTY' })],
    decodeReceipt,
    encodeReceipt,
  );
  fuzz(
    'tx location',
    [encodeTxLocation({ height: 5n, index: 3, receipt: { status: 'failed', code: 'X_Y' } })],
    decodeTxLocation,
    encodeTxLocation,
  );
  const m = chain.net.genesis.members[3]!;
  fuzz(
    'member record',
    [encodeMemberRecord(m), encodeMemberRecord(chain.net.genesis.members[0]!)],
    decodeMemberRecord,
    encodeMemberRecord,
  );
  fuzz(
    'validator record',
    [encodeValidatorRecord(chain.net.genesis.validators[0]!)],
    decodeValidatorRecord,
    encodeValidatorRecord,
  );
});

describe('what the node does with hostile input only throws typed errors (fuzz)', () => {
  it('mempool admission of random and mutated transactions', () => {
    fc.assert(
      fc.property(inputs(vts.map((v) => v.bytes)), (bytes) => {
        try {
          verifyTransaction(env, bytes);
        } catch (e) {
          if (!isDppError(e)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('validation of random and mutated blocks', () => {
    fc.assert(
      fc.property(inputs([encodeBlock(block)], 50), (bytes) => {
        try {
          const b = decodeBlock(bytes);
          executeBlock(env, chain.state, chain.head, b);
        } catch (e) {
          if (!isDppError(e)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
    assert.deepEqual(executeBlock(env, chain.state, chain.head, block).receipts.length, 3);
  });

  it('validation of blocks holding a mutated transaction under a matching txRoot', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 }), inputs(vts.map((v) => v.bytes)), (i, tx) => {
        const txs = block.txs.map((t, j) => (j === i ? tx : t));
        const b = { ...block, header: { ...block.header, txRoot: txRootOf(txs) }, txs };
        try {
          executeBlock(env, chain.state, chain.head, b);
        } catch (e) {
          if (!isDppError(e)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
