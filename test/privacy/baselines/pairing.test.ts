/**
 * The pairing baselines (src/privacy/baselines/pairing): round trips for every signer of small
 * rings, a tamper matrix per serialised component, wrong ring, wrong receiver, short and long
 * bytes, and the point decoders' subgroup checks — on BLS12-381 and on BN254. Signature-level
 * cases are built so that decryption succeeds and the ring-signature equation is what fails.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import mcl, { type G1 } from 'mcl-wasm';
import { concatBytes, utf8 } from '../../../src/codec/bytes.ts';
import { isDppError } from '../../../src/errors.ts';
import {
  BF01_SIGMA_BYTES,
  bf01Decrypt,
  bf01Encrypt,
  bf01Extract,
  bf01Recipient,
  bf01Setup,
} from '../../../src/privacy/baselines/pairing/bonehFranklin.ts';
import {
  type Cyh05Bf01Parties,
  cyh05Bf01Parties,
  cyh05Bf01Signcrypt,
  cyh05Bf01Unsigncrypt,
  encodeCyh05Bf01Payload,
} from '../../../src/privacy/baselines/pairing/cyh05Bf01.ts';
import {
  cyh05IbrscParties,
  cyh05IbrscSigncrypt,
  cyh05IbrscUnsigncrypt,
} from '../../../src/privacy/baselines/pairing/cyh05Ibrsc.ts';
import {
  type Cyh05Signature,
  cyh05Extract,
  cyh05Ring,
  cyh05Setup,
  cyh05Sign,
  cyh05Verify,
  decodeCyh05Signature,
  encodeCyh05Signature,
} from '../../../src/privacy/baselines/pairing/cyh05RingSignature.ts';
import { pairingBaselines } from '../../../src/privacy/baselines/pairing/index.ts';
import {
  applyPointChecks,
  decodeG1,
  decodeG2,
  PAIRING_CURVES,
  type PairingContext,
  randomFr,
  useCurve,
} from '../../../src/privacy/baselines/pairing/mclCurve.ts';
import { ringIdentities } from '../../../src/privacy/baselines/pairing/ringIdentities.ts';

const MESSAGE = utf8('1 MWh at 0.41 yuan/kWh, block 1042');
const RECEIVER = utf8('receiver');

/** `bytes` with bit `bit` of byte `index` flipped. */
function flip(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  out[index]! ^= 1 << bit;
  return out;
}

/** Flips at the first, a middle and the last byte of [start, end). */
function flipsIn(bytes: Uint8Array, start: number, end: number): Uint8Array[] {
  return [start, (start + end) >> 1, end - 1].map((i, k) => flip(bytes, i, (3 * k + 1) % 8));
}

/** Short and long variants of `bytes`. */
function resized(bytes: Uint8Array): Uint8Array[] {
  return [
    new Uint8Array(0),
    bytes.subarray(0, 1),
    bytes.subarray(0, bytes.length - 1),
    concatBytes(bytes, Uint8Array.of(0)),
    concatBytes(bytes, bytes),
  ];
}

/** A random point of G1. */
function randomG1(ctx: PairingContext): G1 {
  return mcl.mul(ctx.g1, randomFr());
}

/** An encoding that decodes, with mcl's subgroup check off, to a point outside the prime-order subgroup. */
function nonSubgroupEncoding(ctx: PairingContext, group: 'G1' | 'G2', size: number): Uint8Array {
  (group === 'G1' ? mcl.verifyOrderG1 : mcl.verifyOrderG2)(false);
  try {
    for (let tries = 0; tries < 100_000; tries++) {
      const bytes = new Uint8Array(size);
      crypto.getRandomValues(bytes);
      const p = group === 'G1' ? new mcl.G1() : new mcl.G2();
      try {
        p.deserialize(bytes);
      } catch {
        continue;
      }
      if (!p.isZero() && !p.isValidOrder()) return p.serialize();
    }
    throw new Error(`no ${group} point outside the subgroup found`);
  } finally {
    applyPointChecks(ctx.curve); // the module's own policy, so that a change to it is what gets tested
  }
}

