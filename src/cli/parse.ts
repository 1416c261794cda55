/**
 * The one parser of the `dpp` command's values: whole numbers, round ids, decimal amounts scaled to
 * the chain's integer units, durations, ids and choices from a list. Anything else — `1e3`, `0x10`, `1.0`, ` 7`, a
 * number out of range — is refused with a CliError that names the option and shows a valid
 * example; nothing is rounded or guessed.
 */
import { CliError } from './output.ts';

/** A whole number in min..max, written in decimal digits only. */
export function wholeNumber(text: string, name: string, min: number, max: number, example?: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new CliError(
      'CLI_BAD_NUMBER',
      `${name} must be a whole number from ${min} to ${max}, got "${text}"`,
      example === undefined ? 'see --help' : `e.g. ${example}`,
    );
  return n;
}

/** One of `values`, exactly as written; CliError (`code`) naming the option and the choices otherwise. */
export function oneOf<T extends string>(
  text: string,
  values: readonly T[],
  name: string,
  example: string,
  code: `CLI_${string}` = 'CLI_BAD_ARGUMENT',
): T {
  if (!(values as readonly string[]).includes(text))
    throw new CliError(code, `${name} must be one of ${values.join(', ')}, got "${text}"`, `e.g. ${example}`);
  return text as T;
}

/** A round id (≥ 1). */
export function roundId(text: string): bigint {
  if (!/^[1-9]\d{0,18}$/.test(text))
    throw new CliError('CLI_BAD_NUMBER', `a round is a whole number from 1, got "${text}"`, 'e.g. --round 1');
  return BigInt(text);
}

/** A non-negative decimal with at most `decimals` places, scaled to an integer (e.g. MWh → Wh: 6). */
export function scaledDecimal(text: string, name: string, decimals: number, example: string): bigint {
  const m = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (m === null || (m[2] ?? '').length > decimals)
    throw new CliError(
      'CLI_BAD_NUMBER',
      `${name} must be a non-negative number with at most ${decimals} decimals, got "${text}"`,
      `e.g. ${example}`,
    );
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt((m[2] ?? '').padEnd(decimals, '0') || '0');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const MAX_DURATION_MS = 366 * 86_400_000;

/**
 * A duration such as 500ms, 30s, 5m, 2h or 1d, in ms (at least 1 ms, at most a year): a zero or
 * negative one, or one over a year, is refused with its own message, not as "not a duration".
 */
export function duration(text: string, name: string): bigint {
  const m = /^(-?)(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (m === null)
    throw new CliError(
      'CLI_BAD_DURATION',
      `${name} must be a duration like 30s, 5m or 2h, got "${text}"`,
      `e.g. ${name} 30s`,
    );
  const ms = Number(m[2]) * UNIT_MS[m[3]!]!;
  if (m[1] === '-' || ms === 0)
    throw new CliError('CLI_BAD_DURATION', `${name} must be positive, got "${text}"`, `e.g. ${name} 30s`);
  if (ms > MAX_DURATION_MS)
    throw new CliError(
      'CLI_BAD_DURATION',
      `${name} must be at most a year (366d), got "${text}"`,
      `e.g. ${name} 30d`,
    );
  return BigInt(ms);
}

/** A 64-hex transaction id. */
export function txId(
  text: string,
  what = 'a transaction id',
  hint = 'copy it from the command that sent it',
): string {
  if (!/^[0-9a-fA-F]{64}$/.test(text))
    throw new CliError('CLI_BAD_ID', `${what} is 64 hex characters, got "${text.slice(0, 70)}"`, hint);
  return text.toLowerCase();
}

/** `parse(text)` when the option was given, else undefined. */
export function ifGiven<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text);
}

/**
 * A moment as milliseconds since the Unix epoch: an ISO 8601 UTC date-time (`2026-12-01T08:00:00Z`,
 * seconds and milliseconds optional; a day or hour that does not exist is refused) or a whole
 * number of milliseconds.
 */
export function instant(text: string, name: string): bigint {
  let ms = Number.NaN;
  if (/^\d{1,15}$/.test(text)) ms = Number(text);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z$/.test(text)) {
    const parsed = Date.parse(text);
    // V8 rolls 2026-02-30 over to March: only a date-time that reads back the same is one
    if (Number.isFinite(parsed) && new Date(parsed).toISOString().slice(0, 16) === text.slice(0, 16))
      ms = parsed;
  }
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new CliError(
      'CLI_BAD_TIME',
      `${name} must be a UTC date-time like 2026-12-01T08:00:00Z or milliseconds since 1970, got "${text}"`,
      `e.g. ${name} 2026-12-01T08:00:00Z`,
    );
  return BigInt(ms);
}
