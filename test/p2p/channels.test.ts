import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import {
  CONSENSUS_CHANNEL,
  consensusFrame,
  MAX_GOSSIP_TX_BYTES,
  openFrame,
  readTxBatch,
  TXS_CHANNEL,
  txBatchFrame,
  txBatchFrames,
} from '../../src/p2p/channels.ts';

const tx = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const hexes = (txs: Iterable<Uint8Array>) => [...txs].map(toHex);

describe('validator link channels', () => {
  it('a consensus frame is the channel byte and the message', () => {
    const frame = consensusFrame(Uint8Array.of(1, 2, 3));
    assert.equal(toHex(frame), '00010203');
    assert.deepEqual(openFrame(frame), { channel: CONSENSUS_CHANNEL, body: Uint8Array.of(1, 2, 3) });
    assert.equal(openFrame(new Uint8Array()), null, 'an empty frame carries nothing');
  });

  it('a gossip frame is the channel byte and u32-length-prefixed transactions, read back in order', () => {
    const frame = txBatchFrame([Uint8Array.of(0xaa), Uint8Array.of(0xbb, 0xcc)]);
    assert.equal(toHex(frame), '0100000001aa00000002bbcc');
    const opened = openFrame(frame)!;
    assert.equal(opened.channel, TXS_CHANNEL);
    assert.deepEqual(hexes(readTxBatch(opened.body)), ['aa', 'bbcc']);
  });

  it('catch-up frames are cut before the transaction that would pass the bound; a larger one goes alone', () => {
    const txs = [tx(400, 1), tx(400, 2), tx(400, 3), tx(2_000, 4), tx(10, 5)];
    const frames = txBatchFrames(txs, 1_000);
    const sizes = frames.map((f) => [...readTxBatch(openFrame(f)!.body)].map((t) => t.length));
    assert.deepEqual(sizes, [[400, 400], [400], [2_000], [10]]);
    assert.deepEqual(txBatchFrames([]), [], 'no transactions, no frame');
  });

  it('a malformed batch yields the transactions before the fault, then throws DecodeError', () => {
    const frame = txBatchFrame([Uint8Array.of(1), Uint8Array.of(2)]);
    const truncated = openFrame(frame)!.body.subarray(0, -1);
    const read: string[] = [];
    assert.throws(() => {
      for (const t of readTxBatch(truncated)) read.push(toHex(t));
    }, DecodeError);
    assert.deepEqual(read, ['01']);
    const oversized = openFrame(txBatchFrame([tx(MAX_GOSSIP_TX_BYTES + 1, 0)]))!.body;
    assert.throws(() => [...readTxBatch(oversized)], DecodeError);
    assert.equal([...readTxBatch(openFrame(txBatchFrame([tx(MAX_GOSSIP_TX_BYTES, 0)]))!.body)].length, 1);
  });
});
