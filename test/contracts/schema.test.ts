/**
 * Properties of the contracts' declarative codec (src/contracts/schema.ts): every field type round
 * trips (decode ∘ encode = id on values, encode ∘ decode = id on accepted bytes), and every
 * non-canonical encoding is refused with the right DecodeError — booleans and presence flags other
 * than 0/1, enumeration codes 0 or past the end, integers above their bound, invalid UTF-8, strings
 * outside their pattern or too long, invalid points (identity, small order, mixed torsion,
 * non-canonical, off curve) on both group backends, scalars ≥ ℓ, lists longer than their bound,
 * other versions, truncation and trailing bytes. fast-check runs seeded; a failure prints the seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { bytesEqual, toHex, utf8 } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { EncodeError } from '../../src/codec/encodeError.ts';
import { Reader } from '../../src/codec/reader.ts';
import { Writer } from '../../src/codec/writer.ts';
import { MEMBER_ID, memberId, text } from '../../src/contracts/records.ts';
import {
  bool,
  bytes,
  type Field,
  fixed,
  i64,
  list,
  oneOf,
  optional,
  point,
  record,
  scalar,
  str,
  struct,
  u8,
  u32,
  u64,
} from '../../src/contracts/schema.ts';
import { type Group, IDENTITY_BYTES, type Point } from '../../src/crypto/group.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { group } from './harness.ts';

const noble = await nobleGroup();
const GROUPS: readonly Group[] = [group, noble];
const SEED = Number(process.env.DPP_FC_SEED ?? 20261127);
const run = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const le = (n: bigint): Uint8Array => {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return b;
};

/** No lone surrogates (which UTF-8 cannot carry). */
const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);

function encodeField<T>(f: Field<T>, v: T): Uint8Array {
  const w = new Writer();
  f.write(w, v);
  return w.finish();
}

/** Decodes a whole byte string with one field (no trailing bytes allowed). */
function decodeField<T>(f: Field<T>, b: Uint8Array, g: Group = group): T {
  const r = new Reader(b, 'field');
  const v = f.read(r, g);
  r.end();
  return v;
}

/** Asserts `fn` throws a DecodeError with `code`. */
function refuses(fn: () => unknown, code: string, label = ''): void {
  assert.throws(fn, (e: unknown) => e instanceof DecodeError && e.code === code, `${label} → ${code}`);
}

/** The generic law for one field and an arbitrary of its values. */
function roundTrips<T>(name: string, f: Field<T>, arb: fc.Arbitrary<T>, runs = 200): void {
  it(`${name}: decode(encode(v)) = v and encode(decode(b)) = b`, () => {
    fc.assert(
      fc.property(arb, (v) => {
        const b = encodeField(f, v);
        const back = decodeField(f, b);
        assert.deepEqual(back, v);
        assert.ok(bytesEqual(encodeField(f, back), b));
      }),
      run(runs),
    );
  });
}

const scalarArb = fc
  .uint8Array({ minLength: 64, maxLength: 64 })
  .map((w) => group.scalarFromWide(w) as Uint8Array);
const pointArb = scalarArb
  .filter((s) => s.some((x) => x !== 0))
  .map((s) => group.mulBase(s as never) as Uint8Array);

/** Encodings no point decoder may accept. */
function badPoints(): [string, Uint8Array][] {
  const negZero = IDENTITY_BYTES.slice();
  negZero[31]! |= 0x80;
  const cases: [string, Uint8Array][] = [
    ['identity', IDENTITY_BYTES.slice()],
    ['non-canonical y = p + 1', le(P + 1n)],
    ['non-canonical y = p + 19', le(P + 19n)],
    ['negative zero', negZero],
    ['order 2', le(P - 1n)],
    ['off the curve', le(2n)],
    ['all zero', new Uint8Array(32)],
  ];
  for (const [i, t] of ED25519_TORSION_SUBGROUP.entries()) {
    if (i === 0) continue;
    const torsion = ed25519.Point.fromHex(t, true);
    cases.push([`torsion ${i}`, torsion.toBytes()]);
    cases.push([`B + torsion ${i}`, ed25519.Point.BASE.add(torsion).toBytes()]);
  }
  return cases;
}

