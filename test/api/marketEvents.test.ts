/**
 * The market's application events (src/contracts/events.ts, docs/api.md "Market events"):
 * - in memory, through a whole round on the contract harness (every kind once, an escalation and a
 *   dispute included): the exact events with their fields, none for failed transactions, every
 *   type well formed, and nothing the privacy model hides — no pseudonym, no consumer, no plaintext,
 *   no free text;
 * - end to end, on in-process validators through WS /v1/events while the consortium driver runs a
 *   round with a dispute over the HTTP API.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { type ApiEvent, EventBus, type SequencedEvent } from '../../src/api/eventBus.ts';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { ConsortiumDriver, localConsortium } from '../../src/client/localConsortium.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { readRecord } from '../../src/contracts/draft.ts';
import { CONTRACT_EVENT_TYPES, contractEventDeriver } from '../../src/contracts/events.ts';
import { finalizePayload } from '../../src/contracts/finalize.ts';
import { clearingKey } from '../../src/contracts/keys.ts';
import { clearingRecord } from '../../src/contracts/records.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import type { Block } from '../../src/ledger/block.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { scenarioFromJson } from '../../src/market/scenarioJson.ts';
import type { Scenario } from '../../src/market/types.ts';
import { setupRegulator } from '../../src/privacy/regulator.ts';
import { ContractChain, group } from '../contracts/harness.ts';
import { fullRound, R, setUpRound } from '../contracts/scenario.ts';
import { startTestChain, type TestChain, waitFor } from './fixtures.ts';

/** A contract chain whose commits go through an EventBus with the market deriver. */
class EventedChain extends ContractChain {
  readonly events: SequencedEvent[] = [];
  readonly errors: string[] = [];
  readonly bus = new EventBus((source, err) => this.errors.push(`${source}: ${String(err)}`));

  constructor() {
    super('market-events');
    this.bus.addDeriver('contracts', contractEventDeriver(this.state, group));
    this.bus.subscribe((e) => this.events.push(e));
  }

  override commit(block: Block) {
    const result = super.commit(block);
    this.bus.commit(block, result.receipts);
    return result;
  }

  market(): SequencedEvent[] {
    return this.events.filter((e) => e.type !== 'block');
  }
}

const hexId = (tx: { bytes: Uint8Array }) => toHex(transactionId(tx.bytes));

/** Strings that must never appear in an event: pseudonyms, consumers, plaintext, free text. */
function secretsOf(round: ReturnType<typeof fullRound>): string[] {
  return [
    ...[...round.pseudonyms.values()].map((k) => toHex(k.publicKey)),
    ...[...round.pseudonyms.keys()],
    'the reading is wrong',
    'no answer',
    'consumer disputes the reading',
    'meter fault',
  ];
}

describe('market events: derived from committed blocks (in memory)', () => {
  const c = new EventedChain();
  const round = fullRound(c);
  const events = c.market();
  const n = round.issued.length;

  it('one event per successful market transaction, in block order, with their fields', () => {
    assert.deepEqual(c.errors, []);
    const types = events.map((e) => e.type);
    const count = (t: string) => types.filter((x) => x === t).length;
    assert.equal(count('round-opened'), 1);
    assert.equal(count('round-cleared'), 1);
    assert.equal(count('bill-issued'), n);
    assert.equal(count('bill-response'), n);
    assert.equal(count('bill-disputed'), 1);
    assert.equal(count('bill-confirmed'), n - 2, 'all but the disputed and the ignored response');
    assert.equal(count('bill-escalated'), 1);
    assert.equal(count('trace-recorded'), 1);
    assert.equal(count('dispute-resolved'), 2);
    assert.equal(count('round-finalized'), 1);
    assert.deepEqual(
      [...new Set(types)],
      [
        'round-opened',
        'round-cleared',
        'bill-issued',
        'sale-settled',
        'bill-response',
        'bill-disputed',
        'bill-confirmed',
        'bill-escalated',
        'trace-recorded',
        'dispute-resolved',
        'round-finalized',
      ].filter((t) => types.includes(t)),
    );
    for (const e of events) assert.ok((CONTRACT_EVENT_TYPES as readonly string[]).includes(e.type), e.type);
    // seq is the stream's, strictly increasing by one across block and market events
    assert.deepEqual(
      c.events.map((e) => e.seq),
      c.events.map((_, i) => i + 1),
    );

    const opened = events.find((e) => e.type === 'round-opened')!;
    assert.equal(opened.round, '1');
    assert.equal(opened.responseDeadlineMs, round.terms.responseDeadlineMs.toString());
    const cleared = events.find((e) => e.type === 'round-cleared')!;
    const clearing = readRecord(c.state, group, clearingKey(R), clearingRecord)!;
    assert.deepEqual(
      {
        round: cleared.round,
        bills: cleared.bills,
        certified: cleared.certified,
        energyWh: cleared.energyWh,
      },
      { round: '1', bills: n, certified: clearing.certified, energyWh: clearing.energyWh.toString() },
    );
    const issued = events
      .filter((e) => e.type === 'bill-issued')
      .sort((x, y) => Number(x.bill) - Number(y.bill));
    assert.deepEqual(
      issued.map((e) => [e.bill, e.generator, e.aggregator]),
      round.issued.map((b) => [b.index, b.generator, b.aggregator]),
    );
    const responses = events.filter((e) => e.type === 'bill-response');
    assert.deepEqual(
      responses.map((e) => [e.response, e.txId, e.round, e.aggregator, e.generator]),
      round.responses.map((tx, i) => [
        hexId(tx),
        hexId(tx),
        '1',
        round.issued[i]!.aggregator,
        round.issued[i]!.generator,
      ]),
    );
    const disputed = events.find((e) => e.type === 'bill-disputed')!;
    assert.deepEqual([disputed.bill, disputed.response], [round.disputed.index, hexId(round.responses[0]!)]);
    const escalated = events.find((e) => e.type === 'bill-escalated')!;
    assert.deepEqual(
      [escalated.bill, escalated.response],
      [round.escalated.index, hexId(round.responses[1]!)],
    );
    const traced = events.find((e) => e.type === 'trace-recorded')!;
    assert.deepEqual([traced.traceSeq, traced.response], ['1', hexId(round.responses[0]!)]);
    assert.deepEqual(
      events.filter((e) => e.type === 'dispute-resolved').map((e) => [e.bill, e.outcome]),
      [
        [round.disputed.index, 'waive-penalties'],
        [round.escalated.index, 'uphold'],
      ],
    );
    // every market event names its block and transaction
    for (const e of events) {
      assert.match(String(e.height), /^[0-9]+$/);
      assert.match(String(e.txId), /^[0-9a-f]{64}$/);
    }
  });

  it('nothing the privacy model hides: no pseudonym, no consumer, no plaintext or free text', () => {
    const text = JSON.stringify(events);
    for (const secret of secretsOf(round)) assert.ok(!text.includes(secret), `an event leaks “${secret}”`);
    for (const e of events.filter((x) => x.type === 'bill-response')) {
      assert.deepEqual(Object.keys(e).sort(), [
        'aggregator',
        'generator',
        'height',
        'response',
        'ringIndex',
        'round',
        'seq',
        'txId',
        'type',
      ]);
    }
  });

  it('failed transactions produce no event', () => {
    const f = new EventedChain();
    setUpRound(f);
    const before = f.market().length;
    const early = f.org('trading-centre', 'round.finalize', finalizePayload, { round: R });
    assert.deepEqual(f.one(early), { status: 'failed', code: 'CONTRACT_WRONG_PHASE' });
    assert.equal(f.market().length, before);
    assert.equal(f.events.at(-1)!.type, 'block');
    assert.equal(f.events.at(-1)!.failed, 1);
  });
});

