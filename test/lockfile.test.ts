import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { completeLock } from '../scripts/completeLockfile.ts';

describe('package-lock.json', () => {
  it('lists every optional platform package, so `npm ci` accepts it (see scripts/completeLockfile.ts)', () => {
    const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
    assert.deepEqual(completeLock(lock), [], 'run: node --import tsx scripts/completeLockfile.ts');
  });
});
