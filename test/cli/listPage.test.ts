/**
 * The paging flags of the commands that list what grows with the consumers (src/cli/listPage.ts):
 * `--limit` (1–1000, default 20) and `--offset` (default 0) pick a window, the command says how
 * many there are in all and where the next window starts, and a value out of range is refused —
 * as a real process, before the consortium folder is even read — with a one-line error and a hint.
 * The windows on a real chain (`dpp bill show --limit --offset --status --generator --aggregator`,
 * `dpp round demands`, `dpp bill inbox`) are checked in ./consortium.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DEFAULT_LIST_LIMIT,
  listWindow,
  MAX_LIST_LIMIT,
  pageOf,
  windowText,
} from '../../src/cli/listPage.ts';
import { CliError } from '../../src/cli/output.ts';
import { runDpp } from '../dppProcess.ts';

describe('cli/listPage: a window of a long list', () => {
  it('--limit is 1 to 1000 (default 20), --offset from 0 (default 0)', () => {
    assert.deepEqual(listWindow({ limit: String(DEFAULT_LIST_LIMIT), offset: '0' }), {
      limit: 20,
      offset: 0,
    });
    assert.deepEqual(listWindow({ limit: '1000', offset: '9980' }), { limit: MAX_LIST_LIMIT, offset: 9_980 });
    for (const [limit, offset] of [
      ['0', '0'],
      ['1001', '0'],
      ['1e3', '0'],
      ['20', '-1'],
      ['20', '0x10'],
      ['20', '1.5'],
    ] as const)
      assert.throws(
        () => listWindow({ limit, offset }),
        (err: unknown) => err instanceof CliError && err.code === 'CLI_BAD_NUMBER',
        `${limit} ${offset}`,
      );
  });

  it('pageOf takes the window and keeps the total', () => {
    const all = Array.from({ length: 45 }, (_, i) => i);
    assert.deepEqual(pageOf(all, { offset: 40, limit: 20 }), {
      items: [40, 41, 42, 43, 44],
      total: 45,
      offset: 40,
      limit: 20,
    });
    assert.deepEqual(pageOf(all, { offset: 60, limit: 20 }).items, []);
  });

  it('says which entries are shown of how many, and where the next window starts', () => {
    const w = (offset: number, limit = 20) => ({ offset, limit });
    assert.equal(windowText('bill', 'bills', 20, w(0), 10_000), 'bills 1–20 of 10,000 (next: --offset 20)');
    assert.equal(windowText('bill', 'bills', 20, w(9_980), 10_000), 'bills 9,981–10,000 of 10,000');
    assert.equal(windowText('bill', 'bills', 5, w(40), 45), 'bills 41–45 of 45');
    assert.equal(windowText('bill', 'bills', 3, w(0), 3), '3 bills');
    assert.equal(windowText('bill', 'bills', 1, w(0), 1), '1 bill');
    assert.equal(windowText('bill', 'bills', 0, w(0), 0), 'no bills');
    assert.equal(windowText('bill', 'bills', 0, w(60), 45), 'no bills from offset 60 (there are 45)');
  });
});

describe('the paging flags as a user gives them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-cli-paging-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const dpp = (...args: string[]) => runDpp([...args, '--dir', join(dir, 'none')], { timeoutMs: 60_000 });

  it('every listing command takes --limit and --offset', () => {
    for (const command of [
      ['bill', 'show'],
      ['bill', 'inbox'],
      ['round', 'demands'],
    ]) {
      const r = runDpp([...command, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /--limit <n>\s+\S+ to show \(1–1000\) \(default: "20"\)/, command.join(' '));
      assert.match(r.stdout, /--offset <n>\s+skip this many \S+ first \(default: "0"\)/, command.join(' '));
    }
    const show = runDpp(['bill', 'show', '--help']).stdout;
    for (const filter of ['--status <status>', '--generator <id>', '--aggregator <id>'])
      assert.ok(show.includes(filter), filter);
  });

  it('a value out of range is refused before anything is read, with a hint', () => {
    for (const [args, message] of [
      [['bill', 'show', '--limit', '0'], /--limit must be a whole number from 1 to 1000, got "0"/],
      [['bill', 'show', '--limit', '5000'], /--limit must be a whole number from 1 to 1000, got "5000"/],
      [['bill', 'show', '--offset', '-3'], /--offset must be a whole number from 0/],
      [['bill', 'show', '--status', 'paid'], /--status must be one of contracted, issued, settled/],
      [['bill', 'inbox', '--limit', 'ten'], /--limit must be a whole number/],
      [['round', 'demands', '--offset', '1e3'], /--offset must be a whole number/],
    ] as const) {
      const r = dpp(...args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0]!, message, args.join(' '));
      assert.equal(lines.length, 2, `a message and a hint: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /no consortium/, 'refused before the folder is read');
    }
  });
});
