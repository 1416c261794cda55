import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/consensus/messages.ts';
import { isDppError } from '../../src/errors.ts';
import { startTransport, type Transport } from '../../src/p2p/transport.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/p2p/transportOptions.ts';
import { closeAll, fullMesh, optionsFor, startMesh, waitFor } from './fixtures.ts';

/** A frame: u8 kind (0 broadcast, 1 unicast) ‖ u16 sender ‖ u32 sequence ‖ filler. */
function frame(kind: number, sender: number, seq: number, filler: number): Uint8Array {
  const b = new Uint8Array(7 + filler);
  const v = new DataView(b.buffer);
  v.setUint8(0, kind);
  v.setUint16(1, sender);
  v.setUint32(3, seq);
  return b;
}

describe('a 4-validator mesh', () => {
  const nets: Transport[] = [];
  after(() => closeAll(nets));

  it('connects every pair once, with peer-up events on both sides', async () => {
    const ups = new Map<number, number[]>();
    const started = await startMesh(4, () => ({}));
    nets.push(...started.nets);
    for (const [i, t] of nets.entries()) {
      ups.set(i, [...t.connectedPeers()]);
      t.onPeer((index, up) => {
        if (up) ups.get(i)!.push(index);
      });
    }
    await fullMesh(nets);
    for (const [i, t] of nets.entries()) {
      assert.deepEqual(
        t.connectedPeers(),
        [0, 1, 2, 3].filter((j) => j !== i),
      );
      assert.deepEqual([...new Set(ups.get(i))].sort(), t.connectedPeers());
      const s = t.stats();
      assert.equal(s.connects, 3);
      assert.equal(s.refused, 0);
    }
  });

  it('delivers broadcasts and unicasts both ways, complete and in order per peer', async () => {
    const PER_SENDER = 300;
    const got = nets.map(() => new Map<number, { kind: number; seq: number }[]>());
    for (const [i, t] of nets.entries()) {
      t.onMessage((from, bytes) => {
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        assert.equal(v.getUint16(1), from, 'the transport names the true sender');
        const list = got[i]!.get(from) ?? [];
        list.push({ kind: v.getUint8(0), seq: v.getUint32(3) });
        got[i]!.set(from, list);
      });
    }
    for (let seq = 0; seq < PER_SENDER; seq++) {
      for (const [i, t] of nets.entries()) {
        assert.equal(t.broadcast(frame(0, i, seq, seq % 50)), 3);
        for (let j = 0; j < nets.length; j++) {
          if (j !== i) assert.equal(t.send(j, frame(1, i, seq, (seq * 7) % 3000)), true);
        }
      }
    }
    const expected = 3 * 2 * PER_SENDER;
    await waitFor(
      () => got.every((m) => [...m.values()].reduce((n, l) => n + l.length, 0) === expected),
      'every frame',
    );
    for (const [i, m] of got.entries()) {
      assert.deepEqual(
        [...m.keys()].sort(),
        [0, 1, 2, 3].filter((j) => j !== i),
      );
      for (const list of m.values()) {
        // Sent interleaved as b0 u0 b1 u1 …: the stream from one peer must come back exactly so.
        const want = Array.from({ length: 2 * PER_SENDER }, (_, k) => ({ kind: k % 2, seq: k >> 1 }));
        assert.deepEqual(list, want);
      }
    }
    for (const t of nets) {
      const s = t.stats();
      assert.equal(s.framesOut, expected);
      assert.equal(s.framesIn, expected);
      assert.equal(s.drops, 0);
      assert.equal(s.unroutable, 0);
    }
  });

  it('refuses frames over the limit and unknown peers at send, without side effects', () => {
    const t = nets[0]!;
    const before = t.stats().framesOut;
    assert.throws(
      () => t.send(9, new Uint8Array(1)),
      (e) => isDppError(e, 'P2P_UNKNOWN_PEER'),
    );
    assert.throws(
      () => t.send(0, new Uint8Array(1)),
      (e) => isDppError(e, 'P2P_UNKNOWN_PEER'),
    );
    assert.equal(t.stats().framesOut, before);
  });
});

describe('transport lifecycle', () => {
  it('defaults to the consensus message limit', () => {
    assert.equal(DEFAULT_MAX_FRAME_BYTES, DEFAULT_LIMITS.maxMessageBytes);
  });

  it('refuses bad options and a port already in use with typed errors', async () => {
    await assert.rejects(startTransport({ ...optionsFor(0, 2, new Map()), peers: [], self: 70_000 }), (e) =>
      isDppError(e, 'P2P_BAD_CONFIG'),
    );
    const dup = optionsFor(0, 3, new Map());
    await assert.rejects(startTransport({ ...dup, peers: [dup.peers[0]!, dup.peers[0]!] }), (e) =>
      isDppError(e, 'P2P_BAD_CONFIG'),
    );
    await assert.rejects(startTransport({ ...dup, peers: [{ ...dup.peers[0]!, index: 0 }] }), (e) =>
      isDppError(e, 'P2P_BAD_CONFIG'),
    );
    await assert.rejects(startTransport({ ...dup, peers: [{ ...dup.peers[0]!, port: 0 }] }), (e) =>
      isDppError(e, 'P2P_BAD_CONFIG'),
    );
    const a = await startTransport(optionsFor(1, 2, new Map()));
    await assert.rejects(startTransport(optionsFor(1, 2, new Map([[1, a.address.port]]))), (e) =>
      isDppError(e, 'P2P_LISTEN_FAILED'),
    );
    await a.close();
  });

  it('sends to a disconnected peer return false and are counted; close is idempotent', async () => {
    const a = await startTransport(optionsFor(0, 2, new Map([[1, 1]])));
    assert.equal(a.send(1, new Uint8Array(3)), false);
    assert.equal(a.broadcast(new Uint8Array(3)), 0);
    assert.equal(a.stats().unroutable, 2);
    await Promise.all([a.close(), a.close()]);
    assert.equal(a.send(1, new Uint8Array(3)), false);
  });
});
