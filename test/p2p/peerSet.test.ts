import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDppError } from '../../src/errors.ts';
import { CLOSE_CODES } from '../../src/p2p/p2pError.ts';
import { startTransport, type Transport } from '../../src/p2p/transport.ts';
import type { PeerAddress, TransportOptions } from '../../src/p2p/transportOptions.ts';
import {
  CHAIN,
  closeAll,
  FAST,
  HOST,
  type LogEntry,
  recordingLogger,
  sleep,
  stubDial,
  validatorKey,
  waitFor,
} from './fixtures.ts';

/**
 * Validator-set reconfiguration (docs/p2p.md §7): slots are sparse (0, 3, 7), peers are added,
 * removed and re-keyed with `setPeers` while numbered frames flow on the links that do not change,
 * and those links must lose nothing, reorder nothing and keep their connection.
 */

const peer = (index: number, port: number, salt = 'validator'): PeerAddress => ({
  index,
  host: HOST,
  port,
  publicKey: validatorKey(index, salt).publicKey,
});

function options(
  self: number,
  peers: PeerAddress[],
  extra: Partial<TransportOptions> = {},
): TransportOptions {
  return {
    chainId: CHAIN,
    self,
    keyPair: validatorKey(self),
    listen: { host: HOST, port: 0 },
    peers,
    ...FAST,
    ...extra,
  };
}

/** Sends a numbered frame every ms from `from` to `to` until stopped; the receiver checks the order. */
function pump(from: Transport, to: Transport): { stop(): Promise<void>; sent(): number; got(): number[] } {
  const got: number[] = [];
  to.onMessage((sender, b) => {
    if (sender === from.self && b.length === 5 && b[0] === 0xaa)
      got.push(new DataView(b.buffer, b.byteOffset).getUint32(1));
  });
  let seq = 0;
  let refused = 0;
  const timer = setInterval(() => {
    const f = new Uint8Array(5);
    f[0] = 0xaa;
    new DataView(f.buffer).setUint32(1, seq);
    if (from.send(to.self, f)) seq++;
    else refused++;
  }, 1);
  return {
    async stop() {
      clearInterval(timer);
      assert.equal(refused, 0, `every frame from ${from.self} to ${to.self} was taken`);
      await waitFor(() => got.length === seq, `every frame from ${from.self} to ${to.self}`);
    },
    sent: () => seq,
    got: () => got,
  };
}

const codesOf = (entries: LogEntry[]) =>
  entries.map((e) => e.obj.code).filter((c): c is string => typeof c === 'string');

