/**
 * What a folder the `dpp` command writes into holds, and whether it may be replaced — nothing is
 * deleted without asking. A folder whose network runs (a live validator or launching process
 * recorded in network.json or demo.json) is never touched, nor are ports another process listens
 * on taken over. A consortium made by `dpp init` is replaced only by `dpp init --force`, never by
 * `dpp start`. A stopped demo (made by `dpp start`, or by `dpp network up` without a consortium:
 * throwaway chains with plaintext keys) is replaced by running either again, which says so. Any
 * other folder with files is replaced only with `--force`, after a line saying what is deleted.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CliError } from './output.ts';

/** What a folder holds. */
export type FolderKind = 'absent' | 'empty' | 'consortium' | 'demo' | 'other';

/** The file that marks a demo folder (and names the process that made it). */
export const DEMO_MARKER = 'demo.json';

/** The processes network.json or demo.json records for a folder. */
interface NetworkRecord {
  readonly owner: number | undefined;
  readonly pids: readonly number[];
  readonly configs: readonly string[];
}

/** What `dir` holds. */
export function folderKind(dir: string): FolderKind {
  if (!existsSync(dir)) return 'absent';
  if (!statSync(dir).isDirectory()) return 'other';
  if (existsSync(join(dir, 'consortium.json'))) return 'consortium';
  if (existsSync(join(dir, DEMO_MARKER))) return 'demo';
  // a demo made before demo.json existed: the launcher's network.json (with `apis`) beside a genesis
  const net = readJson(join(dir, 'network.json')) as { apis?: unknown } | undefined;
  if (Array.isArray(net?.apis) && existsSync(join(dir, 'genesis.json'))) return 'demo';
  return readdirSync(dir).length === 0 ? 'empty' : 'other';
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function readNetworkRecord(dir: string): NetworkRecord {
  const net = (readJson(join(dir, 'network.json')) ?? {}) as Record<string, unknown>;
  const demo = (readJson(join(dir, DEMO_MARKER)) ?? {}) as Record<string, unknown>;
  const pids = Array.isArray(net.pids) ? net.pids.filter((p): p is number => Number.isInteger(p)) : [];
  const configs = pids.map((_, i) => {
    const c = Array.isArray(net.configs) ? net.configs[i] : undefined;
    return typeof c === 'string' ? c : join(dir, `validator-${i}.config.json`);
  });
  const owner = [demo.owner, net.owner].find((p): p is number => Number.isInteger(p));
  return { owner, pids, configs };
}

function commandLine(pid: number): string[] | undefined {
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return []; // alive, but no /proc to say what it runs
  }
}

/** True when `pid` is alive and runs `dpp node --config <config>` (alive is enough without /proc). */
export function runsValidator(pid: number, config: string): boolean {
  const cmd = commandLine(pid);
  return cmd !== undefined && (cmd.length === 0 || cmd.includes(config));
}

/** True when `pid` is another live `dpp` process. */
function runsDpp(pid: number): boolean {
  const cmd = commandLine(pid);
  return (
    pid !== process.pid && cmd !== undefined && (cmd.length === 0 || cmd.some((a) => a.endsWith('dpp.mjs')))
  );
}

/** The recorded validator processes of `dir` that still run. */
export function runningPids(dir: string): number[] {
  const f = readNetworkRecord(dir);
  return f.pids.filter((pid, i) => runsValidator(pid, f.configs[i]!));
}

/** The live processes of `dir`'s network: the `dpp` process that launched it (if alive), then its validators. */
export function liveProcesses(dir: string): number[] {
  const owner = readNetworkRecord(dir).owner;
  return [...(owner !== undefined && runsDpp(owner) ? [owner] : []), ...runningPids(dir)];
}

/** True when `port` can be listened on at 127.0.0.1. */
function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

/** The ports of `ports` another process listens on. */
export async function takenPorts(ports: readonly number[]): Promise<number[]> {
  const free = await Promise.all(ports.map(isFree));
  return ports.filter((_, i) => !free[i]);
}

/** The ports of validators 0..n-1 from `basePort`: p2p base + 2i, API base + 2i + 1. */
export function validatorPorts(basePort: number, n: number): number[] {
  return Array.from({ length: 2 * n }, (_, k) => basePort + k);
}

