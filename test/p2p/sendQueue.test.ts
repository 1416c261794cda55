import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/p2p/backoff.ts';
import { SendQueue } from '../../src/p2p/sendQueue.ts';

describe('bounded send queue', () => {
  it('never holds more than its bound, keeps FIFO order, drops the oldest and accounts for every byte', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4096 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(-1)), { maxLength: 300 }),
        (max, ops) => {
          const q = new SendQueue(max);
          const model: { id: number; len: number }[] = [];
          let pushed = 0;
          let dropped = 0;
          let shifted = 0;
          let id = 0;
          for (const op of ops) {
            if (op < 0) {
              const f = q.shift();
              const m = model.shift();
              assert.equal(f?.[0], m === undefined ? undefined : m.id & 0xff);
              if (f) shifted += f.length;
            } else {
              const len = Math.max(op, 1);
              const frame = new Uint8Array(len).fill(id & 0xff);
              const r = q.push(frame);
              pushed += len;
              dropped += r.droppedBytes;
              if (len > max) assert.equal(r.accepted, false);
              else {
                while (model.reduce((n, x) => n + x.len, 0) + len > max) model.shift();
                model.push({ id, len });
              }
              id++;
            }
            assert.ok(q.bytes <= max);
            assert.equal(
              q.bytes,
              model.reduce((n, x) => n + x.len, 0),
            );
            assert.equal(q.length, model.length);
          }
          assert.equal(pushed, dropped + shifted + q.bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('survives long runs of shifts without growing (compaction)', () => {
    const q = new SendQueue(1 << 20);
    for (let i = 0; i < 100_000; i++) {
      q.push(new Uint8Array(8));
      if (i % 3 !== 0) q.shift();
    }
    assert.equal(q.length, 33_334);
    assert.equal(q.clear().frames, 33_334);
    assert.equal(q.bytes, 0);
  });
});

describe('reconnection backoff', () => {
  it('grows from 100 ms, stays in [base/2, base] and is capped at 5 s', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (k, u) => {
          const d = backoffDelay(k, DEFAULT_BACKOFF, () => u);
          const base = Math.min(5_000, 100 * 2 ** Math.min(k, 30));
          assert.ok(d >= base / 2 - 0.5 && d <= base + 0.5, `${k}: ${d}`);
        },
      ),
    );
    assert.equal(
      backoffDelay(0, DEFAULT_BACKOFF, () => 0.999999),
      100,
    );
    assert.equal(
      backoffDelay(100, DEFAULT_BACKOFF, () => 0),
      2_500,
    );
  });
});
