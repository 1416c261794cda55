/**
 * Parsing command-line values into the chain's integer units, refusing anything else with a
 * CliError that names the option and shows a valid example.
 */
import { CliError } from './output.ts';

/** A whole number in min..max. */
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

/** A duration such as 500ms, 30s, 5m, 2h or 1d, in ms (at least 1 ms, at most a year). */
export function duration(text: string, name: string): bigint {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text);
  const ms = m === null ? Number.NaN : Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!(ms >= 1 && ms <= 366 * 86_400_000))
    throw new CliError(
      'CLI_BAD_DURATION',
      `${name} must be a duration like 30s, 5m or 2h, got "${text}"`,
      `e.g. ${name} 30s`,
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
