/**
 * The Sender (src/client/sender.ts), the one transport of the protocol's actions for the `dpp`
 * command and the local driver, against fake nodes that script what a node answers: one sender's
 * nonces reach its node in the order its sends were made, also when they start together; a node
 * expecting another nonce gets a transaction signed again with it; nothing reaches a node before
 * it committed the highest block the process saw (`afterHeight`); a transaction sent but not seen
 * committed goes to `onUnsure` (the CLI's outbox); after a lost answer a retry waits for the
 * transaction already sent instead of signing a second one; a submission whose answer timed out
 * (CLIENT_TIMEOUT: an overloaded node) is sent again as the same bytes, never signed again, whether
 * or not the node had admitted it; a busy node (NODE_MEMPOOL_FULL past the client's own backoff) is
 * waited for, never a crash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError } from '../../src/client/clientError.ts';
import { orgContractTx } from '../../src/client/contractTx.ts';
import type { NodeClient, TxStatus } from '../../src/client/nodeClient.ts';
import { Sender, type Signer } from '../../src/client/sender.ts';
import { txIdOfBytes } from '../../src/client/txSubmitter.ts';
import { memberSuspendPayload } from '../../src/contracts/membership.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { decodeTransaction } from '../../src/ledger/transaction.ts';

const group = await nobleGroup();
const chain = { chainId: 'dpp-sender-test', group };
const key = orgKeyPair(new Uint8Array(32).fill(7));

/** A scripted node: it commits each transaction in its own block (or never), and answers status. */
class FakeNode {
  height = 0n;
  readonly submitted: bigint[] = [];
  /** Submissions refused for their nonce. */
  refused = 0;
  readonly statusPolls: bigint[] = [];
  /** Nonce the node expects next; a submission with another is refused (null: accept any). */
  expected: bigint | null = null;
  /** Commit what is submitted. */
  commits = true;
  /** Throw CLIENT_NETWORK on the next `tx` poll (a restart losing the answer). */
  dropNextAnswer = false;
  readonly txs = new Map<string, TxStatus>();
  /** How long each submission takes to arrive, in the order they are sent (a request on a fresh connection may overtake one sent before it). */
  transitMs: number[] = [];
  /** Every submission's bytes, as ids, in order (a resend of the same bytes repeats an id). */
  readonly submittedIds: string[] = [];
  /** The next submissions time out: `admitted` — the node took it, its answer was lost; `lost` — it never arrived. */
  timeouts: ('admitted' | 'lost')[] = [];
  /** The next submissions are refused for a full mempool (retryable, with a hint). */
  busy = 0;

  async submit(bytes: Uint8Array): Promise<string> {
    const transit = this.transitMs.shift();
    if (transit !== undefined) await new Promise((r) => setTimeout(r, transit));
    this.submittedIds.push(txIdOfBytes(bytes));
    if (this.busy > 0) {
      this.busy--;
      throw new ClientError('NODE_MEMPOOL_FULL', 'the mempool is full', {
        status: 429,
        retryable: true,
        retryAfterMs: 20,
      });
    }
    const timeout = this.timeouts.shift();
    if (timeout === 'lost') throw new ClientError('CLIENT_TIMEOUT', 'POST /v1/tx: no answer in 10000 ms');
    if (timeout === 'admitted') {
      await this.admit(bytes);
      throw new ClientError('CLIENT_TIMEOUT', 'POST /v1/tx: no answer in 10000 ms');
    }
    return this.admit(bytes);
  }

  /** What the node does with a submission that arrives. */
  private async admit(bytes: Uint8Array): Promise<string> {
    const tx = decodeTransaction(group, bytes);
    const nonce = tx.auth.scheme === 'org' ? tx.auth.nonce : -1n;
    const id = txIdOfBytes(bytes);
    if (this.txs.has(id))
      throw new ClientError('NODE_DUPLICATE_TX', 'transaction already pending', { txId: id });
    if (this.expected !== null && nonce !== this.expected) {
      this.refused++;
      throw new ClientError(nonce < this.expected ? 'NODE_DUPLICATE_TX' : 'NODE_NONCE_GAP', 'nonce', {
        expected: this.expected.toString(),
      });
    }
    this.submitted.push(nonce);
    if (this.expected !== null) this.expected++;
    if (!this.commits) {
      this.txs.set(id, { id, status: 'pending' });
      return id;
    }
    this.height++;
    this.txs.set(id, {
      id,
      status: 'committed',
      height: this.height,
      index: 0,
      receipt: { status: 'ok' },
      blockHash: '00'.repeat(32),
      certified: false,
    });
    return id;
  }

