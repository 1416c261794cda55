/**
 * Backup and restore end to end, with real processes (docs/deploy.md "Backup and restore"): four
 * validators on loopback commit a stream of signed transactions; `dpp node backup` takes a snapshot
 * of validator 3 while they commit; they keep committing; validator 3 is stopped, its data folder
 * wiped, and `dpp node restore` brings it back from the backup; restarted, it stays silent until it
 * is past the heights it may have voted at, catches up, and votes again — with every block hash and
 * state root identical to the others' and every committed transaction there. Then the same for the
 * primary, while the others change views without it: restored, it starts in their view and votes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMemberKeyFile } from '../../src/ledger/networkKeys.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { type LocalNetwork, launchNetwork, stopProcess } from '../../src/node/launcher.ts';
import { dppBin } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const CHAIN = 'dppchain-backup';
const dir = mkdtempSync(join(tmpdir(), 'dpp-backup-e2e-'));
let net: LocalNetwork;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as Record<string, unknown>;
}

async function status(i: number): Promise<Record<string, unknown> | null> {
  return json(`${net.validators[i]!.apiUrl}/v1/status`).catch(() => null);
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** `dpp args…` as a separate process, without blocking this one (the load keeps running). */
function dpp(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [dppBin, ...args],
      { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code ?? 1), stdout, stderr }),
    );
  });
}

/** Signed memos from each sender to validators 0–2, one after another, until `stop()`; the accepted ids. */
function load(senders: readonly string[]): { stop(): Promise<string[]> } {
  let running = true;
  const ids: string[] = [];
  const loops = senders.map(async (id, k) => {
    const key = parseMemberKeyFile(readFileSync(join(dir, `member-${id}.key.json`), 'utf8')).key;
    let nonce = 0n;
    while (running) {
      const tx = signOrgTransaction(
        { chainId: CHAIN, kind: 'memo', payload: new TextEncoder().encode(`${id} #${nonce + 1n}`) },
        nonce + 1n,
        key,
      );
      const res = await fetch(`${net.validators[k % 3]!.apiUrl}/v1/tx`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: tx.bytes,
        signal: AbortSignal.timeout(5_000),
      }).catch(() => null);
      if (res?.status === 202) {
        nonce++;
        ids.push(((await res.json()) as { id: string }).id);
      } else await sleep(50);
      await sleep(20);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return ids;
    },
  };
}

async function committedOn(i: number, id: string): Promise<boolean> {
  return (await json(`${net.validators[i]!.apiUrl}/v1/tx/${id}`).catch(() => null))?.status === 'committed';
}

/** Every block's hash and state root from 1 to `height` on validator `i`. */
async function chainOf(i: number, height: number): Promise<string[]> {
  const out: string[] = [];
  for (let from = 1; from <= height; from += 100) {
    const page = await json(`${net.validators[i]!.apiUrl}/v1/blocks?from=${from}&limit=100`);
    for (const b of page.blocks as { height: string; hash: string; stateRoot: string }[])
      if (Number(b.height) <= height) out.push(`${b.height} ${b.hash} ${b.stateRoot}`);
  }
  return out;
}

