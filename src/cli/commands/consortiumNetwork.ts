/**
 * `dpp network up|down|status --dir <consortium>`: runs the validators of an initialised
 * consortium (`dpp init`) as background processes — each logs to logs/validator-<i>.log and keeps
 * its data in data-<i>/, so `down` then `up` continues the same chain — records their process ids
 * in network.json, and reports each validator's height, view and peers from /v1/status. `up`
 * starts only the validators that are not running (so it also restarts one that was killed), after
 * checking that their ports are free; one that exits during start-up fails the command with the
 * first error line of its log. `down` signals only the recorded processes, and only when they
 * still run this consortium's validator.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import type { ConsortiumValidator } from '../../client/consortiumFile.ts';
import { NodeClient } from '../../client/nodeClient.ts';
import { loadNodeConfig } from '../../node/config.ts';
import { errorLineOf } from '../../node/launcher.ts';
import { Consortium, type ParticipantOptions } from '../consortium.ts';
import { CliError, emit, plural, progress } from '../output.ts';
import { runsValidator, takenPorts } from '../workFolder.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/dpp.mjs');

interface NetworkFile {
  readonly pids: number[];
  readonly configs: string[];
  readonly startedAtMs: number;
}

function readNetworkFile(dir: string): NetworkFile | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkFile;
  } catch {
    return undefined;
  }
}

/** Each validator's pid while it runs this consortium's configuration, else undefined. */
function livePids(c: Consortium): (number | undefined)[] {
  const f = readNetworkFile(c.dir);
  return c.file.validators.map((v) => {
    const config = join(c.dir, v.config);
    const pid = f?.pids?.[v.index];
    return typeof pid === 'number' && f?.configs?.[v.index] === config && runsValidator(pid, config)
      ? pid
      : undefined;
  });
}

/** A started validator process. */
interface Started {
  readonly validator: ConsortiumValidator;
  readonly pid: number;
  /** Where its log stood before it started (its errors come after). */
  readonly logFrom: number;
  exitCode: number | null | undefined;
}

/**
 * Starts the consortium's validators that are not running in the background, and waits until every
 * validator reaches a quorum; CLI_RUNNING when all run already.
 */
export async function consortiumUp({
  consortium: c,
  json,
}: {
  readonly consortium: Consortium;
  readonly json: boolean;
}): Promise<void> {
  const pids = livePids(c);
  const down = c.file.validators.filter((v) => pids[v.index] === undefined);
  if (down.length === 0)
    throw new CliError(
      'CLI_RUNNING',
      `all ${c.file.validators.length} validators of ${c.file.chainId} are already up`,
      `see \`dpp network status --dir ${c.dir}\``,
    );
  await refuseTakenPorts(down);
  const started = await startValidators(c, down);
  for (const s of started) pids[s.validator.index] = s.pid;
  const file: NetworkFile = {
    pids: pids.map((p) => p ?? -1),
    configs: c.file.validators.map((v) => join(c.dir, v.config)),
    startedAtMs: Date.now(),
  };
  writeFileSync(join(c.dir, 'network.json'), `${JSON.stringify(file, null, 2)}\n`);
  await waitForQuorum(c, started);
  const restarted = down.length < c.file.validators.length;
  emit(
    json,
    {
      up: true,
      started: started.map((s) => s.validator.index),
      validators: c.file.validators.map((v, i) => ({ ...v, pid: pids[i] })),
    },
    () => {
      console.log(
        restarted
          ? `${pc.green('✓')} started ${down.map((v) => v.name).join(', ')}: all ${c.file.validators.length} validators of ${c.file.chainId} are up (background)`
          : `${pc.green('✓')} ${c.file.validators.length} validators of ${c.file.chainId} are up (background)`,
      );
      for (const v of c.file.validators)
        console.log(`  ${v.name} (${v.operator ?? 'consortium'}) pid ${pids[v.index]}: ${v.api}/v1/status`);
      console.log(pc.dim(`logs in ${join(c.dir, 'logs')}; stop with: dpp network down --dir ${c.dir}`));
    },
  );
}

/** CLI_PORT_IN_USE when another process listens on a port of a validator about to start. */
async function refuseTakenPorts(validators: readonly ConsortiumValidator[]): Promise<void> {
  for (const v of validators) {
    const api = Number(new URL(v.api).port);
    const taken = await takenPorts([v.p2pPort, api]);
    if (taken.length === 0) continue;
    throw new CliError(
      'CLI_PORT_IN_USE',
      `port ${taken[0]} (${v.name}'s ${taken[0] === api ? 'API' : 'p2p'}) is in use by another process: nothing was started`,
      'another network runs on these ports? stop it, or re-create this consortium on other ports: dpp init --base-port … --dir <another folder>',
    );
  }
}

