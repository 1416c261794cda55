/**
 * The market query routes (src/api/routes/market.ts) under random input: round ids, member ids,
 * hex keys and transaction ids, accounts and query strings — well formed, almost well formed and
 * junk — are always answered with JSON and a status below 500: 200 with a body, or a typed error
 * `{code, message, details}` whose status follows from its code. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { httpStatusOf } from '../../src/api/apiError.ts';
import { type ApiServer, buildApiServer } from '../../src/api/server.ts';
import { startTestChain, type TestChain } from './fixtures.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 31_337);

const hex = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: min, maxLength: max })
    .map((a) => a.join(''));
const u64ish = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.bigInt({ min: 2n ** 64n, max: 2n ** 70n }).map(String),
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '01',
    '1e3',
    '0x10',
    ' 1',
    '1.5',
    '',
    '18446744073709551615',
    '18446744073709551616',
  ),
  fc.string({ maxLength: 12 }),
);
const memberish = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,70}$/),
  fc.constantFrom(
    'trading-centre',
    'generator-a',
    'aggregator-a',
    'consumer-1',
    'grid',
    '-x',
    'A',
    '..',
    '%00',
  ),
  fc.string({ maxLength: 20 }),
);
const keyish = fc.oneof(hex(64, 64), hex(0, 70), fc.string({ maxLength: 70 }));
const accountish = fc.oneof(
  memberish,
  keyish.map((k) => `p:${k}`),
  fc.constantFrom('p:', 'grid', 'p:grid'),
);
const seg = (arb: fc.Arbitrary<string>) => arb.map((s) => encodeURIComponent(s));

const arbPath = fc.oneof(
  fc.constantFrom('/v1/regulator', '/v1/rounds', '/v1/traces'),
  seg(u64ish).map((id) => `/v1/rounds/${id}`),
  seg(u64ish).map((id) => `/v1/rounds/${id}/bills`),
  fc.tuple(seg(u64ish), seg(memberish)).map(([id, a]) => `/v1/rounds/${id}/rings/${a}`),
  seg(keyish).map((k) => `/v1/pseudonyms/${k}`),
  seg(keyish).map((k) => `/v1/responses/${k}`),
  seg(memberish).map((m) => `/v1/members/${m}/receiving-key`),
  seg(accountish).map((a) => `/v1/balances/${a}`),
  seg(memberish).map((m) => `/v1/reputation/${m}`),
);
const arbQuery = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((q) => `?${q}`),
  fc.constantFrom('?', '?id=1', '?receipts=true', '?a=1&a=2'),
);

describe(`market query routes under random input (seed ${SEED})`, { timeout: 60_000 }, () => {
  let chain: TestChain;
  let api: ApiServer;
  before(async () => {
    chain = await startTestChain();
    api = await buildApiServer(chain.node, { rateLimit: false, processMetrics: false });
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  it('always JSON, status < 500, errors typed with the status their code maps to', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'GET', 'GET', 'POST', 'HEAD'),
        arbPath,
        arbQuery,
        async (method, path, query) => {
          const res = await api.app.inject({ method: method as 'GET', url: path + query });
          const label = `${method} ${path}${query} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          assert.ok(res.statusCode < 500, label);
          if (method === 'HEAD') return;
          const body = JSON.parse(res.body) as { code?: unknown; message?: unknown; details?: unknown };
          if (res.statusCode >= 400) {
            assert.match(String(body.code), /^[A-Z][A-Z0-9_]+$/, label);
            assert.equal(typeof body.message, 'string', label);
            assert.equal(typeof body.details, 'object', label);
            assert.equal(httpStatusOf(String(body.code)), res.statusCode, label);
          } else {
            assert.equal(res.statusCode, 200, label);
          }
        },
      ),
      { seed: SEED, numRuns: 1500, endOnFailure: true },
    );
  });

  it('well-formed queries of things that do not exist: 404 API_NOT_FOUND (test/api/notFound.test.ts covers every route)', async () => {
    const get = async (url: string) => {
      const r = await api.app.inject({ method: 'GET', url });
      return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, unknown> };
    };
    assert.deepEqual(await get('/v1/rounds'), { status: 200, json: { latest: '0' } });
    assert.equal((await get('/v1/rounds/1')).json.code, 'API_NOT_FOUND');
    assert.equal((await get('/v1/rounds/9999999999999999999/bills')).json.code, 'API_NOT_FOUND');
    assert.equal((await get('/v1/rounds/10000000000000000000')).json.code, 'API_BAD_REQUEST');
    assert.equal((await get(`/v1/pseudonyms/${'ab'.repeat(32)}`)).json.code, 'API_NOT_FOUND');
    assert.equal((await get(`/v1/responses/${'AB'.repeat(32)}`)).json.code, 'API_NOT_FOUND');
    assert.equal((await get('/v1/members/generator-a/receiving-key')).json.code, 'API_NOT_FOUND');
    assert.equal((await get(`/v1/balances/p:${'0'.repeat(64)}`)).json.code, 'API_NOT_FOUND');
    assert.deepEqual(await get('/v1/balances/generator-a'), {
      status: 200,
      json: { account: 'generator-a', microYuan: '0' },
    });
    assert.equal((await get(`/v1/balances/p:${'0'.repeat(63)}`)).json.code, 'API_BAD_REQUEST');
    assert.equal((await get('/v1/reputation/nobody')).json.code, 'API_NOT_FOUND');
    assert.deepEqual(await get('/v1/reputation/consumer-1'), {
      status: 200,
      json: { reputationPpm: null, status: 'newcomer' },
    });
    assert.deepEqual(await get('/v1/regulator'), { status: 200, json: { regulator: null } });
  });
});
