/**
 * Starts a local consortium network: generates a genesis with fresh keys for N validators and a few
 * members, writes one configuration per validator, and runs each validator as its own OS process
 * (`dpp node --config …`) on loopback. Used by `dpp network up` and by the end-to-end tests.
 * network.json records the launching process (`owner`) and each validator's pid and configuration,
 * so that another command can tell that the folder's network is running. A validator that exits
 * before its API answers fails `ready()` with the first error line it logged (a port in use, a
 * locked store, another chain's store), not a guess.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type GeneratedNetwork,
  generateGenesis,
  type MemberSpec,
  writeNetworkFiles,
} from '../ledger/networkKeys.ts';
import { loopbackConfig, loopbackEndpoints } from './config.ts';
import { NodeError } from './nodeError.ts';

/** What to launch. */
export interface LaunchOptions {
  readonly validators: number;
  /** Folder for genesis, keys, configs and each validator's data (created). */
  readonly dir: string;
  /** Validator i listens for peers on basePort + 2i and for clients on basePort + 2i + 1. */
  readonly basePort: number;
  readonly chainId?: string;
  readonly members?: readonly MemberSpec[];
  /** Overrides of the node timing (see node/config.ts). */
  readonly timing?: Record<string, number>;
  /** Where each validator's log lines go (default: inherit stderr). */
  readonly logTo?: (index: number, line: string) => void;
  /** Validator 0 (the trading centre's) reads the regulator's keys from this key store (relative to `dir`). */
  readonly regulatorKeyStore?: { readonly path: string; readonly insecure: boolean };
  /** Called with the generated network before any validator starts (e.g. to write key stores). */
  readonly beforeStart?: (network: GeneratedNetwork, dir: string) => void;
}

/** A launched validator. */
export interface LaunchedValidator {
  readonly index: number;
  readonly apiUrl: string;
  readonly configPath: string;
  process: ChildProcess;
  /** The first error line the current process logged (undefined while it logged none). */
  firstError: string | undefined;
  /** True once the current process has exited and its output is read. */
  exited: boolean;
}

/** A running local network. */
export interface LocalNetwork {
  readonly dir: string;
  readonly network: GeneratedNetwork;
  readonly validators: LaunchedValidator[];
  /**
   * Resolves when every validator's API answers /health: NODE_VALIDATOR_EXITED with its first error
   * line when one exits first, NODE_TIMEOUT after `timeoutMs`.
   */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Starts validator i again (after a kill), with the same configuration and data; `env` adds
   * variables to this process's environment only (e.g. DPP_FAIL_POINT, ./failPoints.ts).
   */
  restart(index: number, env?: Readonly<Record<string, string>>): void;
  /**
   * Starts one more validator from its own configuration (one added to the set after genesis, its
   * data folder already restored): it becomes `validators[index]`.
   */
  add(index: number, configPath: string, apiUrl: string): LaunchedValidator;
  /** Sends SIGTERM to every validator and waits for them to exit. */
  stop(): Promise<void>;
}

/** The default members: the trading centre, two generators, an aggregator and three consumers. */
export const DEFAULT_MEMBERS: readonly MemberSpec[] = [
  { id: 'trading-centre', role: 'trading-centre' },
  { id: 'generator-a', role: 'generator' },
  { id: 'generator-b', role: 'generator' },
  { id: 'aggregator-a', role: 'aggregator' },
  { id: 'consumer-1', role: 'consumer', aggregator: 'aggregator-a' },
  { id: 'consumer-2', role: 'consumer', aggregator: 'aggregator-a' },
  { id: 'consumer-3', role: 'consumer', aggregator: 'aggregator-a' },
];

const BIN = resolve(import.meta.dirname, '../../bin/dpp.mjs');

