import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { describe, it } from 'node:test';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeSigned, type PrePrepare, signingBytes } from '../../src/consensus/messages.ts';
import { orgSign } from '../../src/crypto/ed25519.ts';
import { sha256 } from '../../src/crypto/hash.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { TLS_VERSIONS } from '../../src/p2p/channelBinding.ts';
import { consensusFrame, decodeTxBatch, openFrame, txBatchFrames } from '../../src/p2p/channels.ts';
import { ephemeralTlsCredentials } from '../../src/p2p/tlsCertificate.ts';
import { startTransport } from '../../src/p2p/transport.ts';
import {
  CHAIN,
  closeAll,
  HOST,
  optionsFor,
  recordingLogger,
  sleep,
  validatorKey,
  waitFor,
} from './fixtures.ts';

/**
 * What travels between two validators is encrypted, and the identity each proves is bound to the
 * TLS connection it travels in (docs/p2p.md §1, "Threat model"). A TCP relay between validator 0
 * and validator 1 records every byte both ways while frames carrying a marker go through — plain
 * frames, a gossiped batch with a signed memo transaction, a signed consensus pre-prepare — and
 * the marker (and the chain id of the HELLOs) must never be in what it recorded. A relay that
 * terminates TLS itself, with its own certificate, towards both (a man in the middle who can read
 * everything it relays) gets nothing: both validators refuse its AUTHs and no frame is ever sent.
 */

const MARKER = 'DPP-MARKER-7f3a-do-not-leak';
const marker = new TextEncoder().encode(MARKER);

