/**
 * Backpressure end to end (docs/api.md "Backpressure"): clients that overfill a validator network
 * whose mempools hold 40 transactions (clients may fill 20) see typed, retryable refusals
 * (NODE_MEMPOOL_FULL, 429 with a Retry-After hint), back off and send again — never crash — and
 * everything they sent commits exactly once: batches through `NodeClient.submitMany` and
 * `Sender.sendMany`, single transactions through the Sender (the participants' transport). And the
 * node client's own answer to a 429: it waits the hint, backing off, and past its patience hands
 * the refusal on typed and retryable.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { backoffMs, NodeClient } from '../../src/client/nodeClient.ts';
import { Sender } from '../../src/client/sender.ts';
import { utf8 } from '../../src/codec/bytes.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { isDppError } from '../../src/errors.ts';
import { parseMemberKeyFile } from '../../src/ledger/networkKeys.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { startTestChain, type TestChain, waitFor } from '../api/fixtures.ts';

let chain: TestChain;
let apis: RunningApiServer[];
const keyOf = (id: string) =>
  parseMemberKeyFile(readFileSync(join(chain.dir, `member-${id}.key.json`), 'utf8')).key;
const memo: Codec<string> = { name: 'memo', encode: utf8, decode: () => '' };

/** Counts the 429 answers this process receives. */
function count429(): { readonly seen: () => number; restore(): void } {
  const original = globalThis.fetch;
  let n = 0;
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    const res = await original(...args);
    if (res.status === 429) n++;
    return res;
  };
  return {
    seen: () => n,
    restore: () => {
      globalThis.fetch = original;
    },
  };
}

describe('a client overfilling small mempools backs off, and everything commits', {
  timeout: 180_000,
}, () => {
  before(async () => {
    chain = await startTestChain({
      mempool: { maxTxs: 40, clientSharePercent: 50 },
      timing: { batchMs: 20, maxBlockTxs: 10 },
    });
    apis = await Promise.all(
      chain.nodes.map((n) => startApiServer(n, { host: '127.0.0.1', port: 0 }, { processMetrics: false })),
    );
  });
  after(async () => {
    await Promise.all((apis ?? []).map((a) => a.close()));
    await chain?.stop();
  });

  it('submitMany: 200 transactions into a pool that takes 20 at a time — all admitted, all committed', async () => {
    const client = new NodeClient(apis[1]!.url);
    const txs = ['generator-a', 'generator-b'].flatMap((id) =>
      Array.from(
        { length: 100 },
        (_, k) =>
          signOrgTransaction(
            { chainId: chain.chainId, kind: 'memo', payload: utf8(`${id} batch ${k}`) },
            BigInt(k + 1),
            keyOf(id),
          ).bytes,
      ),
    );
    let fullAnswers = 0;
    const submitBatch = client.submitBatch.bind(client);
    client.submitBatch = async (batch) => {
      const answer = await submitBatch(batch);
      if (answer.errors.some((e) => e.code === 'NODE_MEMPOOL_FULL')) fullAnswers++;
      return answer;
    };
    const outcomes = await client.submitMany(txs, { maxTxs: 50 });
    assert.ok(fullAnswers > 0, 'the pool was full at least once');
    assert.deepEqual(
      outcomes.filter((o) => !o.accepted),
      [],
      'every transaction was admitted in the end',
    );
    await waitFor(
      'all 200 to commit',
      async () => {
        const st = await Promise.all(outcomes.map((o) => chain.nodes[0]!.txStatus(o.id)));
        return st.every((s) => s.status === 'committed');
      },
      120_000,
    );
  });

  it('the Sender: 90 concurrent sends through POST /v1/tx meet 429s, back off, and commit once each', async () => {
    const seen = count429();
    try {
      const sender = new Sender({
        chain: { chainId: chain.chainId, group: await libsodiumGroup() },
        retryMs: 120_000,
        commitTimeoutMs: 120_000,
      });
      const signers = ['aggregator-a', 'consumer-1', 'consumer-2'].map((id) => ({
        id,
        node: apis[2]!.url,
        key: keyOf(id),
      }));
      const receipts = await Promise.all(
        signers.flatMap((s) =>
          Array.from({ length: 30 }, (_, k) => sender.sendOrg(s, 'memo', memo, `${s.id} single ${k}`)),
        ),
      );
      assert.equal(receipts.length, 90);
      assert.equal(new Set(receipts.map((r) => r.txId)).size, 90, 'each sent and committed once');
      assert.ok(seen.seen() > 0, 'the node refused with 429 at least once');
    } finally {
      seen.restore();
    }
  });
});

