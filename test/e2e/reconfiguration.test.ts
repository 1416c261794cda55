/**
 * Validator-set reconfiguration end to end, with real processes on loopback (docs/consensus.md §9,
 * docs/deploy.md "Adding and removing validators"): four validators commit a stream of signed
 * transactions the whole time while
 *   1. a fifth validator's operator makes its own key; the four approve its addition, the trading
 *      centre sends `validator.change`; at the activation block the set becomes five;
 *   2. the newcomer starts from a snapshot it takes from validator 0 with its own key, catches up
 *      and votes: with validator 1 stopped, the five need it for a quorum (4 of 5) and keep
 *      committing;
 *   3. validator 3 is removed (approved by four of the five, the newcomer among them): after the
 *      activation block it stops by itself and the remaining four keep committing;
 *   4. validator 2 replaces its consensus key (approved by its old key): at the activation block it
 *      stops with exit code 75, and started again it takes the new key file waiting beside the old;
 * and at the end every transaction sent is committed, and the four validators left hold identical
 * chains.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  approveChange,
  type ChangeRequest,
  changePayload,
  requestChange,
} from '../../src/client/validatorChange.ts';
import { validatorChangePayload } from '../../src/contracts/validators.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import {
  parseMemberKeyFile,
  parseValidatorKeyFile,
  writeValidatorKeyFile,
} from '../../src/ledger/networkKeys.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { activationHeight } from '../../src/ledger/validatorSet.ts';
import { loopbackConfig, loopbackEndpoints } from '../../src/node/config.ts';
import { type LocalNetwork, launchNetwork, stopProcess } from '../../src/node/launcher.ts';
import { dppBin } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const CHAIN = 'dppchain-reconfig';
const dir = mkdtempSync(join(tmpdir(), 'dpp-reconfig-e2e-'));
let net: LocalNetwork;
let basePort: number;
let traffic: { stop(): Promise<string[]> } | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as Record<string, unknown>;
}

const api = (i: number) => `http://127.0.0.1:${loopbackEndpoints(basePort, i).api}`;
const status = (i: number) => json(`${api(i)}/v1/status`).catch(() => null);
const height = async (i: number) => Number((await status(i))?.height ?? -1);

async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(150);
  }
  assert.fail(`timed out waiting for ${what}`);
}

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

/** Signed memos from each sender to the given validators in turn, until `stop()`; the accepted ids. */
function load(senders: readonly string[], targets: () => readonly number[]): { stop(): Promise<string[]> } {
  let running = true;
  const ids: string[] = [];
  const loops = senders.map(async (id, k) => {
    const key = parseMemberKeyFile(readFileSync(join(dir, `member-${id}.key.json`), 'utf8')).key;
    let nonce = 0n;
    let turn = k;
    while (running) {
      const tx = signOrgTransaction(
        { chainId: CHAIN, kind: 'memo', payload: new TextEncoder().encode(`${id} #${nonce + 1n}`) },
        nonce + 1n,
        key,
      );
      const to = targets();
      const res = await fetch(`${api(to[turn++ % to.length]!)}/v1/tx`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: tx.bytes,
        signal: AbortSignal.timeout(5_000),
      }).catch(() => null);
      if (res?.status === 202) {
        nonce++;
        ids.push(((await res.json()) as { id: string }).id);
      } else await sleep(50);
      await sleep(30);
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

const centre = () =>
  parseMemberKeyFile(readFileSync(join(dir, 'member-trading-centre.key.json'), 'utf8')).key;
const validatorKey = (i: number) =>
  parseValidatorKeyFile(readFileSync(join(dir, `validator-${i}.key.json`), 'utf8')).key;
let centreNonce = 0n;

/** Sends the trading centre's `validator.change` through validator `via`; resolves with its receipt once committed. */
async function sendChange(request: ChangeRequest, via: number): Promise<Record<string, unknown>> {
  const tx = signOrgTransaction(
    {
      chainId: CHAIN,
      kind: 'validator.change',
      payload: validatorChangePayload.encode(changePayload(request)),
    },
    ++centreNonce,
    centre(),
  );
  const res = await fetch(`${api(via)}/v1/tx`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: tx.bytes,
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await res.json()) as { id: string };
  assert.equal(res.status, 202, JSON.stringify(body));
  let found: Record<string, unknown> | null = null;
  await waitFor('the change committed', async () => {
    const s = await json(`${api(via)}/v1/tx/${body.id}`).catch(() => null);
    if (s?.status === 'committed') found = s;
    return found !== null;
  });
  return found!;
}

interface Sets {
  epochs: { number: number; base: string; validators: { slot: number; name: string }[] }[];
  pending: { activation: string; type: string; slot: number } | null;
}
const sets = (i: number) => json(`${api(i)}/v1/validators`) as unknown as Promise<Sets>;

async function chainOf(i: number, upTo: number): Promise<string[]> {
  const out: string[] = [];
  for (let from = 1; from <= upTo; from += 100) {
    const page = await json(`${api(i)}/v1/blocks?from=${from}&limit=100`);
    for (const b of page.blocks as { height: string; hash: string; stateRoot: string }[])
      if (Number(b.height) <= upTo) out.push(`${b.height} ${b.hash} ${b.stateRoot}`);
  }
  return out;
}

describe('reconfiguring the validator set while transactions commit: 4 → 5 → 4', { timeout: 240_000 }, () => {
  before(async () => {
    basePort = await freeBasePort(27_000, 100, 10);
    net = launchNetwork({
      validators: 4,
      dir,
      basePort,
      chainId: CHAIN,
      timing: { viewTimeoutMs: 2_000, emptyBlockMs: 200, retransmitMs: 200 },
      // DPP_E2E_LOGS=<folder>: each validator's log lines there, for a failure's post-mortem
      logTo: (i, line) => {
        if (process.env.DPP_E2E_LOGS !== undefined)
          appendFileSync(join(process.env.DPP_E2E_LOGS, `validator-${i}.log`), `${line}\n`);
      },
    });
    await net.ready();
  });

  after(async () => {
    await traffic?.stop(); // a failed step leaves the load running: it must not keep the process alive
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a validator that joins from a snapshot and votes, then removes one that stops', async () => {
    let targets: number[] = [0, 1, 2];
    traffic = load(['generator-a', 'generator-b', 'consumer-1'], () => targets);
    await sleep(1_000);

    // 1. the newcomer's operator makes its key and its configuration (slot 4, on chain from now on)
    const seed = randomBytes(32);
    const joinerKey = orgKeyPair(seed);
    writeValidatorKeyFile(join(dir, 'validator-4.key.json'), CHAIN, {
      index: 4,
      name: 'validator-4',
      key: joinerKey,
      seed,
    });
    const joinerConfig = join(dir, 'validator-4.config.json');
    const config = loopbackConfig({
      chainId: CHAIN,
      index: 4,
      validators: 5,
      basePort,
      timing: { viewTimeoutMs: 2_000, emptyBlockMs: 200, retransmitMs: 200 },
    });
    writeFileSync(joinerConfig, `${JSON.stringify(config, null, 2)}\n`);
    const p2p = `127.0.0.1:${loopbackEndpoints(basePort, 4).p2p}`;
    let add = requestChange(
      CHAIN,
      0,
      { type: 'add', name: 'validator-4', publicKey: joinerKey.publicKey, p2p },
      joinerKey,
    );
    // two approvals are not a quorum of four: refused, nothing changes
    const few = approveChange(approveChange(add, 0, validatorKey(0)), 1, validatorKey(1));
    const refused = await sendChange(few, 0);
    assert.deepEqual(refused.receipt, { status: 'failed', code: 'CONTRACT_BAD_SIGNATURE' });
    assert.equal((await sets(0)).pending, null);
    for (const i of [0, 1, 2, 3]) add = approveChange(add, i, validatorKey(i));
    const added = await sendChange(add, 0);
    assert.deepEqual(added.receipt, { status: 'ok' });
    // the change waits for the next multiple of 16 (on a fast chain it may have taken effect already)
    const activation = Number(activationHeight(BigInt(added.height as string)));
    assert.equal(activation % 16, 0, 'the change takes effect at a checkpoint height');
    const pending = (await sets(0)).pending;
    if (pending !== null)
      assert.deepEqual([pending.type, pending.slot, Number(pending.activation)], ['add', 4, activation]);
    // before the activation block the newcomer may not start: its store is not yet at its epoch
    await waitFor('the activation block', async () => (await height(0)) > activation);
    const after5 = await sets(0);
    assert.equal(after5.epochs.length, 2);
    assert.deepEqual(
      after5.epochs[1]!.validators.map((v) => v.slot),
      [0, 1, 2, 3, 4],
    );
    assert.equal(after5.epochs[1]!.base, String(activation));

    // 2. the newcomer takes a snapshot from validator 0 with its own key, restores it and starts
    const backupDir = join(dir, 'backups', 'validator-4');
    const backup = await dpp([
      'node',
      'backup',
      '--config',
      joinerConfig,
      '--api',
      api(0),
      '--out',
      backupDir,
      '--json',
    ]);
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    const restored = await dpp(['node', 'restore', '--config', joinerConfig, '--from', backupDir, '--json']);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    net.add(4, joinerConfig, api(4));
    await waitFor('the newcomer caught up and voting', async () => {
      const [s0, s4] = await Promise.all([status(0), status(4)]);
      return (
        s0 !== null &&
        s4 !== null &&
        s4.silentUntilHeight === null &&
        Number(s4.height) >= Number(s0.height) - 1
      );
    });
    // with validator 1 down, a quorum of five (4) needs the newcomer's votes
    targets = [0, 2, 4];
    await stopProcess(net.validators[1]!.process);
    const h = await height(0);
    await waitFor(
      'commits with validator 1 down',
      async () => (await height(4)) >= h + 5 && (await height(0)) >= h + 5,
    );
    net.restart(1);
    await waitFor('validator 1 back', async () => (await height(1)) >= (await height(0)) - 1);

    // 3. validator 3 is removed, approved by four of the five — the newcomer among them
    let remove = requestChange(CHAIN, 1, { type: 'remove', name: 'validator-3' });
    for (const [slot, key] of [
      [0, validatorKey(0)],
      [1, validatorKey(1)],
      [2, validatorKey(2)],
      [4, joinerKey],
    ] as const)
      remove = approveChange(remove, slot, key);
    targets = [0, 1, 4];
    const removed = await sendChange(remove, 4);
    assert.deepEqual(removed.receipt, { status: 'ok' });
    const removal = Number(activationHeight(BigInt(removed.height as string)));
    await waitFor(
      'validator 3 to stop by itself after the removal',
      async () => net.validators[3]!.exited,
      90_000,
    );
    assert.ok((await height(0)) >= removal);
    const final = await sets(0);
    assert.deepEqual(
      final.epochs.at(-1)!.validators.map((v) => v.slot),
      [0, 1, 2, 4],
    );
    const h2 = await height(0);
    await waitFor('commits with four validators after the removal', async () => (await height(2)) >= h2 + 5);

    // 4. validator 2 replaces its consensus key: approved by its old key, the new one waiting beside it
    const newSeed = randomBytes(32);
    const newKey = orgKeyPair(newSeed);
    const keyPath = join(dir, 'validator-2.key.json');
    const oldKeyFile = readFileSync(keyPath, 'utf8');
    writeValidatorKeyFile(`${keyPath}.next`, CHAIN, {
      index: 2,
      name: 'validator-2',
      key: newKey,
      seed: newSeed,
    });
    const rekey = approveChange(
      requestChange(CHAIN, 2, { type: 'rekey', name: 'validator-2', publicKey: newKey.publicKey }, newKey),
      2,
      validatorKey(2),
    );
    const rekeyed = await sendChange(rekey, 0);
    assert.deepEqual(rekeyed.receipt, { status: 'ok' });
    await waitFor(
      'validator 2 to stop, to start again with its new key',
      async () => net.validators[2]!.exited,
      90_000,
    );
    assert.equal(net.validators[2]!.process.exitCode, 75);
    net.restart(2);
    const h3 = await height(0);
    await waitFor('validator 2 back with its new key, and commits', async () => (await height(2)) >= h3 + 3);
    assert.equal(readFileSync(`${keyPath}.retired`, 'utf8'), oldKeyFile, 'the old key file is kept aside');
    assert.equal(
      parseValidatorKeyFile(readFileSync(keyPath, 'utf8')).key.publicKey.toString(),
      newKey.publicKey.toString(),
    );

    const ids = await traffic.stop();
    assert.ok(ids.length > 30, `${ids.length} transactions sent`);
    await waitFor('every transaction committed', async () => {
      for (const id of [ids[0]!, ids.at(-1)!]) {
        const s = await json(`${api(2)}/v1/tx/${id}`).catch(() => null);
        if (s?.status !== 'committed') return false;
      }
      return true;
    });
    const lost: string[] = [];
    for (const id of ids) if ((await json(`${api(4)}/v1/tx/${id}`)).status !== 'committed') lost.push(id);
    assert.deepEqual(lost, [], 'every transaction is committed');
    const top = Math.min(...(await Promise.all([0, 1, 2, 4].map(height))));
    const chains = await Promise.all([0, 1, 2, 4].map((i) => chainOf(i, top)));
    for (const c of chains.slice(1)) assert.deepEqual(c, chains[0], 'identical chains on the four');
  });
});
