/**
 * Transaction gossip (src/node/txGossip.ts, docs/p2p.md §6): a client's large batch leaves in frames
 * of about 1 MiB of transactions — never one frame the transport would refuse — and a peer's batch
 * is admitted in slices that yield to the event loop, so a batch of slow (expensive) transactions
 * does not keep the node from anything else; a malformed batch is refused whole.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Traffic } from '../../src/node/traffic.ts';
import { TxGossip } from '../../src/node/txGossip.ts';
import { decodeTxBatch, GOSSIP_FRAME_BYTES, openFrame, txBatchFrames } from '../../src/p2p/channels.ts';

const silent = pino({ level: 'silent' });

function gossipWith(admit: (tx: Uint8Array) => void = () => {}) {
  const sent: { to: number; frame: Uint8Array }[] = [];
  const traffic = {
    send: (_kind: string, to: number, frame: Uint8Array) => {
      sent.push({ to, frame });
      return true;
    },
  } as unknown as Traffic;
  const gossip = new TxGossip({ traffic, peers: () => [1, 2, 3], pending: () => [], admit, log: silent });
  return { gossip, sent };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('transaction gossip', () => {
  it('a client batch of 3 MiB leaves in frames of about 1 MiB, to every peer, in order', async () => {
    const { gossip, sent } = gossipWith();
    const txs = Array.from({ length: 3_000 }, (_, i) => new Uint8Array(1_000).fill(i % 256));
    for (const tx of txs) gossip.add(tx);
    await tick();
    gossip.stop();
    const toPeer1 = sent.filter((s) => s.to === 1).map((s) => s.frame);
    assert.ok(toPeer1.length >= 3, `${toPeer1.length} frames`);
    for (const f of toPeer1) {
      const bytes = decodeTxBatch(openFrame(f)!.body).reduce((a, t) => a + t.length, 0);
      assert.ok(bytes <= GOSSIP_FRAME_BYTES, `a frame of ${bytes} bytes of transactions`);
    }
    const received = toPeer1.flatMap((f) => decodeTxBatch(openFrame(f)!.body));
    assert.equal(received.length, 3_000);
    assert.deepEqual(received[2_999], txs[2_999]);
    assert.equal(sent.length, 3 * toPeer1.length, 'the same frames to each of the three peers');
  });

  it('a peer’s batch of slow transactions is admitted in slices, letting timers run between them', async () => {
    let admitted = 0;
    const { gossip } = gossipWith(() => {
      const until = performance.now() + 2; // a 2 ms verification each
      while (performance.now() < until) {}
      admitted++;
    });
    const body = openFrame(txBatchFrames(Array.from({ length: 50 }, () => Uint8Array.of(1)))[0]!)!.body;
    gossip.receive(1, body);
    assert.equal(admitted, 0, 'nothing is admitted inside receive');
    const seenByTimer: number[] = [];
    const timer = setInterval(() => seenByTimer.push(admitted), 1);
    while (admitted < 50) await tick();
    clearInterval(timer);
    assert.ok(
      seenByTimer.some((n) => n > 0 && n < 50),
      `a timer ran while the batch was half admitted (${seenByTimer.join(',')})`,
    );
    assert.equal(gossip.backlog, 0);
    gossip.stop();
  });

  it('a malformed batch is refused whole: nothing of it is admitted', async () => {
    let admitted = 0;
    const { gossip } = gossipWith(() => admitted++);
    const body = openFrame(txBatchFrames([Uint8Array.of(1), Uint8Array.of(2)])[0]!)!.body;
    gossip.receive(1, body.subarray(0, -1));
    await tick();
    assert.equal(admitted, 0);
    gossip.receive(1, body);
    while (admitted < 2) await tick();
    gossip.stop();
  });
});
