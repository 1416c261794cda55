import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import type { Transport } from '../../src/p2p/transport.ts';
import {
  closeAll,
  fullMesh,
  HOST,
  rawUpgrade,
  recordingLogger,
  socketClosed,
  startMesh,
  stubDial,
  validatorKey,
  WSS,
  waitFor,
} from './fixtures.ts';

/**
 * Random bytes at every layer — raw TCP before HTTP, raw bytes after the WebSocket upgrade, binary
 * frames in place of HELLO or AUTH, raw bytes after an authenticated handshake — never crash the
 * receiver (an uncaught exception would fail this file), never deliver anything unauthenticated, and
 * never disturb the real link between validators 1 and 2, checked by a round trip after each run.
 * Seeds are printed by fast-check on failure and replay with { seed, path }.
 */
describe('fuzz: random bytes never crash the receiver', () => {
  let nets: Transport[];
  const logger = recordingLogger();
  const delivered: string[] = [];
  let port: number;
  let probe = 0;

  before(async () => {
    // Validator 2 is the target; validator 1 is its genuine peer; index 0 is free for stubs.
    const started = await startMesh(3, (i) => (i === 2 ? { logger } : {}));
    nets = started.nets;
    port = started.ports.get(2)!;
    await nets[0]!.close(); // the stubs claim index 0
    await waitFor(() => nets[2]!.connectedPeers().length === 1, 'the 1–2 link alone');
    nets[2]!.onMessage((from, b) => delivered.push(`${from}:${b.length}`));
  });
  after(() => closeAll(nets));

  /** The genuine link still carries a frame. */
  async function stillWorks(): Promise<void> {
    const n = ++probe;
    const tag = `1:${1000 + n}`;
    await fullMesh([nets[1]!, nets[2]!]);
    nets[1]!.send(2, new Uint8Array(1000 + n));
    await waitFor(() => delivered.includes(tag), 'a frame on the genuine link');
    delivered.splice(delivered.indexOf(tag), 1);
  }

  it('raw TCP garbage before any HTTP', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), async (bytes) => {
        const s = connect(port, HOST);
        s.on('error', () => {});
        s.end(bytes);
        await socketClosed(s);
      }),
      { numRuns: 40 },
    );
    await stillWorks();
    assert.deepEqual(delivered, []);
  });

  it('raw garbage after the WebSocket upgrade (malformed framing)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 8192 }), async (bytes) => {
        const s = await rawUpgrade(port);
        s.write(bytes);
        // Garbage that happens to be an incomplete frame waits for more: end the connection then.
        const ended = socketClosed(s);
        setTimeout(() => s.destroy(), 50).unref();
        await ended;
      }),
      { numRuns: 40 },
    );
    await stillWorks();
    assert.deepEqual(delivered, []);
  });

  it('random binary frames in place of HELLO, and in place of AUTH', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.boolean(), async (bytes, asAuth) => {
        if (asAuth) {
          const stub = await stubDial({ port, index: 0, key: validatorKey(0), auth: 'none', eager: [bytes] });
          const { reason } = await stub.closed;
          assert.ok(['P2P_BAD_HANDSHAKE', 'P2P_HANDSHAKE_TOO_LARGE'].includes(reason), reason);
        } else {
          const ws = new WebSocket(`wss://${HOST}:${port}/`, WSS);
          ws.on('error', () => {});
          await new Promise((r) => ws.on('open', r));
          ws.send(bytes);
          const reason = await new Promise<string>((r) => ws.on('close', (_c, why) => r(why.toString())));
          assert.ok(reason.startsWith('P2P_'), reason);
        }
      }),
      { numRuns: 60 },
    );
    await stillWorks();
    assert.deepEqual(delivered, []);
  });

  it('after an authenticated handshake: random frames are delivered verbatim, raw garbage only drops that link', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 2048 }), { minLength: 1, maxLength: 8 }),
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        async (frames, garbage) => {
          const got: Uint8Array[] = [];
          const off = nets[2]!.onMessage((from, b) => {
            if (from === 0) got.push(b);
          });
          const stub = await stubDial({ port, index: 0, key: validatorKey(0) });
          assert.equal(await stub.authenticated, true);
          for (const f of frames) stub.ws.send(f);
          await waitFor(() => got.length === frames.length, 'the frames');
          assert.deepEqual(got, frames);
          stub.socket.write(garbage);
          setTimeout(() => stub.ws.terminate(), 50).unref();
          await stub.closed;
          await waitFor(() => !nets[2]!.connectedPeers().includes(0), 'the stub link to close');
          off();
          delivered.length = 0;
        },
      ),
      { numRuns: 25 },
    );
    await stillWorks();
    assert.ok(logger.codes().includes('P2P_MALFORMED_FRAME'));
  });
});
