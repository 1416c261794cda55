/**
 * The typed node client against the real API server of an in-process validator network: submit and
 * wait, proof and certificate checks (a lying node is caught), batches, blocks, status, the event
 * subscription, and server refusals surfacing as ClientError with the server's code.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { ClientError } from '../../src/client/clientError.ts';
import { NodeClient, type NodeEvent } from '../../src/client/nodeClient.ts';
import { isDppError } from '../../src/errors.ts';
import { startTestChain, type TestChain, waitFor } from '../api/fixtures.ts';

let chain: TestChain;
let api: RunningApiServer;
let client: NodeClient;

const refused = (code: string) => (e: unknown) => e instanceof ClientError && isDppError(e, code);

/** A fake node answering `body` to every request, to test the client's own checks. */
async function fakeNode(body: (path: string) => unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const text = JSON.stringify(body(req.url ?? '/'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('node client', { timeout: 60_000 }, () => {
  before(async () => {
    chain = await startTestChain();
    api = await startApiServer(chain.node, { host: '127.0.0.1', port: 0 }, { processMetrics: false });
    client = new NodeClient(api.url, {
      genesis: {
        chainId: chain.node.genesis.chainId,
        validatorKeys: chain.node.genesis.validators.map((v) => v.publicKey),
      },
    });
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  it('submitAndWait returns the committed transaction, proof and certificate verified', async () => {
    const tx = chain.member('generator-a').memo('via client');
    const done = await client.submitAndWait(tx.bytes, 10_000);
    assert.equal(done.id, tx.id);
    assert.equal(done.certified, true);
    assert.deepEqual(done.receipt, { status: 'ok' });
    const block = await client.block(done.height, true);
    assert.equal(block.hash, done.blockHash);
    assert.equal(block.txIds[done.index], tx.id);
    assert.deepEqual(block.receipts?.[done.index], { status: 'ok' });
    const uncertified = await new NodeClient(api.url).tx(tx.id);
    assert.equal(uncertified.status === 'committed' && uncertified.certified, false);
  });

  it('batches, pages of blocks, status and health are typed', async () => {
    const m = chain.member('generator-b');
    const a = m.memo('a');
    const b = m.memo('b');
    const r = await client.submitBatch([a.bytes, b.bytes, a.bytes]);
    assert.deepEqual(r.ids, [a.id, b.id]);
    assert.equal(r.errors[0]!.code, 'NODE_DUPLICATE_TX');
    await client.waitForCommit(b.id, 10_000);
    const page = await client.blocks({ from: 0, limit: 2 });
    assert.deepEqual(
      page.blocks.map((x) => x.height),
      ['0', '1'],
    );
    const s = await client.status();
    assert.equal(s.chainId, chain.chainId);
    assert.equal((await client.health()).status, 'ok');
  });

  it('a node refusal is a ClientError with the node’s code and HTTP status', async () => {
    const tx = chain.member('consumer-1').memo('twice');
    await client.submit(tx.bytes);
    await assert.rejects(
      client.submit(tx.bytes),
      (e) => refused('NODE_DUPLICATE_TX')(e) && (e as ClientError).details.status === 409,
    );
    await assert.rejects(
      client.submit(new Uint8Array([1, 2, 3])),
      (e) => e instanceof ClientError && e.code.startsWith('DECODE_'),
    );
    await assert.rejects(client.block(10n ** 9n), refused('API_NOT_FOUND'));
    await assert.rejects(client.tx('zz'), refused('CLIENT_BAD_ARGUMENT'));
    assert.throws(() => new NodeClient('ftp://x'), refused('CLIENT_BAD_ARGUMENT'));
    await assert.rejects(client.waitForCommit('00'.repeat(32), 200), refused('CLIENT_TIMEOUT'));
    await assert.rejects(new NodeClient('http://127.0.0.1:1').status(), refused('CLIENT_NETWORK'));
  });

  it('subscribe delivers block events after the subscription is confirmed', async () => {
    const events: NodeEvent[] = [];
    let closedWith = '';
    const sub = client.subscribe((e) => events.push(e), {
      types: ['block'],
      onClose: (r) => (closedWith = r),
    });
    await sub.ready;
    const tx = chain.member('consumer-2').memo('streamed');
    await client.submit(tx.bytes);
    await waitFor('the block event', () => events.some((e) => (e.txIds as string[]).includes(tx.id)));
    assert.ok(events.every((e) => e.type === 'block'));
    sub.close();
    assert.equal(closedWith, 'closed by client');
    const bad = client.subscribe(() => {}, { types: ['Not A Type'] });
    await assert.rejects(bad.ready, refused('CLIENT_NETWORK'));
  });

  it('catches a node that lies: forged proof, wrong header, bad certificate, malformed answers', async () => {
    const tx = chain.member('consumer-3').memo('audited');
    const done = await client.submitAndWait(tx.bytes, 10_000);
    const real = (await (await fetch(`${api.url}/v1/tx/${done.id}`)).json()) as {
      index: number;
      proof: Record<string, unknown>;
      certificate: string;
    } & Record<string, unknown>;
    const other = chain.member('consumer-3').memo('never sent');
    const lies: [string, (path: string) => unknown, string][] = [
      ['another id', () => ({ ...real, id: other.id }), 'CLIENT_BAD_RESPONSE'],
      [
        'wrong index',
        () => ({ ...real, index: real.index + 1, proof: { ...real.proof, leafIndex: real.index + 1 } }),
        'CLIENT_PROOF_INVALID',
      ],
      [
        'forged path',
        () => ({ ...real, proof: { ...real.proof, path: ['00'.repeat(32)] } }),
        'CLIENT_PROOF_INVALID',
      ],
      ['header of another block', () => ({ ...real, blockHash: '11'.repeat(32) }), 'CLIENT_PROOF_INVALID'],
      ['no proof', () => ({ ...real, proof: undefined }), 'CLIENT_PROOF_INVALID'],
      [
        'bad certificate',
        // one bit of the last signature flipped (writing 00 over it changed nothing when it was 00)
        () => {
          const last = (Number.parseInt(real.certificate.slice(-2), 16) ^ 1).toString(16).padStart(2, '0');
          return { ...real, certificate: `${real.certificate.slice(0, -2)}${last}` };
        },
        'CLIENT_PROOF_INVALID',
      ],
      ['garbage header', () => ({ ...real, header: 'abcd' }), 'CLIENT_PROOF_INVALID'],
      ['not the schema', () => ({ status: 'maybe' }), 'CLIENT_BAD_RESPONSE'],
    ];
    for (const [label, answer, code] of lies) {
      const fake = await fakeNode((path) => (path.startsWith('/v1/tx/') ? answer(path) : {}));
      try {
        const liar = new NodeClient(fake.url, {
          genesis: {
            chainId: chain.node.genesis.chainId,
            validatorKeys: chain.node.genesis.validators.map((v) => v.publicKey),
          },
        });
        await assert.rejects(liar.tx(done.id), refused(code), label);
      } finally {
        fake.server.close();
      }
    }
  });
});
