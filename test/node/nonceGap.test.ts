/**
 * Every transaction a validator accepts commits (issue 14's defect): four senders alternate batches
 * of five consecutive nonces between validators 1 and 3, as a client rotating over validators
 * does. A validator that receives a sender's later nonces by gossip before its earlier ones — they
 * travel over another link — holds them until the gap fills (src/node/mempool.ts). Before, gossip
 * dropped them; when the primary did, they and every later nonce of their sender stayed pending on
 * the backups for ever, though a validator had answered 202. The first test makes the race certain
 * — the primary receives a sender's nonces 6–10 by gossip before 1–5 exist anywhere — and fails
 * without the fix; the second runs the interleaving of the report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDppError } from '../../src/errors.ts';
import type { TxGossip } from '../../src/node/txGossip.ts';
import { txBatchFrames } from '../../src/p2p/channels.ts';
import { startTestChain, type TestChain, waitFor } from '../api/fixtures.ts';

const SENDERS = ['generator-a', 'generator-b', 'aggregator-a', 'consumer-1'];
const BATCHES = 8;
const BATCH = 5;

describe('validator network: out-of-order nonces across validators', { timeout: 120_000 }, () => {
  let chain: TestChain;
  before(async () => {
    chain = await startTestChain({ emptyBlockMs: 200 });
  });
  after(async () => chain?.stop());

  it('later nonces gossiped to the primary before the earlier ones commit once those arrive', async () => {
    const sender = chain.member('generator-b');
    const txs = Array.from({ length: 10 }, (_, k) => sender.memo(`race m${k + 1}`));
    // nonces 6–10 reach the primary over validator 1's link before 1–5 exist anywhere
    const primaryGossip = (chain.node as unknown as { gossip: TxGossip }).gossip;
    // (the body after the channel byte, as the node's frame router hands it on)
    primaryGossip.receive(1, txBatchFrames(txs.slice(5).map((t) => t.bytes))[0]!.subarray(1));
    for (const t of txs.slice(0, 5)) chain.nodes[1]!.submit(t.bytes);
    await waitFor(
      'nonces 6–10 to commit',
      async () =>
        (await Promise.all(txs.map((t) => chain.node.txStatus(t.id)))).every((s) => s.status === 'committed'),
      15_000,
    );
  });

  it('batches of a sender alternating between validators 1 and 3 all commit; nothing stays pending', async () => {
    const accepted: { id: string; at: number }[] = [];
    await Promise.all(
      SENDERS.map(async (id) => {
        const sender = chain.member(id);
        for (let b = 0; b < BATCHES; b++) {
          const via = chain.nodes[b % 2 === 0 ? 1 : 3]!;
          for (const tx of Array.from({ length: BATCH }, (_, k) => sender.memo(`${id} b${b} m${k}`))) {
            // a client's own gap is refused with the expected nonce: it resends the same bytes later
            for (;;) {
              try {
                via.submit(tx.bytes);
                accepted.push({ id: tx.id, at: b });
                break;
              } catch (err) {
                if (!isDppError(err, 'NODE_NONCE_GAP')) throw err;
                await new Promise((r) => setTimeout(r, 5));
              }
            }
          }
        }
      }),
    );
    assert.equal(accepted.length, SENDERS.length * BATCHES * BATCH);
    await waitFor(
      'every accepted transaction to commit',
      async () => {
        const statuses = await Promise.all(accepted.map((a) => chain.node.txStatus(a.id)));
        return statuses.every((s) => s.status === 'committed');
      },
      60_000,
    );
    for (const node of chain.nodes) assert.equal(node.status().mempool, 0, 'nothing left pending');
  });
});