describe('Sender.sendMany against small mempools', { timeout: 180_000 }, () => {
  before(async () => {
    chain = await startTestChain({
      mempool: { maxTxs: 40, clientSharePercent: 50 },
      timing: { batchMs: 20, maxBlockTxs: 10 },
    });
    apis = await Promise.all(
      chain.nodes.map((n) => startApiServer(n, { host: '127.0.0.1', port: 0 }, { processMetrics: false })),
    );
  });
  after(async () => {
    await Promise.all((apis ?? []).map((a) => a.close()));
    await chain?.stop();
  });

  it('120 signed transactions in batches: every one commits, once, in order', async () => {
    const sender = new Sender({
      chain: { chainId: chain.chainId, group: await libsodiumGroup() },
      retryMs: 120_000,
      commitTimeoutMs: 120_000,
    });
    const txs = Array.from({ length: 120 }, (_, k) =>
      signOrgTransaction(
        { chainId: chain.chainId, kind: 'memo', payload: utf8(`many ${k}`) },
        BigInt(k + 1),
        keyOf('consumer-3'),
      ),
    );
    const results = await sender.sendMany({ id: 'consumer-3', node: apis[3]!.url }, txs);
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected'),
      [],
    );
    const heights = results.map((r) => (r as PromiseFulfilledResult<{ height: bigint }>).value.height);
    assert.deepEqual(
      [...heights].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      heights,
      'committed in order',
    );
  });
});

describe('the node client’s answer to 429', () => {
  /** A node answering 429 (with only a Retry-After header) `busy` times, then 202. */
  async function busyNode(busy: number): Promise<{ url: string; asked: () => number; close(): void }> {
    let asked = 0;
    const server = createServer((req, res) => {
      req.resume();
      asked++;
      if (asked <= busy) {
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' })
          .end(JSON.stringify({ code: 'NODE_MEMPOOL_FULL', message: 'the mempool is full', details: {} }));
      } else
        res
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: '00'.repeat(32) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      asked: () => asked,
      close: () => server.close(),
    };
  }

  it('waits the hint, backing off, and asks again until admitted', async () => {
    const node = await busyNode(3);
    try {
      const id = await new NodeClient(node.url).submit(Uint8Array.of(1));
      assert.equal(id, '00'.repeat(32));
      assert.equal(node.asked(), 4);
    } finally {
      node.close();
    }
  });

  it('past busyTimeoutMs the refusal is typed and retryable, with the hint (never a crash)', async () => {
    const node = await busyNode(1_000);
    try {
      await assert.rejects(new NodeClient(node.url, { busyTimeoutMs: 300 }).submit(Uint8Array.of(1)), (e) => {
        assert.ok(isDppError(e, 'NODE_MEMPOOL_FULL'));
        assert.equal(e.details.status, 429);
        assert.equal(e.details.retryable, true);
        assert.equal(e.details.retryAfterMs, 0);
        return true;
      });
      assert.ok(node.asked() >= 2, 'it asked again before giving up');
      assert.ok(backoffMs(0, 0, () => 0) === 100 && backoffMs(10, 0, () => 0) === 5_000);
      assert.equal(
        backoffMs(0, 2_000, () => 0),
        2_000,
        'the node’s hint when it is longer',
      );
    } finally {
      node.close();
    }
  });
});