for (const curve of PAIRING_CURVES) {
  describe(`pairing baselines on ${curve}`, () => {
    let ctx: PairingContext;
    before(async () => {
      ctx = await useCurve(curve);
    });

    describe('point decoders', () => {
      it('accept a point and refuse identity, wrong length, garbage and non-canonical encodings', () => {
        const p = randomG1(ctx);
        assert.ok(decodeG1(ctx, p.serialize()).isEqual(p));
        const q = mcl.mul(ctx.g2, randomFr());
        assert.ok(decodeG2(ctx, q.serialize()).isEqual(q));
        const refused = (f: () => unknown): void => assert.throws(f, (e: unknown) => isDppError(e));
        refused(() => decodeG1(ctx, new mcl.G1().serialize()));
        refused(() => decodeG2(ctx, new mcl.G2().serialize()));
        refused(() => decodeG1(ctx, p.serialize().subarray(1)));
        refused(() => decodeG1(ctx, concatBytes(p.serialize(), Uint8Array.of(0))));
        refused(() => decodeG1(ctx, new Uint8Array(ctx.g1Bytes).fill(0xff)));
        refused(() => decodeG2(ctx, new Uint8Array(ctx.g2Bytes).fill(0xff)));
      });

      it('refuse a twist point outside G2', () => {
        const bytes = nonSubgroupEncoding(ctx, 'G2', ctx.g2Bytes);
        assert.throws(
          () => decodeG2(ctx, bytes),
          (e: unknown) => isDppError(e, 'DECODE_INVALID_POINT'),
        );
      });

      if (curve === 'bls12-381') {
        it('refuse a curve point outside G1 (cofactor ≠ 1 on BLS12-381)', () => {
          const bytes = nonSubgroupEncoding(ctx, 'G1', ctx.g1Bytes);
          assert.throws(
            () => decodeG1(ctx, bytes),
            (e: unknown) => isDppError(e, 'DECODE_INVALID_POINT'),
          );
        });
      }
    });

    describe('Boneh–Franklin FullIdent alone', () => {
      it('decrypts what it encrypts, of any length, only with the right identity key', () => {
        const pkg = bf01Setup(ctx);
        const alice = bf01Recipient(pkg.pub, utf8('alice'));
        const aliceKey = bf01Extract(pkg, utf8('alice'));
        const bobKey = bf01Extract(pkg, utf8('bob'));
        const otherPkgKey = bf01Extract(bf01Setup(ctx), utf8('alice'));
        for (const m of [new Uint8Array(0), MESSAGE, new Uint8Array(3000).fill(7)]) {
          const c = bf01Encrypt(pkg.pub, alice, m);
          assert.equal(c.length, ctx.g1Bytes + BF01_SIGMA_BYTES + m.length);
          assert.deepEqual(bf01Decrypt(pkg.pub, aliceKey, c), m);
          assert.equal(bf01Decrypt(pkg.pub, bobKey, c), null, 'wrong identity');
          assert.equal(bf01Decrypt(pkg.pub, otherPkgKey, c), null, 'same identity, other PKG');
        }
      });

      it('rejects every tampered component and every resized ciphertext', () => {
        const pkg = bf01Setup(ctx);
        const key = bf01Extract(pkg, RECEIVER);
        const c = bf01Encrypt(pkg.pub, bf01Recipient(pkg.pub, RECEIVER), MESSAGE);
        const u = ctx.g1Bytes;
        const v = u + BF01_SIGMA_BYTES;
        const bad = [...flipsIn(c, 0, u), ...flipsIn(c, u, v), ...flipsIn(c, v, c.length), ...resized(c)];
        for (const [i, b] of bad.entries()) assert.equal(bf01Decrypt(pkg.pub, key, b), null, `case ${i}`);
      });
    });

    describe('Chow–Yiu–Hui ring signature alone', () => {
      const setup = (n: number, signer: number) => {
        const pkg = cyh05Setup(ctx);
        const ids = ringIdentities(n, signer);
        const ring = cyh05Ring(ids);
        const key = cyh05Extract(pkg, ring.points[signer]!);
        return { pkg, ids, ring, sig: cyh05Sign(pkg.pub, ring, signer, key, MESSAGE) };
      };

      it('verifies for every signer of rings of 1, 2 and 3, and after an encode/decode', () => {
        for (const n of [1, 2, 3]) {
          for (let s = 0; s < n; s++) {
            const { pkg, ring, sig } = setup(n, s);
            assert.ok(cyh05Verify(pkg.pub, ring, MESSAGE, sig), `n = ${n}, signer ${s}`);
            const decoded = decodeCyh05Signature(ctx, encodeCyh05Signature(sig), n);
            assert.ok(cyh05Verify(pkg.pub, ring, MESSAGE, decoded));
          }
        }
      });

      it('fails for another message, another ring, another PKG and every altered component', () => {
        const n = 3;
        const { pkg, ids, ring, sig } = setup(n, 1);
        const verify = (s: Cyh05Signature) => cyh05Verify(pkg.pub, ring, MESSAGE, s);
        assert.ok(verify(sig));
        assert.equal(cyh05Verify(pkg.pub, ring, utf8('another message'), sig), false);
        const replaced = ids.map((id, i) => (i === 2 ? utf8('intruder') : id));
        assert.equal(cyh05Verify(pkg.pub, cyh05Ring(replaced), MESSAGE, sig), false, 'member replaced');
        assert.equal(cyh05Verify(pkg.pub, cyh05Ring([...ids].reverse()), MESSAGE, sig), false, 'reordered');
        assert.equal(cyh05Verify(cyh05Setup(ctx).pub, ring, MESSAGE, sig), false, 'other PKG');
        for (let i = 0; i < n; i++) {
          const u = sig.u.map((p, j) => (j === i ? randomG1(ctx) : p));
          assert.equal(verify({ u, v: sig.v }), false, `U_${i} replaced`);
        }
        assert.equal(verify({ u: sig.u, v: randomG1(ctx) }), false, 'V replaced');
        assert.equal(verify({ u: [sig.u[1]!, sig.u[0]!, sig.u[2]!], v: sig.v }), false, 'U swapped');
        assert.equal(verify({ u: sig.u.slice(0, 2), v: sig.v }), false, 'U missing');
        assert.equal(verify({ u: [...sig.u, randomG1(ctx)], v: sig.v }), false, 'U extra');
      });

      it('refuses or fails every bit-flipped encoding', () => {
        const n = 2;
        const { pkg, ring, sig } = setup(n, 0);
        const bytes = encodeCyh05Signature(sig);
        const size = ctx.g1Bytes;
        for (let k = 0; k <= n; k++) {
          for (const bad of flipsIn(bytes, k * size, (k + 1) * size)) {
            let ok = false;
            try {
              ok = cyh05Verify(pkg.pub, ring, MESSAGE, decodeCyh05Signature(ctx, bad, n));
            } catch (e) {
              assert.ok(isDppError(e), String(e));
            }
            assert.equal(ok, false, `point ${k}`);
          }
        }
        for (const bad of resized(bytes)) assert.throws(() => decodeCyh05Signature(ctx, bad, n));
      });
    });

    for (const scheme of pairingBaselines(curve)) {
      describe(`${scheme.scheme} through BenchableScheme`, () => {
        it('round-trips for every signer of rings of 1, 2 and 3, and the ends of a ring of 8', async () => {
          const cases = [
            [1, 0],
            [2, 0],
            [2, 1],
            [3, 0],
            [3, 1],
            [3, 2],
            [8, 0],
            [8, 7],
          ] as const;
          for (const [n, signer] of cases) {
            const ring = await scheme.prepare(n, signer);
            for (const m of [MESSAGE, new Uint8Array(0)]) {
              assert.deepEqual(ring.unsigncrypt(ring.signcrypt(m)), m, `n = ${n}, signer ${signer}`);
            }
          }
        });

        it('rejects resized bytes, random bytes and another ring’s signcryption', async () => {
          const ring = await scheme.prepare(2, 1);
          const c = ring.signcrypt(MESSAGE);
          for (const [i, bad] of resized(c).entries()) assert.equal(ring.unsigncrypt(bad), null, `case ${i}`);
          const garbage = new Uint8Array(c.length);
          crypto.getRandomValues(garbage);
          assert.equal(ring.unsigncrypt(garbage), null);
          const other = await scheme.prepare(2, 1);
          assert.equal(other.unsigncrypt(c), null, 'independent PKG');
        });

        it('refuses a bad ring shape', async () => {
          for (const [n, signer] of [
            [0, 0],
            [2, 2],
            [2, -1],
            [1.5, 0],
          ]) {
            await assert.rejects(scheme.prepare(n!, signer!), (e: unknown) =>
              isDppError(e, 'CRYPTO_BAD_RING'),
            );
          }
        });
      });
    }

    describe('cyh05+bf01 tamper matrix', () => {
      let parties: Cyh05Bf01Parties;
      let c: Uint8Array;
      const n = 3;
      before(() => {
        parties = cyh05Bf01Parties(ctx, ringIdentities(n, 1), 1, RECEIVER);
        c = cyh05Bf01Signcrypt(parties, MESSAGE);
      });
      const pkgsOf = (p: Cyh05Bf01Parties) => ({ signature: p.signature, encryption: p.encryption });

      it('rejects a flipped bit in U, V and W of the BF01 layer', () => {
        assert.deepEqual(cyh05Bf01Unsigncrypt(parties, c), MESSAGE);
        const u = ctx.g1Bytes;
        const v = u + BF01_SIGMA_BYTES;
        for (const [i, bad] of [
          ...flipsIn(c, 0, u),
          ...flipsIn(c, u, v),
          ...flipsIn(c, v, c.length),
        ].entries()) {
          assert.equal(cyh05Bf01Unsigncrypt(parties, bad), null, `case ${i}`);
        }
      });

      it('rejects a correctly encrypted payload whose ring signature is altered', () => {
        const seal = (payload: Uint8Array) => bf01Encrypt(parties.encryption.pub, parties.recipient, payload);
        const signed = cyh05Bf01Signcrypt(parties, MESSAGE);
        const payload = bf01Decrypt(parties.encryption.pub, parties.receiverKey, signed)!;
        assert.deepEqual(cyh05Bf01Unsigncrypt(parties, seal(payload)), MESSAGE, 'control: re-sealed payload');
        const sigStart = 4 + MESSAGE.length;
        const size = ctx.g1Bytes;
        for (let k = 0; k <= n; k++) {
          for (const bad of flipsIn(payload, sigStart + k * size, sigStart + (k + 1) * size)) {
            assert.equal(cyh05Bf01Unsigncrypt(parties, seal(bad)), null, `signature point ${k}`);
          }
        }
        const sig = decodeCyh05Signature(ctx, payload.subarray(sigStart), n);
        const forged: Cyh05Signature = { u: sig.u, v: randomG1(ctx) };
        assert.equal(cyh05Bf01Unsigncrypt(parties, seal(encodeCyh05Bf01Payload(MESSAGE, forged))), null);
        const otherMessage = encodeCyh05Bf01Payload(utf8('2 MWh at 0.41 yuan/kWh, block 1042'), sig);
        assert.equal(
          cyh05Bf01Unsigncrypt(parties, seal(otherMessage)),
          null,
          'message swapped under the signature',
        );
        for (const bad of resized(payload)) assert.equal(cyh05Bf01Unsigncrypt(parties, seal(bad)), null);
      });

      it('rejects a ring with one member replaced, and the wrong receiver', () => {
        const ids = ringIdentities(n, 1);
        const replaced = ids.map((id, i) => (i === 2 ? utf8('intruder') : id));
        const wrongRing = cyh05Bf01Parties(ctx, replaced, 1, RECEIVER, pkgsOf(parties));
        assert.equal(cyh05Bf01Unsigncrypt(wrongRing, c), null, 'member replaced');
        const wrongReceiver = cyh05Bf01Parties(ctx, ids, 1, utf8('someone-else'), pkgsOf(parties));
        assert.equal(cyh05Bf01Unsigncrypt(wrongReceiver, c), null, 'wrong receiver');
        // A receiver who re-encrypts a signed payload to someone else is caught: the receiver id is signed.
        const payload = bf01Decrypt(parties.encryption.pub, parties.receiverKey, c)!;
        const forwarded = bf01Encrypt(parties.encryption.pub, wrongReceiver.recipient, payload);
        assert.equal(cyh05Bf01Unsigncrypt(wrongReceiver, forwarded), null, 'forwarded to another receiver');
      });
    });

    describe('cyh05-ibrsc tamper matrix', () => {
      const n = 3;
      it('rejects a flipped bit in R, the ciphertext body and the tag', () => {
        const parties = cyh05IbrscParties(ctx, ringIdentities(n, 2), 2, RECEIVER);
        const c = cyh05IbrscSigncrypt(parties, MESSAGE);
        assert.deepEqual(cyh05IbrscUnsigncrypt(parties, c), MESSAGE);
        const r = ctx.g2Bytes;
        const tag = c.length - 16;
        for (const [i, bad] of [
          ...flipsIn(c, 0, r),
          ...flipsIn(c, r, tag),
          ...flipsIn(c, tag, c.length),
        ].entries()) {
          assert.equal(cyh05IbrscUnsigncrypt(parties, bad), null, `case ${i}`);
        }
      });

      it('decrypts but rejects for a ring with one member replaced; rejects the wrong receiver', () => {
        const ids = ringIdentities(n, 0);
        const parties = cyh05IbrscParties(ctx, ids, 0, RECEIVER);
        const c = cyh05IbrscSigncrypt(parties, MESSAGE);
        const replaced = ids.map((id, i) => (i === 1 ? utf8('intruder') : id));
        const wrongRing = cyh05IbrscParties(ctx, replaced, 0, RECEIVER, parties.pkg);
        assert.equal(cyh05IbrscUnsigncrypt(wrongRing, c), null, 'member replaced');
        const wrongReceiver = cyh05IbrscParties(ctx, ids, 0, utf8('someone-else'), parties.pkg);
        assert.equal(cyh05IbrscUnsigncrypt(wrongReceiver, c), null, 'wrong receiver');
      });
    });
  });
}

describe('curve switching', () => {
  it('refuses a ring prepared on a curve that is no longer initialised', async () => {
    const [bls, bn] = [pairingBaselines('bls12-381')[0]!, pairingBaselines('bn254')[0]!];
    const ring = await bls.prepare(2, 0);
    assert.deepEqual(ring.unsigncrypt(ring.signcrypt(MESSAGE)), MESSAGE);
    const other = await bn.prepare(2, 0);
    assert.deepEqual(other.unsigncrypt(other.signcrypt(MESSAGE)), MESSAGE);
    assert.throws(
      () => ring.signcrypt(MESSAGE),
      (e: unknown) => isDppError(e, 'CRYPTO_CURVE_SWITCHED'),
    );
    assert.throws(
      () => ring.unsigncrypt(new Uint8Array(10)),
      (e: unknown) => isDppError(e, 'CRYPTO_CURVE_SWITCHED'),
    );
  });
});
