/**
 * The market reader parses every answer with the view the node's route answers with
 * (src/contracts/views.ts): against a fake node, a well-formed view comes back typed (a field a
 * newer node might add is dropped), a view of another shape is CLIENT_BAD_RESPONSE naming the
 * field, a 404 of an optional item is `undefined`, and a refusal keeps the node's code.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientError } from '../../src/client/clientError.ts';
import { MarketReader } from '../../src/client/marketReader.ts';
import type { ReputationView, RoundView } from '../../src/contracts/views.ts';
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
  demands: [{ pseudonym: 'ab'.repeat(32), demandWh: '500000', diversificationMicroYuanPerKWh: '1000' }],
  contracts: 1,
  clearing: {
    prices: [{ generator: 'generator-a', priceMicroYuanPerKWh: '420000', reputationPpm: 800_000 }],
    certified: true,
    maxLeaderGapMicroYuanPerKWh: '0',
    maxFollowerGapMicroYuanPerKWh: '0',
    energyWh: '500000',
    costMicroYuan: '210000000',
    catalogCostMicroYuan: '250000000',
  },
};

const answers: Record<string, [status: number, body: unknown]> = {
  '/v1/rounds/1': [200, { ...round, addedByANewerNode: 'x' }],
  '/v1/rounds/2': [200, { ...round, id: '2', contracts: '1' }],
  '/v1/rounds/3': [404, { code: 'API_NOT_FOUND', message: 'no round 3', details: {} }],
  '/v1/reputation/consumer-1': [200, { reputationPpm: null, status: 'newcomer' }],
  '/v1/reputation/generator-a': [200, { reputationPpm: 800_000, status: 'honest' }],
  '/v1/balances/nobody': [404, { code: 'API_NOT_FOUND', message: 'no account nobody', details: {} }],
};

describe('market reader: answers parsed with their views', () => {
  let server: Server;
  let reader: MarketReader;
  before(async () => {
    server = createServer((req, res) => {
      const [status, body] = answers[req.url ?? ''] ?? [500, { code: 'API_INTERNAL', message: '?' }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    reader = new MarketReader(url, await libsodiumGroup());
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
    await assert.rejects(reader.round(2n), bad('contracts'));
    await assert.rejects(reader.reputation('generator-a'), bad('status'));
  });

  it('a missing optional item is undefined; a refusal keeps the node’s code', async () => {
    assert.equal(await reader.round(3n), undefined);
    await assert.rejects(reader.balance('nobody'), (e: unknown) => isDppError(e, 'API_NOT_FOUND'));
  });
});
