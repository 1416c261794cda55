/** Unit tests of the API's parts that need no node: token buckets, the event bus, the status mapping. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApiError, httpStatusOf } from '../../src/api/apiError.ts';
import { EventBus } from '../../src/api/eventBus.ts';
import { TokenBuckets } from '../../src/api/rateLimit.ts';
import { toApiError } from '../../src/api/server.ts';
import { NodeError } from '../../src/node/nodeError.ts';

describe('token buckets', () => {
  it('allow a burst, then one request per refill interval, per client', () => {
    let now = 0;
    const b = new TokenBuckets({ burst: 3, perSecond: 2 }, () => now);
    assert.deepEqual(
      [1, 2, 3].map(() => b.take('a')),
      [0, 0, 0],
    );
    assert.equal(b.take('a'), 500);
    assert.equal(b.take('b'), 0, 'another client has its own bucket');
    now = 499;
    assert.ok(b.take('a') > 0);
    now = 1000;
    assert.equal(b.take('a'), 0);
  });

  it('property: over any schedule, a client gets at most burst + rate × elapsed requests', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        let now = 0;
        const b = new TokenBuckets({ burst: 5, perSecond: 10 }, () => now);
        let allowed = 0;
        for (const g of gaps) {
          now += g;
          if (b.take('x') === 0) allowed++;
        }
        assert.ok(allowed <= 5 + Math.floor((now * 10) / 1000) + 1);
      }),
    );
  });

  it('forget idle clients when the table is full', () => {
    let now = 0;
    const b = new TokenBuckets({ burst: 2, perSecond: 1, maxClients: 10 }, () => now);
    for (let i = 0; i < 10; i++) b.take(`c${i}`);
    now = 10_000;
    b.take('new');
    assert.equal(b.size, 1);
  });
});

describe('event bus', () => {
  it('numbers events, refuses bad types and keeps going when a listener throws', () => {
    const errors: string[] = [];
    const bus = new EventBus((source) => errors.push(source));
    const got: number[] = [];
    bus.subscribe(() => {
      throw new Error('bad listener');
    });
    const off = bus.subscribe((e) => got.push(e.seq));
    bus.publish({ type: 'round-opened', round: '1' });
    bus.publish({ type: 'bill-confirmed' });
    assert.throws(() => bus.publish({ type: 'Bad Type' }), RangeError);
    off();
    bus.publish({ type: 'later' });
    assert.deepEqual(got, [1, 2]);
    assert.deepEqual(errors, ['listener', 'listener', 'listener']);
  });
});

describe('error mapping', () => {
  it('maps codes to statuses and anything unexpected to API_INTERNAL', () => {
    assert.equal(httpStatusOf('NODE_MEMPOOL_FULL'), 429);
    assert.equal(httpStatusOf('NODE_DUPLICATE_TX'), 409);
    assert.equal(httpStatusOf('LEDGER_REPLAY'), 409);
    assert.equal(httpStatusOf('LEDGER_TOO_LARGE'), 413);
    assert.equal(httpStatusOf('API_RATE_LIMITED'), 429);
    assert.equal(httpStatusOf('LEDGER_BAD_SIGNATURE'), 400);
    assert.equal(toApiError(new NodeError('NODE_NOT_FOUND', 'x')).code, 'NODE_NOT_FOUND');
    assert.equal(toApiError(Object.assign(new Error('big'), { statusCode: 413 })).code, 'API_BODY_TOO_LARGE');
    assert.equal(toApiError(Object.assign(new Error('x'), { statusCode: 400 })).code, 'API_BAD_REQUEST');
    const internal = toApiError(new TypeError('secret detail'));
    assert.equal(internal.code, 'API_INTERNAL');
    assert.ok(!internal.message.includes('secret'));
    assert.ok(new ApiError('API_NOT_FOUND', 'x') instanceof Error);
  });
});
