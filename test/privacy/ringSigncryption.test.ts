import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes, toHex, utf8 } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { Writer } from '../../src/codec/writer.ts';
import { IDENTITY_BYTES, type Point, type Scalar } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { taggedSha512 } from '../../src/crypto/hash.ts';
import { hashToScalar, randomScalar, seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import { proveDecryption, verifyDecryption } from '../../src/privacy/decryptionProof.ts';
import { ringOf } from '../../src/privacy/ring.ts';
import { signcrypt, unsigncrypt, verify } from '../../src/privacy/ringSigncryption.ts';
import {
  decodeSigncryption,
  encodeContext,
  encodeSigncryption,
  type Signcryption,
} from '../../src/privacy/signcryptionEncoding.ts';
import { trace, traceToIdentity, verifyIdentityTrace, verifyTrace } from '../../src/privacy/trace.ts';
import { keyPair, makeWorld, type World } from './fixtures.ts';

const sodium = await libsodiumGroup();
const noble = await nobleGroup();
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const message = utf8('bill 42: confirmed, 1200 kWh at 351 000 µ¥/kWh');

function seal(world: World, signer: number, m = message, seed = 'sc'): Signcryption {
  return signcrypt(
    world.params,
    world.members[signer]!.keys,
    world.ring,
    world.receiver.publicKey,
    world.context,
    m,
    seededRandom(seed),
  );
}

/** s + 1 mod ℓ, computed by the group. */
function bump(s: Scalar): Scalar {
  const one = new Uint8Array(32) as Scalar;
  one[0] = 1;
  return sodium.scalarAdd(s, one);
}

describe('ring signcryption: round trip', () => {
  for (const n of [1, 2, 3, 8, 16, 64]) {
    const world = makeWorld(sodium, n);
    const signers = n <= 8 ? [...Array(n).keys()] : [0, n - 1];
    it(`n = ${n}: every ${n <= 8 ? '' : 'first and last '}signer verifies, decrypts and traces to itself`, () => {
      for (const pi of signers) {
        const sc = decodeSigncryption(sodium, encodeSigncryption(seal(world, pi)));
        assert.equal(verify(world.params, sc, world.ring), true, `verify, signer ${pi}`);
        assert.deepEqual(unsigncrypt(world.params, sc, world.ring, world.receiver), message);
        const t = trace(world.params, world.regulator, sc, world.ring);
        assert.equal(t.memberIndex, pi);
        assert.equal(verifyTrace(world.params, sc, world.ring, t), true);
      }
    });
  }

  it('an empty message and the largest message round-trip', () => {
    const world = makeWorld(sodium, 2);
    for (const m of [new Uint8Array(0), new Uint8Array(65_536).fill(7)]) {
      const sc = decodeSigncryption(sodium, encodeSigncryption(seal(world, 1, m)));
      assert.deepEqual(unsigncrypt(world.params, sc, world.ring, world.receiver), m);
    }
    assert.throws(
      () => seal(world, 0, new Uint8Array(65_537)),
      (e) => isDppError(e, 'PRIVACY_MESSAGE_TOO_LARGE'),
    );
  });

  it('a signer outside the ring, and a non-canonical ring, are refused with typed errors', () => {
    const world = makeWorld(sodium, 3);
    const outsider = keyPair(sodium, seededRandom('outsider'));
    assert.throws(
      () => signcrypt(world.params, outsider, world.ring, world.receiver.publicKey, world.context, message),
      (e) => isDppError(e, 'PRIVACY_NOT_IN_RING'),
    );
    const reordered = { members: [...world.ring.members].reverse() };
    assert.throws(
      () =>
        signcrypt(
          world.params,
          world.members[0]!.keys,
          reordered,
          world.receiver.publicKey,
          world.context,
          message,
        ),
      (e) => isDppError(e, 'PRIVACY_RING_INVALID'),
    );
    const k = world.ring.members[0]!;
    assert.throws(
      () => ringOf([k, k]),
      (e) => isDppError(e, 'PRIVACY_RING_INVALID'),
    );
    assert.throws(
      () => ringOf([]),
      (e) => isDppError(e, 'PRIVACY_RING_INVALID'),
    );
  });
});

describe('ring signcryption: tamper matrix (every case rejected)', () => {
  const world = makeWorld(sodium, 4, 'tamper');
  const pi = 2;
  const sc = seal(world, pi);
  const other = keyPair(sodium, seededRandom('other point')).publicKey;
  const rejects = (label: string, bad: Signcryption, ring = world.ring): void => {
    assert.equal(verify(world.params, bad, ring), false, `verify accepted: ${label}`);
    assert.equal(
      unsigncrypt(world.params, bad, ring, world.receiver),
      null,
      `unsigncrypt accepted: ${label}`,
    );
    assert.throws(
      () => trace(world.params, world.regulator, bad, ring),
      (e) => isDppError(e, 'PRIVACY_NOT_VERIFIED'),
    );
  };

  it('the untampered signcryption verifies (control)', () => {
    assert.equal(verify(world.params, sc, world.ring), true);
  });

  it('wrong message or ciphertext bit', () => {
    for (const at of [0, 7, sc.ciphertext.length - 17, sc.ciphertext.length - 1]) {
      const ciphertext = sc.ciphertext.slice();
      ciphertext[at]! ^= 0x01;
      rejects(`ciphertext bit at ${at}`, { ...sc, ciphertext });
    }
    const other = signcrypt(
      world.params,
      world.members[pi]!.keys,
      world.ring,
      world.receiver.publicKey,
      world.context,
      utf8('bill 42: disputed'),
    );
    rejects('ciphertext of another message', { ...sc, ciphertext: other.ciphertext });
  });

  it('wrong ring member, ring reordered, truncated or extended', () => {
    const replaced = ringOf([...world.ring.members.filter((_, i) => i !== 0), other]);
    rejects('a non-signer member replaced', sc, replaced);
    const members = [...world.ring.members];
    [members[0], members[1]] = [members[1]!, members[0]!];
    rejects('ring reordered', sc, { members });
    rejects('ring truncated', sc, { members: world.ring.members.slice(0, 3) });
    rejects('ring extended', sc, ringOf([...world.ring.members, other]));
  });

  it('wrong receiver key', () => {
    assert.equal(unsigncrypt(world.params, sc, world.ring, keyPair(sodium, seededRandom('eve'))), null);
    rejects('receiver field replaced', { ...sc, receiver: other });
  });

  it('each scalar component corrupted', () => {
    rejects('e + 1', { ...sc, e: bump(sc.e) });
    rejects('zY + 1', { ...sc, zY: bump(sc.zY) });
    rejects('zA + 1', { ...sc, zA: bump(sc.zA) });
    rejects('c0 + 1', { ...sc, c0: bump(sc.c0) });
    for (let i = 0; i < sc.responses.length; i++) {
      const responses = sc.responses.map((s, j) => (j === i ? bump(s) : s));
      rejects(`s_${i} + 1`, { ...sc, responses });
    }
  });

  it('each point component replaced, and T1/T2 swapped', () => {
    rejects('K replaced', { ...sc, kemShare: other });
    rejects('T1 replaced', { ...sc, t1: other });
    rejects('T2 replaced', { ...sc, t2: other });
    rejects('T1/T2 swapped', { ...sc, t1: sc.t2, t2: sc.t1 });
    rejects('identity T1', { ...sc, t1: IDENTITY_BYTES as Point });
  });

  it('response vector too short or too long', () => {
    rejects('one response short', { ...sc, responses: sc.responses.slice(0, 3) });
    rejects('one response long', { ...sc, responses: [...sc.responses, sc.responses[0]!] });
    const long = encodeSigncryption({ ...sc, responses: [...sc.responses, sc.responses[0]!] });
    rejects('encoded, one response long', decodeSigncryption(sodium, long));
  });

  it('context or regulator key changed', () => {
    rejects('chain id', { ...sc, context: { ...world.context, chainId: 'other-chain' } });
    rejects('purpose', { ...sc, context: { ...world.context, purpose: 'bill-dispute' } });
    rejects('nonce', { ...sc, context: { ...world.context, nonce: Uint8Array.of(0, 0, 0, 8) } });
    const params = { ...world.params, regulatorKey: other };
    assert.equal(verify(params, sc, world.ring), false);
  });

  it('a ring member cannot re-wrap the ciphertext under its own proof', () => {
    // Member 0 takes (K, c) from π's signcryption and signcrypts anything: the AEAD binds T1, T2.
    const mine = seal(world, 0, utf8('x'), 'mallory');
    const rewrapped = { ...mine, kemShare: sc.kemShare, ciphertext: sc.ciphertext };
    assert.equal(verify(world.params, rewrapped, world.ring), false);
    const ad = { ...sc, t1: mine.t1, t2: mine.t2 };
    assert.equal(unsigncrypt(world.params, ad, world.ring, world.receiver), null);
  });

  it('an outsider who knows only public keys cannot forge: the OR proof alone is not enough', () => {
    // The outsider encrypts member j's public key in the trace tag (it knows a, not y_j), proves the
    // OR statement honestly, and fills the representation proof with guesses. The transcript below
    // follows docs/privacy.md §4 exactly; verify must refuse because e ≠ H(h).
    const g = sodium;
    const P = world.params.regulatorKey;
    const r = seededRandom('forger');
    const L = world.ring.members;
    const j = 1;
    const a = randomScalar(g, r);
    const t1 = g.mulBase(a);
    const t2 = g.add(L[j]!, g.mul(a, P));
    const kemShare = g.mulBase(randomScalar(g, r));
    const ciphertext = sc.ciphertext;
    const [e, zY, zA] = [randomScalar(g, r), randomScalar(g, r), randomScalar(g, r)];
    const A1 = g.add(g.mulBase(zA), g.mul(e, t1));
    const A2 = g.add(g.add(g.mulBase(zY), g.mul(zA, P)), g.mul(e, t2));
    const ctx = encodeContext(world.context);
    const ringBytes = concatBytes(...L);
    const h = taggedSha512(
      'dpp/rsc/v1/transcript',
      Uint8Array.of(1),
      ctx,
      P,
      ringBytes,
      world.receiver.publicKey,
      kemShare,
      ciphertext,
      t1,
      t2,
      A1,
      A2,
    );
    const branch = (i: number, r: Point): Scalar =>
      hashToScalar(g, 'dpp/rsc/v1/ring', h, new Writer().string('branch').u32(i).finish(), r);
    const w = hashToScalar(g, 'dpp/rsc/v1/weight', h);
    const G = g.add(g.mulBase(w), P);
    const C = g.add(g.mul(w, t1), t2);
    const n = L.length;
    const c: Scalar[] = new Array(n);
    const s: Scalar[] = new Array(n);
    const u = randomScalar(g, r);
    c[(j + 1) % n] = branch(j, g.mul(u, G));
    for (let step = 1; step < n; step++) {
      const i = (j + step) % n;
      s[i] = randomScalar(g, r);
      c[(i + 1) % n] = branch(i, g.add(g.mul(s[i]!, G), g.mul(c[i]!, g.sub(C, L[i]!))));
    }
    s[j] = g.scalarSub(u, g.scalarMul(c[j]!, a));
    const forged: Signcryption = { ...sc, kemShare, t1, t2, ciphertext, e, zY, zA, c0: c[0]!, responses: s };
    assert.equal(verify(world.params, forged, world.ring), false);
    // Control: the forged OR proof does close its ring under h, so the refusal above comes from
    // the representation proof and nothing else.
    let walk = c[0]!;
    for (let i = 0; i < n; i++) walk = branch(i, g.add(g.mul(s[i]!, G), g.mul(walk, g.sub(C, L[i]!))));
    assert.equal(toHex(walk), toHex(c[0]!));
  });

  it('non-canonical scalar (s + ℓ), identity and non-canonical points are refused by the decoder', () => {
    const bytes = encodeSigncryption(sc);
    const lastResponse = bytes.length - 32;
    const plusOrder = (s: Uint8Array): Uint8Array => {
      let v = 0n;
      for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(s[i]!);
      v += ORDER;
      return Uint8Array.from({ length: 32 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
    };
    const withAt = (at: number, part: Uint8Array): Uint8Array => {
      const b = bytes.slice();
      b.set(part, at);
      return b;
    };
    const s = sc.responses[3]!;
    assert.ok(plusOrder(s)[31]! < 0x20, 'fixture: s + ℓ fits 32 bytes');
    assert.throws(
      () => decodeSigncryption(sodium, withAt(lastResponse, plusOrder(s))),
      (e) => isDppError(e, 'DECODE_NON_CANONICAL'),
    );
    const t1At = indexOf(bytes, sc.t1);
    const negZero = IDENTITY_BYTES.slice();
    negZero[31]! |= 0x80;
    const p = 2n ** 255n - 19n;
    const nonCanonicalIdentity = Uint8Array.from({ length: 32 }, (_, i) =>
      Number(((p + 1n) >> BigInt(8 * i)) & 0xffn),
    );
    for (const [label, bad] of [
      ['identity T1', IDENTITY_BYTES],
      ['negative zero T1', negZero],
      ['non-canonical T1 (y = p + 1)', nonCanonicalIdentity],
    ] as const) {
      assert.throws(
        () => decodeSigncryption(sodium, withAt(t1At, bad)),
        (e) => isDppError(e, 'DECODE_INVALID_POINT'),
        label,
      );
    }
  });

  it('every single-byte corruption of the encoding is refused by the decoder or by verify', () => {
    const bytes = encodeSigncryption(sc);
    for (let at = 0; at < bytes.length; at++) {
      const bad = bytes.slice();
      bad[at]! ^= 1 << (at % 8);
      let decoded: Signcryption;
      try {
        decoded = decodeSigncryption(sodium, bad);
      } catch (e) {
        assert.ok(e instanceof DecodeError, `byte ${at}: ${String(e)}`);
        continue;
      }
      assert.equal(verify(world.params, decoded, world.ring), false, `byte ${at} accepted`);
    }
  });

  it('truncations and trailing bytes are refused', () => {
    const bytes = encodeSigncryption(sc);
    for (const len of [0, 1, 2, 40, bytes.length - 32, bytes.length - 1]) {
      assert.throws(() => decodeSigncryption(sodium, bytes.subarray(0, len)), DecodeError, `length ${len}`);
    }
    assert.throws(
      () => decodeSigncryption(sodium, concatBytes(bytes, Uint8Array.of(0))),
      (e) => isDppError(e, 'DECODE_TRAILING_BYTES'),
    );
  });

  it('a trace proof for the wrong member, or a tampered one, fails', () => {
    const t = trace(world.params, world.regulator, sc, world.ring);
    for (let j = 0; j < world.ring.members.length; j++) {
      if (j === pi) continue;
      const framed = { ...t, memberIndex: j, pseudonym: world.ring.members[j]! };
      assert.equal(verifyTrace(world.params, sc, world.ring, framed), false, `framed member ${j}`);
    }
    assert.equal(
      verifyTrace(world.params, sc, world.ring, { ...t, proof: { ...t.proof, z: bump(t.proof.z) } }),
      false,
    );
    assert.equal(verifyTrace(world.params, sc, world.ring, { ...t, memberIndex: 99 }), false);
    const otherSc = seal(world, pi, utf8('another'), 'another');
    assert.equal(
      verifyTrace(world.params, otherSc, world.ring, t),
      false,
      'proof moved to another signcryption',
    );
  });
});

describe('ring signcryption: tracing to the real identity and provable decryption', () => {
  const world = makeWorld(sodium, 5, 'identity');
  const certificateOf = (y: Point) =>
    world.members.find((m) => toHex(m.keys.publicKey) === toHex(y))?.certificate;

  it('the regulator opens the sender’s PID and anyone can check the opening', () => {
    for (let pi = 0; pi < 5; pi++) {
      const sc = seal(world, pi);
      const t = traceToIdentity(world.params, world.regulator, sc, world.ring, certificateOf);
      assert.equal(t.opening.realIdentity, world.members[pi]!.realIdentity);
      const anchors = { params: world.params, certPublicKey: world.regulator.certPublicKey };
      assert.equal(verifyIdentityTrace(anchors, sc, world.ring, t), true);
      const lie = { ...t, opening: { ...t.opening, realIdentity: 'someone-else.example' } };
      assert.equal(verifyIdentityTrace(anchors, sc, world.ring, lie), false);
      const wrongCert = { ...t, certificate: world.members[(pi + 1) % 5]!.certificate };
      assert.equal(verifyIdentityTrace(anchors, sc, world.ring, wrongCert), false);
    }
  });

  it('the receiver proves what a signcryption said; a wrong shared secret proves nothing', () => {
    const sc = seal(world, 3);
    const proof = proveDecryption(world.params, sc, world.receiver);
    assert.deepEqual(verifyDecryption(world.params, sc, world.ring, proof), message);
    const fake = { ...proof, shared: keyPair(sodium, seededRandom('fake')).publicKey };
    assert.equal(verifyDecryption(world.params, sc, world.ring, fake), null);
  });
});

describe('ring signcryption: properties', () => {
  it('the libsodium and noble backends produce identical bytes and accept each other’s output', async () => {
    for (const n of [1, 3]) {
      const a = makeWorld(sodium, n, 'cross');
      const b = makeWorld(noble, n, 'cross');
      assert.equal(toHex(a.ring.members[0]!), toHex(b.ring.members[0]!));
      for (let pi = 0; pi < n; pi++) {
        const fromSodium = encodeSigncryption(seal(a, pi, message, `x${pi}`));
        const fromNoble = encodeSigncryption(seal(b, pi, message, `x${pi}`));
        assert.equal(toHex(fromSodium), toHex(fromNoble), `n = ${n}, signer ${pi}`);
        assert.equal(verify(b.params, decodeSigncryption(noble, fromSodium), b.ring), true);
        assert.equal(verify(a.params, decodeSigncryption(sodium, fromNoble), a.ring), true);
        assert.equal(
          trace(b.params, b.regulator, decodeSigncryption(noble, fromSodium), b.ring).memberIndex,
          pi,
        );
      }
    }
  });

  it('tracing always returns the true signer, and no other member’s opening verifies', () => {
    const world = makeWorld(sodium, 6, 'prop');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.string(),
        (pi, m, seed) => {
          const sc = seal(world, pi, m, seed);
          const t = trace(world.params, world.regulator, sc, world.ring);
          assert.equal(t.memberIndex, pi);
          const j = (pi + 1 + (m.length % 5)) % 6;
          assert.equal(
            verifyTrace(world.params, sc, world.ring, {
              ...t,
              memberIndex: j,
              pseudonym: world.ring.members[j]!,
            }),
            false,
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('two signcryptions of one message by one signer share no tag (unlinkable)', () => {
    const world = makeWorld(sodium, 4, 'unlinkable');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 64 }), (pi, m) => {
        const x = signcrypt(
          world.params,
          world.members[pi]!.keys,
          world.ring,
          world.receiver.publicKey,
          world.context,
          m,
        );
        const y = signcrypt(
          world.params,
          world.members[pi]!.keys,
          world.ring,
          world.receiver.publicKey,
          world.context,
          m,
        );
        for (const k of ['t1', 't2', 'kemShare', 'c0'] as const) assert.notEqual(toHex(x[k]), toHex(y[k]), k);
        assert.notEqual(toHex(x.t2), toHex(world.members[pi]!.keys.publicKey));
      }),
      { numRuns: 20 },
    );
  });

  it('the decoder throws only DecodeError on arbitrary bytes', () => {
    const world = makeWorld(sodium, 2, 'fuzz');
    const valid = encodeSigncryption(seal(world, 0));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc
            .tuple(fc.nat(valid.length - 1), fc.uint8Array({ minLength: 1, maxLength: 40 }))
            .map(([at, patch]) => {
              const b = valid.slice();
              b.set(patch.subarray(0, b.length - at), at);
              return b;
            }),
        ),
        (bytes) => {
          try {
            const sc = decodeSigncryption(sodium, bytes);
            verify(world.params, sc, world.ring);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(hay).indexOf(Buffer.from(needle));
}
