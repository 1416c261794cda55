/**
 * The market reader parses every answer with the view the node's route answers with
 * (src/contracts/views.ts): against a fake node, a well-formed view comes back typed (a field a
 * newer node might add is dropped), a view of another shape is CLIENT_BAD_RESPONSE naming the
 * field, a 404 of an optional item is `undefined`, and a refusal keeps the node's code. A paged
 * list (a round's demands, bills, responses) is read page by page to its end, its filter passed on
 * to every page; bills come back decoded from their canonical records; rings as points.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientError } from '../../src/client/clientError.ts';
import { MarketReader } from '../../src/client/marketReader.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { billAmount, billAmountJson } from '../../src/contracts/billAmount.ts';
import { toJson } from '../../src/contracts/queries.ts';
import { type BillRecord, billRecord } from '../../src/contracts/records.ts';
import type { DemandView, ReputationView, RoundView } from '../../src/contracts/views.ts';
import type { Group } from '../../src/crypto/group.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { isDppError } from '../../src/errors.ts';

const round: RoundView = {
  id: '1',
  phase: 'cleared',
  cancelReason: null,
  openedAtMs: '1000',
  terms: {
    period: 'round 1',
    gateClosureMs: '2000',
    deliveryStartMs: '3000',
    deliveryEndMs: '4000',
    responseDeadlineMs: '5000',
    ackWindowMs: '600',
    catalogMicroYuanPerKWh: '500000',
    transmissionMicroYuanPerKWh: '100000',
    fundsMicroYuanPerKWh: '30000',
    benchmarkMicroYuanPerKWh: '400000',
    reputationWeightMicroYuanPerKWh: '50000',
    substitutionPpm: 500_000,
    outsideOption: true,
    tolerancePpm: 50_000,
    penaltyMicroYuanPerKWh: '100000',
    ringSize: 32,
  },
  offers: [
    {
      generator: 'generator-a',
      capacityWh: '1000000',
      costQuadraticMicroYuanPerMWh2: '1',
      costLinearMicroYuanPerKWh: '300000',
      costFixedMicroYuan: '0',
    },
  ],
  demands: 5,
  bills: 5,
  clearing: {
    prices: [
      { generator: 'generator-a', priceMicroYuanPerKWh: '420000', reputationPpm: 800_000, soldWh: '500000' },
    ],
    certified: true,
    maxLeaderGapMicroYuanPerKWh: '0',
    maxFollowerGapMicroYuanPerKWh: '0',
    energyWh: '500000',
    costMicroYuan: '210000000',
    catalogCostMicroYuan: '250000000',
  },
};

/** Round 1's five demands, served two per page. */
const demands: DemandView[] = Array.from({ length: 5 }, (_, i) => ({
  pseudonym: i.toString(16).padStart(2, '0').repeat(32),
  demandWh: String(100_000 * (i + 1)),
  diversificationMicroYuanPerKWh: '1000',
}));

/** Round 1's bills (one per consumer), as the node stores them; two of agg-a's, three of agg-b's. */
function billsOf(group: Group): BillRecord[] {
  return Array.from({ length: 5 }, (_, i) => ({
    round: 1n,
    index: i,
    generator: 'generator-a',
    consumer: group.mulBase(group.scalarFromWide(new Uint8Array(64).fill(i + 1))),
    aggregator: i < 2 ? 'agg-a' : 'agg-b',
    ring: 0,
    suppliers: 1,
    contractedWh: 100_000n,
    contractedMicroYuan: 42_000_000n,
    status: 'contracted',
    meter: null,
    billedWh: 0n,
    energyMicroYuan: 0n,
    transmissionMicroYuan: 0n,
    fundsMicroYuan: 0n,
    consumerPenaltyMicroYuan: 0n,
    respondedAtMs: null,
    response: null,
    resolution: '',
  }));
}

/** A bill as GET /v1/rounds/:id/bills lists it. */
const billView = (b: BillRecord) => ({
  ...toJson(b),
  amount: billAmountJson(billAmount(b)),
  record: toHex(billRecord.encode(b)),
});

/** A page of `items` from the request's offset, at most two (the node may serve fewer than asked). */
function page<T>(
  items: readonly T[],
  url: URL,
): { items: T[]; total: number; offset: number; limit: number } {
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Math.min(2, Number(url.searchParams.get('limit') ?? 100));
  return { items: items.slice(offset, offset + limit), total: items.length, offset, limit };
}

/** Every request the fake node answered (path and query). */
const requests: string[] = [];
/** How many times round 4 was asked for. */
let limited = 0;

