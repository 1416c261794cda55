/**
 * The node API against a real in-process validator network (four validators, temporary LevelDB):
 * submitting and following a transaction with its inclusion proof, blocks and paging, status,
 * health, typed errors and limits, the WebSocket event stream, the OpenAPI document and metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import { decodeHeader } from '../../src/ledger/blockHeader.ts';
import { verifyInclusion } from '../../src/ledger/merkle.ts';
import { MAX_TX_BYTES } from '../../src/ledger/transaction.ts';
import { startTestChain, type TestChain, waitFor } from './fixtures.ts';

let chain: TestChain;
let api: RunningApiServer;

type Json = Record<string, unknown>;

async function call(
  method: string,
  path: string,
  body?: Uint8Array | string,
  type?: string,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
    ...(type === undefined ? {} : { headers: { 'content-type': type } }),
  });
  return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
}

const octets = 'application/octet-stream';

async function committed(id: string): Promise<Json> {
  let last: Json = {};
  await waitFor(`tx ${id} committed`, async () => {
    last = (await call('GET', `/v1/tx/${id}`)).json;
    return last.status === 'committed';
  });
  return last;
}

describe('node API routes', { timeout: 60_000 }, () => {
  before(async () => {
    chain = await startTestChain();
    api = await startApiServer(chain.node, { host: '127.0.0.1', port: 0 }, { processMetrics: false });
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  it('POST /v1/tx (bytes and JSON) → 202 {id}; GET /v1/tx/:id follows it to committed with a valid proof', async () => {
    const m = chain.member('generator-a');
    const a = m.memo('one');
    const b = m.memo('two');
    const ra = await call('POST', '/v1/tx', a.bytes, octets);
    assert.equal(ra.status, 202, JSON.stringify(ra.json));
    assert.deepEqual(ra.json, { id: a.id });
    const rb = await call('POST', '/v1/tx', JSON.stringify({ tx: toHex(b.bytes) }), 'application/json');
    assert.equal(rb.status, 202);
    assert.equal(rb.json.id, b.id);
    for (const t of [a, b]) {
      const st = await committed(t.id.toUpperCase());
      assert.equal(st.id, t.id);
      assert.deepEqual(st.receipt, { status: 'ok' });
      const header = decodeHeader(fromHex(st.header as string));
      assert.equal(header.height.toString(), st.height);
      const proof = st.proof as { leafIndex: number; treeSize: number; path: string[] };
      assert.equal(proof.leafIndex, st.index);
      const decoded = { ...proof, path: proof.path.map(fromHex) };
      assert.ok(verifyInclusion(header.txRoot, fromHex(t.id), decoded), 'proof verifies against txRoot');
      assert.ok(
        !verifyInclusion(header.txRoot, fromHex(a.id === t.id ? b.id : a.id), decoded) || a.id === b.id,
      );
    }
    const unknown = await call('GET', `/v1/tx/${'00'.repeat(32)}`);
    assert.deepEqual(unknown.json, { id: '00'.repeat(32), status: 'unknown' });
  });

  it('POST /v1/txs admits each transaction of a batch on its own (bytes and JSON)', async () => {
    const m = chain.member('generator-b');
    const txs = [m.memo('b1'), m.memo('b2'), m.memo('b3')];
    const w = new Writer();
    w.bytes(txs[0]!.bytes).bytes(new TextEncoder().encode('garbage')).bytes(txs[1]!.bytes);
    const r = await call('POST', '/v1/txs', w.finish(), octets);
    assert.equal(r.status, 200);
    assert.equal(r.json.accepted, 2);
    assert.deepEqual(r.json.ids, [txs[0]!.id, txs[1]!.id]);
    const errors = r.json.errors as { index: number; code: string }[];
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.index, 1);
    assert.match(errors[0]!.code, /^DECODE_/);
    const j = await call(
      'POST',
      '/v1/txs',
      JSON.stringify({ txs: [toHex(txs[2]!.bytes), toHex(txs[0]!.bytes)] }),
      'application/json',
    );
    assert.equal(j.json.accepted, 1);
    assert.deepEqual(
      (j.json.errors as { code: string }[]).map((e) => e.code),
      ['NODE_DUPLICATE_TX'],
    );
    await committed(txs[2]!.id);
  });

  it('GET /v1/blocks/:height and /v1/blocks page through headers, tx ids and certificate signers', async () => {
    const one = await call('GET', '/v1/blocks/1?receipts=true');
    assert.equal(one.status, 200);
    assert.equal(one.json.height, '1');
    assert.ok((one.json.txIds as string[]).length >= 1);
    assert.equal((one.json.receipts as unknown[]).length, (one.json.txIds as string[]).length);
    assert.ok(
      (one.json.certificate as { signers: number[] }).signers.length >= 3,
      'a quorum of 3 of 4 signed',
    );
    const status = (await call('GET', '/v1/status')).json;
    const head = Number(status.height);
    const page = await call('GET', '/v1/blocks?from=0&limit=2');
    assert.deepEqual(
      (page.json.blocks as Json[]).map((b) => b.height),
      ['0', '1'],
    );
    assert.equal(page.json.next, head >= 2 ? '2' : null);
    const latest = await call('GET', '/v1/blocks?limit=1');
    assert.deepEqual(
      (latest.json.blocks as Json[]).map((b) => b.height),
      [String(head)],
    );
    assert.equal(latest.json.next, null);
    const chained = (page.json.blocks as Json[])[1]!;
    assert.equal(chained.prevHash, (page.json.blocks as Json[])[0]!.hash);
    const missing = await call('GET', '/v1/blocks/999999');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 'API_NOT_FOUND');
  });

  it('GET /v1/status and /health report the node and its consensus state', async () => {
    const s = (await call('GET', '/v1/status')).json;
    assert.equal(s.chainId, chain.chainId);
    assert.equal(s.validators, 4);
    assert.deepEqual(s.peers, [1, 2, 3]);
    assert.equal(s.inViewChange, false);
    assert.equal(typeof s.primary, 'number');
    assert.equal(typeof s.lastCommitAtMs, 'number');
    assert.match(s.headTimestampMs as string, /^\d+$/);
    const h = await call('GET', '/health');
    assert.deepEqual({ ...h.json, height: 'x' }, { status: 'ok', height: 'x', peers: 3, quorum: 3 });
  });

  it('refuses bad input with a typed JSON error and the status its code maps to', async () => {
    const m = chain.member('consumer-1');
    const good = m.memo('dup');
    assert.equal((await call('POST', '/v1/tx', good.bytes, octets)).status, 202);
    const cases: [string, string, Uint8Array | string | undefined, string | undefined, number, string][] = [
      ['duplicate', '/v1/tx', good.bytes, octets, 409, 'NODE_DUPLICATE_TX'],
      ['not a transaction', '/v1/tx', new TextEncoder().encode('junk'), octets, 400, 'DECODE_'],
      ['oversized', '/v1/tx', new Uint8Array(MAX_TX_BYTES * 2 + 1024), octets, 413, 'API_BODY_TOO_LARGE'],
      ['no content type', '/v1/tx', good.bytes, undefined, 415, 'API_UNSUPPORTED_MEDIA_TYPE'],
      ['text', '/v1/tx', 'hello', 'text/plain', 415, 'API_UNSUPPORTED_MEDIA_TYPE'],
      ['html', '/v1/tx', '<p>', 'text/html', 415, 'API_UNSUPPORTED_MEDIA_TYPE'],
      ['broken JSON', '/v1/tx', '{"tx":', 'application/json', 400, 'API_BAD_REQUEST'],
      ['JSON odd hex', '/v1/tx', '{"tx":"abc"}', 'application/json', 400, 'API_BAD_REQUEST'],
      ['JSON extra field', '/v1/tx', '{"tx":"00","x":1}', 'application/json', 400, 'API_BAD_REQUEST'],
      [
        'proto pollution',
        '/v1/tx',
        '{"__proto__":{"a":1},"tx":"00"}',
        'application/json',
        400,
        'API_BAD_REQUEST',
      ],
      ['empty body', '/v1/tx', undefined, undefined, 400, 'API_BAD_REQUEST'],
      ['wrong chain id', '/v1/tx', new Uint8Array(10), octets, 400, 'DECODE_'],
    ];
    for (const [label, path, body, type, status, code] of cases) {
      const r = await call('POST', path, body, type);
      assert.equal(r.status, status, `${label}: ${JSON.stringify(r.json)}`);
      assert.ok(String(r.json.code).startsWith(code), `${label}: ${r.json.code}`);
      assert.equal(typeof r.json.message, 'string');
      assert.equal(typeof r.json.details, 'object');
    }
    const gets: [string, number, string][] = [
      ['/v1/tx/xyz', 400, 'API_BAD_REQUEST'],
      ['/v1/blocks/-1', 400, 'API_BAD_REQUEST'],
      ['/v1/blocks/01', 400, 'API_BAD_REQUEST'],
      ['/v1/blocks/99999999999999999999', 400, 'API_BAD_REQUEST'],
      ['/v1/blocks?limit=0', 400, 'API_BAD_REQUEST'],
      ['/v1/blocks?limit=101', 400, 'API_BAD_REQUEST'],
      ['/v1/blocks?color=red', 400, 'API_BAD_REQUEST'],
      ['/v1/events', 426, 'API_UPGRADE_REQUIRED'],
      ['/v1/nothing', 404, 'API_NOT_FOUND'],
      ['/tx', 404, 'API_NOT_FOUND'],
    ];
    for (const [path, status, code] of gets) {
      const r = await call('GET', path);
      assert.equal(r.status, status, `${path}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.code, code, path);
    }
    assert.equal((await call('DELETE', '/v1/status')).json.code, 'API_NOT_FOUND');
  });

  it('WS /v1/events announces the subscription, then streams a block event for each commit', async () => {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/v1/events?types=block`);
    const events: Json[] = [];
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as Json));
    await waitFor('the subscription', () => events.length >= 1);
    assert.equal(events[0]!.type, 'subscribed');
    assert.deepEqual(events[0]!.types, ['block']);
    const tx = chain.member('consumer-2').memo('evented');
    assert.equal((await call('POST', '/v1/tx', tx.bytes, octets)).status, 202);
    await waitFor('a block event with the tx', () =>
      events.some((e) => e.type === 'block' && (e.txIds as string[]).includes(tx.id)),
    );
    const e = events.find((x) => x.type === 'block' && (x.txIds as string[]).includes(tx.id))!;
    const block = (await call('GET', `/v1/blocks/${e.height}`)).json;
    assert.equal(e.hash, block.hash);
    assert.equal(e.timestampMs, block.timestampMs);
    assert.equal(e.txs, (block.txIds as string[]).length);
    assert.equal(typeof e.seq, 'number');
    ws.close();
    const bad = new WebSocket(`${api.url.replace('http', 'ws')}/v1/events?types=NOPE`);
    const refused = await new Promise<number>((resolve) => {
      bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      bad.on('open', () => resolve(101));
      bad.on('error', () => {});
    });
    assert.equal(refused, 400);
  });

  it('application event derivers publish after the block event; a throwing deriver is contained', async () => {
    const seen: Json[] = [];
    api.events.addDeriver('broken', () => {
      throw new Error('boom');
    });
    api.events.addDeriver('memo-count', (c) => [
      { type: 'memo-seen', height: c.block.header.height.toString(), count: c.txIds.length },
    ]);
    const off = api.events.subscribe((e) => seen.push(e as unknown as Json));
    const tx = chain.member('consumer-3').memo('derived');
    await call('POST', '/v1/tx', tx.bytes, octets);
    await committed(tx.id);
    await waitFor('derived event', () => seen.some((e) => e.type === 'memo-seen'));
    off();
    const i = seen.findIndex((e) => e.type === 'block');
    const j = seen.findIndex((e) => e.type === 'memo-seen');
    assert.ok(i >= 0 && j === i + 1, 'derived events follow their block event');
    assert.equal(seen[j]!.seq, (seen[i]!.seq as number) + 1);
  });

  it('GET /openapi.json lists every route with its schemas', async () => {
    const doc = (await call('GET', '/openapi.json')).json as { openapi: string; paths: Record<string, Json> };
    assert.equal(doc.openapi, '3.1.0');
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    for (const r of [
      'POST /v1/tx',
      'POST /v1/txs',
      'GET /v1/tx/{id}',
      'GET /v1/blocks/{height}',
      'GET /v1/blocks',
      'GET /v1/status',
      'GET /v1/events',
      'GET /health',
      'GET /metrics',
      'GET /openapi.json',
    ])
      assert.ok(routes.includes(r), `${r} in ${routes.join(', ')}`);
    const post = (doc.paths['/v1/tx'] as { post: { requestBody: { content: Json }; responses: Json } }).post;
    assert.deepEqual(Object.keys(post.requestBody.content).sort(), [
      'application/json',
      'application/octet-stream',
    ]);
    assert.ok('202' in post.responses && '4XX' in post.responses);
  });

  it('GET /metrics exposes chain, mempool, view and HTTP counters in Prometheus text', async () => {
    const res = await fetch(`${api.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('dpp_chain_height'), Number((await call('GET', '/v1/status')).json.height));
    assert.ok(value('dpp_txs_committed_total') >= 5);
    assert.equal(value('dpp_mempool_transactions'), 0);
    assert.equal(value('dpp_consensus_view'), 0);
    for (const name of [
      'dpp_p2p_bytes_sent_total',
      'dpp_p2p_frames_sent_total',
      'dpp_p2p_bytes_received_total',
    ])
      assert.ok(value(name) >= 0, name);
    assert.match(text, /^dpp_http_requests_total\{method="POST",route="\/v1\/tx",status="202"\} \d+$/m);
    assert.match(text, /^dpp_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+$/m);
  });
});
