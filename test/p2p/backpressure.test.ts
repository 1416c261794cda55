import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTransport } from '../../src/p2p/transport.ts';
import { optionsFor, recordingLogger, sleep, stubDial, validatorKey, waitFor } from './fixtures.ts';

const FRAME = 64 * 1024;
const frameWithSeq = (seq: number) => {
  const b = new Uint8Array(FRAME);
  new DataView(b.buffer).setUint32(0, seq);
  return b;
};

describe('backpressure', () => {
  it('a peer that does not read: the queue stays bounded, the oldest frames are dropped and counted', async () => {
    const MAX_QUEUE = 1 << 20;
    const logger = recordingLogger();
    const t = await startTransport(
      optionsFor(1, 2, new Map(), {
        logger,
        maxQueueBytes: MAX_QUEUE,
        highWaterBytes: 256 * 1024,
        pingIntervalMs: 60_000,
      }),
    );
    const stub = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0) });
    try {
      assert.equal(await stub.authenticated, true);
      await waitFor(() => t.connectedPeers().includes(0), 'the stub');
      stub.ws.pause();
      const epoch = t.linkEpoch(0);

      // At least 40 MiB, and on until frames are dropped, whatever the kernel's socket buffers hold
      // (a bounded queue must drop long before 512 MiB).
      let N = 0;
      let maxQueued = 0;
      for (let seq = 0; seq < 640 || t.stats().drops < 16; seq++) {
        assert.ok(seq < 8192, 'frames were never dropped');
        t.send(0, frameWithSeq(seq));
        N = seq + 1;
        const p = t.stats().peers[0]!;
        maxQueued = Math.max(maxQueued, p.queuedBytes);
        assert.ok(p.queuedBytes <= MAX_QUEUE, `queue at ${p.queuedBytes}`);
        if (seq % 16 === 15) await new Promise((r) => setImmediate(r));
      }
      const s = t.stats().peers[0]!;
      if (process.env.P2P_LOG) console.log({ ...s, maxQueued });
      assert.ok(maxQueued > MAX_QUEUE / 2, 'the queue was used');
      assert.ok(s.drops > 0, 'drops are counted');
      assert.equal(s.framesOut + s.drops + s.queuedFrames, N, 'every frame is written, queued or dropped');
      assert.equal(s.dropBytes, s.drops * FRAME);
      assert.equal(t.linkEpoch(0), epoch + s.drops, 'each drop starts a new link epoch');
      assert.ok(logger.entries.some((e) => e.msg.includes('dropping oldest')));

      // The peer reads again: it gets what was written, then the queue's newest frames, in order.
      stub.ws.resume();
      await waitFor(
        () => stub.received.length > 0 && new DataView(stub.received.at(-1)!.buffer).getUint32(0) === N - 1,
        'the last frame',
      );
      const seqs = stub.received.map((b) => new DataView(b.buffer, b.byteOffset).getUint32(0));
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, 'in order');
      assert.equal(seqs.length + s.drops, N, 'nothing lost beyond the counted drops');
      assert.equal(t.stats().peers[0]!.queuedBytes, 0);
    } finally {
      stub.ws.terminate();
      await t.close();
    }
  });

  it('a peer that does not answer pings is dropped with its queue', async () => {
    const logger = recordingLogger();
    const t = await startTransport(
      optionsFor(1, 2, new Map(), {
        logger,
        maxQueueBytes: 1 << 20,
        highWaterBytes: 64 * 1024,
        pingIntervalMs: 150,
      }),
    );
    const stub = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0) });
    try {
      assert.equal(await stub.authenticated, true);
      await waitFor(() => t.connectedPeers().includes(0), 'the stub');
      stub.ws.pause();
      for (let seq = 0; seq < 200; seq++) {
        t.send(0, frameWithSeq(seq));
        if (seq % 16 === 15) await sleep(1);
      }
      await waitFor(() => t.connectedPeers().length === 0, 'the timeout', 5_000);
      assert.ok(logger.codes().includes('P2P_PEER_TIMEOUT'));
      const s = t.stats().peers[0]!;
      assert.equal(s.queuedBytes, 0);
      assert.equal(s.framesOut + s.drops, 200);
    } finally {
      stub.ws.terminate();
      await t.close();
    }
  });
});
