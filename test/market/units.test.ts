import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { divRoundHalfUp, floorWh, moneyFor, quantisePrice } from '../../src/market/units.ts';

describe('integer units', () => {
  it('money = Wh × µ¥/kWh / 1000, halves rounded up', () => {
    assert.equal(moneyFor(1_000n, 373_900n), 373_900n); // 1 kWh
    assert.equal(moneyFor(1n, 500n), 1n); // 0.5 µ¥ → 1
    assert.equal(moneyFor(1n, 499n), 0n);
    assert.equal(moneyFor(3_000_000n, 540_000n), 1_620_000_000n); // 3 MWh at 0.54
  });

  it('divRoundHalfUp is the nearest integer, halves towards +∞, for any sign', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (n, d) => {
          const q = divRoundHalfUp(n, d);
          // q − 1/2 ≤ n/d < q + 1/2, in integers: 2n − d ≤ 2qd... ≤ 2n + d
          assert.ok(2n * q * d - d <= 2n * n && 2n * n < 2n * q * d + d);
        },
      ),
    );
  });

  it('quantises prices to the nearest µ¥/kWh and energy down to whole Wh', () => {
    assert.equal(quantisePrice(0.3739), 373_900n);
    assert.equal(quantisePrice(0.3739994), 373_999n);
    assert.equal(quantisePrice(0.3739995), 374_000n);
    assert.equal(floorWh(2.6666666), 2_666n);
    assert.equal(floorWh(-1), 0n);
    assert.equal(floorWh(0), 0n);
  });
});
