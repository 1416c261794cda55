import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLOSE_CODES, type P2pErrorCode } from '../../src/p2p/p2pError.ts';
import { startTransport, type Transport } from '../../src/p2p/transport.ts';
import {
  CHAIN,
  optionsFor,
  recordingLogger,
  type StubPlan,
  sleep,
  stubDial,
  validatorKey,
  waitFor,
} from './fixtures.ts';

/**
 * Validator 1 of a 4-validator chain listens; stubs dial it as validator 0 (the only index allowed
 * to dial 1), lying in one way each. Each lie must close the connection with its code, be logged,
 * count as refused, and deliver nothing — not even frames sent right after the lying AUTH.
 */
describe('handshake refusals', () => {
  let t: Transport;
  const logger = recordingLogger();
  const delivered: { from: number; bytes: Uint8Array }[] = [];
  const ups: number[] = [];
  const eager = [Uint8Array.of(0xde, 0xad), new Uint8Array(100).fill(7)];

  before(async () => {
    t = await startTransport(optionsFor(1, 4, new Map(), { logger }));
    t.onMessage((from, bytes) => delivered.push({ from, bytes }));
    t.onPeer((index, up) => {
      if (up) ups.push(index);
    });
  });
  after(() => t.close());

  async function refused(plan: Omit<StubPlan, 'port'>, code: P2pErrorCode): Promise<void> {
    const refusedBefore = t.stats().refused;
    const stub = await stubDial({ port: t.address.port, eager, ...plan });
    const closed = await stub.closed;
    assert.equal(
      closed.code,
      CLOSE_CODES[code],
      `close code for ${code}: got ${closed.code} ${closed.reason}`,
    );
    assert.equal(closed.reason, code);
    // (The listener's own AUTH may have been sent already — it answers a HELLO that passed the
    // checks — but it signs a transcript with its fresh nonce, useless anywhere else.)
    await waitFor(() => t.stats().refused === refusedBefore + 1, 'the refusal to be counted');
    assert.ok(
      logger.entries.some((e) => e.level === 'warn' && e.obj.code === code),
      `a warning with ${code} is logged`,
    );
    assert.deepEqual(delivered, []);
    assert.deepEqual(ups, []);
    assert.deepEqual(t.connectedPeers(), []);
  }

  it('an unknown key, presented under a genesis index', () =>
    refused({ index: 0, key: validatorKey(0, 'stranger') }, 'P2P_UNKNOWN_KEY'));

  it('an unknown key presenting the genesis key of the index it claims (cannot sign for it)', () =>
    refused(
      { index: 0, key: validatorKey(0, 'stranger'), presentKey: validatorKey(0).publicKey },
      'P2P_BAD_SIGNATURE',
    ));

  it('a genesis validator claiming an index it does not own, with its own key', () =>
    refused({ index: 0, key: validatorKey(3) }, 'P2P_UNKNOWN_KEY'));

  it("a genesis validator claiming an index it does not own, presenting that index's key", () =>
    refused({ index: 0, key: validatorKey(3), presentKey: validatorKey(0).publicKey }, 'P2P_BAD_SIGNATURE'));

  it('an index outside the validator set, or the listener’s own index', async () => {
    await refused({ index: 9, key: validatorKey(9) }, 'P2P_UNKNOWN_PEER');
    await refused({ index: 1, key: validatorKey(1) }, 'P2P_UNKNOWN_PEER');
  });

  it('a wrong chain id, and another protocol version', async () => {
    await refused({ index: 0, key: validatorKey(0), chainId: `${CHAIN}.fork` }, 'P2P_WRONG_CHAIN');
    await refused({ index: 0, key: validatorKey(0), version: 1 }, 'P2P_BAD_VERSION');
  });

  it('a forged (random) signature by the right index and key', () =>
    refused({ index: 0, key: validatorKey(0), auth: 'random' }, 'P2P_BAD_SIGNATURE'));

  it('a higher index dialing a lower one (one connection per pair: the lower index dials)', () =>
    refused({ index: 2, key: validatorKey(2) }, 'P2P_WRONG_DIRECTION'));

  it('data frames instead of an AUTH', () =>
    refused({ index: 0, key: validatorKey(0), auth: 'none' }, 'P2P_BAD_HANDSHAKE'));

  it('a replayed AUTH: a genuine signature from an earlier connection does not open a new one', async () => {
    const genuine = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0) });
    assert.equal(await genuine.authenticated, true);
    await waitFor(() => t.connectedPeers().includes(0), 'the genuine connection');
    genuine.ws.close();
    await genuine.closed;
    await waitFor(() => t.connectedPeers().length === 0, 'the genuine connection to close');
    ups.length = 0;
    // Same claimed identity, but without the key: only the recorded signature.
    await refused(
      {
        index: 0,
        key: validatorKey(0, 'attacker'),
        presentKey: validatorKey(0).publicKey,
        auth: genuine.sentAuth!,
      },
      'P2P_BAD_SIGNATURE',
    );
  });

  it('an AUTH over another TLS connection’s channel binding (what a relay in the middle would forward)', async () => {
    const other = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0), auth: 'none' });
    other.ws.terminate();
    await other.closed;
    await refused({ index: 0, key: validatorKey(0), binding: other.binding }, 'P2P_BAD_SIGNATURE');
  });

  it('an idle connection is closed at the handshake timeout', async () => {
    const quick = await startTransport(optionsFor(1, 4, new Map(), { logger, handshakeTimeoutMs: 200 }));
    try {
      const stub = await stubDial({
        port: quick.address.port,
        index: 0,
        key: validatorKey(0),
        auth: 'none',
        eager: [],
      });
      const closed = await stub.closed;
      assert.equal(closed.reason, 'P2P_HANDSHAKE_TIMEOUT');
    } finally {
      await quick.close();
    }
  });
});

describe('duplicate connections', () => {
  it('a newer authenticated connection from the same dialer replaces the older; one link remains', async () => {
    const logger = recordingLogger();
    const t = await startTransport(optionsFor(1, 4, new Map(), { logger }));
    const events: string[] = [];
    const got: number[] = [];
    t.onPeer((index, up) => events.push(`${index}${up ? '+' : '-'}`));
    t.onMessage((_from, bytes) => got.push(bytes[0]!));
    try {
      const first = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0) });
      assert.equal(await first.authenticated, true);
      first.ws.send(Uint8Array.of(1));
      await waitFor(() => got.length === 1, 'the first frame');
      const second = await stubDial({ port: t.address.port, index: 0, key: validatorKey(0) });
      assert.equal(await second.authenticated, true);
      const old = await first.closed;
      assert.equal(old.reason, 'P2P_DUPLICATE_CONNECTION');
      second.ws.send(Uint8Array.of(2));
      await waitFor(() => got.length === 2, 'the second frame');
      assert.deepEqual(got, [1, 2]);
      assert.deepEqual(t.connectedPeers(), [0]);
      assert.deepEqual(events, ['0+', '0-', '0+']);
      assert.ok(t.send(0, Uint8Array.of(3)));
      await waitFor(() => second.received.length === 1, 'a frame on the surviving connection');
      assert.equal(first.received.length, 0);
      second.ws.close();
      await second.closed;
      await sleep(20);
    } finally {
      await t.close();
    }
  });
});
