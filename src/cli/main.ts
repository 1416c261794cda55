/**
 * The `dpp` command line. Each subcommand lives in its own file under ./commands, which registers
 * it with its options (`register(program)`) and parses its values with ./parse.ts; this file only
 * wires them up and turns a DppError into a one-line message with a hint (./hints.ts), exit code 1,
 * never a stack trace for a user mistake. docs/cli.md describes every command.
 */
import { Command } from 'commander';
import pc from 'picocolors';
import { isDppError } from '../errors.ts';
import * as bill from './commands/bill.ts';
import * as chainShow from './commands/chainShow.ts';
import * as experimentCost from './commands/experimentCost.ts';
import * as experiments from './commands/experiments.ts';
import * as genesis from './commands/genesis.ts';
import * as init from './commands/init.ts';
import * as keys from './commands/keys.ts';
import * as keysRotate from './commands/keysRotate.ts';
import * as marketScenarios from './commands/marketScenarios.ts';
import * as memberAdmin from './commands/memberAdmin.ts';
import * as members from './commands/members.ts';
import * as meter from './commands/meter.ts';
import * as network from './commands/network.ts';
import * as node from './commands/node.ts';
import * as privacyDemo from './commands/privacyDemo.ts';
import * as regulator from './commands/regulator.ts';
import * as round from './commands/round.ts';
import * as start from './commands/start.ts';
import * as validator from './commands/validator.ts';
import { hintFor } from './hints.ts';
import { CliError } from './output.ts';

/** With --json, errors too are one JSON document on stdout (`{"error": {code, message, hint}}`). */
const JSON_OUTPUT = process.argv.includes('--json');

const program = new Command()
  .name('dpp')
  .description('dppchain: direct power purchase on a consortium chain')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({
    outputError: (text, write) =>
      JSON_OUTPUT
        ? process.stdout.write(
            `${JSON.stringify({ error: { code: 'CLI_USAGE', message: text.trim().replace(/^error: /, '') } }, null, 2)}\n`,
          )
        : write(text),
  });

for (const command of [
  start,
  privacyDemo,
  experimentCost,
  experiments,
  marketScenarios,
  node,
  network,
  init,
  keys,
  keysRotate,
  genesis,
  members,
  memberAdmin,
  round,
  meter,
  bill,
  regulator,
  chainShow,
  validator,
])
  command.register(program);

/** Prints an error (one line and a hint on stderr; with --json one document on stdout) and exits 1. */
function fail(message: string, hint: string | undefined, code: string, details: object = {}): never {
  if (JSON_OUTPUT) {
    const error = { code, message, ...(hint === undefined ? {} : { hint }), ...details };
    process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
  } else {
    process.stderr.write(`${pc.red('error:')} ${message}\n${hint === undefined ? '' : `${pc.dim(hint)}\n`}`);
  }
  process.exit(1);
}

/** ` --dir <dir>` as this command was given it ('' for the default folder), for hints. */
function dirFlag(): string {
  const args = process.argv;
  const at = args.findIndex((a) => a === '-d' || a === '--dir');
  const dir = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--dir='))?.slice('--dir='.length);
  return dir === undefined ? '' : ` --dir ${dir}`;
}

// `dpp … | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliError) fail(err.message, err.hint, err.code);
  if (isDppError(err))
    fail(JSON_OUTPUT ? err.message : `${err.message} [${err.code}]`, hintFor(err, dirFlag()), err.code, {
      details: err.details,
    });
  throw err;
}
