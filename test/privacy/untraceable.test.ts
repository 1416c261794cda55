import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../../src/codec/bytes.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import {
  decodeUntraceable,
  encodeUntraceable,
  untraceableScheme,
  untraceableSigncrypt,
  untraceableUnsigncrypt,
  untraceableVerify,
} from '../../src/privacy/baselines/untraceable.ts';
import { generateKeyPair } from '../../src/privacy/keyPair.ts';
import { ringOf } from '../../src/privacy/ring.ts';

const g = await libsodiumGroup();
const message = utf8('untraceable baseline');

describe('untraceable baseline (ECIES then AOS ring signature)', () => {
  it('round-trips for every signer of small rings and through the benchmark interface', async () => {
    for (const n of [1, 2, 3, 8]) {
      const keys = Array.from({ length: n }, () => generateKeyPair(g));
      const ring = ringOf(keys.map((k) => k.publicKey));
      const receiver = generateKeyPair(g);
      for (const signer of keys) {
        const sc = decodeUntraceable(
          g,
          encodeUntraceable(untraceableSigncrypt(g, signer, ring, receiver.publicKey, message)),
        );
        assert.deepEqual(untraceableUnsigncrypt(g, sc, ring, receiver), message);
      }
    }
    const prepared = await untraceableScheme(g).prepare(4, 2);
    assert.deepEqual(prepared.unsigncrypt(prepared.signcrypt(message)), message);
  });

  it('rejects a tampered ciphertext, response, ring member, receiver or encoding', () => {
    const keys = Array.from({ length: 3 }, () => generateKeyPair(g));
    const ring = ringOf(keys.map((k) => k.publicKey));
    const receiver = generateKeyPair(g);
    const sc = untraceableSigncrypt(g, keys[1]!, ring, receiver.publicKey, message);
    assert.equal(untraceableVerify(g, sc, ring), true);
    const ciphertext = sc.ciphertext.slice();
    ciphertext[0]! ^= 1;
    assert.equal(untraceableVerify(g, { ...sc, ciphertext }, ring), false);
    assert.equal(
      untraceableVerify(
        g,
        { ...sc, responses: [sc.responses[1]!, sc.responses[0]!, sc.responses[2]!] },
        ring,
      ),
      false,
    );
    assert.equal(untraceableVerify(g, { ...sc, responses: sc.responses.slice(1) }, ring), false);
    const other = ringOf([keys[0]!.publicKey, keys[1]!.publicKey, generateKeyPair(g).publicKey]);
    assert.equal(untraceableVerify(g, sc, other), false);
    assert.equal(untraceableUnsigncrypt(g, sc, ring, generateKeyPair(g)), null);
    const bytes = encodeUntraceable(sc);
    for (let at = 0; at < bytes.length; at += 7) {
      const bad = bytes.slice();
      bad[at]! ^= 0x10;
      let ok = false;
      try {
        ok = untraceableVerify(g, decodeUntraceable(g, bad), ring);
      } catch {}
      assert.equal(ok, false, `byte ${at}`);
    }
  });
});