describe('dynamic peer sets', () => {
  it('a validator started with no peers only listens, and knows no one until setPeers', async () => {
    const t = await startTransport(options(3, []));
    try {
      assert.deepEqual(t.peerIndices(), []);
      assert.deepEqual(t.stats().peers, []);
      assert.equal(t.broadcast(Uint8Array.of(1)), 0);
      assert.throws(
        () => t.send(0, Uint8Array.of(1)),
        (e) => isDppError(e, 'P2P_UNKNOWN_PEER'),
      );
      // Nobody may connect to an empty set.
      const stub = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0) });
      assert.equal((await stub.closed).reason, 'P2P_UNKNOWN_PEER');
    } finally {
      await t.close();
    }
  });

  it('refuses a malformed set with P2P_BAD_CONFIG and keeps the old one', async () => {
    const t = await startTransport(options(3, [peer(7, 1)]));
    try {
      const bad: PeerAddress[][] = [
        [peer(3, 1)],
        [peer(7, 1), peer(7, 2)],
        [{ ...peer(7, 1), publicKey: new Uint8Array(31) }],
        [peer(9, 0)], // dialed by 3 but no port
        [peer(70_000, 1)],
      ];
      for (const set of bad)
        assert.throws(
          () => t.setPeers(set),
          (e) => isDppError(e, 'P2P_BAD_CONFIG'),
        );
      assert.deepEqual(t.peerIndices(), [7]);
    } finally {
      await t.close();
    }
  });

  it('adds, removes and re-keys peers while frames flow on the unchanged link', async () => {
    const logs = new Map([0, 3, 7].map((i) => [i, recordingLogger()]));
    const log = (i: number) => logs.get(i)!;
    // 7 listens first, 3 dials it; 0 starts alone with an empty set.
    const t7 = await startTransport(options(7, [peer(3, 0)], { logger: log(7) }));
    const t3 = await startTransport(options(3, [peer(7, t7.address.port)], { logger: log(3) }));
    const t0 = await startTransport(options(0, [], { logger: log(0) }));
    const all: Transport[] = [t7, t3, t0];
    try {
      await waitFor(() => t3.connectedPeers().includes(7) && t7.connectedPeers().includes(3), 'the 3–7 link');
      // (7 never dials 3 or 0, so their entries on 7's side carry port 0 throughout: any change of
      // an entry, address included, would restart that link.)
      const a = pump(t3, t7);
      const b = pump(t7, t3);
      const epoch37 = t3.linkEpoch(7);

      // [ADD] 0 joins: everyone lists everyone; 0 dials 3 and 7 (the lower index dials).
      const port = { 3: t3.address.port, 7: t7.address.port };
      t0.setPeers([peer(3, port[3]), peer(7, port[7])]);
      t3.setPeers([peer(0, 0), peer(7, port[7])]);
      t7.setPeers([peer(0, 0), peer(3, 0)]); // 7 dials neither: their ports are not needed
      await waitFor(
        () =>
          t0.connectedPeers().join() === '3,7' &&
          t3.connectedPeers().join() === '0,7' &&
          t7.connectedPeers().join() === '0,3',
        'the mesh of 0, 3, 7',
      );
      const c = pump(t0, t7);
      await sleep(50);
      await c.stop();
      assert.deepEqual(c.got(), [...Array(c.sent()).keys()]);

      // [REMOVE] 3 and 7 drop 0; 0 still lists them and keeps redialing, refused each time.
      t3.setPeers([peer(7, port[7])]);
      t7.setPeers([peer(3, 0)]);
      assert.deepEqual(t3.connectedPeers(), [7], 'closed at once');
      assert.deepEqual(t7.connectedPeers(), [3]);
      assert.deepEqual(t7.peerIndices(), [3]);
      assert.deepEqual(
        t7.stats().peers.map((p) => p.index),
        [3],
      );
      assert.throws(
        () => t3.send(0, Uint8Array.of(1)),
        (e) => isDppError(e, 'P2P_UNKNOWN_PEER'),
      );
      assert.throws(() => t7.linkEpoch(0), { code: 'P2P_UNKNOWN_PEER' });
      await waitFor(
        () =>
          codesOf(log(7).entries).includes('P2P_UNKNOWN_PEER') &&
          codesOf(log(3).entries).includes('P2P_UNKNOWN_PEER'),
        'the removed peer’s redials to be refused',
      );
      assert.ok(codesOf(log(0).entries).includes('P2P_PEER_REMOVED'), 'told why it was dropped');
      assert.deepEqual(t0.connectedPeers(), []);
      // A hand-driven dialer holding 0's genesis key is refused as well.
      const stub = await stubDial({ port: port[7], index: 0, key: validatorKey(0) });
      assert.equal((await stub.closed).reason, 'P2P_UNKNOWN_PEER');

      // The 3–7 link carried on through both changes: nothing lost, nothing reordered, same link.
      await sleep(30);
      await a.stop();
      await b.stop();
      for (const p of [a, b]) assert.deepEqual(p.got(), [...Array(p.sent()).keys()], 'all frames, in order');
      assert.ok(a.sent() > 50 && b.sent() > 50, 'frames flowed during add and remove');
      assert.equal(t3.linkEpoch(7), epoch37, 'the 3–7 link was never replaced');

      // [REKEY] 3 gets a new key and a new port: a new process (t3b) replaces t3. 7 learns the new
      // entry: the old 3 is cut off and can no longer get in, the new one dials 7 and is accepted.
      const t3b = await startTransport(
        options(3, [peer(7, port[7])], { keyPair: validatorKey(3, 'rekeyed'), logger: log(3) }),
      );
      all.push(t3b);
      const epoch73 = t7.linkEpoch(3);
      t7.setPeers([peer(3, t3b.address.port, 'rekeyed')]);
      await waitFor(() => t7.connectedPeers().includes(3) && t3b.connectedPeers().includes(7), 'the new 3');
      assert.ok(t7.linkEpoch(3) > epoch73, 'a new link epoch');
      await waitFor(() => codesOf(log(7).entries).includes('P2P_UNKNOWN_KEY'), 'the old key refused');
      assert.ok(codesOf(log(3).entries).includes('P2P_PEER_CHANGED'), 'the old 3 was told why');
      assert.ok(!t3.connectedPeers().includes(7));
      const seen: number[] = [];
      t7.onMessage((from, bytes) => {
        if (from === 3 && bytes[0] === 0xbb) seen.push(bytes[1]!);
      });
      t3b.send(7, Uint8Array.of(0xbb, 1));
      await waitFor(() => seen.includes(1), 'a frame from the re-keyed 3');
    } finally {
      await closeAll(all);
    }
  });

  it('a dialer re-keying its peer drops the old link and dials the new entry', async () => {
    const old = await startTransport(options(5, [peer(2, 0)]));
    const t2 = await startTransport(options(2, [peer(5, old.address.port)]));
    const all = [old, t2];
    try {
      await waitFor(() => t2.connectedPeers().includes(5), 'the old 5');
      const renewed = await startTransport(
        options(5, [{ ...peer(2, 0) }], { keyPair: validatorKey(5, 'rekeyed') }),
      );
      all.push(renewed);
      t2.setPeers([peer(5, renewed.address.port, 'rekeyed')]);
      assert.deepEqual(t2.connectedPeers(), [], 'the old link is closed at once');
      await waitFor(
        () => t2.connectedPeers().includes(5) && renewed.connectedPeers().includes(2),
        'the new 5',
      );
      await waitFor(() => old.connectedPeers().length === 0, 'the old 5 cut off');
    } finally {
      await closeAll(all);
    }
  });

  it('unchanged links keep their connection and lose no frame while others change', async () => {
    const t7 = await startTransport(options(7, [peer(3, 0), peer(0, 0)]));
    const t3 = await startTransport(options(3, [peer(7, t7.address.port)]));
    const t0 = await startTransport(options(0, [peer(7, t7.address.port)]));
    try {
      await waitFor(
        () => t7.connectedPeers().join() === '0,3' && t3.connectedPeers().join() === '7',
        'links to 7',
      );
      const a = pump(t3, t7);
      const b = pump(t7, t3);
      const epoch = t3.linkEpoch(7);
      const connects = t7.stats().peers.find((p) => p.index === 3)!.connects;
      await sleep(30);
      // Remove 0, add it back, re-key it, add 1 that nobody runs: 3's entry is the same throughout.
      t7.setPeers([peer(3, 0)]);
      await sleep(30);
      t7.setPeers([peer(3, 0), peer(0, 0)]);
      await waitFor(() => t7.connectedPeers().join() === '0,3', '0 back');
      t7.setPeers([peer(3, 0), peer(0, 0, 'rekeyed'), peer(1, 0)]);
      await sleep(30);
      t3.setPeers([peer(7, t7.address.port), peer(1, 1)]);
      await sleep(30);
      await a.stop();
      await b.stop();
      for (const p of [a, b]) assert.deepEqual(p.got(), [...Array(p.sent()).keys()], 'all frames, in order');
      assert.ok(a.sent() > 50);
      assert.equal(t3.linkEpoch(7), epoch, 'the 3–7 link was never replaced');
      assert.equal(t7.stats().peers.find((p) => p.index === 3)!.connects, connects);
      assert.deepEqual(t7.connectedPeers(), [3], 'the re-keyed 0 can no longer get in');
      assert.equal(t7.stats().peers.find((p) => p.index === 0)!.connected, false);
      // Totals keep what removed peers did.
      assert.ok(t7.stats().connects >= 3);
    } finally {
      await closeAll([t0, t3, t7]);
    }
  });

  it('a handshake under way with a peer that is removed is cut', async () => {
    const t = await startTransport(options(3, [peer(0, 0)]));
    try {
      const stub = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0), auth: 'none' });
      await sleep(20); // the listener judged the HELLO against the old set and sent its AUTH
      t.setPeers([]);
      const closed = await stub.closed;
      assert.equal(closed.code, CLOSE_CODES.P2P_PEER_REMOVED);
      assert.equal(closed.reason, 'P2P_PEER_REMOVED');
    } finally {
      await t.close();
    }
  });
});
