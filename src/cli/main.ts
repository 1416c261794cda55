/**
 * The `dpp` command line. Each subcommand lives in its own file under ./commands (the participant
 * commands are imported when run, so `dpp --help` stays quick); this file only wires them up and
 * turns a DppError into a one-line message with a hint (exit code 1), never a stack trace for a
 * user mistake. docs/cli.md describes every command.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import pc from 'picocolors';
import { type DppError, isDppError } from '../errors.ts';
import { runExperimentCost } from './commands/experimentCost.ts';
import { runMarketScenarios } from './commands/marketScenarios.ts';
import { runNetworkUp } from './commands/network.ts';
import { runNode } from './commands/node.ts';
import { runPrivacyDemo } from './commands/privacyDemo.ts';
import { runStart } from './commands/start.ts';
import { Consortium, DEFAULT_DIR, type ParticipantOptions } from './consortium.ts';
import { CliError } from './output.ts';

const program = new Command()
  .name('dpp')
  .description('dppchain: direct power purchase on a consortium chain')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)');

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

experiment
  .command('energy')
  .description(
    'CPU seconds and bytes per transaction on 1–13 real validator processes; four architectures compared',
  )
  .option('--quick', 'a short run (fewer validator counts, a 3 s window)')
  .option('--out <dir>', 'directory for energy.json and energy.svg', 'report')
  .option('-p, --base-port <port>', 'first port of the validator networks (uses 240 ports)', '29000')
  .action(async (opts: { quick?: boolean; out: string; basePort: string }) => {
    const { energyExperiment } = await import('./commands/experiments.ts');
    await energyExperiment(experimentsOptions(opts));
  });
experiment
  .command('crypto')
  .description('ring signcryption cost vs pairing-based schemes by ring size, round trips checked first')
  .option('--quick', 'ring sizes 2 and 8 only, few repetitions')
  .option('--out <dir>', 'directory for crypto.json and crypto.svg', 'report')
  .action(async (opts: { quick?: boolean; out: string }) => {
    const { cryptoExperiment } = await import('./commands/experiments.ts');
    await cryptoExperiment(experimentsOptions({ ...opts, basePort: '29000' }));
  });
program
  .command('experiments')
  .description(
    'energy, purchase cost and privacy cost: tables, figures and report/index.md (docs/experiments.md)',
  )
  .option('--quick', 'a reduced run (used by the tests)')
  .option('--out <dir>', 'directory for the report', 'report')
  .option('-p, --base-port <port>', 'first port of the validator networks (uses 240 ports)', '29000')
  .action(async (opts: { quick?: boolean; out: string; basePort: string }) => {
    const { runExperiments } = await import('./commands/experiments.ts');
    await runExperiments(experimentsOptions(opts));
  });

function experimentsOptions(opts: { quick?: boolean; out: string; basePort: string }) {
  return {
    quick: opts.quick === true,
    out: opts.out,
    basePort: wholeNumber(opts.basePort, 'base port', 1024, 65000),
  };
}

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
  .description(
    'start the validators of the consortium in --dir (made by `dpp init`) in the background; without one, N fresh validators in the foreground (Ctrl-C stops them)',
  )
  .option('-v, --validators <n>', 'number of fresh validators when there is no consortium (4..64; default 4)')
  .option('-d, --dir <dir>', `consortium folder (default ${DEFAULT_DIR}; without a consortium: .dpp/local)`)
  .option(
    '-p, --base-port <port>',
    'first port of fresh validators (validator i uses base + 2i and base + 2i + 1; default 7100)',
  )
  .option('--json', 'print the result as JSON')
  .action(async (opts: { validators?: string; dir?: string; basePort?: string; json?: boolean }) => {
    const dir = opts.dir ?? DEFAULT_DIR;
    if (existsSync(join(dir, 'consortium.json'))) {
      if (opts.validators !== undefined || opts.basePort !== undefined)
        fail(
          `${dir} holds a consortium: its validators and ports were set by \`dpp init\``,
          'leave out --validators and --base-port, or give fresh validators another folder: --dir .dpp/local',
        );
      const { runConsortiumUp } = await import('./commands/consortiumNetwork.ts');
      await runConsortiumUp(await Consortium.load({ dir }), opts.json === true);
      return;
    }
    const validators = wholeNumber(opts.validators ?? '4', 'validators', 4, 64);
    const basePort = wholeNumber(opts.basePort ?? '7100', 'base port', 1024, 65000);
    await runNetworkUp({ validators, dir: opts.dir ?? '.dpp/local', basePort });
  });
participant(
  network.command('down').description('stop the validators started by `dpp network up --dir`'),
).action(async (opts: ParticipantOptions) => {
  const { runConsortiumDown } = await import('./commands/consortiumNetwork.ts');
  await runConsortiumDown(await Consortium.load(opts), opts.json === true);
});
participant(network.command('status').description('each validator’s height, view and peers')).action(
  async (opts: ParticipantOptions) => {
    const { runConsortiumStatus } = await import('./commands/consortiumNetwork.ts');
    await runConsortiumStatus(await Consortium.load(opts), opts.json === true);
  },
);

program
  .command('init')
  .description(
    'create a consortium from a scenario: genesis, validator keys and configs, encrypted member key stores',
  )
  .option('-s, --scenario <name|file>', 'market scenario: case30, case118 or a scenario .json file', 'case30')
  .option('-d, --dir <dir>', 'folder to create', DEFAULT_DIR)
  .option('-v, --validators <n>', 'validators (4..64; default: the trading centre’s + one per aggregator)')
  .option('-p, --base-port <port>', 'validator i listens on base + 2i (p2p) and base + 2i + 1 (API)', '7400')
  .option('--chain-id <id>', 'chain id', 'dppchain-local')
  .option('--insecure', 'write the key stores in PLAINTEXT (local demo only)')
  .option('--force', 'replace an existing consortium in --dir (deletes its chain data and keys)')
  .option('--json', 'print the result as JSON')
  .addHelpText(
    'after',
    '\nThe key stores are encrypted with one passphrase: DPP_PASSPHRASE, or asked on the terminal.',
  )
  .action(
    async (opts: {
      scenario: string;
      dir: string;
      validators?: string;
      basePort: string;
      chainId: string;
      insecure?: boolean;
      force?: boolean;
      json?: boolean;
    }) => {
      const { runInit } = await import('./commands/init.ts');
      await runInit({
        scenario: opts.scenario,
        dir: opts.dir,
        validators:
          opts.validators === undefined ? undefined : checkedNumber(opts.validators, '--validators', 4, 64),
        basePort: checkedNumber(opts.basePort, '--base-port', 1024, 65000),
        chainId: opts.chainId,
        insecure: opts.insecure === true,
        force: opts.force === true,
        json: opts.json === true,
      });
    },
  );

participant(program.command('members').description('the consortium’s members, roles and nodes')).action(
  async (opts: ParticipantOptions) => {
    const { runMembers } = await import('./commands/members.ts');
    await runMembers(await Consortium.load(opts), opts.json === true);
  },
);

type AsOptions = ParticipantOptions & { as?: string; round?: string };

const round = program
  .command('round')
  .description('market rounds: open, offer, demand, close, show, finalize');
participant(
  round
    .command('open')
    .description('(trading centre) open the next round; publishes the regulator keys on first use'),
)
  .option('--period <label>', 'label of the delivery period')
  .option('--delivery-start <duration>', 'delivery starts this long after now (chain time)', '5s')
  .option('--delivery-length <duration>', 'length of the delivery window', '10s')
  .option(
    '--response-window <duration>',
    'consumers answer their bills within this long after delivery',
    '60s',
  )
  .option('--ack-window <duration>', 'a generator acknowledges a response within this long', '30s')
  .action(
    async (
      opts: AsOptions & {
        period?: string;
        deliveryStart: string;
        deliveryLength: string;
        responseWindow: string;
        ackWindow: string;
      },
    ) => {
      const { runRoundOpen } = await import('./commands/round.ts');
      const { duration } = await import('./parse.ts');
      const windows = {
        deliveryStartMs: duration(opts.deliveryStart, '--delivery-start'),
        deliveryLengthMs: duration(opts.deliveryLength, '--delivery-length'),
        responseWindowMs: duration(opts.responseWindow, '--response-window'),
        ackWindowMs: duration(opts.ackWindow, '--ack-window'),
      };
      await runRoundOpen(await Consortium.load(opts), opts.as, windows, opts.period, opts.json === true);
    },
  );
participant(
  round
    .command('offer')
    .description('(generator) offer capacity; publishes its receiving key first if needed'),
  true,
)
  .option('--capacity-mwh <MWh>', 'capacity offered (default: the scenario’s)')
  .option('--cost-linear <µ¥/kWh>', 'linear cost coefficient (default: the scenario’s)')
  .action(async (opts: AsOptions & { capacityMwh?: string; costLinear?: string }) => {
    const { runRoundOffer } = await import('./commands/round.ts');
    const { scaledDecimal } = await import('./parse.ts');
    await runRoundOffer(
      await Consortium.load(opts),
      opts.as,
      await roundOf(opts),
      opts.capacityMwh === undefined
        ? undefined
        : scaledDecimal(opts.capacityMwh, '--capacity-mwh', 6, '--capacity-mwh 40'),
      opts.costLinear === undefined
        ? undefined
        : scaledDecimal(opts.costLinear, '--cost-linear', 0, '--cost-linear 150000'),
      opts.json === true,
    );
  });
participant(
  round
    .command('demand')
    .description('(consumer) get a one-time pseudonym for the round and state demand under it')
    .addHelpText(
      'after',
      '\nThe regulator issues the pseudonym: in this local tool that means opening the trading centre’s key store too, so its passphrase is needed (asked, or DPP_PASSPHRASE). The pseudonym’s secret is saved in the consumer’s key store.',
    ),
  true,
)
  .option('--demand-mwh <MWh>', 'energy demanded (default: the scenario’s)')
  .option('--diversification <µ¥/kWh>', 'diversification preference φ (default: the scenario’s)')
  .action(async (opts: AsOptions & { demandMwh?: string; diversification?: string }) => {
    const { runRoundDemand } = await import('./commands/round.ts');
    const { scaledDecimal } = await import('./parse.ts');
    await runRoundDemand(
      await Consortium.load(opts),
      opts.as,
      await roundOf(opts),
      opts.demandMwh === undefined
        ? undefined
        : scaledDecimal(opts.demandMwh, '--demand-mwh', 6, '--demand-mwh 20'),
      opts.diversification === undefined
        ? undefined
        : scaledDecimal(opts.diversification, '--diversification', 0, '--diversification 60000'),
      opts.json === true,
    );
  });
participant(
  round.command('close').description('(trading centre) close the round; every validator clears it'),
  true,
).action(async (opts: AsOptions) => {
  const { runRoundClose } = await import('./commands/round.ts');
  await runRoundClose(await Consortium.load(opts), opts.as, await roundOf(opts), opts.json === true);
});
participant(
  round
    .command('show')
    .argument('[id]', 'round (default: the latest)')
    .description('prices, contracts and the saving vs the catalog tariff'),
).action(async (id: string | undefined, opts: AsOptions) => {
  const { runRoundShow } = await import('./commands/round.ts');
  const { roundId } = await import('./parse.ts');
  await runRoundShow(
    await Consortium.load(opts),
    opts.as,
    id === undefined ? undefined : roundId(id),
    opts.json === true,
  );
});
participant(
  round.command('finalize').description('(trading centre) close the books and update reputations'),
  true,
)
  .option('--wait', 'wait until the acknowledgement window has closed')
  .action(async (opts: AsOptions & { wait?: boolean }) => {
    const { runRoundFinalize } = await import('./commands/round.ts');
    await runRoundFinalize(
      await Consortium.load(opts),
      opts.as,
      await roundOf(opts),
      opts.wait === true,
      opts.json === true,
    );
  });

const meter = program.command('meter').description('metering by the aggregators');
participant(
  meter.command('submit').description('(aggregator) submit meter readings of its consumers’ contracts'),
  true,
)
  .option('-f, --file <file>', 'readings: CSV lines bill,deliveredWh,consumedWh or a JSON array')
  .option('--as-contracted', 'meter every open contract at exactly its contracted energy')
  .option('--wait', 'wait for the delivery window to end')
  .action(async (opts: AsOptions & { file?: string; asContracted?: boolean; wait?: boolean }) => {
    const { runMeterSubmit } = await import('./commands/meter.ts');
    await runMeterSubmit(
      await Consortium.load(opts),
      opts.as,
      await roundOf(opts),
      opts.file,
      opts.asContracted === true,
      opts.wait === true,
      opts.json === true,
    );
  });

const bill = program
  .command('bill')
  .description('bills: show, confirm or dispute (ring signcryption), escalate, inbox and acknowledge');
participant(
  bill.command('show').description('a round’s bills; with --as <consumer> only its own'),
  true,
).action(async (opts: AsOptions) => {
  const { runBillShow } = await import('./commands/bill.ts');
  await runBillShow(await Consortium.load(opts), opts.as, await roundOf(opts), opts.json === true);
});
for (const verdict of ['confirm', 'dispute'] as const) {
  participant(
    bill
      .command(verdict)
      .argument('<round>', 'round')
      .argument('<index>', 'bill index (see `dpp bill show --as <consumer>`)')
      .description(
        `(consumer) ${verdict} a bill privately: signed by its pseudonym, ring-signcrypted to the generator`,
      ),
  )
    .option('--remarks <text>', 'free text for the generator (≤ 200 bytes, never on chain in clear)')
    .action(async (r: string, i: string, opts: AsOptions & { remarks?: string }) => {
      const { runBillRespond } = await import('./commands/bill.ts');
      const { roundId, wholeNumber: whole } = await import('./parse.ts');
      await runBillRespond(
        await Consortium.load(opts),
        opts.as,
        roundId(r),
        whole(i, 'the bill index', 0, 65535, 'dpp bill confirm 1 0'),
        verdict,
        opts.remarks,
        opts.json === true,
      );
    });
}
participant(
  bill
    .command('escalate')
    .argument('<responseId>', 'the response `dpp bill confirm|dispute` sent')
    .description('(consumer) report to the regulator a response its generator did not acknowledge in time'),
)
  .option('--reason <text>', 'why (on chain, ≤ 200 bytes)', 'not acknowledged within the window')
  .option('--wait', 'wait until the generator’s acknowledgement window has closed')
  .action(async (id: string, opts: AsOptions & { reason: string; wait?: boolean }) => {
    const { runBillEscalate } = await import('./commands/bill.ts');
    const { txId } = await import('./parse.ts');
    await runBillEscalate(
      await Consortium.load(opts),
      opts.as,
      txId(id, 'a response id'),
      opts.reason,
      opts.wait === true,
      opts.json === true,
    );
  });
participant(
  bill.command('inbox').description('(generator) decrypt the bill responses addressed to it'),
).action(async (opts: AsOptions) => {
  const { runBillInbox } = await import('./commands/bill.ts');
  await runBillInbox(await Consortium.load(opts), opts.as, opts.json === true);
});
participant(
  bill
    .command('acknowledge')
    .argument('[responseIds...]', 'responses to acknowledge (default: every pending one in the inbox)')
    .description('(generator) acknowledge responses on chain: a confirmation settles the bill'),
).action(async (ids: string[], opts: AsOptions) => {
  const { runBillAcknowledge } = await import('./commands/bill.ts');
  const { txId } = await import('./parse.ts');
  await runBillAcknowledge(
    await Consortium.load(opts),
    opts.as,
    ids.map((x) => txId(x, 'a response id')),
    opts.json === true,
  );
});

participant(
  program
    .command('trace')
    .argument('<responseId>', 'the bill response (transaction id) to trace')
    .description(
      '(trading centre) trace a response to its sender, record the audit event, write the opening',
    ),
)
  .requiredOption('--reason <text>', 'why (recorded on chain, ≤ 200 bytes)')
  .action(async (id: string, opts: AsOptions & { reason: string }) => {
    const { runTrace } = await import('./commands/regulator.ts');
    const { txId } = await import('./parse.ts');
    await runTrace(
      await Consortium.load(opts),
      opts.as,
      txId(id, 'a response id'),
      opts.reason,
      opts.json === true,
    );
  });

participant(
  program
    .command('verify-trace')
    .argument('<openingFile>', 'the trace opening `dpp trace` wrote (traces/<responseId>.json)')
    .description(
      'check a trace opening against the chain: its recorded commitment, the regulator’s certificate, the PID opening',
    ),
).action(async (file: string, opts: AsOptions) => {
  const { runVerifyTrace } = await import('./commands/regulator.ts');
  await runVerifyTrace(await Consortium.load(opts), opts.as, file, opts.json === true);
});

const dispute = program.command('dispute').description('disputes, for the regulator');
participant(
  dispute
    .command('resolve')
    .argument('<round>', 'round')
    .argument('<index>', 'bill index')
    .description('(trading centre) settle or void a disputed bill'),
)
  .requiredOption('--outcome <outcome>', 'uphold, waive-penalties or void')
  .option('--note <text>', 'resolution note (on chain, ≤ 200 bytes)', '')
  .action(async (r: string, i: string, opts: AsOptions & { outcome: string; note: string }) => {
    const { runDisputeResolve } = await import('./commands/regulator.ts');
    const { roundId, wholeNumber: whole } = await import('./parse.ts');
    await runDisputeResolve(
      await Consortium.load(opts),
      opts.as,
      roundId(r),
      whole(i, 'the bill index', 0, 65535, 'dpp dispute resolve 1 0 --outcome uphold'),
      opts.outcome,
      opts.note,
      opts.json === true,
    );
  });

const member = program.command('member').description('membership, for the trading centre');
for (const [verb, suspended] of [
  ['suspend', true],
  ['reinstate', false],
] as const) {
  participant(
    member
      .command(verb)
      .argument('<id>', 'the member')
      .description(
        suspended
          ? '(trading centre) suspend a member: validators refuse its transactions'
          : '(trading centre) reinstate a suspended member',
      ),
  ).action(async (id: string, opts: AsOptions) => {
    const { runMemberSuspend } = await import('./commands/members.ts');
    await runMemberSuspend(await Consortium.load(opts), opts.as, id, suspended, opts.json === true);
  });
}

const pseudonym = program.command('pseudonym').description('pseudonyms, for the regulator');
participant(
  pseudonym
    .command('revoke')
    .argument('<key>', 'the pseudonym key (hex, as `dpp round show` and `dpp bill show` print it)')
    .description(
      '(trading centre, as regulator) revoke a pseudonym: it leaves its ring and can no longer sign',
    ),
).action(async (key: string, opts: AsOptions) => {
  const { runPseudonymRevoke } = await import('./commands/regulator.ts');
  const { txId } = await import('./parse.ts');
  await runPseudonymRevoke(
    await Consortium.load(opts),
    opts.as,
    txId(key, 'a pseudonym key', 'copy it from `dpp bill show --json` (pseudonym)'),
    opts.json === true,
  );
});

participant(
  program
    .command('reputation')
    .argument('[member]', 'one member (default: generators and aggregators)')
    .description('reputation, standing and balance'),
).action(async (member: string | undefined, opts: ParticipantOptions) => {
  const { runReputation } = await import('./commands/members.ts');
  await runReputation(await Consortium.load(opts), member, opts.json === true);
});

const block = program.command('block').description('blocks');
participant(
  block.command('show').argument('<height>', 'block height').description('a block with its receipts'),
).action(async (h: string, opts: AsOptions) => {
  const { runBlockShow } = await import('./commands/chainShow.ts');
  const height = BigInt(checkedNumber(h, 'the height', 0, Number.MAX_SAFE_INTEGER));
  await runBlockShow(await Consortium.load(opts), opts.as, height, opts.json === true);
});
const tx = program.command('tx').description('transactions');
participant(
  tx
    .command('show')
    .argument('<id>', 'transaction id (64 hex)')
    .description('where a transaction is, with its inclusion proof verified'),
).action(async (id: string, opts: AsOptions) => {
  const { runTxShow } = await import('./commands/chainShow.ts');
  const { txId } = await import('./parse.ts');
  await runTxShow(await Consortium.load(opts), opts.as, txId(id), opts.json === true);
});

/** Adds the options every participant command takes (and `--as`, `--round` when asked). */
function participant(cmd: Command, withRound = false): Command {
  cmd
    .option('-d, --dir <dir>', 'consortium folder (made by `dpp init`)', DEFAULT_DIR)
    .option('--as <member>', 'act as this member (its key store signs)')
    .option('--insecure', 'allow plaintext key stores (made by `dpp init --insecure`)')
    .option('--json', 'print the result as JSON');
  if (withRound) cmd.option('-r, --round <id>', 'round (default: the latest)');
  return cmd;
}

