import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import {
  decodeScalar,
  type Group,
  IDENTITY_BYTES,
  isCanonicalScalar,
  type Scalar,
} from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { isDppError } from '../../src/errors.ts';

const sodium = await libsodiumGroup();
const noble = await nobleGroup();
const backends: readonly Group[] = [sodium, noble];

const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const le = (n: bigint): Uint8Array => {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return b;
};
const wide = fc.uint8Array({ minLength: 64, maxLength: 64 });
const scalarArb = wide.map((w) => sodium.scalarFromWide(w));

/** Encodings every decoder must refuse. */
function badPoints(): [string, Uint8Array][] {
  const negZero = IDENTITY_BYTES.slice();
  negZero[31]! |= 0x80; // x = 0 with the sign bit set
  const cases: [string, Uint8Array][] = [
    ['identity', IDENTITY_BYTES.slice()],
    ['non-canonical y = p + 1', le(P + 1n)],
    ['negative zero', negZero],
    ['order 2: y = −1', le(P - 1n)],
    ['not on the curve: y = 2', le(2n)],
    ['31 bytes', noble.base.subarray(0, 31)],
    ['33 bytes', new Uint8Array([...noble.base, 0])],
    ['all zero', new Uint8Array(32)],
  ];
  // B + T for each non-trivial torsion point T: canonical and on the curve, but outside the subgroup.
  for (const [i, t] of ED25519_TORSION_SUBGROUP.entries()) {
    if (i === 0) continue;
    const torsion = ed25519.Point.fromHex(t, true);
    cases.push([`torsion point ${i}`, torsion.toBytes()]);
    cases.push([`B + torsion point ${i}`, ed25519.Point.BASE.add(torsion).toBytes()]);
  }
  return cases;
}

describe('group: edwards25519 prime-order subgroup, libsodium and noble backends', () => {
  it('both backends have the same generator, identity and sizes', () => {
    assert.equal(toHex(sodium.base), toHex(noble.base));
    assert.equal(toHex(sodium.identity), toHex(noble.identity));
    assert.equal(toHex(sodium.base), '5866666666666666666666666666666666666666666666666666666666666666');
  });

  for (const g of backends) {
    it(`${g.backend}: decodePoint refuses identity, non-canonical, small-order, off-curve and mixed-torsion encodings`, () => {
      for (const [label, bytes] of badPoints()) {
        assert.equal(g.isValidPoint(bytes), false, label);
        assert.throws(
          () => g.decodePoint(bytes),
          (e) => isDppError(e, 'DECODE_INVALID_POINT'),
          label,
        );
      }
      assert.equal(toHex(g.decodePoint(g.base)), toHex(g.base));
    });

    it(`${g.backend}: zero scalars and the identity are handled, not thrown`, () => {
      const zero = new Uint8Array(32) as Scalar;
      const one = decodeScalar(le(1n));
      assert.equal(toHex(g.mulBase(zero)), toHex(g.identity));
      assert.equal(toHex(g.mul(zero, g.base)), toHex(g.identity));
      assert.equal(toHex(g.mul(one, g.identity)), toHex(g.identity));
      assert.equal(toHex(g.add(g.base, g.identity)), toHex(g.base));
      assert.equal(toHex(g.sub(g.base, g.base)), toHex(g.identity));
      assert.equal(toHex(g.mulBase(one)), toHex(g.base));
    });
  }

  it('scalars: canonical range check rejects s ≥ ℓ (e.g. s + ℓ) and accepts ℓ − 1', () => {
    assert.equal(isCanonicalScalar(le(ORDER - 1n)), true);
    assert.equal(isCanonicalScalar(le(ORDER)), false);
    assert.equal(isCanonicalScalar(le(ORDER + 5n)), false);
    assert.equal(isCanonicalScalar(le(2n ** 256n - 1n)), false);
    assert.throws(
      () => decodeScalar(le(ORDER + 5n)),
      (e) => isDppError(e, 'DECODE_NON_CANONICAL'),
    );
    assert.throws(
      () => decodeScalar(new Uint8Array(31)),
      (e) => isDppError(e, 'DECODE_INVALID_SCALAR'),
    );
  });

  it('property: both backends agree on every operation, byte for byte', () => {
    fc.assert(
      fc.property(scalarArb, scalarArb, wide, (a, b, w) => {
        for (const op of [
          (g: Group) => g.mulBase(a),
          (g: Group) => g.mul(b, g.mulBase(a)),
          (g: Group) => g.add(g.mulBase(a), g.mulBase(b)),
          (g: Group) => g.sub(g.mulBase(a), g.mulBase(b)),
          (g: Group) => g.scalarFromWide(w),
          (g: Group) => g.scalarAdd(a, b),
          (g: Group) => g.scalarSub(a, b),
          (g: Group) => g.scalarMul(a, b),
          (g: Group) => g.scalarNeg(a),
        ]) {
          assert.equal(toHex(op(sodium)), toHex(op(noble)));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: scalar arithmetic matches integers mod ℓ and the group laws hold', () => {
    const big = (s: Uint8Array): bigint => BigInt(`0x${toHex(Uint8Array.from(s).reverse()) || '0'}`);
    fc.assert(
      fc.property(scalarArb, scalarArb, (a, b) => {
        assert.equal(big(sodium.scalarMul(a, b)), (big(a) * big(b)) % ORDER);
        assert.equal(big(sodium.scalarAdd(a, b)), (big(a) + big(b)) % ORDER);
        // (a + b)·B = a·B + b·B, and a·(b·B) = (ab)·B
        const g = sodium;
        assert.equal(toHex(g.mulBase(g.scalarAdd(a, b))), toHex(g.add(g.mulBase(a), g.mulBase(b))));
        assert.equal(toHex(g.mul(a, g.mulBase(b))), toHex(g.mulBase(g.scalarMul(a, b))));
        // every computed non-identity point decodes
        assert.equal(g.isValidPoint(g.mulBase(a)), !g.mulBase(a).every((x, i) => x === (i === 0 ? 1 : 0)));
      }),
      { numRuns: 100 },
    );
  });
});
