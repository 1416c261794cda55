/**
 * The `dpp` command has one parser of values (src/cli/parse.ts): a whole number is decimal digits
 * and nothing else — `1e3`, `0x10`, `1.0`, ` 7` and `+7` are refused where one is expected (the
 * command's own parsers in main.ts took `Number(text)`, which accepts the first two) — and the
 * commands that used those parsers now refuse such values before doing anything. Error hints come
 * from a table keyed by each error's code (src/cli/hints.ts), not from the code's prefix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HINTS, hintFor } from '../../src/cli/hints.ts';
import { CliError } from '../../src/cli/output.ts';
import {
  duration,
  ifGiven,
  instant,
  roundId,
  scaledDecimal,
  txId,
  wholeNumber,
} from '../../src/cli/parse.ts';
import { ClientError } from '../../src/client/clientError.ts';
import { CONTRACT_ERROR_CODES } from '../../src/contracts/contractError.ts';
import { DppError } from '../../src/errors.ts';
import { runDpp } from '../dppProcess.ts';

describe('cli/parse: strict values', () => {
  it('a whole number is decimal digits in range, nothing else', () => {
    assert.equal(wholeNumber('0', 'n', 0, 10), 0);
    assert.equal(wholeNumber('10', 'n', 0, 10), 10);
    assert.equal(wholeNumber('007', 'n', 0, 10), 7);
    for (const bad of ['1e3', '0x10', '1.0', '1.5', ' 7', '7 ', '+7', '-1', '', 'ten', '1_000', 'Infinity'])
      assert.throws(
        () => wholeNumber(bad, '--rounds', 0, 100_000),
        (err: unknown) =>
          err instanceof CliError &&
          err.code === 'CLI_BAD_NUMBER' &&
          err.message === `--rounds must be a whole number from 0 to 100000, got "${bad}"`,
        bad,
      );
    assert.throws(() => wholeNumber('11', 'n', 0, 10), /from 0 to 10, got "11"/);
    assert.throws(() => wholeNumber('9007199254740993', 'n', 0, Number.MAX_SAFE_INTEGER), /whole number/);
    assert.throws(
      () => wholeNumber('x', 'ring size', 1, 1024, 'dpp demo --ring-size 8'),
      (err: unknown) => err instanceof CliError && err.hint === 'e.g. dpp demo --ring-size 8',
    );
  });

  it('round ids, amounts, durations and ids are as strict', () => {
    assert.equal(roundId('12'), 12n);
    for (const bad of ['0', '1e3', '0x10', '01', '-1'])
      assert.throws(() => roundId(bad), /a round is a whole number/);
    assert.equal(scaledDecimal('12.5', '--capacity-mwh', 6, '40'), 12_500_000n);
    for (const bad of ['1e3', '0x10', '12,5', '.5', '1.1234567'])
      assert.throws(() => scaledDecimal(bad, '--capacity-mwh', 6, '40'), /--capacity-mwh must be/);
    assert.equal(duration('90s', '--gate-closure'), 90_000n);
    assert.throws(() => duration('1e3s', '--gate-closure'), /must be a duration/);
    assert.equal(txId('AB'.repeat(32)), 'ab'.repeat(32));
    assert.throws(() => txId('ab'), /64 hex characters/);
    assert.equal(ifGiven(undefined, roundId), undefined);
    assert.equal(ifGiven('3', roundId), 3n);
  });

  it('a moment is a UTC date-time that exists, or whole milliseconds', () => {
    assert.equal(instant('2026-12-01T08:00:00Z', '--genesis-time'), BigInt(Date.UTC(2026, 11, 1, 8)));
    assert.equal(instant('2026-12-01T08:00Z', '--genesis-time'), BigInt(Date.UTC(2026, 11, 1, 8)));
    assert.equal(
      instant('2026-12-01T08:00:00.250Z', '--genesis-time'),
      BigInt(Date.UTC(2026, 11, 1, 8) + 250),
    );
    assert.equal(instant('1800000000000', '--genesis-time'), 1_800_000_000_000n);
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '2026-02-28T24:00:00Z',
      '2026-12-01T08:00:00',
      '2026-12-01T08:00:00+01:00',
      '2026-12-01',
      '1e12',
      '-1',
      'tomorrow',
    ])
      assert.throws(() => instant(bad, '--genesis-time'), /--genesis-time must be a UTC date-time/, bad);
  });
});

describe('cli/hints: one hint per error code', () => {
  it('every contract code has a hint, the deadline ones their own', () => {
    for (const code of CONTRACT_ERROR_CODES) assert.ok(HINTS[code], code);
    const hint = (code: string) => hintFor(new DppError(code, 'x'), '');
    assert.match(hint('CONTRACT_BAD_STATUS')!, /the contract refused it/);
    assert.match(hint('CONTRACT_TOO_LATE')!, /deadline had passed/);
    assert.match(hint('CONTRACT_TOO_EARLY')!, /before the chain’s time/);
    // exact codes, not prefixes: an unknown code of a known area gets the generic hint
    assert.equal(hint('CONTRACT_SOMETHING_NEW'), 'run the command with --help for usage');
    assert.equal(hint('CLIENT_KEYSTORE_SOMETHING_NEW'), 'run the command with --help for usage');
    assert.match(hint('CLIENT_KEYSTORE_IO')!, /made by `dpp init`/);
  });

  it('a hint names the folder as given; a CliError keeps its own; an unsure send says how to resend', () => {
    assert.match(
      hintFor(new ClientError('CLIENT_NETWORK', 'x'), ' --dir /tmp/c')!,
      /`dpp network up --dir \/tmp\/c` starts those that are down/,
    );
    assert.equal(hintFor(new CliError('CLI_X', 'x', 'do this'), ''), 'do this');
    assert.equal(hintFor(new CliError('CLI_X', 'x'), ''), undefined);
    const unsure = new ClientError('CLIENT_TIMEOUT', 'x', { txId: 'ab'.repeat(32), safeToResend: true });
    assert.match(hintFor(unsure, '')!, new RegExp(`dpp tx resend ${'ab'.repeat(32)}\``));
  });
});

describe('the commands refuse `1e3` and `0x10` where a whole number is expected', () => {
  const refused = (args: string[], message: RegExp) => {
    const r = runDpp(args, { timeoutMs: 60_000 });
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };

  it('dpp demo --ring-size 0x10, dpp start --rounds 1e3, dpp network up --validators 1e1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-parse-'));
    try {
      refused(['demo', '--ring-size', '0x10'], /ring size must be a whole number from 1 to 1024, got "0x10"/);
      refused(
        ['start', '--rounds', '1e3', '--dir', join(dir, 'start')],
        /--rounds must be a whole number from 1 to 100000, got "1e3"/,
      );
      refused(
        ['network', 'up', '--validators', '1e1', '--dir', join(dir, 'local')],
        /--validators must be a whole number from 4 to 64, got "1e1"/,
      );
      assert.deepEqual(readdirSync(dir), [], 'nothing was created');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
