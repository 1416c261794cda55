/**
 * Honest answers for things that do not exist (docs/api.md "Errors"): every GET route with a path
 * parameter, asked about an id that exists, answers 200, and asked about one that does not — a
 * round never opened, a member not in the state, an account that is neither grid, a member's nor a
 * registered pseudonym's, a key or transaction not on chain — answers 404 `API_NOT_FOUND`, never an
 * empty 200. What exists but is empty is still 200 (a member's balance before money moved is 0).
 * The table is checked against the served OpenAPI document, so a new route with a parameter and no
 * row here fails. One round runs on in-process validators to have a round, bills, a pseudonym and a
 * response to ask about.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { ConsortiumDriver, localConsortium } from '../../src/client/localConsortium.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { scenarioFromJson } from '../../src/market/scenarioJson.ts';
import type { Scenario } from '../../src/market/types.ts';
import { setupRegulator } from '../../src/privacy/regulator.ts';
import { startTestChain, type TestChain } from './fixtures.ts';

/** case30 under the fixture network's member ids (2 generators, 3 consumers of aggregator-a). */
function fixtureScenario(): Scenario {
  const s = scenarioFromJson(
    JSON.parse(readFileSync(new URL('../../data/scenarios/case30.json', import.meta.url), 'utf8')),
  );
  return {
    ...s,
    generators: s.generators.slice(0, 2).map((g, i) => ({ ...g, id: `generator-${'ab'[i]}` })),
    consumers: s.consumers.slice(0, 3).map((d, i) => ({ ...d, id: `consumer-${i + 1}`, group: 'A' })),
  };
}

type Json = Record<string, unknown>;
/** One row: a path, the status it must get, and (for 200) a check of the body. */
type Row = readonly [path: string, status: 200 | 404, check?: (body: Json) => void];

