import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bilateralMode } from '../../src/market/baselines/bilateral.ts';
import { catalogMode } from '../../src/market/baselines/catalog.ts';
import { centralisedMode } from '../../src/market/baselines/centralised.ts';
import { arbScenario, con, gen, params, scenario } from './fixtures.ts';

describe('baselines', () => {
  it('catalog tariff only: everyone pays the catalog tariff; generators sell to the grid at the benchmark', () => {
    // a = 1 yuan/MWh² (1e6 µ¥/MWh²), b = 0.30, w = 0.33: C′(q) = w at q = 15 MWh.
    const s = scenario(
      [gen('g', { capKWh: 40_000, lin: 300_000, quad: 1_000_000 })],
      [con('c', { demandKWh: 10_000, catalog: 610_000, phi: 50_000 })],
      params({ outsideOption: true, benchmarkMicroYuanPerKWh: 330_000n }),
    );
    const o = catalogMode(s);
    assert.equal(o.consumers[0]!.costMicroYuan, 6_100_000_000n);
    assert.equal(o.consumers[0]!.directWh, 0n);
    assert.equal(o.generators[0]!.gridWh, 15_000_000n);
    // 15 000 kWh · 0.33 − (1 · 15² + 0.30 · 15 000) = 4 950 − 4 725 = 225 yuan
    assert.equal(o.generators[0]!.profitMicroYuan, 225_000_000n);
  });

  it('bilateral: largest consumer with the cheapest generator, capacity-limited, Nash price = (R + cost)/2', () => {
    // R = 0.42 for both. Consumer 10 MWh → g1 (b 0.30, 12 MWh) at (0.42 + 0.30)/2 = 0.36;
    // consumer 4 MWh → g1 again (cheapest with room): 2 MWh left, one contract only, rest from the grid.
    const s = scenario(
      [gen('g1', { capKWh: 12_000, lin: 300_000 }), gen('g2', { capKWh: 20_000, lin: 320_000 })],
      [
        con('big', { demandKWh: 10_000, catalog: 600_000, td: 150_000, funds: 30_000, phi: 50_000 }),
        con('small', { demandKWh: 4_000, catalog: 600_000, td: 150_000, funds: 30_000, phi: 50_000 }),
      ],
    );
    const o = bilateralMode(s);
    const [big, small] = o.consumers;
    assert.equal(big!.directWh, 10_000_000n);
    assert.equal(big!.costMicroYuan, 5_400_000_000n); // 10 000 · (0.36 + 0.18)
    assert.equal(small!.directWh, 2_000_000n);
    assert.equal(small!.costMicroYuan, 2_280_000_000n); // 2 000 · 0.54 + 2 000 · 0.60
    assert.equal(o.generators[0]!.directWh, 12_000_000n);
    assert.equal(o.generators[1]!.directWh, 0n);
  });

  it('bilateral with the same preferences as our mode: quantity where R − βq meets cost, surplus split', () => {
    // β = φ/D = 0.2/10 000 = 2e-5: q = (0.42 − 0.30)/2e-5 = 6 000 kWh; V/q = 0.42 − βq/2 = 0.36;
    // price = (0.36 + 0.30)/2 = 0.33.
    const s = scenario(
      [gen('g', { capKWh: 20_000, lin: 300_000 })],
      [con('c', { demandKWh: 10_000, catalog: 420_000, phi: 200_000 })],
    );
    const o = bilateralMode(s, 'same-preferences');
    assert.equal(o.consumers[0]!.directWh, 6_000_000n);
    // 6 000 kWh at 0.33 + 4 000 kWh at the catalog 0.42
    assert.equal(o.consumers[0]!.costMicroYuan, 3_660_000_000n);
  });

  it('centralised matching: uniform price = midpoint of the last matched bid and offer', () => {
    // Bids: 0.50 × 5 MWh, 0.44 × 10 MWh, 0.38 × 3 MWh. Offers: g1 in ten blocks at 0.30 (8 MWh),
    // g2 in blocks at 0.40 (20 MWh). Matched: 8 MWh at 0.30, then 7 MWh at 0.40 for the 0.44 bid;
    // the 0.38 bid does not clear. Uniform price (0.44 + 0.40)/2 = 0.42.
    const s = scenario(
      [gen('g1', { capKWh: 8_000, lin: 300_000 }), gen('g2', { capKWh: 20_000, lin: 400_000 })],
      [
        con('a', { demandKWh: 5_000, catalog: 500_000, phi: 50_000 }),
        con('b', { demandKWh: 10_000, catalog: 440_000, phi: 50_000 }),
        con('c', { demandKWh: 3_000, catalog: 380_000, phi: 50_000 }),
      ],
    );
    const r = centralisedMode(s);
    assert.equal(r.priceMicroYuanPerKWh, 420_000n);
    const [a, b, c] = r.outcome.consumers;
    assert.equal(a!.directWh, 5_000_000n);
    assert.equal(b!.directWh, 10_000_000n);
    assert.equal(c!.directWh, 0n);
    assert.equal(a!.costMicroYuan, 2_100_000_000n); // 5 000 · 0.42 (no T&D or funds here)
    const [g1, g2] = r.outcome.generators;
    assert.equal(g1!.directWh, 8_000_000n);
    assert.equal(g2!.directWh, 7_000_000n);
    assert.equal(g2!.profitMicroYuan, 140_000_000n); // 7 000 · (0.42 − 0.40)
  });

  it('offer blocks are priced at their average incremental cost', () => {
    // a = 1e6 µ¥/MWh², b = 0.30, capacity 10 MWh: block 1 covers 0–1 MWh, average MC 0.30 + 0.001.
    // A single 1 MWh bid at 0.40 clears against it: price (0.40 + 0.301)/2 = 0.3505.
    const s = scenario(
      [gen('g', { capKWh: 10_000, lin: 300_000, quad: 1_000_000 })],
      [con('c', { demandKWh: 1_000, catalog: 400_000, phi: 50_000 })],
    );
    assert.equal(centralisedMode(s).priceMicroYuanPerKWh, 350_500n);
  });

  it('no mode charges a consumer more than the catalog tariff, or sells beyond capacity (property)', () => {
    fc.assert(
      fc.property(arbScenario(), (s) => {
        const catalog = catalogMode(s);
        for (const o of [
          bilateralMode(s),
          bilateralMode(s, 'same-preferences'),
          centralisedMode(s).outcome,
        ]) {
          o.consumers.forEach((c, j) => {
            assert.ok(c.costMicroYuan <= catalog.consumers[j]!.costMicroYuan + 1n, `${o.mode} ${c.id}`);
            assert.ok(c.directWh <= c.demandWh);
          });
          for (const g of o.generators) {
            const cap = s.generators.find((x) => x.id === g.id)!.capacityWh;
            assert.ok(g.directWh + g.gridWh <= cap);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
