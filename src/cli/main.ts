/**
 * The `dpp` command line. Each subcommand lives in its own file under ./commands; this file only
 * wires them up and turns a DppError into a one-line message with a hint (exit code 1), never a
 * stack trace for a user mistake.
 */
import { Command } from 'commander';
import pc from 'picocolors';
import { isDppError } from '../errors.ts';
import { runExperimentCost } from './commands/experimentCost.ts';
import { runMarketScenarios } from './commands/marketScenarios.ts';
import { runNetworkUp } from './commands/network.ts';
import { runNode } from './commands/node.ts';
import { runPrivacyDemo } from './commands/privacyDemo.ts';
import { runStart } from './commands/start.ts';

const program = new Command()
  .name('dpp')
  .description('dppchain: direct power purchase on a consortium chain')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('start')
  .description(
    'a local consortium from the case30 scenario (4 validator processes) trading round after round',
  )
  .option('-r, --rounds <n>', 'stop after n rounds (default: until Ctrl-C)')
  .option('-d, --dir <dir>', 'folder for genesis, keys and data (recreated)', '.dpp/start')
  .option('-p, --base-port <port>', 'first port (validator i uses base + 2i and base + 2i + 1)', '7200')
  .action(async (opts: { rounds?: string; dir: string; basePort: string }) => {
    await runStart({
      rounds: opts.rounds === undefined ? undefined : wholeNumber(opts.rounds, 'rounds', 1, 100_000),
      dir: opts.dir,
      basePort: wholeNumber(opts.basePort, 'base port', 1024, 65000),
    });
  });

program
  .command('demo')
  .description('privacy demo: a regulator, pseudonyms, a ring signcryption verified, decrypted and traced')
  .option('-n, --ring-size <n>', 'consumers behind the aggregator (ring size, 1..1024)', '5')
  .action(async (opts: { ringSize: string }) => {
    await runPrivacyDemo({ ringSize: parseRingSize(opts.ringSize) });
  });

const experiment = program.command('experiment').description('the experiments behind the paper claims');
experiment
  .command('cost')
  .description(
    'reputation-Stackelberg trading vs catalog, bilateral and centralised modes: cost, volume, profit',
  )
  .option('--json', 'print the report (report/cost.json) on stdout')
  .option(
    '--sensitivity',
    'also sweep pricing rule, tariffs, outside option, reputation weight, substitution',
  )
  .option('--quick', 'a short run: 5 random scenarios and small sweeps')
  .option('--random <n>', 'seeded random scenarios to run (0..1000, default 100)')
  .option('--out <dir>', 'directory for cost.json and the charts', 'report')
  .action(
    async (opts: {
      json?: boolean;
      sensitivity?: boolean;
      quick?: boolean;
      random?: string;
      out: string;
    }) => {
      await runExperimentCost({
        json: opts.json === true,
        sensitivity: opts.sensitivity === true,
        quick: opts.quick === true,
        random: opts.random === undefined ? undefined : parseCount(opts.random),
        out: opts.out,
      });
    },
  );

program
  .command('scenarios')
  .description('build the case30 and case118 market scenarios from data/')
  .option('--write', 'refresh the frozen copies in data/scenarios/')
  .action((opts: { write?: boolean }) => runMarketScenarios(opts.write === true));

function parseCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 1000)
    fail(
      `--random must be a whole number from 0 to 1000, got "${text}"`,
      'try: dpp experiment cost --random 20',
    );
  return n;
}

program
  .command('node')
  .description('run one validator (store, PBFT consensus, p2p, client endpoint) until SIGTERM')
  .requiredOption('-c, --config <file>', 'validator configuration file (written by `dpp network up`)')
  .action(async (opts: { config: string }) => {
    await runNode(opts.config);
  });

const network = program.command('network').description('a local consortium network on this machine');
network
  .command('up')
  .description('start N validator processes on loopback (Ctrl-C stops them)')
  .option('-v, --validators <n>', 'number of validators (4..64)', '4')
  .option('-d, --dir <dir>', 'folder for genesis, keys and data', '.dpp/local')
  .option('-p, --base-port <port>', 'first port (validator i uses base + 2i and base + 2i + 1)', '7100')
  .action(async (opts: { validators: string; dir: string; basePort: string }) => {
    const validators = wholeNumber(opts.validators, 'validators', 4, 64);
    const basePort = wholeNumber(opts.basePort, 'base port', 1024, 65000);
    await runNetworkUp({ validators, dir: opts.dir, basePort });
  });

function wholeNumber(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    fail(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function parseRingSize(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    fail(`ring size must be a whole number from 1 to 1024, got "${text}"`, 'try: dpp demo --ring-size 8');
  }
  return n;
}

function fail(message: string, hint?: string): never {
  process.stderr.write(`${pc.red('error:')} ${message}\n${hint === undefined ? '' : `${pc.dim(hint)}\n`}`);
  process.exit(1);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (isDppError(err)) fail(`${err.message} [${err.code}]`, 'run `dpp --help` for usage');
  throw err;
}
