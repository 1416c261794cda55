/**
 * Proof of sendership (src/privacy/sendership.ts): the sender of a ring signcryption proves it is
 * the sender with the trace tag's randomness; no other ring member, no other secret, no other
 * signcryption or context passes; both backends accept each other's proofs; and the randomness
 * `signcryptKeepingTraceSecret` returns is the one in the trace tag (T1 = a·B).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bytesEqual, utf8 } from '../../src/codec/bytes.ts';
import { Reader } from '../../src/codec/reader.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { type DleqProof, encodeDleqProof, readDleqProof } from '../../src/privacy/chaumPedersen.ts';
import { signcrypt, signcryptKeepingTraceSecret } from '../../src/privacy/ringSigncryption.ts';
import { proveSendership, verifySendership } from '../../src/privacy/sendership.ts';
import { decodeSigncryption, encodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { makeWorld, type World } from './fixtures.ts';

const sodium = await libsodiumGroup();
const noble = await nobleGroup();
const message = utf8('bill 7: confirmed');
const context = utf8('escalation of bill 7');

function sent(world: World, signer: number, seed = 'sendership') {
  return signcryptKeepingTraceSecret(
    world.params,
    world.members[signer]!.keys,
    world.ring,
    world.receiver.publicKey,
    world.context,
    message,
    seededRandom(seed),
  );
}

describe('proof of sendership', () => {
  const world = makeWorld(sodium, 5, 'sendership');
  const key = (i: number) => world.members[i]!.keys.publicKey;

  it('keeping the trace secret changes nothing: the same bytes as signcrypt, and T1 = a·B', () => {
    const { signcryption, traceSecret } = sent(world, 2);
    const plain = signcrypt(
      world.params,
      world.members[2]!.keys,
      world.ring,
      world.receiver.publicKey,
      world.context,
      message,
      seededRandom('sendership'),
    );
    assert.ok(bytesEqual(encodeSigncryption(signcryption), encodeSigncryption(plain)));
    assert.ok(bytesEqual(sodium.mulBase(traceSecret), signcryption.t1));
  });

  it('the sender proves it; no other member’s key, context, signcryption or proof passes', () => {
    for (let pi = 0; pi < 5; pi++) {
      const { signcryption: sc, traceSecret } = sent(world, pi, `s${pi}`);
      const proof = proveSendership(world.params, sc, key(pi), traceSecret, context);
      assert.equal(verifySendership(world.params, sc, key(pi), proof, context), true);
      for (let j = 0; j < 5; j++) {
        if (j === pi) continue;
        // another member claiming it, with the sender's proof or with one made from the sender's secret
        assert.equal(verifySendership(world.params, sc, key(j), proof, context), false);
        const claimed = proveSendership(world.params, sc, key(j), traceSecret, context);
        assert.equal(verifySendership(world.params, sc, key(j), claimed, context), false);
      }
      assert.equal(verifySendership(world.params, sc, key(pi), proof, utf8('another bill')), false);
      const other = sent(world, pi, `other${pi}`).signcryption;
      assert.equal(verifySendership(world.params, other, key(pi), proof, context), false);
      const bumped: DleqProof = { e: proof.e, z: sodium.scalarAdd(proof.z, proof.e) };
      assert.equal(verifySendership(world.params, sc, key(pi), bumped, context), false);
    }
  });

  it('a secret other than the trace tag’s proves nothing', () => {
    const { signcryption: sc } = sent(world, 1);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (wide) => {
        const guess = sodium.scalarFromWide(wide);
        const proof = proveSendership(world.params, sc, key(1), guess, context);
        assert.equal(verifySendership(world.params, sc, key(1), proof, context), false);
      }),
      { numRuns: 50 },
    );
  });

  it('libsodium and noble accept each other’s proofs (through the encodings)', () => {
    const a = makeWorld(sodium, 3, 'cross-sendership');
    const b = makeWorld(noble, 3, 'cross-sendership');
    for (const [from, to, toGroup] of [
      [a, b, noble],
      [b, a, sodium],
    ] as const) {
      const { signcryption, traceSecret } = sent(from, 1);
      const proof = proveSendership(
        from.params,
        signcryption,
        from.members[1]!.keys.publicKey,
        traceSecret,
        context,
      );
      const sc = decodeSigncryption(toGroup, encodeSigncryption(signcryption));
      const decoded = readDleqProof(new Reader(encodeDleqProof(proof), 'sendership proof'));
      assert.equal(verifySendership(to.params, sc, to.members[1]!.keys.publicKey, decoded, context), true);
    }
  });
});
