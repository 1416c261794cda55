/**
 * End to end, with real processes: four validator processes on loopback (LevelDB on disk, Ed25519,
 * the ws transport) commit a stream of signed transactions; a validator killed with SIGKILL under
 * load restarts and catches up without losing a committed transaction; killing the primary forces
 * a view change after which commits resume; malformed, unsigned, replayed, oversized and wrong-chain
 * transactions get clear errors and change nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseMemberKeyFile } from '../../src/ledger/networkKeys.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { type LocalNetwork, launchNetwork } from '../../src/node/launcher.ts';

const CHAIN = 'dppchain-e2e';
const dir = mkdtempSync(join(tmpdir(), 'dpp-e2e-'));
const basePort = 21_000 + (process.pid % 400) * 10;
let net: LocalNetwork;

interface Sender {
  readonly id: string;
  readonly key: ReturnType<typeof parseMemberKeyFile>['key'];
  nonce: bigint;
}
const senders = new Map<string, Sender>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function http(
  method: string,
  url: string,
  body?: Uint8Array,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function status(i: number): Promise<Record<string, unknown> | null> {
  try {
    return (await http('GET', `${net.validators[i]!.apiUrl}/v1/status`)).json;
  } catch {
    return null;
  }
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(200);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function memo(sender: Sender, text: string, nonce = sender.nonce + 1n): Uint8Array {
  return signOrgTransaction(
    { chainId: CHAIN, kind: 'memo', payload: new TextEncoder().encode(text) },
    nonce,
    sender.key,
  ).bytes;
}

/** Submits `count` memos from `sender` to validator `to`; returns the accepted ids. */
async function submit(sender: Sender, to: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    const r = await http(
      'POST',
      `${net.validators[to]!.apiUrl}/v1/tx`,
      memo(sender, `${sender.id} #${sender.nonce + 1n}`),
    );
    assert.equal(r.status, 202, JSON.stringify(r.json));
    sender.nonce++;
    ids.push(r.json.id as string);
  }
  return ids;
}

async function committedOn(i: number, id: string): Promise<boolean> {
  try {
    return (await http('GET', `${net.validators[i]!.apiUrl}/v1/tx/${id}`)).json.status === 'committed';
  } catch {
    return false;
  }
}

async function blockAt(i: number, h: number): Promise<Record<string, unknown>> {
  return (await http('GET', `${net.validators[i]!.apiUrl}/v1/blocks/${h}`)).json;
}

