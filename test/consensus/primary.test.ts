import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { primaryOf } from '../../src/consensus/primary.ts';

describe('primary', () => {
  it('the primary rotates through every validator', () => {
    assert.deepEqual(
      [0n, 1n, 2n, 3n, 4n, 9n].map((v) => primaryOf(v, 4)),
      [0, 1, 2, 3, 0, 1],
    );
  });
});
