/**
 * Passphrases for the members' key stores: from the `DPP_PASSPHRASE` environment variable (scripts,
 * tests), otherwise asked on the terminal without echo. Without either, a one-line error.
 */
import { CliError } from './output.ts';

/** The passphrase for `what` (e.g. "consumer-1's key store"); `confirm` asks twice (new stores). */
export async function askPassphrase(what: string, confirm = false): Promise<string> {
  const env = process.env.DPP_PASSPHRASE;
  if (env !== undefined && env !== '') return env;
  if (process.stdin.isTTY !== true) {
    throw new CliError(
      'CLI_NO_PASSPHRASE',
      `a passphrase is needed for ${what} and there is no terminal to ask it on`,
      'set DPP_PASSPHRASE, or run the command in a terminal',
    );
  }
  const first = await readHidden(`passphrase for ${what}: `);
  if (confirm) {
    if (first.length < 8)
      throw new CliError(
        'CLI_WEAK_PASSPHRASE',
        'a passphrase has at least 8 characters',
        'choose a longer one',
      );
    const again = await readHidden('again: ');
    if (again !== first)
      throw new CliError('CLI_PASSPHRASE_MISMATCH', 'the two passphrases differ', 'run the command again');
  }
  return first;
}

/** Reads a line from the terminal in raw mode, echoing nothing. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let text = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err === undefined) resolve(text);
      else reject(err);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004')
          return finish(new CliError('CLI_CANCELLED', 'cancelled', 'nothing was changed'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}