  async tx(id: string): Promise<TxStatus> {
    if (this.dropNextAnswer) {
      this.dropNextAnswer = false;
      throw new ClientError('CLIENT_NETWORK', 'connection refused');
    }
    return this.txs.get(id) ?? { id, status: 'unknown' };
  }

  async status(): Promise<{ height: string }> {
    this.statusPolls.push(this.height);
    return { height: this.height.toString() };
  }

  /** The client's shared watch of new blocks: here, a short wait. */
  async commitSeen(_id: string, maxWaitMs: number): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.min(maxWaitMs, 10)));
  }

  pollIntervalMs(): number {
    return 10;
  }
}

function senderOver(
  nodes: Record<string, FakeNode>,
  extra: Partial<ConstructorParameters<typeof Sender>[0]> = {},
) {
  return new Sender({ chain, nodeClient: (url) => nodes[url] as unknown as NodeClient, ...extra });
}

const suspend = (sender: Sender, who: Signer, id: string) =>
  sender.sendOrg(who, 'member.suspend', memberSuspendPayload, { id, suspended: true });

describe('the Sender', () => {
  it('takes each sender’s nonces in the order its sends were made, also when they start together', async () => {
    const node = new FakeNode();
    node.expected = 1n;
    const sender = senderOver({ a: node });
    const tc = { id: 'trading-centre', node: 'a', key };
    const receipts = await Promise.all(['m1', 'm2', 'm3'].map((m) => suspend(sender, tc, m)));
    assert.deepEqual(node.submitted, [1n, 2n, 3n]);
    assert.deepEqual(
      receipts.map((r) => r.height),
      [1n, 2n, 3n],
    );
    await suspend(sender, tc, 'm4');
    assert.deepEqual(node.submitted, [1n, 2n, 3n, 4n]);
  });

  it('a submission reaches the node only after the sender’s previous one was admitted', async () => {
    const node = new FakeNode();
    node.expected = 1n;
    node.transitMs = [60, 40, 20, 0, 0]; // sent at once, the later ones would arrive first
    const sender = senderOver({ a: node });
    const tc = { id: 'trading-centre', node: 'a', key };
    await Promise.all(['m1', 'm2', 'm3', 'm4', 'm5'].map((m) => suspend(sender, tc, m)));
    assert.deepEqual(node.submitted, [1n, 2n, 3n, 4n, 5n]);
    assert.equal(node.refused, 0, 'each arrived with the nonce the node expected');
  });

  it('signs again with the nonce the node expects, and goes on from there', async () => {
    const node = new FakeNode();
    node.expected = 5n; // another sender of this key went before
    const sender = senderOver({ a: node });
    const tc = { id: 'trading-centre', node: 'a', key };
    await suspend(sender, tc, 'm1');
    await suspend(sender, tc, 'm2');
    assert.deepEqual(node.submitted, [5n, 6n]);
  });

  it('sends nothing to a node before it committed the highest block the process saw', async () => {
    const a = new FakeNode();
    const b = new FakeNode();
    a.height = 6n; // the next commit on A is at height 7
    b.height = 4n;
    const sender = senderOver({ a, b });
    await suspend(sender, { id: 'trading-centre', node: 'a', key }, 'm1');
    assert.equal(sender.committedHeight, 7n);
    // B catches up one block per status poll; the send waits for height 7
    const poll = b.status.bind(b);
    b.status = async () => {
      b.height++;
      return poll();
    };
    b.commits = true;
    await suspend(
      sender,
      { id: 'aggregator-a1', node: 'b', key: orgKeyPair(new Uint8Array(32).fill(9)) },
      'm2',
    );
    assert.ok(b.statusPolls.length >= 2, 'it polled B');
    assert.ok(
      b.statusPolls.at(-1)! >= 7n,
      `B reached height 7 before the submission (polls ${b.statusPolls})`,
    );
    assert.equal(b.submitted.length, 1);
  });

  it('a transaction not seen committed goes to onUnsure, safe to resend, with its id', async () => {
    const node = new FakeNode();
    node.commits = false;
    const kept: { kind: string; via: string; id: string }[] = [];
    const sender = senderOver(
      { a: node },
      {
        commitTimeoutMs: 200,
        onUnsure: (tx, via) => kept.push({ kind: tx.tx.kind, via, id: txIdOfBytes(tx.bytes) }),
      },
    );
    await assert.rejects(suspend(sender, { id: 'trading-centre', node: 'a', key }, 'm1'), (err: unknown) => {
      assert.ok(err instanceof ClientError);
      assert.equal(err.code, 'CLIENT_TIMEOUT');
      assert.equal(err.details.safeToResend, true);
      assert.deepEqual(kept, [{ kind: 'member.suspend', via: 'trading-centre', id: err.details.txId }]);
      return true;
    });
  });

  it('after a lost answer, a retry waits for the transaction sent instead of signing a second one', async () => {
    const node = new FakeNode();
    node.dropNextAnswer = true; // the node committed it, but its answer was lost
    const sender = senderOver({ a: node }, { retryMs: 5_000 });
    const tc = { id: 'trading-centre', node: 'a', key };
    const receipt = await suspend(sender, tc, 'm1');
    assert.deepEqual(node.submitted, [1n], 'sent once');
    assert.equal(receipt.height, 1n);
    await suspend(sender, tc, 'm2');
    assert.deepEqual(node.submitted, [1n, 2n]);
  });

  it('without retryMs, a node that does not answer is the answer', async () => {
    const node = new FakeNode();
    node.dropNextAnswer = true;
    const sender = senderOver({ a: node });
    await assert.rejects(
      suspend(sender, { id: 'trading-centre', node: 'a', key }, 'm1'),
      /CLIENT_NETWORK|connection refused|not known/,
    );
  });

  it('a submission whose answer timed out is sent again as the same bytes, never signed again', async () => {
    // the driver's crash: an overloaded node answered a POST after the client's 10 s timeout
    for (const timeout of ['admitted', 'lost'] as const) {
      const node = new FakeNode();
      node.expected = 1n;
      node.timeouts = [timeout, timeout];
      const unsure: string[] = [];
      const sender = senderOver(
        { a: node },
        { retryMs: 5_000, onUnsure: (tx) => unsure.push(txIdOfBytes(tx.bytes)) },
      );
      const tc = { id: 'trading-centre', node: 'a', key };
      const receipt = await suspend(sender, tc, 'm1');
      assert.equal(receipt.height, 1n, timeout);
      assert.deepEqual(node.submitted, [1n], `${timeout}: one transaction reached the chain`);
      assert.equal(new Set(node.submittedIds).size, 1, `${timeout}: only ever the same signed bytes`);
      assert.deepEqual(unsure, [], 'it committed: nothing left to resend');
      await suspend(sender, tc, 'm2');
      assert.deepEqual(node.submitted, [1n, 2n]);
    }
  });

  it('a pseudonym or ring transaction whose answer timed out is resent as is and waited for', async () => {
    const node = new FakeNode();
    node.timeouts = ['admitted'];
    const sender = senderOver({ a: node }, { retryMs: 5_000 });
    const tx = orgContractTx(
      chain,
      'member.suspend',
      memberSuspendPayload,
      { id: 'm1', suspended: true },
      key,
      1n,
    );
    const receipt = await sender.send({ id: 'consumer', node: 'a' }, tx);
    assert.equal(receipt.height, 1n);
    assert.deepEqual([...new Set(node.submittedIds)], [txIdOfBytes(tx.bytes)]);
  });

  it('a node still busy after the client’s own backoff is waited for, then the transaction commits', async () => {
    const node = new FakeNode();
    node.expected = 1n;
    node.busy = 3;
    const sender = senderOver({ a: node }, { retryMs: 5_000 });
    const receipt = await suspend(sender, { id: 'trading-centre', node: 'a', key }, 'm1');
    assert.equal(receipt.height, 1n);
    assert.equal(node.submittedIds.length, 4);
    assert.equal(new Set(node.submittedIds).size, 1, 'the same bytes each time');
  });
});