describe('contracts/schema: round trips of every field type', () => {
  roundTrips('u8(200)', u8(200), fc.integer({ min: 0, max: 200 }));
  roundTrips('u32()', u32(), fc.integer({ min: 0, max: 0xffffffff }));
  roundTrips('u32(1e6)', u32(1_000_000), fc.integer({ min: 0, max: 1_000_000 }));
  roundTrips('u64()', u64(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  roundTrips('u64(1e8)', u64(100_000_000n), fc.bigInt({ min: 0n, max: 100_000_000n }));
  roundTrips('i64', i64, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
  roundTrips('bool', bool, fc.boolean());
  roundTrips(
    'text (≤ 200 UTF-8 bytes, any code points)',
    text,
    fc.string({ unit: 'binary', maxLength: 50 }).filter((s) => utf8(s).length <= 200 && wellFormed(s)),
  );
  roundTrips(
    'memberId',
    memberId,
    fc.stringMatching(MEMBER_ID).filter((s) => s.length <= 64),
  );
  roundTrips('bytes(40)', bytes(40), fc.uint8Array({ maxLength: 40 }));
  roundTrips('fixed(32)', fixed(32), fc.uint8Array({ minLength: 32, maxLength: 32 }));
  roundTrips('point', point as Field<Uint8Array>, pointArb, 50);
  roundTrips('scalar', scalar as Field<Uint8Array>, scalarArb, 100);
  roundTrips(
    'list(u64, 5)',
    list(u64(), 5),
    fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 5 }),
  );
  roundTrips('oneOf', oneOf(['a', 'b', 'c'] as const), fc.constantFrom('a', 'b', 'c'));
  roundTrips('optional(u32)', optional(u32()), fc.option(fc.nat(), { nil: null }));
  roundTrips(
    'struct',
    struct({ a: u8(), b: optional(memberId), c: list(bool, 3) }),
    fc.record(
      {
        a: fc.integer({ min: 0, max: 255 }),
        b: fc.option(fc.constantFrom('gen-a', 'x', '0.9-z'), { nil: null }),
        c: fc.array(fc.boolean(), { maxLength: 3 }),
      },
      { noNullPrototype: true },
    ),
  );

  it('record: u8 version ‖ struct, decoded strictly', () => {
    const codec = record('demo', 3, { n: u64(), s: text });
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.string({ maxLength: 20 }), (n, s) => {
        fc.pre(wellFormed(s));
        const b = codec.encode({ n, s });
        assert.equal(b[0], 3);
        assert.deepEqual(codec.decode(b, group), { n, s });
        refuses(() => codec.decode(Uint8Array.of(2, ...b.subarray(1)), group), 'DECODE_BAD_VERSION');
        refuses(() => codec.decode(Uint8Array.of(...b, 0), group), 'DECODE_TRAILING_BYTES');
        refuses(() => codec.decode(b.subarray(0, b.length - 1), group), 'DECODE_TRUNCATED');
      }),
      run(200),
    );
  });
});

