/**
 * One schema per answer, kept (src/api/route.ts, src/contracts/views.ts, docs/api.md):
 * - /openapi.json documents a response schema for every route and method, none of them empty or
 *   `unknown`;
 * - a route whose handler answers other than its schema — a field of the wrong type, a missing one,
 *   one the schema does not declare — answers 500 API_INTERNAL and logs why, so any test calling it
 *   fails; an answer that matches is sent as the handler built it;
 * - every frame of the event stream over a whole round (the `block` events and every market event
 *   type) matches its declared schema exactly, and docs/api.md lists exactly the declared types.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { z } from 'zod';
import { EventBus, type SequencedEvent } from '../../src/api/eventBus.ts';
import { defineRoute, mismatch } from '../../src/api/route.ts';
import { EventFrame } from '../../src/api/routes/events.ts';
import { type ApiServer, buildApiServer } from '../../src/api/server.ts';
import { CONTRACT_EVENT_TYPES, ContractEvent, contractEventDeriver } from '../../src/contracts/events.ts';
import { RoundView } from '../../src/contracts/views.ts';
import type { Block } from '../../src/ledger/block.ts';
import { ContractChain, group } from '../contracts/harness.ts';
import { fullRound } from '../contracts/scenario.ts';
import { startTestChain, type TestChain } from './fixtures.ts';

type Json = Record<string, unknown>;

/** A schema that says nothing: `{}` (zod's `unknown`), or only a description. */
function saysNothing(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return true;
  const { description: _d, title: _t, ...rest } = schema as Json;
  return Object.keys(rest).length === 0;
}

/** Routes that answer other than their schemas, and one that keeps it. */
function crookedRoutes(app: FastifyInstance): void {
  const View = z.object({ id: z.string(), n: z.number().int(), items: z.array(z.object({ k: z.string() })) });
  const route = (url: string, answer: () => unknown) =>
    defineRoute(
      app,
      { method: 'GET', url, summary: 'test', tags: ['test'], response: View },
      () => answer() as z.output<typeof View>,
    );
  route('/test/ok', () => ({ id: 'a', n: 1, items: [{ k: 'x' }] }));
  route('/test/wrong-type', () => ({ id: 'a', n: '1', items: [] }));
  route('/test/missing', () => ({ id: 'a', items: [] }));
  route('/test/undeclared', () => ({ id: 'a', n: 1, items: [], secret: 'leaked' }));
  route('/test/undeclared-deep', () => ({ id: 'a', n: 1, items: [{ k: 'x' }, { k: 'y', extra: true }] }));
}

describe('answers and their schemas', { timeout: 60_000 }, () => {
  let chain: TestChain;
  let server: ApiServer;
  const logged: string[] = [];
  before(async () => {
    chain = await startTestChain({ validators: 1 });
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    server = await buildApiServer(chain.node, {
      processMetrics: false,
      rateLimit: false,
      routes: [crookedRoutes],
      logger,
    });
  });
  after(async () => {
    await server?.close();
    await chain?.stop();
  });

  const get = async (url: string) => {
    const res = await server.app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() as Json };
  };

  it('/openapi.json documents a response schema for every route and method', async () => {
    const doc = (await get('/openapi.json')).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, Json> }> }>
      >;
    };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    assert.ok(ops.length >= 30, `${ops.length} operations`);
    const undocumented: string[] = [];
    for (const { route, op } of ops) {
      const success = Object.entries(op.responses).filter(([status]) => /^(1|2)\d\d$/.test(status));
      const schemas = success.flatMap(([, r]) => Object.values(r.content ?? {}).map((c) => c.schema));
      if (schemas.length === 0 || schemas.some(saysNothing)) undocumented.push(route);
    }
    assert.deepEqual(undocumented, []);
    // the market's views, from contracts/views.ts
    const round = doc.paths['/v1/rounds/{id}']!.get!.responses['200']!.content!['application/json']!
      .schema as { properties: Json };
    assert.deepEqual(Object.keys(round.properties).sort(), Object.keys(RoundView.shape).sort());
    // the event stream: every frame type
    const frames = JSON.stringify(doc.paths['/v1/events']!.get!.responses['101']);
    for (const type of ['subscribed', 'block', ...CONTRACT_EVENT_TYPES])
      assert.ok(frames.includes(`"enum":["${type}"]`), `${type} documented`);
  });

  it('an answer that keeps its schema is sent as built', async () => {
    assert.deepEqual(await get('/test/ok'), { status: 200, body: { id: 'a', n: 1, items: [{ k: 'x' }] } });
  });

  it('an answer that breaks its schema is 500 API_INTERNAL, logged with what is wrong', async () => {
    for (const [url, problem] of [
      ['/test/wrong-type', 'answer.n'],
      ['/test/missing', 'answer.n'],
      ['/test/undeclared', 'answer.secret is not in the schema'],
      ['/test/undeclared-deep', 'answer.items[1].extra is not in the schema'],
    ] as const) {
      logged.length = 0;
      const r = await get(url);
      assert.equal(r.status, 500, url);
      assert.equal(r.body.code, 'API_INTERNAL');
      assert.ok(!JSON.stringify(r.body).includes('leaked'), 'nothing of the answer leaks');
      assert.ok(
        logged.some((l) => l.includes(`GET ${url} answered other than its response schema: ${problem}`)),
        `${url}: ${logged.join(' | ')}`,
      );
    }
  });
});

describe('the event stream’s frames and their schemas', () => {
  const frames: SequencedEvent[] = [];
  const errors: string[] = [];
  class Evented extends ContractChain {
    readonly bus = new EventBus((source, err) => errors.push(`${source}: ${String(err)}`));
    constructor() {
      super('event-schemas');
      this.bus.addDeriver('contracts', contractEventDeriver(this.state, group));
      this.bus.subscribe((e) => frames.push(e));
    }
    override commit(block: Block) {
      const result = super.commit(block);
      this.bus.commit(block, result.receipts);
      return result;
    }
  }
  fullRound(new Evented());

  it('every block and market event of a round matches its schema exactly', () => {
    assert.deepEqual(errors, []);
    const market = frames.filter((e) => e.type !== 'block');
    assert.ok(market.length > 10 && frames.length > market.length);
    for (const e of frames) assert.equal(mismatch(EventFrame, e), undefined, JSON.stringify(e));
    for (const { seq: _, ...e } of market) assert.equal(mismatch(ContractEvent, e), undefined, e.type);
    assert.ok(mismatch(ContractEvent, { ...market[0]!, pseudonym: 'ab' })?.includes('not in the schema'));
  });

  it('docs/api.md lists exactly the declared market event types', () => {
    const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### Market events'), doc.indexOf('### Adding application events'));
    const rows = section.split('\n').filter((l) => /^\| `[a-z-]+`/.test(l));
    const listed = rows.flatMap((l) => [...l.split('|')[1]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!));
    assert.deepEqual([...listed].sort(), [...CONTRACT_EVENT_TYPES].sort());
  });
});
