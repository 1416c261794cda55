/**
 * `dpp network up|down|status`. With a consortium made by `dpp init` in --dir, its validators in
 * the background (./consortiumNetwork.ts). Without one, `dpp network up --validators 4`: a local
 * network of fresh validator processes on loopback, in the foreground (Ctrl-C stops every validator). Prints each validator's client endpoint. The
 * folder is checked first (../workFolder.ts): a stopped network of fresh validators is replaced, a
 * running one, ports in use or a `dpp init` consortium are refused; a validator that exits during
 * start-up stops the others and fails with the error it logged.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { launchNetwork } from '../../node/launcher.ts';
import { Consortium, DEFAULT_DIR, participantCommand } from '../consortium.ts';
import { CliError } from '../output.ts';
import { ifGiven, wholeNumber } from '../parse.ts';
import { prepareDemoFolder, validatorPorts } from '../workFolder.ts';
import { consortiumDown, consortiumStatus, consortiumUp } from './consortiumNetwork.ts';

/** Adds `dpp network up|down|status`. */
export function register(program: Command): void {
  const network = program.command('network').description('a local consortium network on this machine');
  network
    .command('up')
    .description(
      'start the validators of the consortium in --dir (made by `dpp init`) that are not running, in the background; without one, N fresh validators in the foreground (Ctrl-C stops them)',
    )
    .option(
      '-v, --validators <n>',
      'number of fresh validators when there is no consortium (4..64; default 4)',
    )
    .option('-d, --dir <dir>', `consortium folder (default ${DEFAULT_DIR}; without a consortium: .dpp/local)`)
    .option(
      '-p, --base-port <port>',
      'first port of fresh validators (validator i uses base + 2i and base + 2i + 1; default 7100)',
    )
    .option('--force', 'fresh validators: replace a --dir that holds other files')
    .option('--json', 'print the result as JSON')
    .action(networkUp);
  participantCommand(
    network.command('down').description('stop the validators started by `dpp network up --dir`'),
  ).action(consortiumDown);
  participantCommand(network.command('status').description('each validator’s height, view and peers')).action(
    consortiumStatus,
  );
}

/** What `dpp network up` is given. */
interface NetworkUpArguments {
  readonly validators?: string;
  readonly dir?: string;
  readonly basePort?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** `dpp network up`: the consortium's validators in the background, or fresh ones in the foreground. */
async function networkUp(o: NetworkUpArguments): Promise<void> {
  const dir = o.dir ?? DEFAULT_DIR;
  if (existsSync(join(dir, 'consortium.json'))) {
    if (o.validators !== undefined || o.basePort !== undefined)
      throw new CliError(
        'CLI_USAGE',
        `${dir} holds a consortium: its validators and ports were set by \`dpp init\``,
        'leave out --validators and --base-port, or give fresh validators another folder: --dir .dpp/local',
      );
    await consortiumUp({ consortium: await Consortium.load({ dir }), json: o.json === true });
    return;
  }
  await runNetworkUp({
    validators: ifGiven(o.validators, (t) => wholeNumber(t, '--validators', 4, 64)) ?? 4,
    dir: o.dir ?? '.dpp/local',
    basePort: ifGiven(o.basePort, (t) => wholeNumber(t, '--base-port', 1024, 65000)) ?? 7100,
    force: o.force === true,
  });
}

/** Options of `dpp network up`. */
export interface NetworkUpOptions {
  readonly validators: number;
  readonly dir: string;
  readonly basePort: number;
  /** Replace a folder that holds other files (never a `dpp init` consortium, never a running one). */
  readonly force: boolean;
}

/** Launches the network and waits for Ctrl-C / SIGTERM. */
export async function runNetworkUp(opts: NetworkUpOptions): Promise<void> {
  await prepareDemoFolder(resolve(opts.dir), {
    command: 'dpp network up',
    shown: opts.dir,
    ports: validatorPorts(opts.basePort, opts.validators),
    basePort: opts.basePort,
    force: opts.force,
    say: (line) => console.log(pc.yellow(line)),
  });
  const net = launchNetwork({
    validators: opts.validators,
    dir: opts.dir,
    basePort: opts.basePort,
    logTo: (i, line) => {
      try {
        const rec = JSON.parse(line) as {
          msg?: string;
          level?: number;
          height?: string;
          view?: string;
          txs?: number;
        };
        if (rec.msg === 'committed' && Number(rec.height) % 10 !== 0 && (rec.txs ?? 0) === 0) return;
        const tag = pc.dim(`[validator-${i}]`);
        const extra =
          rec.height === undefined ? '' : ` height ${rec.height}${rec.txs ? `, ${rec.txs} txs` : ''}`;
        process.stderr.write(
          `${tag} ${rec.msg ?? line}${extra}${rec.view === undefined ? '' : ` (view ${rec.view})`}\n`,
        );
      } catch {
        process.stderr.write(`[validator-${i}] ${line}\n`);
      }
    },
  });
  console.log(`${pc.green('✓')} ${opts.validators} validators starting, files in ${net.dir}`);
  for (const v of net.validators) console.log(`  validator-${v.index}: ${v.apiUrl}/v1/status`);
  console.log(pc.dim('Ctrl-C stops the network.'));
  const stopped = new Promise<void>((done) => {
    const stop = () => net.stop().then(done, done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    await net.ready();
  } catch (err) {
    await net.stop();
    throw err;
  }
  await stopped;
  console.log(`stopped ${net.validators.length} validators; files in ${net.dir}`);
}
