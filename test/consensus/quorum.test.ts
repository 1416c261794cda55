import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultsTolerated, primaryOf, quorum } from '../../src/consensus/quorum.ts';

describe('quorums', () => {
  it('any two quorums share f + 1 validators, and the honest ones alone form a quorum', () => {
    for (let n = 1; n <= 200; n++) {
      const f = faultsTolerated(n);
      const q = quorum(n);
      assert.ok(3 * f < n, `n = ${n}`);
      assert.ok(2 * q - n >= f + 1, `intersection, n = ${n}`);
      assert.ok(q <= n - f, `liveness, n = ${n}`);
    }
    assert.deepEqual([4, 7, 10, 13].map(quorum), [3, 5, 7, 9]);
  });

  it('the primary rotates through every validator', () => {
    assert.deepEqual(
      [0n, 1n, 2n, 3n, 4n, 9n].map((v) => primaryOf(v, 4)),
      [0, 1, 2, 3, 0, 1],
    );
  });
});
