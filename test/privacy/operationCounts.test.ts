import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Group } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { oursOperationCounts } from '../../src/privacy/baselines/ours.ts';
import { generateKeyPair } from '../../src/privacy/keyPair.ts';
import { setupRegulator } from '../../src/privacy/regulator.ts';
import { ringOf } from '../../src/privacy/ring.ts';
import { signcrypt, unsigncrypt } from '../../src/privacy/ringSigncryption.ts';
import { decodeSigncryption, encodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';

const base = await libsodiumGroup();

describe('operation counts behind the benchmark bound', () => {
  it('signcrypt and decode+verify+unsigncrypt perform exactly the counted multiplications and validations', () => {
    const counts = { fixedBase: 0, variableBase: 0, pointDecodes: 0 };
    const counting: Group = {
      ...base,
      mulBase(s) {
        counts.fixedBase++;
        return base.mulBase(s);
      },
      mul(s, p) {
        counts.variableBase++;
        return base.mul(s, p);
      },
      decodePoint(b) {
        counts.pointDecodes++;
        return base.decodePoint(b);
      },
    };
    const reset = () => Object.assign(counts, { fixedBase: 0, variableBase: 0, pointDecodes: 0 });
    for (const n of [1, 2, 5, 16]) {
      const params = { group: counting, regulatorKey: setupRegulator(base).masterPublic };
      const keys = Array.from({ length: n }, () => generateKeyPair(base));
      const ring = ringOf(keys.map((k) => k.publicKey));
      const receiver = generateKeyPair(base);
      const context = { chainId: 'c', purpose: 'p', nonce: new Uint8Array(1) };
      reset();
      const sc = signcrypt(params, keys[n - 1]!, ring, receiver.publicKey, context, new Uint8Array(10));
      const expected = oursOperationCounts(n);
      assert.deepEqual({ ...counts }, { ...expected.signcrypt, pointDecodes: 0 }, `signcrypt, n = ${n}`);
      reset();
      assert.ok(unsigncrypt(params, decodeSigncryption(counting, encodeSigncryption(sc)), ring, receiver));
      assert.deepEqual({ ...counts }, expected.unsigncrypt, `unsigncrypt, n = ${n}`);
    }
  });
});