describe('GET routes: 404 API_NOT_FOUND for what does not exist, 200 for what does', {
  timeout: 120_000,
}, () => {
  let chain: TestChain;
  let api: RunningApiServer;
  const known = { pseudonym: '', response: '', tx: '' };

  before(async () => {
    chain = await startTestChain({ emptyBlockMs: 250 });
    api = await startApiServer(
      chain.node,
      { host: '127.0.0.1', port: 0 },
      { processMetrics: false, rateLimit: false },
    );
    const g = await libsodiumGroup();
    const ids = ['trading-centre', 'generator-a', 'generator-b', 'aggregator-a', 'consumer-1', 'consumer-2'];
    const scenario = fixtureScenario();
    const consortium = localConsortium(
      { ...scenario, consumers: scenario.consumers.slice(0, 2) },
      chain.chainId,
      g,
      setupRegulator(g),
      ids.map((id) => ({ id, key: chain.member(id).key })),
      [api.url],
    );
    const driver = new ConsortiumDriver(consortium, {
      gateClosureMs: 4_000,
      deliveryLeadMs: 2_000,
      deliveryLengthMs: 300,
      responseWindowMs: 8_000,
      ackWindowMs: 2_000,
    });
    await driver.setUp();
    await driver.runRound(1n, false);
    const round = (await get('/v1/rounds/1/demands')).body as { demands: { pseudonym: string }[] };
    known.pseudonym = round.demands[0]!.pseudonym;
    const responses = (await get('/v1/rounds/1/responses')).body as { responses: { id: string }[] };
    known.response = responses.responses[0]!.id;
    known.tx = known.response;
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  async function get(path: string): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${api.url}${path}`);
    return { status: res.status, body: (await res.json()) as Json };
  }

  const nobody = 'nobody';
  const unknownKey = 'ab'.repeat(32);
  const rows = (): Record<string, readonly Row[]> => ({
    '/v1/blocks/{height}': [
      ['/v1/blocks/1', 200],
      ['/v1/blocks/99999999', 404],
    ],
    '/v1/tx/{id}': [
      // The one documented exception: a status query, where "unknown" (neither pending here nor
      // committed) is an answer — the transaction may still arrive through another validator.
      [`/v1/tx/${known.tx}`, 200, (b) => assert.equal(b.status, 'committed')],
      [`/v1/tx/${'00'.repeat(32)}`, 200, (b) => assert.equal(b.status, 'unknown')],
    ],
    '/v1/rounds/{id}': [
      ['/v1/rounds/1', 200],
      ['/v1/rounds/999', 404],
      ['/v1/rounds/0', 404],
    ],
    '/v1/rounds/{id}/bills': [
      ['/v1/rounds/1/bills', 200, (b) => assert.ok((b.bills as unknown[]).length > 0)],
      ['/v1/rounds/999/bills', 404],
    ],
    '/v1/rounds/{id}/bills/{index}/split': [
      ['/v1/rounds/1/bills/0/split', 200, (b) => assert.ok((b.suppliers as unknown[]).length > 0)],
      ['/v1/rounds/1/bills/99/split', 404],
      ['/v1/rounds/999/bills/0/split', 404],
    ],
    '/v1/rounds/{id}/demands': [
      ['/v1/rounds/1/demands', 200, (b) => assert.equal(b.total, 2)],
      ['/v1/rounds/999/demands', 404],
    ],
    '/v1/rounds/{id}/scenario': [
      ['/v1/rounds/1/scenario', 200, (b) => assert.equal((b.consumers as unknown[]).length, 2)],
      ['/v1/rounds/999/scenario', 404],
    ],
    '/v1/rounds/{id}/sales': [
      ['/v1/rounds/1/sales', 200, (b) => assert.ok((b.sales as unknown[]).length > 0)],
      ['/v1/rounds/999/sales', 404],
    ],
    '/v1/rounds/{id}/modes': [
      ['/v1/rounds/1/modes', 200],
      ['/v1/rounds/999/modes', 404],
    ],
    '/v1/rounds/{id}/rings/{aggregator}': [
      ['/v1/rounds/1/rings/aggregator-a', 200, (b) => assert.equal(b.rings, 1)],
      ['/v1/rounds/999/rings/aggregator-a', 404],
      [`/v1/rounds/1/rings/${nobody}`, 404],
      ['/v1/rounds/1/rings/generator-a', 404],
    ],
    '/v1/rounds/{id}/rings/{aggregator}/{index}': [
      ['/v1/rounds/1/rings/aggregator-a/0', 200, (b) => assert.equal((b.members as unknown[]).length, 2)],
      ['/v1/rounds/1/rings/aggregator-a/1', 404],
      ['/v1/rounds/999/rings/aggregator-a/0', 404],
      [`/v1/rounds/1/rings/${nobody}/0`, 404],
    ],
    '/v1/rounds/{id}/responses': [
      ['/v1/rounds/1/responses', 200, (b) => assert.ok((b.responses as unknown[]).length > 0)],
      ['/v1/rounds/999/responses', 404],
    ],
    '/v1/responses/{id}': [
      [`/v1/responses/${known.response}`, 200],
      [`/v1/responses/${unknownKey}`, 404],
    ],
    '/v1/pseudonyms/{key}': [
      [`/v1/pseudonyms/${known.pseudonym}`, 200],
      [`/v1/pseudonyms/${unknownKey}`, 404],
    ],
    '/v1/members/{id}/receiving-key': [
      ['/v1/members/generator-a/receiving-key', 200],
      ['/v1/members/aggregator-a/receiving-key', 404],
      [`/v1/members/${nobody}/receiving-key`, 404],
    ],
    '/v1/balances/{account}': [
      ['/v1/balances/generator-a', 200, (b) => assert.ok(BigInt(b.microYuan as string) > 0n)],
      ['/v1/balances/grid', 200, (b) => assert.ok(BigInt(b.microYuan as string) > 0n)],
      [`/v1/balances/p:${known.pseudonym}`, 200, (b) => assert.ok(BigInt(b.microYuan as string) < 0n)],
      // a member no money moved for: it exists, its balance is 0
      ['/v1/balances/consumer-1', 200, (b) => assert.equal(b.microYuan, '0')],
      ['/v1/balances/trading-centre', 200, (b) => assert.equal(b.microYuan, '0')],
      [`/v1/balances/${nobody}`, 404],
      [`/v1/balances/p:${unknownKey}`, 404],
    ],
    '/v1/reputation/{id}': [
      ['/v1/reputation/generator-a', 200, (b) => assert.equal(b.status, 'active')],
      ['/v1/reputation/consumer-1', 200],
      [`/v1/reputation/${nobody}`, 404],
    ],
    '/v1/reputation/{id}/history': [
      ['/v1/reputation/generator-a/history', 200, (b) => assert.equal((b.points as unknown[]).length, 1)],
      ['/v1/reputation/trading-centre/history', 200, (b) => assert.deepEqual(b.points, [])],
      [`/v1/reputation/${nobody}/history`, 404],
    ],
  });

  it('every GET route with a path parameter has rows here (from /openapi.json)', async () => {
    const doc = (await get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const parameterised = Object.entries(doc.paths)
      .filter(([path, ops]) => path.includes('{') && 'get' in ops)
      .map(([path]) => path)
      .sort();
    assert.deepEqual(parameterised, Object.keys(rows()).sort());
  });

  it('each route: 200 for what exists, 404 API_NOT_FOUND (typed, with a message) for what does not', async () => {
    const wrong: string[] = [];
    for (const [route, table] of Object.entries(rows())) {
      for (const [path, status, check] of table) {
        const r = await get(path);
        if (r.status !== status) {
          wrong.push(
            `${route}: GET ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 120)}, expected ${status}`,
          );
          continue;
        }
        if (status === 404) {
          assert.equal(r.body.code, 'API_NOT_FOUND', path);
          assert.equal(typeof r.body.message, 'string', path);
        } else check?.(r.body);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
