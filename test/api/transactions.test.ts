/**
 * POST /v1/tx and /v1/txs at their limits (docs/api.md "Limits", "Backpressure"): a full mempool is
 * 429 NODE_MEMPOOL_FULL with `Retry-After` and `details.retryAfterMs`; a batch stops at the first
 * entry that found the pool full and reports it and every later one untried, with the hint; every
 * size limit is a typed 4xx naming the limit — a transaction above MAX_TX_BYTES (LEDGER_TOO_LARGE),
 * a body above the route's limit (API_BODY_TOO_LARGE), a batch above MAX_BATCH_TXS
 * (API_BATCH_TOO_LARGE) — never a 5xx.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_BATCH_TXS } from '../../src/api/routes/transactions.ts';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import { parseMemberKeyFile } from '../../src/ledger/networkKeys.ts';
import { MAX_TX_BYTES, transactionId } from '../../src/ledger/transaction.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { startTestChain, type TestChain, waitFor } from './fixtures.ts';

let chain: TestChain;
let api: RunningApiServer;

/** Signed memos of `member`, nonces from..from+count−1. */
function memos(member: string, from: number, count: number, text = 'memo'): Uint8Array[] {
  const key = parseMemberKeyFile(readFileSync(join(chain.dir, `member-${member}.key.json`), 'utf8')).key;
  return Array.from(
    { length: count },
    (_, k) =>
      signOrgTransaction(
        { chainId: chain.chainId, kind: 'memo', payload: new TextEncoder().encode(`${text} ${from + k}`) },
        BigInt(from + k),
        key,
      ).bytes,
  );
}

/** Any answer of these routes, as the tests read it (a refusal or a batch's outcome). */
interface Answer {
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly accepted: number;
  readonly ids: string[];
  readonly errors: { index: number; code: string; message: string }[];
  readonly retryAfterMs?: number;
}

const batch = (txs: readonly Uint8Array[]) => {
  const w = new Writer();
  for (const tx of txs) w.bytes(tx);
  return w.finish();
};

async function post(path: string, body: Uint8Array) {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: (await res.json()) as Answer,
  };
}

describe('POST /v1/tx and /v1/txs at their limits', { timeout: 120_000 }, () => {
  before(async () => {
    // a pool of 10; clients may fill half of it. The primary (validator 0) is kept from proposing
    // by a long batch window, so what is submitted stays pending until the test lets it go.
    chain = await startTestChain({
      mempool: { maxTxs: 10, clientSharePercent: 50 },
      timing: { batchMs: 2_000 },
    });
    api = await startApiServer(
      chain.nodes[0]!,
      { host: '127.0.0.1', port: 0 },
      { processMetrics: false, rateLimit: false },
    );
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  it('a full mempool answers 429 NODE_MEMPOOL_FULL with Retry-After and details.retryAfterMs', async () => {
    const txs = memos('generator-a', 1, 7);
    const answer = await post('/v1/txs', batch(txs));
    assert.equal(answer.status, 200);
    assert.equal(answer.json.accepted, 5, 'the clients’ half of 10');
    assert.deepEqual(
      answer.json.errors.map((e: { index: number; code: string }) => [e.index, e.code]),
      [
        [5, 'NODE_MEMPOOL_FULL'],
        [6, 'NODE_MEMPOOL_FULL'],
      ],
      'the entry that found the pool full and every later one, untried',
    );
    assert.equal(typeof answer.json.retryAfterMs, 'number');
    assert.ok(Number(answer.retryAfter) >= 1);
    const one = await post('/v1/tx', txs[5]!);
    assert.equal(one.status, 429);
    assert.equal(one.json.code, 'NODE_MEMPOOL_FULL');
    assert.ok(Number(one.retryAfter) >= 1, 'Retry-After in whole seconds');
    assert.equal(typeof one.json.details.retryAfterMs, 'number');
    assert.equal(one.json.details.maxTxs, 5);
    // once the pool drains (a block commits), the same bytes are admitted
    await waitFor('the block to commit', () => chain.nodes[0]!.status().mempool === 0, 30_000);
    const again = await post('/v1/txs', batch(txs.slice(5)));
    assert.equal(again.json.accepted, 2);
    await waitFor('the rest to commit', () => chain.nodes[0]!.status().mempool === 0, 30_000);
  });

  it('a transaction above MAX_TX_BYTES is 413 LEDGER_TOO_LARGE naming the limit, alone and in a batch', async () => {
    const big = new Uint8Array(MAX_TX_BYTES + 1);
    const one = await post('/v1/tx', big);
    assert.equal(one.status, 413);
    assert.equal(one.json.code, 'LEDGER_TOO_LARGE');
    assert.equal(one.json.details.limit, MAX_TX_BYTES);
    assert.equal(one.json.details.limitName, 'MAX_TX_BYTES');
    // in a batch, the oversized entry is refused on its own and the next one still admitted
    const [next] = memos('generator-b', 1, 1);
    const answer = await post('/v1/txs', batch([big, next!]));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.ids, [toHex(transactionId(next!))]);
    assert.equal(answer.json.errors[0]?.code, 'LEDGER_TOO_LARGE');
    assert.match(answer.json.errors[0]?.message ?? '', /MAX_TX_BYTES/);
    // a JSON transaction above the limit is refused by the schema, naming it
    const res = await fetch(`${api.url}/v1/tx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx: '00'.repeat(MAX_TX_BYTES + 1) }),
    });
    const body = (await res.json()) as { code: string; message: string };
    assert.ok(res.status === 400 || res.status === 413, `status ${res.status}`);
    assert.match(`${body.code} ${body.message}`, /MAX_TX_BYTES|bodyLimit|API_BODY_TOO_LARGE/);
  });

  it('a body above the route’s limit is 413 API_BODY_TOO_LARGE naming it', async () => {
    const answer = await post('/v1/tx', new Uint8Array(2 * MAX_TX_BYTES + 100));
    assert.equal(answer.status, 413);
    assert.equal(answer.json.code, 'API_BODY_TOO_LARGE');
    assert.equal(answer.json.details.limit, 2 * MAX_TX_BYTES + 64);
    assert.equal(answer.json.details.limitName, 'bodyLimit');
  });

  it('a batch above MAX_BATCH_TXS is refused whole with 413 API_BATCH_TOO_LARGE, nothing admitted', async () => {
    const before = chain.nodes[0]!.status().mempool;
    const answer = await post(
      '/v1/txs',
      batch(Array.from({ length: MAX_BATCH_TXS + 1 }, () => Uint8Array.of(1))),
    );
    assert.equal(answer.status, 413);
    assert.equal(answer.json.code, 'API_BATCH_TOO_LARGE');
    assert.equal(answer.json.details.limit, MAX_BATCH_TXS);
    assert.equal(chain.nodes[0]!.status().mempool, before);
  });
});