describe('backup of a running validator, and restore', { timeout: 120_000 }, () => {
  before(async () => {
    net = launchNetwork({
      validators: 4,
      dir,
      basePort: await freeBasePort(26_000, 100, 8),
      chainId: CHAIN,
      timing: { viewTimeoutMs: 3_000, emptyBlockMs: 300, retransmitMs: 200 },
      logTo: () => {},
    });
    await net.ready();
  });

  after(async () => {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a validator restored from a backup taken under load catches up, identical, losing nothing', async () => {
    const config = net.validators[3]!.configPath;
    const traffic = load(['generator-a', 'generator-b', 'consumer-1', 'consumer-2']);
    await sleep(1_500);

    // the backup, while transactions commit
    const backupDir = join(dir, 'backups', 'validator-3');
    const backup = await dpp(['node', 'backup', '--config', config, '--out', backupDir, '--json']);
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    const manifest = JSON.parse(backup.stdout) as Record<string, string>;
    const backupHeight = Number(manifest.height);
    assert.ok(backupHeight >= 1, `backup at height ${backupHeight}`);
    const human = await dpp(['node', 'backup', '--config', config, '--out', backupDir]);
    assert.notEqual(human.code, 0, 'a second backup into the same folder is refused');
    assert.match(human.stderr, /is not empty/);

    // the chain moves on; then validator 3 stops and loses its data
    await waitFor(
      'the chain to move on past the backup',
      async () => Number((await status(0))?.height) >= backupHeight + 5,
    );
    const refusedWhileRunning = await dpp([
      'node',
      'restore',
      '--config',
      config,
      '--from',
      backupDir,
      '--force',
    ]);
    assert.notEqual(refusedWhileRunning.code, 0);
    assert.match(refusedWhileRunning.stderr, /NODE_RUNNING/);
    await stopProcess(net.validators[3]!.process);
    rmSync(join(dir, 'data-3'), { recursive: true, force: true });

    const restored = await dpp(['node', 'restore', '--config', config, '--from', backupDir, '--json']);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    const r = JSON.parse(restored.stdout) as {
      height: string;
      silentUntilHeight: string;
      peers: { height: string }[];
    };
    assert.equal(Number(r.height), backupHeight);
    assert.equal(r.peers.length, 3);
    const highest = Math.max(...r.peers.map((p) => Number(p.height)));
    assert.equal(
      Number(r.silentUntilHeight),
      highest + 2,
      'silent until past every height it may have voted at',
    );

    net.restart(3);
    await waitFor('validator 3 back, caught up and voting', async () => {
      const [s0, s3] = await Promise.all([status(0), status(3)]);
      return (
        s0 !== null &&
        s3 !== null &&
        s3.silentUntilHeight === null &&
        Number(s3.height) >= Number(r.silentUntilHeight) &&
        Number(s3.height) >= Number(s0.height) - 1
      );
    });
    const ids = await traffic.stop();
    assert.ok(ids.length > 50, `${ids.length} transactions sent`);
    await waitFor('every transaction committed on validators 0 and 3', async () => {
      for (const id of [ids[0]!, ids.at(-1)!])
        if (!(await committedOn(0, id)) || !(await committedOn(3, id))) return false;
      return true;
    });
    const lost: string[] = [];
    for (const id of ids) if (!(await committedOn(3, id))) lost.push(id);
    assert.deepEqual(lost, [], 'every committed transaction is on the restored validator');

    // identical chains: every block hash and state root, on all four
    const height = Math.min(...(await Promise.all([0, 1, 2, 3].map(status))).map((s) => Number(s!.height)));
    const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(i, height)));
    assert.equal(chains[3]!.length, height);
    for (const i of [0, 1, 2]) assert.deepEqual(chains[3], chains[i], `validator 3 against validator ${i}`);

    // and it votes again: the restarted process has sent commit votes
    await waitFor('validator 3 to cast commit votes', async () => (await commitBytesSent(3)) > 0);
  });

  it('the primary, restored after the others changed views, joins their view and votes', async () => {
    const primary = Number((await status(1))!.primary);
    const view = Number((await status(1))!.view);
    const config = net.validators[primary]!.configPath;
    const others = [0, 1, 2, 3].filter((i) => i !== primary);
    const backupDir = join(dir, 'backups', `primary-${primary}`);
    const backup = await dpp(['node', 'backup', '--config', config, '--out', backupDir, '--json']);
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    await stopProcess(net.validators[primary]!.process);
    rmSync(join(dir, `data-${primary}`), { recursive: true, force: true });
    await waitFor('the others to change views and commit on', async () => {
      const s = await status(others[0]!);
      return s !== null && Number(s.view) > view && s.inViewChange === false;
    });
    const restored = await dpp(['node', 'restore', '--config', config, '--from', backupDir, '--json']);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    const r = JSON.parse(restored.stdout) as { view: string };
    const viewNow = Number((await status(others[0]!))!.view);
    assert.equal(Number(r.view), viewNow, 'it starts in the view the others are in');
    net.restart(primary);
    await waitFor('the old primary back, caught up, in the others’ view and voting', async () => {
      const [s, o] = await Promise.all([status(primary), status(others[0]!)]);
      return (
        s !== null &&
        o !== null &&
        s.silentUntilHeight === null &&
        s.view === o.view &&
        Number(s.height) >= Number(o.height) - 1 &&
        (await commitBytesSent(primary)) > 0
      );
    });
    const height = Math.min(...(await Promise.all([0, 1, 2, 3].map(status))).map((s) => Number(s!.height)));
    const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(i, height)));
    for (const i of others) assert.deepEqual(chains[primary], chains[i], `validator ${primary} against ${i}`);
  });
});

/** Bytes of commit votes the current process of validator `i` has sent. */
async function commitBytesSent(i: number): Promise<number> {
  const text = await (await fetch(`${net.validators[i]!.apiUrl}/metrics`)).text();
  return Number(/^dpp_p2p_bytes_sent_by_kind_total\{kind="commit"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}