describe('a four-validator network of real processes', { timeout: 600_000 }, () => {
  before(async () => {
    net = launchNetwork({
      validators: 4,
      dir,
      basePort,
      chainId: CHAIN,
      timing: { viewTimeoutMs: 3_000, emptyBlockMs: 500, retransmitMs: 300 },
      logTo: () => {},
    });
    for (const m of net.network.memberKeys) {
      const parsed = parseMemberKeyFile(readFileSync(join(dir, `member-${m.id}.key.json`), 'utf8'));
      senders.set(m.id, { id: m.id, key: parsed.key, nonce: 0n });
    }
    await waitFor('every validator to commit a block', async () => {
      const all = await Promise.all([0, 1, 2, 3].map(status));
      return all.every((s) => s !== null && Number(s.height) >= 1);
    });
  });

  after(async () => {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits a stream of transactions, with identical blocks and state roots on every validator', async () => {
    const ids = (
      await Promise.all([...senders.values()].slice(0, 4).map((s, i) => submit(s, i % 4, 25)))
    ).flat();
    await waitFor('all 100 transactions committed on every validator', async () => {
      for (let i = 0; i < 4; i++)
        for (const id of [ids[0]!, ids.at(-1)!]) if (!(await committedOn(i, id))) return false;
      for (const id of ids) if (!(await committedOn(0, id))) return false;
      return true;
    });
    const height = Math.min(...(await Promise.all([0, 1, 2, 3].map(status))).map((s) => Number(s!.height)));
    for (let h = 1; h <= height; h++) {
      const blocks = await Promise.all([0, 1, 2, 3].map((i) => blockAt(i, h)));
      assert.equal(new Set(blocks.map((b) => `${b.hash}/${b.stateRoot}`)).size, 1, `height ${h}`);
    }
    // /metrics breaks the p2p traffic down by kind: the primary of view 0 proposed, everyone voted.
    // Validator 3 leads only from view 3 on (a loaded machine may change views once or twice).
    const views = (await Promise.all([0, 1, 2, 3].map(status))).map((s) => Number(s!.view));
    const metrics = await Promise.all(
      [0, 3].map(async (i) => (await fetch(`${net.validators[i]!.apiUrl}/metrics`)).text()),
    );
    const sent = (text: string, kind: string) =>
      Number(
        new RegExp(`^dpp_p2p_bytes_sent_by_kind_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0,
      );
    assert.ok(sent(metrics[0]!, 'pre-prepare') > 0, 'the primary sent pre-prepares');
    if (Math.max(...views) < 3) assert.equal(sent(metrics[1]!, 'pre-prepare'), 0, 'a backup sent none');
    for (const text of metrics) assert.ok(sent(text, 'commit') > 0 && sent(text, 'txs') > 0);
    assert.match(metrics[0]!, /^dpp_consensus_resends_skipped_total \d+$/m);
  });

  it('a validator killed with SIGKILL under load restarts, loses nothing committed and catches up', async () => {
    const s = senders.get('generator-a')!;
    const load = submit(s, 1, 60);
    await sleep(300);
    net.validators[3]!.process.kill('SIGKILL');
    const ids = await load;
    await waitFor('the load committed on the other validators', async () => committedOn(0, ids.at(-1)!));
    const before = Number((await status(0))!.height);
    net.restart(3);
    await waitFor('validator 3 back and caught up', async () => {
      const st = await status(3);
      return st !== null && Number(st.height) >= before;
    });
    for (const id of ids) assert.ok(await committedOn(3, id), `tx ${id} on the restarted validator`);
    const [a, b] = await Promise.all([blockAt(0, before), blockAt(3, before)]);
    assert.equal(a.stateRoot, b.stateRoot);
    assert.equal(a.hash, b.hash);
  });

  it('killing the primary forces a view change, after which commits resume', async () => {
    const st = (await status(1))!;
    const primary = Number(st.primary);
    const view = Number(st.view);
    net.validators[primary]!.process.kill('SIGKILL');
    const others = [0, 1, 2, 3].filter((i) => i !== primary);
    const s = senders.get('consumer-1')!;
    const ids = await submit(s, others[0]!, 10);
    await waitFor('commits under a new primary', async () => {
      const now = await status(others[1]!);
      return now !== null && Number(now.view) > view && (await committedOn(others[1]!, ids.at(-1)!));
    });
    net.restart(primary);
    await waitFor('the old primary rejoins', async () => (await status(primary)) !== null);
  });

  it('refuses malformed, unsigned, replayed, oversized and wrong-chain transactions with clear errors', async () => {
    const url = `${net.validators[2]!.apiUrl}/v1/tx`;
    const s = senders.get('consumer-2')!;
    const cases: [string, Uint8Array, number, RegExp][] = [
      ['malformed', new TextEncoder().encode('not a transaction'), 400, /^DECODE_/],
      ['oversized', new Uint8Array(200 * 1024), 413, /TOO_LARGE/],
    ];
    const good = memo(s, 'unsigned?');
    const unsigned = good.slice();
    unsigned[unsigned.length - 1]! ^= 0xff; // corrupt the signature
    cases.push(['bad signature', unsigned, 400, /^LEDGER_BAD_SIGNATURE$/]);
    const otherChain = signOrgTransaction(
      { chainId: 'another-chain', kind: 'memo', payload: Uint8Array.of(1) },
      s.nonce + 1n,
      s.key,
    ).bytes;
    cases.push(['wrong chain', otherChain, 400, /^LEDGER_WRONG_CHAIN$/]);
    for (const [label, bytes, code, pattern] of cases) {
      const r = await http('POST', url, bytes);
      assert.equal(r.status, code, `${label}: ${JSON.stringify(r.json)}`);
      assert.match(String(r.json.code), pattern, label);
      assert.equal(typeof r.json.message, 'string');
    }
    // Nothing changed: the sender's next nonce is still accepted, and once committed, replaying it is refused.
    const [id] = await submit(s, 2, 1);
    await waitFor('the valid transaction committed', async () => committedOn(2, id!));
    const replay = await http('POST', url, memo(s, `${s.id} #${s.nonce}`, s.nonce));
    assert.equal(replay.status, 409, JSON.stringify(replay.json));
    assert.equal(replay.json.code, 'NODE_DUPLICATE_TX');
  });

  it('the client endpoint answers arbitrary requests with typed JSON errors and keeps running', async () => {
    const api = net.validators[1]!.apiUrl;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        fc.oneof(
          fc.constantFrom(
            '/v1/tx',
            '/v1/txs',
            '/v1/status',
            '/v1/blocks/',
            '/v1/tx/',
            '/v1/blocks/99999999',
            '/v1/tx/zz',
          ),
          fc.webPath(),
        ),
        fc.uint8Array({ maxLength: 512 }),
        async (method, path, body) => {
          const res = await fetch(`${api}${path}`, {
            method,
            ...(method === 'GET' || method === 'DELETE' ? {} : { body }),
            signal: AbortSignal.timeout(10_000),
          });
          const json = (await res.json()) as { code?: string };
          assert.ok(res.status < 500, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
          if (res.status >= 400) assert.equal(typeof json.code, 'string');
        },
      ),
      { numRuns: 150, verbose: 2 },
    );
    assert.notEqual(await status(1), null);
  });
});
