import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import { frame, sha256, sha512, taggedSha512 } from '../../src/crypto/hash.ts';

describe('hashing', () => {
  it('SHA-256/512 match the FIPS 180-4 "abc" vectors', () => {
    const abc = new TextEncoder().encode('abc');
    assert.equal(toHex(sha256(abc)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(
      toHex(sha512(abc)),
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('property: the framing equals the canonical Writer encoding, so tags and parts never collide', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), (tag, parts) => {
        const w = new Writer().string(tag).u32(parts.length);
        for (const p of parts) w.bytes(p);
        assert.deepEqual(frame(tag, parts), w.finish());
        assert.equal(
          toHex(taggedSha512(tag, ...parts)),
          createHash('sha512').update(w.finish()).digest('hex'),
        );
      }),
    );
  });

  it('moving a byte between parts changes the hash', () => {
    const a = taggedSha512('t', Uint8Array.of(1, 2), Uint8Array.of(3));
    const b = taggedSha512('t', Uint8Array.of(1), Uint8Array.of(2, 3));
    assert.notEqual(toHex(a), toHex(b));
  });
});