/** Spawns `validators` detached, each logging to logs/validator-<i>.log. */
async function startValidators(
  c: Consortium,
  validators: readonly ConsortiumValidator[],
): Promise<Started[]> {
  mkdirSync(join(c.dir, 'logs'), { recursive: true });
  const flags = (process.env.DPP_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
  // The trading centre's validator opens its key store to trace for the regulator: check the
  // passphrase here, hand it to that process alone, and to no other validator.
  const { DPP_PASSPHRASE: _inherited, ...env } = process.env;
  const tradingCentre = c.tradingCentre();
  const isRegulatorNode = (v: ConsortiumValidator) =>
    loadNodeConfig(join(c.dir, v.config)).regulatorKeyStore !== undefined;
  if (!c.file.insecure && validators.some(isRegulatorNode))
    await c.open(tradingCentre, 'its validator traces for the regulator');
  const passphrase = c.passphraseOf(tradingCentre);
  return validators.map((v) => {
    const logPath = logOf(c, v);
    const logFrom = existsSync(logPath) ? statSync(logPath).size : 0;
    const log = openSync(logPath, 'a');
    const child = spawn(process.execPath, [...flags, BIN, 'node', '--config', join(c.dir, v.config)], {
      detached: true,
      stdio: ['ignore', log, log],
      env: isRegulatorNode(v) && passphrase !== undefined ? { ...env, DPP_PASSPHRASE: passphrase } : env,
    });
    closeSync(log);
    child.unref();
    const s: Started = { validator: v, pid: child.pid ?? -1, logFrom, exitCode: undefined };
    child.once('exit', (code) => {
      s.exitCode = code;
    });
    return s;
  });
}

function logOf(c: Consortium, v: ConsortiumValidator): string {
  return join(c.dir, 'logs', `validator-${v.index}.log`);
}

/** Waits until every validator sees a quorum; a started one that exits first, or 60 s, stops those started and fails. */
async function waitForQuorum(c: Consortium, started: readonly Started[]): Promise<void> {
  const p = progress();
  const deadline = Date.now() + 60_000;
  const quorum = Math.floor((2 * c.file.validators.length) / 3) + 1;
  const fail = async (err: CliError): Promise<never> => {
    p.done();
    await stopPids(started.map((s) => ({ pid: s.pid, config: join(c.dir, s.validator.config) })));
    throw err;
  };
  for (const v of c.file.validators) {
    const client = new NodeClient(v.api, { timeoutMs: 2_000 });
    for (;;) {
      const exited = started.find((s) => s.exitCode !== undefined);
      if (exited !== undefined) await fail(exitedError(c, exited));
      p.update(`waiting for ${v.name} to reach a quorum (${v.api})`);
      const h = await client.health().catch(() => undefined);
      if (h !== undefined && h.peers + 1 >= quorum) break;
      if (Date.now() > deadline)
        await fail(
          new CliError('CLI_TIMEOUT', `${v.name} did not come up within 60 s`, `see ${logOf(c, v)}`),
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  p.done();
}

/** CLI_VALIDATOR_EXITED with the first error line its log got since it started. */
function exitedError(c: Consortium, s: Started): CliError {
  const path = logOf(c, s.validator);
  const why = firstErrorLine(path, s.logFrom);
  return new CliError(
    'CLI_VALIDATOR_EXITED',
    `${s.validator.name} exited during start-up: ${why ?? `exit code ${s.exitCode}, no error in its log`}`,
    `its log: ${path}`,
  );
}

/** The first error line of the log at `path` after byte `from`, or undefined. */
export function firstErrorLine(path: string, from = 0): string | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path).subarray(from).toString('utf8');
  for (const line of text.split('\n')) {
    const e = errorLineOf(line);
    if (e !== undefined) return e;
  }
  return undefined;
}

/** Stops the recorded validators (SIGTERM, SIGKILL after 10 s); returns how many were running. */
async function stopAll(dir: string): Promise<number> {
  const f = readNetworkFile(dir);
  if (f === undefined) return 0;
  const stopped = await stopPids(f.pids.map((pid, i) => ({ pid, config: f.configs[i] ?? '' })));
  rmSync(join(dir, 'network.json'), { force: true });
  return stopped;
}

/** Stops those of `procs` that still run their validator; returns how many did. */
async function stopPids(procs: readonly { pid: number; config: string }[]): Promise<number> {
  const live = procs.filter((x) => runsValidator(x.pid, x.config));
  for (const x of live) process.kill(x.pid, 'SIGTERM');
  const until = Date.now() + 10_000;
  for (const x of live) {
    while (runsValidator(x.pid, x.config)) {
      if (Date.now() > until) {
        process.kill(x.pid, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return live.length;
}

/** `dpp network down`. */
export async function consortiumDown(o: ParticipantOptions): Promise<void> {
  const c = await Consortium.load(o);
  const p = progress();
  p.update('stopping the validators');
  const stopped = await stopAll(c.dir);
  p.done();
  emit(o.json === true, { stopped }, () =>
    console.log(
      stopped === 0
        ? 'the network was not running'
        : `${pc.green('✓')} stopped ${stopped} validators (their data stays in ${c.dir})`,
    ),
  );
}

/** `dpp network status`. */
export async function consortiumStatus(o: ParticipantOptions): Promise<void> {
  const c = await Consortium.load(o);
  const rows = await Promise.all(
    c.file.validators.map(async (v) => {
      const s = await new NodeClient(v.api, { timeoutMs: 2_000 }).status().catch(() => undefined);
      return {
        name: v.name,
        operator: v.operator,
        api: v.api,
        up: s !== undefined,
        ...(s === undefined
          ? {}
          : { height: s.height, view: s.view, primary: s.primary, peers: s.peers, mempool: s.mempool }),
      };
    }),
  );
  emit(o.json === true, { chainId: c.file.chainId, validators: rows }, () => {
    console.log(
      `${pc.bold(c.file.chainId)} — ${rows.filter((r) => r.up).length}/${rows.length} validators up`,
    );
    for (const r of rows) {
      const state = r.up
        ? `height ${r.height} · view ${r.view} (primary ${r.primary}) · peers [${r.peers?.join(', ')}] · mempool ${r.mempool}`
        : pc.red('down');
      console.log(`  ${r.name.padEnd(12)} ${(r.operator ?? 'consortium').padEnd(16)} ${state}`);
    }
    const down = rows.filter((r) => !r.up).length;
    if (down > 0)
      console.log(
        pc.dim(
          `${plural(down, 'validator')} down: \`dpp network up --dir ${c.dir}\` starts ${down === 1 ? 'it' : 'them'} again`,
        ),
      );
  });
}