async function roundOf(opts: { round?: string }): Promise<bigint | undefined> {
  if (opts.round === undefined) return undefined;
  const { roundId } = await import('./parse.ts');
  return roundId(opts.round);
}

function checkedNumber(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max)
    fail(`${name} must be a whole number from ${min} to ${max}, got "${text}"`, 'see --help');
  return n;
}

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

/** What to try after an error of `code` (beyond its message). */
function hintFor(err: DppError): string {
  const c = err.code;
  if (c === 'CLIENT_NETWORK' || c === 'CLIENT_TIMEOUT')
    return 'is the network up? `dpp network up --dir <dir>`; `dpp network status` shows each validator';
  if (c === 'CLIENT_TX_DROPPED') return 'the validator’s log (logs/ in the consortium folder) says why';
  if (c === 'LEDGER_UNAUTHORISED')
    return 'the validators refused the sender: is it the right role, and not suspended? (`dpp members`)';
  if (c === 'CONTRACT_TOO_LATE')
    return 'its deadline had passed when it was committed: nothing changed on chain';
  if (c === 'CONTRACT_TOO_EARLY')
    return 'it came before the chain’s time allowed it: nothing changed on chain';
  if (c.startsWith('CONTRACT_'))
    return 'the contract refused it: nothing changed on chain (docs/protocol.md lists the rules)';
  if (c.startsWith('CLIENT_KEYSTORE') || c === 'CLIENT_BAD_KEY_STORE')
    return 'key stores are made by `dpp init`';
  return 'run the command with --help for usage';
}

// `dpp … | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliError) fail(err.message, err.hint);
  if (isDppError(err)) fail(`${err.message} [${err.code}]`, hintFor(err));
  throw err;
}
