import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8 } from '../../src/codec/bytes.ts';
import { isDppError } from '../../src/errors.ts';
import {
  EMPTY_STATE_ROOT,
  MAX_STATE_KEY_BYTES,
  MemoryState,
  nextStateRoot,
  StateOverlay,
  type StateWrite,
} from '../../src/ledger/worldState.ts';

const write = (k: string, v: string | null): StateWrite => ({
  key: utf8(k),
  value: v === null ? null : utf8(v),
});

/** Shuffles with a seeded permutation. */
function permute<T>(xs: readonly T[], seeds: readonly number[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (seeds[i % seeds.length] ?? 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const writesArb = fc
  .uniqueArray(
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.option(fc.uint8Array({ maxLength: 12 }))),
    {
      selector: ([k]) => toHex(k),
      maxLength: 30,
    },
  )
  .map((entries) => entries.map(([key, value]): StateWrite => ({ key, value })));

describe('state overlay', () => {
  it('reads its own writes first, falls through to the base, and never changes the base', () => {
    const base = new MemoryState();
    base.apply([write('a', '1'), write('b', '2')]);
    const o = new StateOverlay(base);
    o.put(utf8('a'), utf8('10'));
    o.delete(utf8('b'));
    o.put(utf8('c'), utf8('3'));
    assert.deepEqual(o.get(utf8('a')), utf8('10'));
    assert.equal(o.get(utf8('b')), undefined);
    assert.deepEqual(o.get(utf8('c')), utf8('3'));
    assert.deepEqual(base.get(utf8('a')), utf8('1'));
    assert.deepEqual(base.get(utf8('b')), utf8('2'));
    assert.deepEqual(
      o.writes().map((w) => [new TextDecoder().decode(w.key), w.value && new TextDecoder().decode(w.value)]),
      [
        ['a', '10'],
        ['b', null],
        ['c', '3'],
      ],
    );
    // overlays stack (pipelined blocks)
    const o2 = new StateOverlay(o);
    assert.deepEqual(o2.get(utf8('c')), utf8('3'));
  });

  it('copies keys and values, so a caller mutating its buffers changes nothing', () => {
    const o = new StateOverlay(new MemoryState());
    const k = utf8('key');
    const v = utf8('value');
    o.put(k, v);
    v[0] = 0;
    k[0] = 0;
    assert.deepEqual(o.get(utf8('key')), utf8('value'));
  });

  it('refuses empty and over-long keys', () => {
    const o = new StateOverlay(new MemoryState());
    assert.throws(
      () => o.put(new Uint8Array(), utf8('x')),
      (e) => isDppError(e, 'LEDGER_BAD_WRITE'),
    );
    assert.throws(
      () => o.put(new Uint8Array(MAX_STATE_KEY_BYTES + 1), utf8('x')),
      (e) => isDppError(e, 'LEDGER_BAD_WRITE'),
    );
  });
});

describe('state root', () => {
  it('follows the documented formula byte for byte', () => {
    const prev = new Uint8Array(32).fill(9);
    const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    const h = createHash('sha256');
    h.update(u32(12)).update('dpp/state/v1').update(prev).update(u32(2));
    h.update(u32(1)).update('a').update(Uint8Array.of(1)).update(u32(1)).update('x');
    h.update(u32(1)).update('b').update(Uint8Array.of(0));
    assert.equal(toHex(nextStateRoot(prev, [write('b', null), write('a', 'x')])), h.digest('hex'));
  });

  it('is the same whatever the order in which writes are inserted (property)', () => {
    fc.assert(
      fc.property(writesArb, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (writes, seeds) => {
        const a = nextStateRoot(EMPTY_STATE_ROOT, writes);
        const b = nextStateRoot(EMPTY_STATE_ROOT, permute(writes, seeds));
        assert.equal(toHex(a), toHex(b));
        const o1 = new StateOverlay(new MemoryState());
        const o2 = new StateOverlay(new MemoryState());
        o1.writeAll(writes);
        o2.writeAll(permute(writes, seeds));
        assert.equal(toHex(nextStateRoot(EMPTY_STATE_ROOT, o1.writes())), toHex(a));
        assert.equal(toHex(nextStateRoot(EMPTY_STATE_ROOT, o2.writes())), toHex(a));
      }),
      { numRuns: 200 },
    );
  });

  it('changes with any change of a key, a value, a deletion, the set, or the previous root (property)', () => {
    fc.assert(
      fc.property(
        writesArb.filter((w) => w.length > 0),
        fc.nat(),
        (writes, pick) => {
          const root = toHex(nextStateRoot(EMPTY_STATE_ROOT, writes));
          const i = pick % writes.length;
          const w = writes[i]!;
          const variants: StateWrite[][] = [
            writes.filter((_, j) => j !== i),
            writes.map((x, j) =>
              j === i ? { key: x.key, value: x.value === null ? new Uint8Array() : null } : x,
            ),
            writes.map((x, j) => (j === i ? { key: x.key, value: Uint8Array.of(...(x.value ?? []), 1) } : x)),
          ];
          const renamed = Uint8Array.of(...w.key, 0);
          if (!writes.some((x) => toHex(x.key) === toHex(renamed))) {
            variants.push(writes.map((x, j) => (j === i ? { key: renamed, value: x.value } : x)));
          }
          for (const v of variants) assert.notEqual(toHex(nextStateRoot(EMPTY_STATE_ROOT, v)), root);
          assert.notEqual(toHex(nextStateRoot(new Uint8Array(32).fill(1), writes)), root);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('distinguishes a deletion from an empty value, and refuses a key written twice', () => {
    assert.notEqual(
      toHex(nextStateRoot(EMPTY_STATE_ROOT, [write('k', null)])),
      toHex(nextStateRoot(EMPTY_STATE_ROOT, [write('k', '')])),
    );
    assert.throws(
      () => nextStateRoot(EMPTY_STATE_ROOT, [write('k', '1'), write('k', '2')]),
      (e) => isDppError(e, 'LEDGER_BAD_WRITE'),
    );
  });
});
