/**
 * The mutation gate's data (test/mutants/mutantList.ts): edits apply exactly once and in order, and
 * every mutant of consensus.json still applies to the current source. The gate itself
 * (`npm run test:mutants`) is too slow for `npm test`; this test is what tells whoever edits the
 * consensus code that a mutant's `find` text has to follow the edit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { applyMutant, type Mutant, readMutants } from './mutantList.ts';

const root = resolve(import.meta.dirname, '../..');

const mutant = (edits: Mutant['edits']): Mutant => ({
  id: 'm',
  rule: '[R]',
  description: 'd',
  file: 'f.ts',
  edits,
  equivalent: null,
});

describe('mutant list: exact source edits', () => {
  it('applies edits in order, each to the text the previous left, and reports the first edit line', () => {
    const r = applyMutant(
      'a\nb >= q\nc\n',
      mutant([
        { find: 'b >= q', replace: 'b >= q - 1' },
        { find: 'q - 1', replace: 'q - $&1' },
      ]),
    );
    assert.deepEqual(r, { text: 'a\nb >= q - $&1\nc\n', line: 2 });
  });

  it('refuses a find text that occurs zero or several times, naming it and the count', () => {
    const missing = applyMutant('x < y', mutant([{ find: 'x >= y', replace: 'x > y' }]));
    assert.deepEqual(missing, { problem: 'mutant m no longer applies to f.ts: "x >= y" occurs 0 times' });
    const twice = applyMutant('x; x', mutant([{ find: 'x', replace: 'y' }]));
    assert.deepEqual(twice, { problem: 'mutant m no longer applies to f.ts: "x" occurs 2 times' });
  });

  it('refuses a mutant that changes nothing', () => {
    assert.ok('problem' in applyMutant('x', mutant([{ find: 'x', replace: 'x' }])));
  });

  it('rejects a malformed list and duplicate ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutant-list-'));
    try {
      const path = join(dir, 'list.json');
      writeFileSync(path, JSON.stringify([{ ...mutant([]), id: 'Not Kebab' }]));
      assert.throws(() => readMutants(path), /\[0\.id\] kebab-case[\s\S]*\[0\.edits\]/);
      const ok = mutant([{ find: 'a', replace: 'b' }]);
      writeFileSync(path, JSON.stringify([ok, ok]));
      assert.throws(() => readMutants(path), /mutant id m appears twice/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every mutant of test/mutants/consensus.json applies to the current source', () => {
    const mutants = readMutants(join(root, 'test/mutants/consensus.json'));
    assert.ok(mutants.length > 0);
    for (const m of mutants) {
      const r = applyMutant(readFileSync(join(root, m.file), 'utf8'), m);
      assert.ok(!('problem' in r), 'problem' in r ? `${r.problem} (update the list with the code)` : '');
    }
  });
});