/** "port 7201 (validator-0's API)" for a port of the network from `basePort`. */
export function portName(port: number, basePort: number): string {
  const k = port - basePort;
  return `port ${port} (validator-${Math.floor(k / 2)}'s ${k % 2 === 0 ? 'p2p' : 'API'})`;
}

/** What replacing `dir` deletes, in words: "the chain data of 4 validators and 34 key files". */
export function lossOf(dir: string): string {
  if (!existsSync(dir)) return 'nothing';
  const names = readdirSync(dir);
  const stores = names.filter((n) => /^data-\d+$/.test(n)).length;
  const keyDir = join(dir, 'keys');
  const keys =
    names.filter((n) => n.endsWith('.key.json')).length +
    (existsSync(keyDir) ? readdirSync(keyDir).filter((n) => n.endsWith('.json')).length : 0);
  const parts = [
    ...(stores > 0 ? [`the chain data of ${stores} validator${stores === 1 ? '' : 's'}`] : []),
    ...(keys > 0 ? [`${keys} key file${keys === 1 ? '' : 's'}`] : []),
  ];
  return parts.length > 0 ? parts.join(' and ') : `${names.length} file${names.length === 1 ? '' : 's'}`;
}

/** CLI_RUNNING when `dir`'s network runs (`stop` says how to stop it). */
export function refuseRunning(dir: string, shown: string): void {
  const live = liveProcesses(dir);
  if (live.length === 0) return;
  const consortium = folderKind(dir) === 'consortium';
  throw new CliError(
    'CLI_RUNNING',
    `a network is running in ${shown} (pid ${live.join(', ')}): nothing was changed`,
    consortium
      ? `stop it first: dpp network down --dir ${shown}`
      : `stop it first (Ctrl-C where it runs, or kill ${live[0]}), or use another --dir and --base-port`,
  );
}

/** CLI_PORT_IN_USE naming the first port of the network from `basePort` another process listens on. */
export async function refuseTakenPorts(ports: readonly number[], basePort: number): Promise<void> {
  const taken = await takenPorts(ports);
  if (taken.length === 0) return;
  const more = taken.length > 1 ? ` and ${taken.length - 1} more of its ports` : '';
  throw new CliError(
    'CLI_PORT_IN_USE',
    `${portName(taken[0]!, basePort)}${more} in use by another process: nothing was changed`,
    'another network runs there? stop it, or pick other ports: --base-port',
  );
}

/** How a demo folder is prepared. */
export interface DemoFolderOptions {
  /** The command that makes it: `dpp start` or `dpp network up`. */
  readonly command: string;
  /** The folder as the user named it. */
  readonly shown: string;
  /** The ports its validators will listen on, and the first of them. */
  readonly ports: readonly number[];
  readonly basePort: number;
  /** Replace a folder with other files too. */
  readonly force: boolean;
  /** Gets the line saying what is replaced. */
  readonly say: (line: string) => void;
}

/**
 * Makes `dir` an empty demo folder owned by this process, replacing a stopped demo (saying so);
 * CliError, changing nothing, for a running network, ports in use, a `dpp init` consortium, or
 * another non-empty folder without `force`.
 */
export async function prepareDemoFolder(dir: string, o: DemoFolderOptions): Promise<void> {
  const kind = folderKind(dir);
  if (kind === 'consortium')
    throw new CliError(
      'CLI_CONSORTIUM_FOLDER',
      `${o.shown} holds a consortium made by \`dpp init\` (encrypted key stores, its chain): ${o.command} never replaces it`,
      `use another --dir (default ${o.command === 'dpp start' ? '.dpp/start' : '.dpp/local'}); \`dpp network up --dir ${o.shown}\` runs that consortium`,
    );
  refuseRunning(dir, o.shown);
  await refuseTakenPorts(o.ports, o.basePort);
  if (kind === 'other' && !o.force)
    throw new CliError(
      'CLI_EXISTS',
      `${o.shown} holds other files (${lossOf(dir)}): nothing was changed`,
      `use another --dir, or add --force to delete them`,
    );
  if (kind === 'demo' || kind === 'other')
    o.say(`replacing the ${kind === 'demo' ? 'stopped demo' : 'folder'} ${o.shown}: deleting ${lossOf(dir)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const marker = { type: 'dpp-demo', command: o.command, owner: process.pid, createdAtMs: Date.now() };
  writeFileSync(join(dir, DEMO_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}