/** The case30 data under the fixture network's member ids (2 generators, 3 consumers of aggregator-a). */
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

describe('market events: WS /v1/events while a round runs on in-process validators', {
  timeout: 90_000,
}, () => {
  let chain: TestChain;
  let api: RunningApiServer;
  before(async () => {
    chain = await startTestChain({ emptyBlockMs: 250 });
    api = await startApiServer(
      chain.node,
      { host: '127.0.0.1', port: 0 },
      { processMetrics: false, rateLimit: false },
    );
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  it('streams every market event of a round with a dispute, and nothing private', async () => {
    const received: ApiEvent[] = [];
    const ws = new WebSocket(
      `${api.url.replace('http', 'ws')}/v1/events?types=${CONTRACT_EVENT_TYPES.join(',')}`,
    );
    ws.on('message', (data) => received.push(JSON.parse(String(data)) as ApiEvent));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await waitFor('the subscription', () => received.some((e) => e.type === 'subscribed'));
    const scenario = fixtureScenario();
    const g = await libsodiumGroup();
    const ids = [
      'trading-centre',
      'generator-a',
      'generator-b',
      'aggregator-a',
      'consumer-1',
      'consumer-2',
      'consumer-3',
    ];
    const consortium = localConsortium(
      scenario,
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
    const summary = await driver.runRound(1n, true);
    await waitFor('round-finalized on the stream', () => received.some((e) => e.type === 'round-finalized'));
    ws.close();

    const market = received.filter((e) => e.type !== 'subscribed');
    const count = (t: string) => market.filter((e) => e.type === t).length;
    assert.equal(count('round-opened'), 1);
    assert.equal(count('round-cleared'), 1);
    assert.equal(count('bill-issued'), summary.bills);
    assert.equal(count('bill-response'), summary.bills);
    assert.equal(count('sale-settled'), summary.prices.length);
    assert.equal(count('bill-disputed'), 1);
    assert.equal(count('bill-confirmed'), summary.bills - 1);
    assert.equal(count('trace-recorded'), 1);
    assert.equal(count('dispute-resolved'), 1);
    assert.equal(market.at(-1)!.type, 'round-finalized');
    const cleared = market.find((e) => e.type === 'round-cleared')!;
    assert.deepEqual([cleared.bills, cleared.energyWh], [summary.bills, summary.energyWh.toString()]);
    // sequence numbers increase (block events in between were filtered out by the subscription)
    const seqs = market.map((e) => Number(e.seq));
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!));
    const text = JSON.stringify(market);
    const r1 = (await (await fetch(`${api.url}/v1/rounds/1/demands`)).json()) as {
      demands: { pseudonym: string }[];
    };
    const pseudonyms = r1.demands.map((d) => d.pseudonym);
    assert.equal(pseudonyms.length, 3);
    for (const secret of [
      ...pseudonyms,
      'consumer-1',
      'consumer-2',
      'consumer-3',
      'metered consumption looks too high',
    ]) {
      assert.ok(!text.includes(secret), `the stream leaks “${secret}”`);
    }
  });
});
