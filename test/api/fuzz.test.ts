/**
 * The API under hostile input, over real sockets: random methods, paths, query strings, headers and
 * bodies must always be answered with a JSON error carrying a code and a status below 500, and must
 * never change the chain (no transaction admitted, height and state root unchanged). A server with
 * a small token bucket answers a flood with 429 API_RATE_LIMITED and a Retry-After.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { startTestChain, type TestChain } from './fixtures.ts';

let chain: TestChain;
let api: RunningApiServer;

/** One raw HTTP exchange (node:http, so methods and headers are not sanitised by fetch). */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const PATHS = [
  '/v1/tx',
  '/v1/txs',
  '/v1/tx/',
  '/v1/tx/00',
  `/v1/tx/${'ab'.repeat(32)}`,
  '/v1/blocks',
  '/v1/blocks/',
  '/v1/blocks/0',
  '/v1/blocks/18446744073709551616',
  '/v1/status',
  '/v1/events',
  '/health',
  '/metrics',
  '/openapi.json',
  '/',
  '//v1//tx',
  '/v1/tx/%00',
  '/v1/blocks/%F0%9F%92%A9',
];

const arbPath = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.webPath(),
  fc.tuple(fc.constantFrom(...PATHS), fc.webQueryParameters()).map(([p, q]) => `${p}?${q}`),
  fc
    .tuple(fc.constantFrom(...PATHS), fc.string({ maxLength: 30 }))
    .map(([p, s]) => p + encodeURIComponent(s)),
);

const arbHeaders = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/octet-stream',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      ';;;',
      '',
    ),
    accept: fc.constantFrom('*/*', 'text/html', 'application/json'),
    'x-forwarded-for': fc.ipV4(),
    upgrade: fc.constant('websocket'),
    'x-junk': fc.stringMatching(/^[ -~]{0,40}$/).map((s) => s.trim()),
  },
  { requiredKeys: [] },
);

const arbBody = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 600 }),
  fc.json().map((s) => new TextEncoder().encode(s)),
  fc
    .record(
      {
        tx: fc.oneof(fc.stringMatching(/^[0-9a-f]{0,40}$/), fc.string(), fc.integer()),
        txs: fc.array(fc.stringMatching(/^[0-9a-f]{0,40}$/), { maxLength: 4 }),
      },
      { requiredKeys: [] },
    )
    .map((o) => new TextEncoder().encode(JSON.stringify(o))),
);

describe('node API under random requests', { timeout: 60_000 }, () => {
  before(async () => {
    chain = await startTestChain();
    api = await startApiServer(
      chain.node,
      { host: '127.0.0.1', port: 0 },
      { rateLimit: false, processMetrics: false },
    );
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  it('always answers JSON with a code and a status < 500, and never changes state', async () => {
    const before = chain.node.status();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH'),
        arbPath,
        arbHeaders,
        arbBody,
        async (method, path, headers, body) => {
          const h: Record<string, string> = { ...headers };
          if (h['content-type'] === '') delete h['content-type'];
          // a HEAD answer has no body, so a HEAD with a body (which Node's parser refuses) is left out
          const r = await raw(api.url, method, path, h, method === 'HEAD' ? undefined : body);
          const label = `${method} ${path} ${JSON.stringify(h)} → ${r.status} ${r.text.slice(0, 200)}`;
          assert.ok(r.status < 500, label);
          if (method === 'HEAD' || r.status < 400) return; // successes may be text (/metrics)
          assert.match(String(r.headers['content-type']), /^application\/json/, label);
          const json = JSON.parse(r.text) as { code?: unknown; message?: unknown };
          assert.match(String(json.code), /^[A-Z][A-Z0-9_]+$/, label);
          assert.equal(typeof json.message, 'string', label);
        },
      ),
      { numRuns: 1000 },
    );
    const now = chain.node.status();
    assert.equal(now.height, before.height);
    assert.equal(now.headHash, before.headHash);
    assert.equal(now.mempool, 0);
  });

  it('a malformed HTTP request is answered with a JSON error too', async () => {
    const { connect } = await import('node:net');
    const url = new URL(api.url);
    const text = await new Promise<string>((resolve) => {
      const s = connect(Number(url.port), url.hostname, () => s.write('GARBAGE / HTTP/9.9\r\n\r\n'));
      let out = '';
      s.on('data', (d) => {
        out += d.toString();
      });
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
    });
    assert.match(text, /^HTTP\/1\.1 400/);
    assert.match(text, /"code":"API_BAD_REQUEST"/);
  });

  it('a client over its token bucket gets 429 API_RATE_LIMITED with Retry-After; others are unaffected', async () => {
    const limited = await startApiServer(
      chain.node,
      { host: '127.0.0.1', port: 0 },
      { rateLimit: { burst: 5, perSecond: 1 }, processMetrics: false },
    );
    try {
      const statuses: number[] = [];
      let refusal: { status: number; text: string; headers: Record<string, unknown> } | undefined;
      for (let i = 0; i < 8; i++) {
        const r = await raw(limited.url, 'GET', '/v1/status', {}, undefined);
        statuses.push(r.status);
        if (r.status === 429) refusal = r;
      }
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
      assert.deepEqual(statuses.slice(5), [429, 429, 429]);
      assert.equal(JSON.parse(refusal!.text).code, 'API_RATE_LIMITED');
      assert.ok(Number(refusal!.headers['retry-after']) >= 1);
      // the unlimited server on the same node still answers this client
      assert.equal((await raw(api.url, 'GET', '/v1/status', {}, undefined)).status, 200);
    } finally {
      await limited.close();
    }
  });
});
