import assert from 'node:assert/strict';
import { get as httpsGet } from 'node:https';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import { isDppError } from '../../src/errors.ts';
import { TLS_VERSIONS } from '../../src/p2p/channelBinding.ts';
import { startTransport } from '../../src/p2p/transport.ts';
import { MAX_HANDSHAKE_BYTES } from '../../src/p2p/transportOptions.ts';
import {
  closeAll,
  fullMesh,
  HOST,
  optionsFor,
  rawUpgrade,
  recordingLogger,
  sleep,
  socketClosed,
  startMesh,
  WSS,
  waitFor,
} from './fixtures.ts';

describe('frame size limit', () => {
  it('an oversized frame closes only that connection; the others carry on and it reconnects', async () => {
    // Validator 0 allows 4 MiB frames, 1 and 2 only 1 MiB: a 2 MiB frame from 0 to 1 is too large.
    const loggers = [0, 1, 2].map(() => recordingLogger());
    const { nets } = await startMesh(3, (i) => ({
      logger: loggers[i]!,
      maxFrameBytes: i === 0 ? 4 << 20 : 1 << 20,
    }));
    try {
      await fullMesh(nets);
      const events: string[] = [];
      for (const [i, t] of nets.entries()) t.onPeer((p, up) => events.push(`${i}:${p}${up ? '+' : '-'}`));
      const got = nets.map(() => [] as string[]);
      for (const [i, t] of nets.entries()) t.onMessage((from, b) => got[i]!.push(`${from}:${b.length}`));

      assert.equal(nets[0]!.send(1, new Uint8Array(2 << 20)), true);
      await waitFor(
        () => loggers[1]!.codes().includes('P2P_FRAME_TOO_LARGE'),
        'validator 1 to refuse the frame',
      );
      assert.ok(events.includes('1:0-'), 'validator 1 dropped the connection to 0');
      // The other links never went down and still carry frames.
      assert.equal(nets[2]!.send(0, new Uint8Array(10)), true);
      assert.equal(nets[2]!.send(1, new Uint8Array(11)), true);
      await waitFor(() => got[0]!.includes('2:10') && got[1]!.includes('2:11'), 'frames on the other links');
      assert.ok(!events.some((e) => e.startsWith('2:') || e === '0:2-' || e === '1:2-'), events.join(' '));
      assert.ok(!got[1]!.includes(`0:${2 << 20}`), 'the oversized frame was not delivered');
      // 0 redials 1, and frames flow again.
      await fullMesh(nets);
      assert.equal(nets[0]!.send(1, new Uint8Array(12)), true);
      await waitFor(() => got[1]!.includes('0:12'), 'a frame after the reconnection');
      assert.ok(nets[0]!.stats().reconnects >= 1);
    } finally {
      await closeAll(nets);
    }
  });

  it('send() refuses a frame over its own limit before touching the network', async () => {
    const t = await startTransport(optionsFor(0, 2, new Map([[1, 1]]), { maxFrameBytes: 1024 }));
    try {
      assert.throws(
        () => t.send(1, new Uint8Array(1025)),
        (e) => isDppError(e, 'P2P_FRAME_TOO_LARGE'),
      );
      assert.throws(
        () => t.broadcast(new Uint8Array(1025)),
        (e) => isDppError(e, 'P2P_FRAME_TOO_LARGE'),
      );
    } finally {
      await t.close();
    }
  });
});

describe('unauthenticated connections', () => {
  it('cannot make the listener buffer more than a handshake’s worth of bytes', async () => {
    const logger = recordingLogger();
    const t = await startTransport(optionsFor(1, 2, new Map(), { logger }));
    try {
      const socket = await rawUpgrade(t.address.port);
      // A masked binary frame announcing 1 MiB, then 16 KiB of it: the listener must not wait for the rest.
      const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4]);
      socket.write(Buffer.concat([header, Buffer.alloc(16 * 1024)]));
      await socketClosed(socket);
      assert.ok(logger.codes().includes('P2P_HANDSHAKE_TOO_LARGE'), logger.codes().join());
      assert.ok(MAX_HANDSHAKE_BYTES < 16 * 1024);
    } finally {
      await t.close();
    }
  });

  it('at most maxPendingHandshakes connections may be in their handshake at once', async () => {
    const logger = recordingLogger();
    const t = await startTransport(optionsFor(1, 2, new Map(), { logger, maxPendingHandshakes: 2 }));
    try {
      const idle = await Promise.all([rawUpgrade(t.address.port), rawUpgrade(t.address.port)]);
      await assert.rejects(rawUpgrade(t.address.port), /503/);
      assert.ok(logger.codes().includes('P2P_TOO_MANY_PENDING'));
      for (const s of idle) s.destroy();
      await waitFor(() => t.stats().refused === 1, 'the count');
      await sleep(20);
      const again = await rawUpgrade(t.address.port);
      again.destroy();
    } finally {
      await t.close();
    }
  });

  it('HTTPS requests without an upgrade get 426 and no connection; text frames close it', async () => {
    const t = await startTransport(optionsFor(1, 2, new Map()));
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsGet(
          { host: HOST, port: t.address.port, path: '/', ...TLS_VERSIONS, rejectUnauthorized: false },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
      });
      assert.equal(status, 426);
      const ws = new WebSocket(`wss://${HOST}:${t.address.port}/`, WSS);
      ws.on('error', () => {});
      await new Promise((r) => ws.on('open', r));
      ws.send('a text frame');
      const code = await new Promise((r) => ws.on('close', (c) => r(c)));
      assert.equal(code, 1003); // P2P_MALFORMED_FRAME: the protocol is binary
    } finally {
      await t.close();
    }
  });
});

describe('no plaintext, no old TLS', () => {
  it('plain HTTP, a plain ws:// dial and TLS 1.2 all fail before any WebSocket', async () => {
    const logger = recordingLogger();
    const t = await startTransport(optionsFor(1, 2, new Map(), { logger }));
    try {
      await assert.rejects(fetch(`http://${HOST}:${t.address.port}/`));
      const ws = new WebSocket(`ws://${HOST}:${t.address.port}/`);
      const failed = await new Promise<string>((resolve) => {
        ws.on('open', () => resolve('open'));
        ws.on('error', (e) => resolve(`error ${e.message}`));
      });
      assert.match(failed, /^error/);
      const old = tlsConnect({
        host: HOST,
        port: t.address.port,
        maxVersion: 'TLSv1.2',
        rejectUnauthorized: false,
      });
      const outcome = await new Promise<string>((resolve) => {
        old.once('secureConnect', () => resolve('connected'));
        old.once('error', (e) => resolve(`error ${e.message}`));
      });
      old.destroy();
      assert.match(outcome, /^error/, 'a TLS 1.2 client is refused');
      assert.equal(t.stats().connects, 0);
      await waitFor(
        () => logger.entries.some((e) => e.msg.includes('not TLS 1.3')),
        'the TLS refusals logged',
      );
    } finally {
      await t.close();
    }
  });
});
