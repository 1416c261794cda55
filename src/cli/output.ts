/**
 * What the `dpp` command prints: a user mistake is a CliError with a one-line message and a hint
 * (main.ts prints both, exit code 1, no stack trace); results go to stdout as readable text, or as
 * one JSON document with `--json`; progress of long work goes to stderr, only on a terminal, so
 * scripts reading stdout are never disturbed.
 */
import pc from 'picocolors';
import type { TxReceipt } from '../client/participantClient.ts';
import { DppError } from '../errors.ts';

export type { TxReceipt };

/** A mistake the user can fix: the message says what is wrong, the hint what to do. */
export class CliError extends DppError {
  override readonly name = 'CliError';

  constructor(
    code: `CLI_${string}`,
    message: string,
    readonly hint?: string,
  ) {
    super(code, message);
  }
}

/** Prints `data` as JSON (bigints as decimal strings, bytes as hex) when `json`, else calls `human`. */
export function emit(json: boolean, data: unknown, human: () => void): void {
  if (json) process.stdout.write(`${JSON.stringify(data, jsonReplacer, 2)}\n`);
  else human();
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** A one-line spinner on stderr for long work (silent when stderr is not a terminal). */
export interface Progress {
  update(message: string): void;
  /** Clears the line (and prints `message` as a done line, when given). */
  done(message?: string): void;
}

/** A progress line on stderr. */
export function progress(): Progress {
  const tty = process.stderr.isTTY === true;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let text = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () =>
    process.stderr.write(`\r\x1b[K${pc.cyan(frames[frame++ % frames.length]!)} ${pc.dim(text)}`);
  return {
    update(message) {
      if (!tty) return;
      text = message;
      draw();
      timer ??= setInterval(draw, 100);
      timer.unref();
    },
    done(message) {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (tty && text !== '') process.stderr.write('\r\x1b[K');
      text = '';
      if (message !== undefined && tty) process.stderr.write(`${pc.green('✓')} ${message}\n`);
    },
  };
}

/** µ¥/kWh → "0.3739 ¥/kWh". */
export function pricePerKWh(microYuanPerKWh: bigint | string): string {
  return `${(Number(microYuanPerKWh) / 1e6).toFixed(4)} ¥/kWh`;
}

/** µ¥ → "1 234.56 ¥". */
export function yuan(microYuan: bigint | string): string {
  return `${(Number(microYuan) / 1e6).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ¥`;
}

/** Wh → "21.700 MWh". */
export function mwh(wh: bigint | string): string {
  return `${(Number(wh) / 1e6).toFixed(3)} MWh`;
}

/** A short form of a hex key or id. */
export function short(hex: string): string {
  return `${hex.slice(0, 12)}…`;
}

/** ms since the epoch → ISO time (seconds). */
export function time(ms: bigint | string): string {
  return new Date(Number(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `n thing` or `n things`. */
export function plural(n: number, thing: string, things = `${thing}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? thing : things}`;
}

/** "✓ round.open committed in block 12 (tx <64 hex>, proof and certificate verified)": the full id, for `dpp tx show`. */
export function receiptLine(r: TxReceipt): string {
  const proof = r.certified ? 'inclusion proof and certificate verified' : 'inclusion proof verified';
  return `${pc.green('✓')} ${r.kind} committed in block ${r.height} (tx ${r.txId}, ${proof})`;
}