/** Generates the network's files and starts every validator process. */
export function launchNetwork(opts: LaunchOptions): LocalNetwork {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const network = generateGenesis({
    chainId: opts.chainId ?? 'dppchain-local',
    validators: opts.validators,
    genesisTimeMs: BigInt(Date.now()),
    members: opts.members ?? DEFAULT_MEMBERS,
  });
  writeNetworkFiles(dir, network);
  opts.beforeStart?.(network, dir);
  const validators: LaunchedValidator[] = [];
  for (let i = 0; i < opts.validators; i++) {
    const config = loopbackConfig({
      chainId: network.genesis.chainId,
      index: i,
      validators: opts.validators,
      basePort: opts.basePort,
      ...(opts.timing === undefined ? {} : { timing: opts.timing }),
      // the trading centre's validator (0) performs the regulator's traces
      ...(i === 0 && opts.regulatorKeyStore !== undefined
        ? { regulatorKeyStore: opts.regulatorKeyStore }
        : {}),
    });
    const configPath = join(dir, `validator-${i}.config.json`);
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    const apiUrl = `http://127.0.0.1:${loopbackEndpoints(opts.basePort, i).api}`;
    const v = { index: i, apiUrl, configPath, firstError: undefined, exited: false } as LaunchedValidator;
    v.process = spawnValidator(v, opts);
    validators.push(v);
  }
  writeNetworkFile(dir, validators);
  return {
    dir,
    network,
    validators,
    ready: (timeoutMs = 60_000) => waitForApis(validators, timeoutMs),
    restart(index, env) {
      const v = validators[index]!;
      v.process = spawnValidator(v, opts, env);
      writeNetworkFile(dir, validators);
    },
    add(index, configPath, apiUrl) {
      const v = { index, apiUrl, configPath, firstError: undefined, exited: false } as LaunchedValidator;
      v.process = spawnValidator(v, opts);
      validators[index] = v;
      writeNetworkFile(dir, validators);
      return v;
    },
    async stop() {
      await Promise.all(validators.map((v) => stopProcess(v.process)));
    },
  };
}

/** network.json: who launched the network, and each validator's pid, configuration and API. */
function writeNetworkFile(dir: string, validators: readonly LaunchedValidator[]): void {
  const file = {
    owner: process.pid,
    pids: validators.map((v) => v.process.pid),
    configs: validators.map((v) => v.configPath),
    apis: validators.map((v) => v.apiUrl),
  };
  writeFileSync(join(dir, 'network.json'), `${JSON.stringify(file, null, 2)}\n`);
}

/** Waits until each API answers /health with 200; NODE_VALIDATOR_EXITED or NODE_TIMEOUT names the first that did not. */
async function waitForApis(validators: readonly LaunchedValidator[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const v of validators) {
    for (;;) {
      if (v.exited) throw exitedError(v);
      try {
        if ((await fetch(`${v.apiUrl}/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new NodeError(
          'NODE_TIMEOUT',
          `validator ${v.apiUrl} did not come up within ${timeoutMs / 1000} s`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function exitedError(v: LaunchedValidator): NodeError {
  const code = v.process.exitCode ?? v.process.signalCode;
  return new NodeError(
    'NODE_VALIDATOR_EXITED',
    `validator-${v.index} exited during start-up: ${v.firstError ?? `exit ${code}, no error logged`}`,
    { index: v.index },
  );
}

/**
 * The error a validator's log line reports, or undefined: a JSON record at level error or fatal, the
 * `dpp` command's own `error: …` line, or an uncaught `…Error: …` line.
 */
export function errorLineOf(line: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colour codes
  const text = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
  if (text.startsWith('error: ')) return text.slice('error: '.length);
  if (/^[A-Za-z]*Error\b.*:/.test(text)) return text;
  if (!text.startsWith('{')) return undefined;
  try {
    const rec = JSON.parse(text) as { level?: unknown; msg?: unknown; err?: unknown };
    if (typeof rec.level !== 'number' || rec.level < 50) return undefined;
    const err =
      typeof rec.err === 'object' && rec.err !== null ? (rec.err as { message?: unknown }).message : rec.err;
    return [rec.msg, err].filter((x) => typeof x === 'string' && x !== '').join(': ') || text.slice(0, 200);
  } catch {
    return undefined;
  }
}

function spawnValidator(
  v: LaunchedValidator,
  opts: LaunchOptions,
  env: Readonly<Record<string, string>> = {},
): ChildProcess {
  if (!existsSync(v.configPath)) throw new Error(`missing ${v.configPath}`);
  // DPP_NODE_FLAGS passes extra Node.js flags to every validator (e.g. --cpu-prof for profiling).
  const flags = (process.env.DPP_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
  const child = spawn(process.execPath, [...flags, BIN, 'node', '--config', v.configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env, DPP_EXIT_WITH_PARENT: '1' },
  });
  v.firstError = undefined;
  v.exited = false;
  const log = opts.logTo ?? ((_i: number, line: string) => process.stderr.write(`${line}\n`));
  let rest = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length === 0) continue;
      if (v.process === child) v.firstError ??= errorLineOf(line);
      log(v.index, line);
    }
  });
  child.once('close', () => {
    if (v.process === child) v.exited = true;
  });
  return child;
}

/** SIGTERM, then SIGKILL after 10 s if the process has not exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
