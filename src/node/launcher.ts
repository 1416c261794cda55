/**
 * Starts a local consortium network: generates a genesis with fresh keys for N validators and a few
 * members, writes one configuration per validator, and runs each validator as its own OS process
 * (`dpp node --config …`) on loopback. Used by `dpp network up` and by the end-to-end tests.
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
}

/** A running local network. */
export interface LocalNetwork {
  readonly dir: string;
  readonly network: GeneratedNetwork;
  readonly validators: LaunchedValidator[];
  /** Resolves when every validator's API answers /health (NODE_TIMEOUT after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
  /** Starts validator i again (after a kill), with the same configuration and data. */
  restart(index: number): void;
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
    validators.push({
      index: i,
      apiUrl: `http://127.0.0.1:${loopbackEndpoints(opts.basePort, i).api}`,
      configPath,
      process: spawnValidator(configPath, i, opts),
    });
  }
  writeFileSync(
    join(dir, 'network.json'),
    `${JSON.stringify({ pids: validators.map((v) => v.process.pid), apis: validators.map((v) => v.apiUrl) }, null, 2)}\n`,
  );
  return {
    dir,
    network,
    validators,
    ready: (timeoutMs = 60_000) =>
      waitForApis(
        validators.map((v) => v.apiUrl),
        timeoutMs,
      ),
    restart(index) {
      const v = validators[index]!;
      v.process = spawnValidator(v.configPath, index, opts);
    },
    async stop() {
      await Promise.all(validators.map((v) => stopProcess(v.process)));
    },
  };
}

/** Waits until each API answers /health with 200; NODE_TIMEOUT names the first that did not. */
async function waitForApis(urls: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const url of urls) {
    for (;;) {
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new NodeError('NODE_TIMEOUT', `validator ${url} did not come up within ${timeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function spawnValidator(configPath: string, index: number, opts: LaunchOptions): ChildProcess {
  if (!existsSync(configPath)) throw new Error(`missing ${configPath}`);
  // DPP_NODE_FLAGS passes extra Node.js flags to every validator (e.g. --cpu-prof for profiling).
  const flags = (process.env.DPP_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
  const child = spawn(process.execPath, [...flags, BIN, 'node', '--config', configPath], {
    stdio: ['ignore', 'ignore', opts.logTo === undefined ? 'inherit' : 'pipe'],
    env: { ...process.env, DPP_EXIT_WITH_PARENT: '1' },
  });
  if (opts.logTo !== undefined) {
    let rest = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) opts.logTo!(index, line);
    });
  }
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
