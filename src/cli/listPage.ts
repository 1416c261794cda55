/**
 * The part of a long list a command prints (docs/cli.md "Lists"): lists that grow with the
 * consumers — a round's bills, demands and bill responses, up to 200 000 in a round — are never
 * printed whole. `--limit` (default 20, at most 1 000 — the API's page) and `--offset` (default 0)
 * pick the entries shown, and the command says how many there are in all and how to see the next
 * ones; `--json` carries `total`, `offset` and `limit` beside the entries, as the API's pages do.
 */
import type { Command } from 'commander';
import { plural } from './output.ts';
import { wholeNumber } from './parse.ts';

/** The most entries a command prints at once (the API's largest page, docs/api.md "Lists"). */
export const MAX_LIST_LIMIT = 1_000;
/** Entries printed unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 20;

/** `--limit` and `--offset` as given on the command line. */
export interface ListOptions {
  readonly limit: string;
  readonly offset: string;
}

/** Which entries to show: `limit` of them from index `offset` on. */
export interface ListWindow {
  readonly offset: number;
  readonly limit: number;
}

/** Adds `--limit` and `--offset` to `cmd`, which lists `things`. */
export function listOptions(cmd: Command, things: string): Command {
  return cmd
    .option('--limit <n>', `${things} to show (1–${MAX_LIST_LIMIT})`, String(DEFAULT_LIST_LIMIT))
    .option('--offset <n>', `skip this many ${things} first`, '0');
}

/** The window `--limit`/`--offset` ask for; CliError for a value out of range. */
export function listWindow(o: ListOptions): ListWindow {
  return {
    limit: wholeNumber(o.limit, '--limit', 1, MAX_LIST_LIMIT, '--limit 50'),
    offset: wholeNumber(o.offset, '--offset', 0, 2 ** 31, '--offset 20'),
  };
}

/** The entries of `all` in window `w`, with the page fields of the API (total, offset, limit). */
export function pageOf<T>(all: readonly T[], w: ListWindow) {
  return { items: all.slice(w.offset, w.offset + w.limit), total: all.length, ...w };
}

/**
 * What a printed list holds, in one line: "bills 21–40 of 1,234 (next: --offset 40)", "1 bill",
 * "no bills", "no bills from offset 40 (there are 12)".
 */
export function windowText(
  thing: string,
  things: string,
  shown: number,
  w: ListWindow,
  total: number,
): string {
  if (total === 0) return `no ${things}`;
  if (shown === 0)
    return `no ${things} from offset ${w.offset} (there ${total === 1 ? 'is' : 'are'} ${total.toLocaleString('en-US')})`;
  if (shown === total) return plural(total, thing, things);
  const last = w.offset + shown;
  const next = last < total ? ` (next: --offset ${last})` : '';
  return `${things} ${(w.offset + 1).toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}${next}`;
}

/**
 * Prints `lines` — one entry each, of a list a command acted on in full (readings it sent,
 * responses it acknowledged) — the first DEFAULT_LIST_LIMIT of them and then how many more there
 * were; `--json` lists every one.
 */
export function printAtMost(lines: readonly string[], things: string): void {
  for (const line of lines.slice(0, DEFAULT_LIST_LIMIT)) console.log(line);
  const more = lines.length - DEFAULT_LIST_LIMIT;
  if (more > 0) console.log(`  … and ${more.toLocaleString('en-US')} more ${things} (--json lists them all)`);
}