/** A TCP relay on a free port to `target`, recording each direction's bytes. */
async function recordingRelay(target: number): Promise<{
  port: number;
  up: Buffer[];
  down: Buffer[];
  close(): Promise<void>;
}> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((client) => {
    const upstream = tcpConnect(target, HOST);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (b: Buffer) => {
      up.push(Buffer.from(b));
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      down.push(Buffer.from(b));
      client.write(b);
    });
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    up,
    down,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const contains = (chunks: readonly Buffer[], needle: Uint8Array) =>
  Buffer.concat(chunks).includes(Buffer.from(needle));
const total = (chunks: readonly Buffer[]) => chunks.reduce((n, b) => n + b.length, 0);

/** Frames with the marker inside: plain, a gossip batch of a signed memo, a signed pre-prepare. */
function markedFrames(): Uint8Array[] {
  const plain = new Uint8Array(4096);
  for (let i = 0; i + marker.length <= plain.length; i += 512) plain.set(marker, i);
  const memo = signOrgTransaction(
    { chainId: CHAIN, kind: 'memo', payload: new TextEncoder().encode(`memo ${MARKER}`) },
    1n,
    validatorKey(7, 'member'),
  ).bytes;
  const message: PrePrepare = {
    type: 'pre-prepare',
    view: 0n,
    height: 1n,
    digest: sha256(memo),
    payload: memo,
  };
  const signed = encodeSigned({
    sender: 0,
    message,
    signature: orgSign(validatorKey(0), signingBytes(CHAIN, 0, message)),
  });
  return [plain, ...txBatchFrames([memo]), consensusFrame(signed)];
}

describe('encrypted links', () => {
  it('a relay on the path records no marker, in either direction, nor the HELLOs', async () => {
    const t1 = await startTransport(optionsFor(1, 2, new Map()));
    const relay = await recordingRelay(t1.address.port);
    const t0 = await startTransport(optionsFor(0, 2, new Map([[1, relay.port]])));
    try {
      await waitFor(() => t0.connectedPeers().includes(1) && t1.connectedPeers().includes(0), 'the link');
      const got: Uint8Array[][] = [[], []];
      t0.onMessage((_f, b) => got[0]!.push(b));
      t1.onMessage((_f, b) => got[1]!.push(b));
      const frames = markedFrames();
      for (const f of frames) {
        assert.equal(t0.send(1, f), true);
        assert.equal(t1.send(0, f), true);
      }
      await waitFor(() => got[0]!.length === frames.length && got[1]!.length === frames.length, 'the frames');
      // Delivered intact: the gossip batch still opens to the signed memo with the marker.
      assert.deepEqual(got[1], frames);
      const batch = openFrame(got[1]![1]!)!;
      assert.ok(Buffer.from(decodeTxBatch(batch.body)[0]!).includes(Buffer.from(marker)));
      const sent = frames.reduce((n, f) => n + f.length, 0);
      assert.ok(total(relay.up) > sent && total(relay.down) > sent, 'the relay carried the frames');
      assert.equal(contains(relay.up, marker), false, 'dialer → listener bytes hold no marker');
      assert.equal(contains(relay.down, marker), false, 'listener → dialer bytes hold no marker');
      const chain = new TextEncoder().encode(CHAIN);
      assert.equal(contains([...relay.up, ...relay.down], chain), false, 'the HELLOs are encrypted too');
    } finally {
      await closeAll([t0, t1]);
      await relay.close();
    }
  });

  it('(control) the same relay does see the marker on a plaintext WebSocket', async () => {
    const wss = new WebSocketServer({ host: HOST, port: 0 });
    await new Promise((r) => wss.on('listening', r));
    const relay = await recordingRelay((wss.address() as { port: number }).port);
    const received = new Promise<void>((resolve) =>
      wss.on('connection', (ws) => ws.on('message', () => resolve())),
    );
    // Unmasked, as the transport's dialer sends (docs/p2p.md §2).
    const ws = new WebSocket(`ws://${HOST}:${relay.port}/`, { generateMask: (m) => void m.fill(0) });
    try {
      await new Promise((r) => ws.on('open', r));
      ws.send(markedFrames()[0]!);
      await received;
      assert.equal(contains(relay.up, marker), true);
    } finally {
      ws.terminate();
      wss.close();
      await relay.close();
    }
  });

  it('a relay terminating TLS with its own certificate on both sides: both validators refuse it', async () => {
    const logs = [recordingLogger(), recordingLogger()];
    const t1 = await startTransport(optionsFor(1, 2, new Map(), { logger: logs[1]! }));
    // The man in the middle: TLS 1.3 with its own certificate towards validator 0, its own TLS
    // connection to validator 1, relaying the plaintext both ways — and reading it.
    const seen: Buffer[] = [];
    const mitmSockets = new Set<Socket>();
    const mitm = createTlsServer(
      { ...TLS_VERSIONS, ...(await ephemeralTlsCredentials('mitm')) },
      (client) => {
        const upstream = tlsConnect({
          host: HOST,
          port: t1.address.port,
          ...TLS_VERSIONS,
          rejectUnauthorized: false,
        });
        for (const s of [client, upstream]) {
          mitmSockets.add(s);
          s.on('error', () => {});
          s.on('close', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.on('data', (b: Buffer) => {
          seen.push(Buffer.from(b));
          upstream.write(b);
        });
        upstream.on('data', (b: Buffer) => {
          seen.push(Buffer.from(b));
          client.write(b);
        });
      },
    );
    await new Promise<void>((r) => mitm.listen(0, HOST, r));
    const mitmPort = (mitm.address() as { port: number }).port;
    const t0 = await startTransport(optionsFor(0, 2, new Map([[1, mitmPort]]), { logger: logs[0]! }));
    const frames: number[] = [];
    t0.onMessage(() => frames.push(0));
    t1.onMessage(() => frames.push(1));
    try {
      const badSignatures = (i: number) => logs[i]!.codes().filter((c) => c === 'P2P_BAD_SIGNATURE').length;
      await waitFor(() => badSignatures(1) >= 2, 'validator 1 to refuse two relayed AUTHs');
      await waitFor(() => badSignatures(0) >= 1, 'validator 0 to refuse the relayed AUTH');
      // The relay could read the handshake (it terminates TLS) — and it was still refused.
      assert.ok(contains(seen, new TextEncoder().encode(CHAIN)), 'the relay read the HELLOs');
      await sleep(100);
      assert.deepEqual(t0.connectedPeers(), []);
      assert.deepEqual(t1.connectedPeers(), []);
      assert.equal(t0.stats().connects + t1.stats().connects, 0);
      assert.equal(t0.send(1, marker), false, 'nothing to send on');
      assert.deepEqual(frames, []);
    } finally {
      await closeAll([t0, t1]);
      for (const s of mitmSockets) s.destroy();
      await new Promise((r) => mitm.close(r));
    }
  });
});
