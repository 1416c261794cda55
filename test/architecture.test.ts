/**
 * The layering rule of docs/ARCHITECTURE.md, enforced: every import inside src/ must point to a
 * folder that the importing folder's row lists under "may import", src/ must not import test/,
 * bench/ or scripts/, and no import cycle may exist between files.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** Folder rows of the table: `privacy/baselines/` → allowed targets. */
function readRules(): Map<string, Set<string>> {
  const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
  const rules = new Map<string, Set<string>>();
  for (const row of doc.split('\n')) {
    const cells = row.split('|').map((c) => c.trim());
    const name = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined || cells.length < 6) continue;
    const allowed = [...(cells[4] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    rules.set(name, new Set(allowed));
  }
  return rules;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of a file, resolved to absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  specs.push(...[...text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!));
  specs.push(...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));
  return specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
}

/** The table row a src file belongs to: the longest folder prefix with a row, or `errors.ts`. */
function rowOf(file: string, rules: Map<string, Set<string>>): string | undefined {
  const rel = relative(src, file);
  if (rules.has(rel)) return rel;
  const candidates = [...rules.keys()].filter((k) => k.endsWith('/') && rel.startsWith(k));
  return candidates.sort((a, b) => b.length - a.length)[0];
}

describe('architecture: imports point downwards and form no cycle', () => {
  const rules = readRules();
  const files = sourceFiles(src);

  it('the table has a row for every folder and file that holds code', () => {
    assert.ok(rules.size >= 5, 'docs/ARCHITECTURE.md table not found');
    for (const file of files)
      assert.ok(rowOf(file, rules), `${relative(root, file)} has no row in docs/ARCHITECTURE.md`);
  });

  it('every import inside src/ is allowed by its row', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = rowOf(file, rules);
      if (from === undefined) continue; // reported by the test above
      for (const target of importsOf(file)) {
        if (!target.startsWith(`${src}/`)) {
          violations.push(`${relative(root, file)} imports ${relative(root, target)} (outside src/)`);
          continue;
        }
        const to = rowOf(target, rules);
        if (to === undefined || to === from) continue;
        if (!rules.get(from)!.has(to)) violations.push(`${relative(root, file)} (${from}) imports ${to}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('no import cycle exists between files', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(src))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(src, p)).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });

  it('the checker itself catches an upward import and a cycle', () => {
    // A self-test on a synthetic rule set, so the two tests above cannot pass vacuously.
    const fake = new Map([
      ['codec/', new Set(['errors.ts'])],
      ['crypto/', new Set(['codec/', 'errors.ts'])],
    ]);
    const codecFile = join(src, 'codec/x.ts');
    const cryptoFile = join(src, 'crypto/y.ts');
    assert.equal(rowOf(codecFile, fake), 'codec/');
    assert.equal(
      fake.get(rowOf(codecFile, fake)!)!.has(rowOf(cryptoFile, fake)!),
      false,
      'codec → crypto must be refused',
    );
    assert.ok(importsOf(join(src, 'privacy/trace.ts')).some((p) => p.endsWith('ringSigncryption.ts')));
  });
});
