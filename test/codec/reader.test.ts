import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { Reader } from '../../src/codec/reader.ts';
import { Writer } from '../../src/codec/writer.ts';

describe('canonical codec', () => {
  it('round-trips every field type', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ maxLength: 100 }),
        fc.string(),
        (a, b, c, d, bytes, s) => {
          const enc = new Writer()
            .u8(a)
            .u16(b)
            .u32(c)
            .u64(d)
            .bytes(bytes)
            .string(s)
            .fixed(bytes, bytes.length)
            .finish();
          const r = new Reader(enc, 'test');
          assert.deepEqual(
            [r.u8(), r.u16(), r.u32(), r.u64(), r.bytes(100), r.string(1000), r.fixed(bytes.length)],
            [a, b, c, d, bytes, s, bytes],
          );
          r.end();
        },
      ),
    );
  });

  it('returns copies that do not share memory with the input, even for a Node Buffer', () => {
    const input = Buffer.from([1, 2, 3, 4, 0, 0, 0, 2, 9, 9]);
    const r = new Reader(input, 'test');
    const fixed = r.fixed(4);
    const bytes = r.bytes(10);
    input.fill(0);
    assert.deepEqual([...fixed], [1, 2, 3, 4]);
    assert.deepEqual([...bytes], [9, 9]);
    assert.equal(Buffer.isBuffer(fixed), false);
  });

  it('refuses truncation, trailing bytes, over-long lengths and invalid UTF-8 with DecodeError', () => {
    assert.throws(
      () => new Reader(Uint8Array.of(1), 't').u16(),
      (e) => e instanceof DecodeError && e.code === 'DECODE_TRUNCATED',
    );
    const r = new Reader(Uint8Array.of(1, 2), 't');
    r.u8();
    assert.throws(
      () => r.end(),
      (e) => e instanceof DecodeError && e.code === 'DECODE_TRAILING_BYTES',
    );
    assert.throws(
      () => new Reader(new Writer().bytes(new Uint8Array(11)).finish(), 't').bytes(10),
      (e) => e instanceof DecodeError && e.code === 'DECODE_BAD_LENGTH',
    );
    assert.throws(
      () => new Reader(new Writer().bytes(Uint8Array.of(0xff)).finish(), 't').string(10),
      (e) => e instanceof DecodeError && e.code === 'DECODE_NON_CANONICAL',
    );
  });
});
