import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isDppError } from '../../src/errors.ts';
import {
  decodeAuth,
  decodeHello,
  encodeAuth,
  encodeHello,
  HANDSHAKE_TAG,
  type Hello,
  PROTOCOL_VERSION,
  signTranscript,
  type Transcript,
  transcriptBytes,
  verifyTranscript,
} from '../../src/p2p/handshake.ts';
import { checkHello, type HelloPolicy } from '../../src/p2p/helloPolicy.ts';
import { CHAIN, validatorKey } from './fixtures.ts';

const k0 = validatorKey(0);
const k1 = validatorKey(1);
const k2 = validatorKey(2);
const nonce = (b: number) => new Uint8Array(32).fill(b);
const t: Transcript = {
  chainId: CHAIN,
  dialer: { index: 0, publicKey: k0.publicKey, nonce: nonce(1) },
  listener: { index: 1, publicKey: k1.publicKey, nonce: nonce(2) },
  channelBinding: nonce(0xcb),
};
const hello: Hello = {
  version: PROTOCOL_VERSION,
  chainId: CHAIN,
  index: 0,
  publicKey: k0.publicKey,
  nonce: nonce(9),
};

describe('handshake encoding', () => {
  it('HELLO and AUTH round-trip', () => {
    assert.deepEqual(decodeHello(encodeHello(hello)), hello);
    const sig = new Uint8Array(64).fill(5);
    assert.deepEqual(decodeAuth(encodeAuth(sig)), sig);
  });

  it('truncated, extended, retyped and random frames are refused with P2P_BAD_HANDSHAKE only', () => {
    const h = encodeHello(hello);
    const a = encodeAuth(new Uint8Array(64));
    const bad = [
      h.subarray(0, h.length - 1),
      Uint8Array.of(...h, 0),
      Uint8Array.of(2, ...h.subarray(1)),
      a.subarray(0, 64),
      Uint8Array.of(...a, 0),
      Uint8Array.of(1, ...a.subarray(1)),
      new Uint8Array(0),
    ];
    for (const b of bad) {
      assert.throws(
        () => (b[0] === 2 || b.length === 64 ? decodeAuth(b) : decodeHello(b)),
        (e) => isDppError(e, 'P2P_BAD_HANDSHAKE'),
      );
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const decode of [decodeHello, decodeAuth]) {
          try {
            decode(bytes);
          } catch (e) {
            assert.ok(isDppError(e, 'P2P_BAD_HANDSHAKE'), String(e));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('handshake transcript', () => {
  it('is domain-separated and each role verifies only its own signature', () => {
    assert.ok(new TextDecoder().decode(transcriptBytes(t, 'dialer')).includes(HANDSHAKE_TAG));
    const sd = signTranscript(k0, t, 'dialer');
    const sl = signTranscript(k1, t, 'listener');
    assert.equal(verifyTranscript(k0.publicKey, t, 'dialer', sd), true);
    assert.equal(verifyTranscript(k1.publicKey, t, 'listener', sl), true);
  });

  it('tamper matrix: every change to the transcript, the key, the role or the signature fails', () => {
    const sig = signTranscript(k0, t, 'dialer');
    const flip = (b: Uint8Array, i = 0) => {
      const c = b.slice();
      c[i]! ^= 1;
      return c;
    };
    const cases: [string, Transcript, 'dialer' | 'listener', Uint8Array, Uint8Array][] = [
      ['another chain', { ...t, chainId: `${CHAIN}x` }, 'dialer', k0.publicKey, sig],
      [
        'swapped indices',
        { ...t, dialer: { ...t.dialer, index: 1 }, listener: { ...t.listener, index: 0 } },
        'dialer',
        k0.publicKey,
        sig,
      ],
      ['another dialer index', { ...t, dialer: { ...t.dialer, index: 2 } }, 'dialer', k0.publicKey, sig],
      [
        'another listener index',
        { ...t, listener: { ...t.listener, index: 3 } },
        'dialer',
        k0.publicKey,
        sig,
      ],
      [
        'another listener nonce (replay on a new connection)',
        { ...t, listener: { ...t.listener, nonce: nonce(3) } },
        'dialer',
        k0.publicKey,
        sig,
      ],
      [
        'another dialer nonce',
        { ...t, dialer: { ...t.dialer, nonce: nonce(4) } },
        'dialer',
        k0.publicKey,
        sig,
      ],
      [
        'swapped nonces',
        {
          ...t,
          dialer: { ...t.dialer, nonce: t.listener.nonce },
          listener: { ...t.listener, nonce: t.dialer.nonce },
        },
        'dialer',
        k0.publicKey,
        sig,
      ],
      [
        'another listener key',
        { ...t, listener: { ...t.listener, publicKey: k2.publicKey } },
        'dialer',
        k0.publicKey,
        sig,
      ],
      [
        'another channel binding (an AUTH relayed into another TLS connection)',
        { ...t, channelBinding: nonce(0xcc) },
        'dialer',
        k0.publicKey,
        sig,
      ],
      ['no channel binding', { ...t, channelBinding: new Uint8Array(0) }, 'dialer', k0.publicKey, sig],
      ['reflected as the listener role', t, 'listener', k0.publicKey, sig],
      ['verified under another key', t, 'dialer', k2.publicKey, sig],
      ['R corrupted', t, 'dialer', k0.publicKey, flip(sig, 0)],
      ['S corrupted', t, 'dialer', k0.publicKey, flip(sig, 40)],
      ['short signature', t, 'dialer', k0.publicKey, sig.subarray(0, 63)],
      ['long signature', t, 'dialer', k0.publicKey, Uint8Array.of(...sig, 0)],
      ['zero signature', t, 'dialer', k0.publicKey, new Uint8Array(64)],
      ['non-canonical S (S + ℓ)', t, 'dialer', k0.publicKey, addL(sig)],
    ];
    for (const [what, tt, role, key, s] of cases) {
      assert.equal(verifyTranscript(key, tt, role, s), false, what);
    }
  });
});

describe('hello policy', () => {
  const keys = new Map([
    [0, k0.publicKey],
    [2, k2.publicKey],
  ]);
  const listener: HelloPolicy = { chainId: CHAIN, self: 1, peerKeys: keys, role: 'listener' };
  const code = (h: Partial<Hello>, p: HelloPolicy = listener) => {
    try {
      checkHello({ ...hello, ...h }, p);
      return 'accepted';
    } catch (e) {
      return isDppError(e) ? e.code : String(e);
    }
  };

  it('accepts a lower-index genesis validator with its own key', () => {
    assert.equal(code({}), 'accepted');
    assert.deepEqual(checkHello(hello, listener), k0.publicKey);
  });

  it('refuses each wrong field with its own code', () => {
    assert.equal(code({ version: 1 }), 'P2P_BAD_VERSION', 'v1: the plaintext protocol');
    assert.equal(code({ version: 3 }), 'P2P_BAD_VERSION');
    assert.equal(code({ chainId: 'other-chain' }), 'P2P_WRONG_CHAIN');
    assert.equal(code({ index: 7 }), 'P2P_UNKNOWN_PEER');
    assert.equal(code({ index: 1, publicKey: validatorKey(1).publicKey }), 'P2P_UNKNOWN_PEER');
    assert.equal(code({ publicKey: validatorKey(0, 'stranger').publicKey }), 'P2P_UNKNOWN_KEY');
    assert.equal(code({ publicKey: k2.publicKey }), 'P2P_UNKNOWN_KEY');
    assert.equal(code({ index: 2, publicKey: k2.publicKey }), 'P2P_WRONG_DIRECTION');
    const dialer: HelloPolicy = { chainId: CHAIN, self: 1, peerKeys: keys, role: 'dialer', expected: 2 };
    assert.equal(code({ index: 2, publicKey: k2.publicKey }, dialer), 'accepted');
    assert.equal(code({}, dialer), 'P2P_WRONG_PEER');
  });
});

/** The signature with S replaced by S + ℓ (a non-canonical encoding of the same scalar). */
function addL(sig: Uint8Array): Uint8Array {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
  s += L;
  const out = sig.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}
