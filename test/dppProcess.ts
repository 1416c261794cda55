/**
 * Runs `node bin/dpp.mjs …` as a user would, for the tests that drive the CLI as a real process.
 * The child gets NO_COLOR so its output is plain text whatever the environment says: picocolors
 * turns colours on under CI (the `CI` variable) or FORCE_COLOR even when stdout is a pipe, and the
 * tests match the text itself.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const dppBin = resolve(import.meta.dirname, '../bin/dpp.mjs');

export interface DppRun {
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Runs `dpp args…` to completion and returns its exit status and output. */
export function runDpp(
  args: readonly string[],
  { env = {}, timeoutMs = 120_000 }: DppRun = {},
): SpawnSyncReturns<string> {
  const { FORCE_COLOR: _force, ...inherited } = process.env;
  return spawnSync(process.execPath, [dppBin, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...inherited, NO_COLOR: '1', ...env },
  });
}
