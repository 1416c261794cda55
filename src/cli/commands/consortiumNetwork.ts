/**
 * `dpp network up|down|status --dir <consortium>`: runs the validators of an initialised
 * consortium (`dpp init`) as background processes — each logs to logs/validator-<i>.log and keeps
 * its data in data-<i>/, so `down` then `up` continues the same chain — records their process ids
 * in network.json, and reports each validator's height, view and peers from /v1/status. `down`
 * signals only the recorded processes, and only when they still run this consortium's validator.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { NodeClient } from '../../client/nodeClient.ts';
import { loadNodeConfig } from '../../node/config.ts';
import type { Consortium } from '../consortium.ts';
import { CliError, emit, progress } from '../output.ts';

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

/** True when `pid` is alive and runs `dpp node --config <config>`. */
function runsValidator(pid: number, config: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(config);
  } catch {
    return true; // no /proc: trust the liveness check
  }
}

/** The recorded validator processes of `dir` that still run. */
export function runningPids(dir: string): number[] {
  const f = readNetworkFile(dir);
  if (f === undefined || !Array.isArray(f.pids)) return [];
  return f.pids.filter((pid, i) => typeof f.configs?.[i] === 'string' && runsValidator(pid, f.configs[i]!));
}

/** Starts the consortium's validators in the background and waits until they reach each other. */
export async function runConsortiumUp(c: Consortium, json: boolean): Promise<void> {
  if (runningPids(c.dir).length > 0)
    throw new CliError(
      'CLI_RUNNING',
      'the network is already up',
      `see \`dpp network status --dir ${c.dir}\``,
    );
  mkdirSync(join(c.dir, 'logs'), { recursive: true });
  const flags = (process.env.DPP_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
  const configs = c.file.validators.map((v) => join(c.dir, v.config));
  // The trading centre's validator opens its key store to trace for the regulator: check the
  // passphrase here, hand it to that process alone, and to no other validator.
  const { DPP_PASSPHRASE: _inherited, ...env } = process.env;
  const tradingCentre = c.tradingCentre();
  const regulatorNode = configs.findIndex((config) => loadNodeConfig(config).regulatorKeyStore !== undefined);
  if (regulatorNode >= 0 && !c.file.insecure)
    await c.open(tradingCentre, 'its validator traces for the regulator');
  const passphrase = c.passphraseOf(tradingCentre);
  const children = configs.map((config, i) => {
    const log = openSync(join(c.dir, 'logs', `validator-${i}.log`), 'a');
    const child = spawn(process.execPath, [...flags, BIN, 'node', '--config', config], {
      detached: true,
      stdio: ['ignore', log, log],
      env: i === regulatorNode && passphrase !== undefined ? { ...env, DPP_PASSPHRASE: passphrase } : env,
    });
    closeSync(log);
    child.unref();
    return child;
  });
  const pids = children.map((ch) => ch.pid ?? -1);
  const file: NetworkFile = { pids, configs, startedAtMs: Date.now() };
  writeFileSync(join(c.dir, 'network.json'), `${JSON.stringify(file, null, 2)}\n`);
  const exited = new Map<number, number | null>();
  children.forEach((ch, i) => {
    ch.once('exit', (code) => exited.set(i, code));
  });

  const p = progress();
  const deadline = Date.now() + 60_000;
  const quorum = Math.floor((2 * configs.length) / 3) + 1;
  for (const v of c.file.validators) {
    const client = new NodeClient(v.api, { timeoutMs: 2_000 });
    for (;;) {
      if (exited.has(v.index)) {
        await stopAll(c.dir);
        const log = tail(join(c.dir, 'logs', `validator-${v.index}.log`));
        throw new CliError(
          'CLI_VALIDATOR_EXITED',
          `${v.name} exited during start-up${log === '' ? '' : `: ${log}`}`,
          `see ${join(c.dir, 'logs', `validator-${v.index}.log`)} (a port in use? another network on ${v.api}?)`,
        );
      }
      p.update(`waiting for ${v.name} to reach a quorum (${v.api})`);
      const h = await client.health().catch(() => undefined);
      if (h !== undefined && h.peers + 1 >= quorum) break;
      if (Date.now() > deadline) {
        await stopAll(c.dir);
        throw new CliError(
          'CLI_TIMEOUT',
          `${v.name} did not come up within 60 s`,
          `see ${join(c.dir, 'logs')} for its log`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  for (const ch of children) ch.removeAllListeners('exit');
  p.done();
  emit(json, { up: true, validators: c.file.validators.map((v, i) => ({ ...v, pid: pids[i] })) }, () => {
    console.log(`${pc.green('✓')} ${configs.length} validators of ${c.file.chainId} are up (background)`);
    for (const v of c.file.validators)
      console.log(`  ${v.name} (${v.operator ?? 'consortium'}) pid ${pids[v.index]}: ${v.api}/v1/status`);
    console.log(pc.dim(`logs in ${join(c.dir, 'logs')}; stop with: dpp network down --dir ${c.dir}`));
  });
}

/** Stops the recorded validators (SIGTERM, SIGKILL after 10 s); returns how many were running. */
async function stopAll(dir: string): Promise<number> {
  const f = readNetworkFile(dir);
  if (f === undefined) return 0;
  const live = f.pids
    .map((pid, i) => ({ pid, config: f.configs[i] ?? '' }))
    .filter((x) => runsValidator(x.pid, x.config));
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
  rmSync(join(dir, 'network.json'), { force: true });
  return live.length;
}

/** `dpp network down`. */
export async function runConsortiumDown(c: Consortium, json: boolean): Promise<void> {
  const p = progress();
  p.update('stopping the validators');
  const stopped = await stopAll(c.dir);
  p.done();
  emit(json, { stopped }, () =>
    console.log(
      stopped === 0
        ? 'the network was not running'
        : `${pc.green('✓')} stopped ${stopped} validators (their data stays in ${c.dir})`,
    ),
  );
}

/** `dpp network status`. */
export async function runConsortiumStatus(c: Consortium, json: boolean): Promise<void> {
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
  emit(json, { chainId: c.file.chainId, validators: rows }, () => {
    console.log(
      `${pc.bold(c.file.chainId)} — ${rows.filter((r) => r.up).length}/${rows.length} validators up`,
    );
    for (const r of rows) {
      const state = r.up
        ? `height ${r.height} · view ${r.view} (primary ${r.primary}) · peers [${r.peers?.join(', ')}] · mempool ${r.mempool}`
        : pc.red('down');
      console.log(`  ${r.name.padEnd(12)} ${(r.operator ?? 'consortium').padEnd(16)} ${state}`);
    }
  });
}

function tail(path: string): string {
  if (!existsSync(path)) return '';
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const last = lines.at(-1) ?? '';
  try {
    const rec = JSON.parse(last) as { msg?: string; err?: string };
    return [rec.msg, rec.err].filter((x) => x !== undefined).join(': ');
  } catch {
    return last.slice(0, 200);
  }
}
