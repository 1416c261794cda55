import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildVectors, type VectorFile } from '../../scripts/generateVectors.ts';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { decodeScalar, decodeSecretScalar } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { isDppError } from '../../src/errors.ts';
import { ringOf } from '../../src/privacy/ring.ts';
import { unsigncrypt, verify } from '../../src/privacy/ringSigncryption.ts';
import { decodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { verifyTrace } from '../../src/privacy/trace.ts';

const file = JSON.parse(
  readFileSync(new URL('../vectors/ringSigncryption.json', import.meta.url), 'utf8'),
) as VectorFile;

const backends = [await libsodiumGroup(), await nobleGroup()];

describe('frozen known-answer vectors (test/vectors/ringSigncryption.json)', () => {
  for (const group of backends) {
    it(`${group.backend}: regenerating from the seeds reproduces the committed file byte for byte`, () => {
      assert.deepEqual(buildVectors(group), file);
    });

    it(`${group.backend}: every valid vector decodes, verifies, decrypts and traces from its bytes alone`, () => {
      for (const v of file.valid) {
        const params = { group, regulatorKey: group.decodePoint(fromHex(v.regulatorPublicHex)) };
        const ring = ringOf(v.ringHex.map((h) => group.decodePoint(fromHex(h))));
        const sc = decodeSigncryption(group, fromHex(v.signcryptionHex));
        assert.equal(verify(params, sc, ring), true, `n = ${v.n}`);
        const receiver = {
          secret: decodeSecretScalar(fromHex(v.receiverSecretHex)),
          publicKey: group.decodePoint(fromHex(v.receiverPublicHex)),
        };
        assert.equal(toHex(unsigncrypt(params, sc, ring, receiver)!), v.messageHex);
        const t = {
          memberIndex: v.trace.memberIndex,
          pseudonym: ring.members[v.trace.memberIndex]!,
          proof: { e: decodeScalar(fromHex(v.trace.eHex)), z: decodeScalar(fromHex(v.trace.zHex)) },
        };
        assert.equal(t.memberIndex, v.signerIndex);
        assert.equal(verifyTrace(params, sc, ring, t), true);
      }
    });

    it(`${group.backend}: every invalid vector is refused with its error code`, () => {
      for (const v of file.invalid) {
        assert.throws(
          () => decodeSigncryption(group, fromHex(v.signcryptionHex)),
          (e) => isDppError(e, v.errorCode),
          v.description,
        );
      }
    });
  }
});