const answers: Record<string, [status: number, body: unknown]> = {
  '/v1/rounds/1': [200, { ...round, addedByANewerNode: 'x' }],
  '/v1/rounds/2': [200, { ...round, id: '2', bills: '1' }],
  '/v1/rounds/3': [404, { code: 'API_NOT_FOUND', message: 'no round 3', details: {} }],
  '/v1/reputation/consumer-1': [200, { reputationPpm: null, status: 'newcomer' }],
  '/v1/reputation/generator-a': [200, { reputationPpm: 800_000, status: 'honest' }],
  '/v1/balances/nobody': [404, { code: 'API_NOT_FOUND', message: 'no account nobody', details: {} }],
};

describe('market reader: answers parsed with their views', () => {
  let server: Server;
  let reader: MarketReader;
  let group: Group;
  before(async () => {
    group = await libsodiumGroup();
    const bills = billsOf(group);
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const url = new URL(req.url ?? '', 'http://node');
      let answer = answers[req.url ?? ''];
      if (url.pathname === '/v1/rounds/1/demands') {
        const p = page(demands, url);
        answer = [200, { demands: p.items, total: p.total, offset: p.offset, limit: p.limit }];
      } else if (url.pathname === '/v1/rounds/1/bills') {
        const aggregator = url.searchParams.get('aggregator');
        const p = page(
          bills.filter((b) => aggregator === null || b.aggregator === aggregator),
          url,
        );
        answer = [200, { bills: p.items.map(billView), total: p.total, offset: p.offset, limit: p.limit }];
      } else if (url.pathname === '/v1/rounds/1/rings/agg-b') answer = [200, { rings: 2 }];
      else if (url.pathname === '/v1/rounds/4') {
        // over the rate limit twice, then the round
        limited++;
        answer =
          limited <= 2
            ? [429, { code: 'API_RATE_LIMITED', message: 'too many requests', details: { retryAfterMs: 30 } }]
            : [200, { ...round, id: '4' }];
      } else if (url.pathname === '/v1/rounds/1/rings/agg-b/1')
        answer = [200, { members: bills.slice(2).map((b) => toHex(b.consumer)) }];
      const [status, body] = answer ?? [500, { code: 'API_INTERNAL', message: '?' }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    reader = new MarketReader(url, group);
  });
  after(() => new Promise((r) => server.close(r)));

  const bad = (field: string) => (e: unknown) =>
    e instanceof ClientError && isDppError(e, 'CLIENT_BAD_RESPONSE') && e.message.includes(field);

  it('a well-formed view comes back as the view (what it does not declare dropped)', async () => {
    assert.deepEqual(await reader.round(1n), round);
    const newcomer: ReputationView = { reputationPpm: null, status: 'newcomer' };
    assert.deepEqual(await reader.reputation('consumer-1'), newcomer);
  });

  it('a view of another shape is CLIENT_BAD_RESPONSE naming the field', async () => {
    await assert.rejects(reader.round(2n), bad('bills'));
    await assert.rejects(reader.reputation('generator-a'), bad('status'));
  });

  it('a missing optional item is undefined; a refusal keeps the node’s code', async () => {
    assert.equal(await reader.round(3n), undefined);
    await assert.rejects(reader.balance('nobody'), (e: unknown) => isDppError(e, 'API_NOT_FOUND'));
  });

  it('a paged list is read page by page to its end; a filter goes with every page', async () => {
    requests.length = 0;
    assert.deepEqual(await reader.demands(1n), demands);
    assert.deepEqual(
      requests.map((r) => new URL(r, 'http://node').searchParams.get('offset')),
      ['0', '2', '4'],
      'three pages of at most two',
    );
    requests.length = 0;
    const all = billsOf(group);
    assert.deepEqual(await reader.bills(1n), all, 'every bill, decoded from its record');
    assert.deepEqual(await reader.bills(1n, { aggregator: 'agg-b' }), all.slice(2));
    assert.ok(
      requests
        .filter((r) => r.includes('offset=2') || r.includes('offset=4'))
        .some((r) => new URL(r, 'http://node').searchParams.get('aggregator') === 'agg-b'),
      'the filter is passed on to later pages',
    );
  });

  it('a rate-limited read (429) is asked again after the node’s hint, not thrown', async () => {
    const started = performance.now();
    assert.equal((await reader.round(4n))?.id, '4');
    assert.equal(limited, 3, 'twice refused, then answered');
    assert.ok(performance.now() - started >= 60, 'it waited the hint each time');
  });

  it('rings: how many an aggregator has, and one ring’s members as points', async () => {
    assert.equal(await reader.ringCount(1n, 'agg-b'), 2);
    assert.deepEqual(
      (await reader.ring(1n, 'agg-b', 1)).map(toHex),
      billsOf(group)
        .slice(2)
        .map((b) => toHex(b.consumer)),
    );
  });
});
