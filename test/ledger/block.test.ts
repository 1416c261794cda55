import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bytesEqual, toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { Writer } from '../../src/codec/writer.ts';
import { taggedSha256 } from '../../src/crypto/hash.ts';
import { isDppError } from '../../src/errors.ts';
import { type Block, decodeBlock, encodeBlock, MAX_BLOCK_TXS, txRootOf } from '../../src/ledger/block.ts';
import { type BlockHeader, blockHash, decodeHeader, encodeHeader } from '../../src/ledger/blockHeader.ts';
import { decodeCommitCertificate, encodeCertificate, signCommitVote } from '../../src/ledger/certificate.ts';
import { CHAIN_ID, makeNetwork, member, memoTx } from './fixtures.ts';

const net = makeNetwork('block tests');
const tc = member(net, 'trading-centre');
const txs = [memoTx(tc, 'one', 1n).bytes, memoTx(tc, 'two', 2n).bytes];
const header: BlockHeader = {
  chainId: CHAIN_ID,
  height: 42n,
  prevHash: new Uint8Array(32).fill(1),
  txRoot: txRootOf(txs),
  stateRoot: new Uint8Array(32).fill(3),
  view: 7n,
  proposer: 2,
  timestampMs: 1_800_000_123_456n,
};
const votes = net.validatorKeys.slice(0, 3).map((v) => signCommitVote(v.key, v.index, header, 8n));
const block: Block = { header, txs, certificate: { view: 8n, votes } };

describe('block header', () => {
  it('has the documented layout and hash', () => {
    const expected = new Writer()
      .u8(1)
      .string(CHAIN_ID)
      .u64(42n)
      .fixed(header.prevHash, 32)
      .fixed(header.txRoot, 32)
      .fixed(header.stateRoot, 32)
      .u64(7n)
      .u16(2)
      .u64(header.timestampMs)
      .finish();
    assert.equal(toHex(encodeHeader(header)), toHex(expected));
    assert.equal(toHex(blockHash(header)), toHex(taggedSha256('dpp/block/v1', expected)));
    assert.deepEqual(decodeHeader(expected), header);
  });

  it('every field changes the hash', () => {
    const h0 = toHex(blockHash(header));
    const changed: BlockHeader[] = [
      { ...header, chainId: 'other' },
      { ...header, height: 43n },
      { ...header, prevHash: new Uint8Array(32) },
      { ...header, txRoot: new Uint8Array(32) },
      { ...header, stateRoot: new Uint8Array(32) },
      { ...header, view: 8n },
      { ...header, proposer: 3 },
      { ...header, timestampMs: header.timestampMs + 1n },
    ];
    const hashes = new Set(changed.map((h) => toHex(blockHash(h))));
    assert.equal(hashes.size, changed.length);
    assert.ok(!hashes.has(h0));
  });

  it('refuses out-of-range fields when encoding', () => {
    for (const bad of [
      { ...header, proposer: 65536 },
      { ...header, height: -1n },
      { ...header, prevHash: new Uint8Array(31) },
      { ...header, chainId: 'UPPER' },
    ]) {
      assert.throws(
        () => encodeHeader(bad),
        (e) => isDppError(e, 'LEDGER_BAD_FIELD'),
      );
    }
  });
});

describe('block encoding', () => {
  it('round-trips every field, the certificate not changing the hash', () => {
    const bytes = encodeBlock(block);
    const back = decodeBlock(bytes);
    assert.deepEqual(back, block);
    assert.ok(bytesEqual(encodeBlock(back), bytes));
    const bare = { ...block, certificate: { view: 0n, votes: [] } };
    assert.equal(toHex(blockHash(decodeBlock(encodeBlock(bare)).header)), toHex(blockHash(header)));
  });

  it('round-trips random headers and transaction lists (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 0, max: 65535 }),
        fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 65535 }), { maxLength: 5 }),
        (n, proposer, list, indices) => {
          const b: Block = {
            header: { ...header, height: n, view: n, timestampMs: n, proposer, txRoot: txRootOf(list) },
            txs: list,
            certificate: {
              view: n,
              votes: indices.map((i) => ({ validatorIndex: i, signature: new Uint8Array(64).fill(i & 255) })),
            },
          };
          const back = decodeBlock(encodeBlock(b));
          assert.deepEqual(back.header, b.header);
          assert.deepEqual(back.txs, b.txs);
          assert.deepEqual(
            back.certificate.votes.map((v) => v.validatorIndex),
            [...indices].sort((x, y) => x - y),
            'votes are written in index order',
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses too many transactions, unsorted or repeated votes, trailing bytes', () => {
    const many = { ...block, txs: new Array(MAX_BLOCK_TXS + 1).fill(new Uint8Array(1)) };
    assert.throws(
      () => encodeBlock(many),
      (e) => isDppError(e, 'LEDGER_TOO_LARGE'),
    );
    const count = new Writer();
    const hdr = encodeHeader(header);
    const fake = Uint8Array.from([...hdr, ...count.u32(MAX_BLOCK_TXS + 1).finish()]);
    assert.throws(
      () => decodeBlock(fake),
      (e) => e instanceof DecodeError && e.code === 'DECODE_BAD_LENGTH',
    );
    const dup = { view: 1n, votes: [votes[0]!, votes[0]!] };
    assert.throws(
      () => encodeCertificate(dup),
      (e) => isDppError(e, 'LEDGER_BAD_FIELD'),
    );
    const unsorted = new Writer()
      .u64(1n)
      .u16(2)
      .u16(2)
      .fixed(new Uint8Array(64), 64)
      .u16(1)
      .fixed(new Uint8Array(64), 64);
    assert.throws(
      () => decodeCommitCertificate(unsorted.finish()),
      (e) => e instanceof DecodeError && e.code === 'DECODE_NON_CANONICAL',
    );
    assert.throws(
      () => decodeBlock(Uint8Array.of(...encodeBlock(block), 0)),
      (e) => e instanceof DecodeError && e.code === 'DECODE_TRAILING_BYTES',
    );
  });
});
