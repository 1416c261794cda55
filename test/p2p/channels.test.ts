import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { Writer } from '../../src/codec/writer.ts';
import {
  CONSENSUS_CHANNEL,
  consensusFrame,
  decodeTxBatch,
  MAX_GOSSIP_BATCH_TXS,
  MAX_GOSSIP_TX_BYTES,
  openFrame,
  TXS_CHANNEL,
  txBatchFrames,
} from '../../src/p2p/channels.ts';

const tx = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const hexes = (txs: Iterable<Uint8Array>) => [...txs].map(toHex);
const bodyOf = (frame: Uint8Array) => openFrame(frame)!.body;
const refusedAs = (code: string) => (e: unknown) => e instanceof DecodeError && e.code === code;

describe('validator link channels', () => {
  it('a consensus frame is the channel byte and the message', () => {
    const frame = consensusFrame(Uint8Array.of(1, 2, 3));
    assert.equal(toHex(frame), '00010203');
    assert.deepEqual(openFrame(frame), { channel: CONSENSUS_CHANNEL, body: Uint8Array.of(1, 2, 3) });
    assert.equal(openFrame(new Uint8Array()), null, 'an empty frame carries nothing');
  });

  it('a gossip frame is the channel byte, a u32 count and u32-length-prefixed transactions, read back in order', () => {
    const [frame, ...more] = txBatchFrames([Uint8Array.of(0xaa), Uint8Array.of(0xbb, 0xcc)]);
    assert.equal(more.length, 0);
    assert.equal(toHex(frame!), '010000000200000001aa00000002bbcc');
    const opened = openFrame(frame!)!;
    assert.equal(opened.channel, TXS_CHANNEL);
    assert.deepEqual(hexes(decodeTxBatch(opened.body)), ['aa', 'bbcc']);
  });

  it('frames are cut before the transaction that would pass the bound; a larger one goes alone', () => {
    const txs = [tx(400, 1), tx(400, 2), tx(400, 3), tx(2_000, 4), tx(10, 5)];
    const frames = txBatchFrames(txs, 1_000);
    const sizes = frames.map((f) => decodeTxBatch(bodyOf(f)).map((t) => t.length));
    assert.deepEqual(sizes, [[400, 400], [400], [2_000], [10]]);
    assert.deepEqual(txBatchFrames([]), [], 'no transactions, no frame');
  });

  it('frames hold at most MAX_GOSSIP_BATCH_TXS transactions', () => {
    const txs = Array.from({ length: MAX_GOSSIP_BATCH_TXS + 3 }, () => Uint8Array.of(7));
    const counts = txBatchFrames(txs, 1 << 30).map((f) => decodeTxBatch(bodyOf(f)).length);
    assert.deepEqual(counts, [MAX_GOSSIP_BATCH_TXS, 3]);
  });

  it('the decoder is strict and whole: any fault refuses the batch with a typed DecodeError naming it', () => {
    const body = bodyOf(txBatchFrames([Uint8Array.of(1), Uint8Array.of(2)])[0]!);
    assert.throws(() => decodeTxBatch(body.subarray(0, -1)), refusedAs('DECODE_TRUNCATED'));
    assert.throws(() => decodeTxBatch(Uint8Array.of(...body, 0)), refusedAs('DECODE_TRAILING_BYTES'));
    assert.throws(() => decodeTxBatch(new Writer().u32(0).finish()), refusedAs('DECODE_BAD_LENGTH'));
    assert.throws(
      () => decodeTxBatch(new Writer().u32(MAX_GOSSIP_BATCH_TXS + 1).finish()),
      (e) => refusedAs('DECODE_BAD_LENGTH')(e) && (e as DecodeError).details.max === MAX_GOSSIP_BATCH_TXS,
    );
    const oversized = new Writer()
      .u32(1)
      .bytes(tx(MAX_GOSSIP_TX_BYTES + 1, 0))
      .finish();
    assert.throws(() => decodeTxBatch(oversized), refusedAs('DECODE_BAD_LENGTH'));
    assert.equal(decodeTxBatch(bodyOf(txBatchFrames([tx(MAX_GOSSIP_TX_BYTES, 0)])[0]!)).length, 1);
  });

  it('round-trips any list of transactions; random bytes decode or throw DecodeError, never anything else', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 40 }), fc.nat(300), (txs, cut) => {
        const frames = txBatchFrames(txs, cut + 1);
        assert.deepEqual(frames.flatMap((f) => decodeTxBatch(bodyOf(f))).map(toHex), txs.map(toHex));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeTxBatch(bytes);
        } catch (e) {
          assert.ok(e instanceof DecodeError);
        }
      }),
    );
  });
});