describe('contracts/schema: non-canonical encodings are refused', () => {
  it('a boolean byte other than 0 or 1', () => {
    for (let v = 2; v < 256; v++) refuses(() => decodeField(bool, Uint8Array.of(v)), 'DECODE_OUT_OF_RANGE');
  });

  it('an optional presence flag other than 0 or 1', () => {
    const f = optional(u8());
    for (let v = 2; v < 256; v++)
      refuses(() => decodeField(f, Uint8Array.of(v, 0)), 'DECODE_OUT_OF_RANGE', `flag ${v}`);
    // absent with a value after it: trailing bytes
    refuses(() => decodeField(f, Uint8Array.of(0, 7)), 'DECODE_TRAILING_BYTES');
  });

  it('an enumeration code 0 or past the last name', () => {
    const f = oneOf(['a', 'b', 'c'] as const);
    refuses(() => decodeField(f, Uint8Array.of(0)), 'DECODE_BAD_TAG');
    for (let v = 4; v < 256; v++) refuses(() => decodeField(f, Uint8Array.of(v)), 'DECODE_BAD_TAG');
  });

  it('integers above their bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 254 }), fc.integer({ min: 0, max: 255 }), (max, v) => {
        fc.pre(v > max);
        refuses(() => decodeField(u8(max), Uint8Array.of(v)), 'DECODE_OUT_OF_RANGE');
      }),
      run(200),
    );
    fc.assert(
      fc.property(fc.nat({ max: 0xfffffffe }), fc.nat({ max: 0xffffffff }), (max, v) => {
        fc.pre(v > max);
        refuses(() => decodeField(u32(max), new Writer().u32(v).finish()), 'DECODE_OUT_OF_RANGE');
      }),
      run(200),
    );
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 2n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (max, v) => {
          fc.pre(v > max);
          refuses(() => decodeField(u64(max), new Writer().u64(v).finish()), 'DECODE_OUT_OF_RANGE');
        },
      ),
      run(200),
    );
  });

  it('invalid UTF-8 (overlong, surrogates, truncated sequences, stray continuation bytes)', () => {
    const bad = [
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0x80],
      [0xff],
      [0x61, 0xc3],
    ];
    for (const b of bad) {
      const enc = new Writer().bytes(Uint8Array.from(b)).finish();
      refuses(() => decodeField(text, enc), 'DECODE_NON_CANONICAL', toHex(Uint8Array.from(b)));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (raw) => {
        const enc = new Writer().bytes(raw).finish();
        try {
          const s = decodeField(text, enc);
          assert.ok(bytesEqual(encodeField(text, s), enc), 'accepted text re-encodes to the same bytes');
        } catch (e) {
          assert.ok(e instanceof DecodeError && e.code === 'DECODE_NON_CANONICAL', String(e));
        }
      }),
      run(1000),
    );
  });

  it('a leading byte-order mark is kept, not stripped: one value, one encoding', () => {
    const enc = new Writer().bytes(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)).finish();
    const s = decodeField(text, enc);
    assert.equal(s, '\u{feff}a');
    assert.ok(bytesEqual(encodeField(text, s), enc));
    // and a member id never starts with one
    refuses(() => decodeField(memberId, enc), 'DECODE_OUT_OF_RANGE');
  });

  it('strings outside their pattern or above their byte bound', () => {
    for (const bad of [
      '',
      'Gen-a',
      '-gen',
      '.gen',
      'gen a',
      'gen_a',
      'a'.repeat(65),
      'gen\n',
      'génération',
    ]) {
      const enc = new Writer().string(bad).finish();
      assert.throws(
        () => decodeField(memberId, enc),
        (e: unknown) => e instanceof DecodeError,
        JSON.stringify(bad),
      );
    }
    refuses(() => decodeField(text, new Writer().string('x'.repeat(201)).finish()), 'DECODE_BAD_LENGTH');
    refuses(() => decodeField(text, new Writer().string('é'.repeat(101)).finish()), 'DECODE_BAD_LENGTH');
    assert.equal(decodeField(text, new Writer().string('é'.repeat(100)).finish()), 'é'.repeat(100));
    refuses(
      () => decodeField(str(3, /^[a-z]*$/), new Writer().string('ab1').finish()),
      'DECODE_OUT_OF_RANGE',
    );
  });

  it('byte strings above their bound, fixed fields short', () => {
    refuses(() => decodeField(bytes(4), new Writer().bytes(new Uint8Array(5)).finish()), 'DECODE_BAD_LENGTH');
    refuses(() => decodeField(fixed(32), new Uint8Array(31)), 'DECODE_TRUNCATED');
  });

  for (const g of GROUPS) {
    it(`${g.backend}: invalid points (identity, small order, mixed torsion, non-canonical, off curve)`, () => {
      for (const [label, b] of badPoints())
        refuses(() => decodeField(point, b, g), 'DECODE_INVALID_POINT', label);
    });
  }

  it('both backends accept and refuse exactly the same 32-byte strings as points', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), pointArb), (b) => {
        const outcome = (g: Group) => {
          try {
            return toHex(decodeField(point, b, g) as Point);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
            return e.code;
          }
        };
        assert.equal(outcome(group), outcome(noble));
      }),
      run(500),
    );
  });

  it('scalars ≥ ℓ', () => {
    for (const n of [ORDER, ORDER + 1n, ORDER + 2n ** 200n, 2n ** 253n, 2n ** 256n - 1n]) {
      refuses(() => decodeField(scalar, le(n)), 'DECODE_NON_CANONICAL', n.toString(16));
    }
    assert.ok(bytesEqual(decodeField(scalar, le(ORDER - 1n)), le(ORDER - 1n)));
    fc.assert(
      fc.property(fc.bigInt({ min: ORDER, max: 2n ** 256n - 1n }), (n) => {
        refuses(() => decodeField(scalar, le(n)), 'DECODE_NON_CANONICAL');
      }),
      run(300),
    );
  });

  it('lists longer than their bound, or counting more items than present', () => {
    const f = list(u8(), 3);
    refuses(() => decodeField(f, Uint8Array.of(0, 0, 0, 4, 1, 2, 3, 4)), 'DECODE_BAD_LENGTH');
    refuses(() => decodeField(f, Uint8Array.of(0xff, 0xff, 0xff, 0xff)), 'DECODE_BAD_LENGTH');
    refuses(() => decodeField(f, Uint8Array.of(0, 0, 0, 3, 1, 2)), 'DECODE_TRUNCATED');
    refuses(() => decodeField(f, Uint8Array.of(0, 0, 0, 1, 1, 2)), 'DECODE_TRAILING_BYTES');
  });

  it('encoders refuse values they could not decode back, with a typed error (never a bare RangeError)', () => {
    const refused = (f: () => unknown, code: string, text?: string) =>
      assert.throws(
        f,
        (e: unknown) =>
          e instanceof EncodeError &&
          e.code === code &&
          !(e instanceof RangeError) &&
          e.message.includes(text ?? ''),
      );
    refused(() => encodeField(u32(10), 11), 'ENCODE_BAD_VALUE');
    refused(() => encodeField(u64(10n), 11n), 'ENCODE_BAD_VALUE');
    refused(() => encodeField(i64, 2n ** 63n), 'ENCODE_BAD_VALUE');
    refused(() => encodeField(memberId, 'Bad Id'), 'ENCODE_BAD_VALUE');
    refused(() => encodeField(oneOf(['a'] as const), 'b' as 'a'), 'ENCODE_BAD_VALUE');
    // lengths are limits a caller may meet (and batch around): ENCODE_LIMIT naming the limit
    refused(() => encodeField(text, 'x'.repeat(201)), 'ENCODE_LIMIT', '200');
    refused(() => encodeField(list(u8(), 1), [1, 2]), 'ENCODE_LIMIT', 'limit of 1');
    refused(() => encodeField(bytes(1), new Uint8Array(2)), 'ENCODE_LIMIT', 'limit of 1');
  });
});
