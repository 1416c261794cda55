import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import { isDppError } from '../../src/errors.ts';
import { encodeMarketResult } from '../../src/market/resultEncoding.ts';
import { scenarioToJson } from '../../src/market/scenarioJson.ts';
import { solve } from '../../src/market/stackelberg.ts';
import { arbScenario, con, gen, params, scenario } from './fixtures.ts';

describe('Stackelberg round', () => {
  it('one generator, one consumer: p* = (R + b)/2, worked by hand', () => {
    // R = 0.42, b = 0.30, β = 2e-5: the monopoly price on y = (R − p)/β is 0.36, y = 3 000 kWh
    const s = scenario(
      [gen('g', { capKWh: 50_000, lin: 300_000 })],
      [con('c', { demandKWh: 10_000, catalog: 600_000, td: 150_000, funds: 30_000, phi: 200_000 })],
    );
    const r = solve(s);
    assert.equal(r.prices[0]!.priceMicroYuanPerKWh, 360_000n);
    assert.equal(r.contracts.length, 1);
    assert.equal(r.contracts[0]!.energyWh, 3_000_000n);
    const c = r.outcome.consumers[0]!;
    // 3 000 kWh at 0.36 + 0.18 (T&D + funds), 7 000 kWh at the catalog 0.60
    assert.equal(c.costMicroYuan, 5_820_000_000n);
    assert.equal(r.outcome.generators[0]!.profitMicroYuan, 180_000_000n); // 3 000 · 0.06
    assert.equal(r.solver.converged, true);
  });

  it('with the outside option, the generator prices off the benchmark: p* = (R + w)/2', () => {
    // w = 0.33 > b = 0.30 and a = 0: everything not sold directly goes to the grid at w
    const s = scenario(
      [gen('g', { capKWh: 20_000, lin: 300_000 })],
      [con('c', { demandKWh: 10_000, catalog: 420_000, phi: 200_000 })],
      params({ outsideOption: true, benchmarkMicroYuanPerKWh: 330_000n }),
    );
    const r = solve(s);
    assert.equal(r.prices[0]!.priceMicroYuanPerKWh, 375_000n);
    const g = r.outcome.generators[0]!;
    assert.equal(g.directWh, 2_250_000n);
    assert.equal(g.gridWh, 17_750_000n);
    // 2 250·0.375 + 17 750·0.33 − 20 000·0.30 = 701.25 yuan
    assert.equal(g.profitMicroYuan, 701_250_000n);
  });

  it('two generators, two consumers, σ = 0.5: p* = (R + 2b)/3, worked by hand', () => {
    // Symmetric: each consumer's own-price pass-through τ = σ/(1 − σ + 2σ) = 1/3, so the FOC
    // x + (p − b)x′ = 0 reads m/3 = (2/3)(p − b) with m = R − p: p = (0.42 + 0.60)/3 = 0.34.
    const s = scenario(
      [gen('a', { capKWh: 50_000, lin: 300_000 }), gen('b', { capKWh: 50_000, lin: 300_000 })],
      [
        con('c1', { demandKWh: 10_000, catalog: 420_000, phi: 200_000 }),
        con('c2', { demandKWh: 10_000, catalog: 420_000, phi: 200_000 }),
      ],
      params({ substitutionPpm: 500_000 }),
    );
    const r = solve(s);
    assert.deepEqual(
      r.prices.map((p) => p.priceMicroYuanPerKWh),
      [340_000n, 340_000n],
    );
    // y = m/(3β′) = 0.08/3e-5 = 2 666.67 kWh per pair, floored to whole Wh
    for (const k of r.contracts) assert.equal(k.energyWh, 2_666_666n);
  });

  it('followers never exceed demand, leaders never exceed capacity (property)', () => {
    fc.assert(
      fc.property(arbScenario(), (s) => {
        const r = solve(s);
        for (const c of r.outcome.consumers) {
          assert.ok(c.directWh >= 0n && c.directWh <= c.demandWh);
          assert.equal(c.directWh + c.gridWh, c.demandWh);
        }
        for (const g of r.outcome.generators) {
          const cap = s.generators.find((x) => x.id === g.id)!.capacityWh;
          assert.ok(g.directWh >= 0n && g.directWh + g.gridWh <= cap);
        }
        for (const p of r.prices) assert.ok(p.priceMicroYuanPerKWh >= 0n);
      }),
      { numRuns: 60 },
    );
  });

  it('is deterministic: same bytes twice, whatever order participants are listed in', () => {
    fc.assert(
      fc.property(arbScenario(), fc.integer(), (s, seed) => {
        const a = toHex(encodeMarketResult(solve(s)));
        assert.equal(toHex(encodeMarketResult(solve(s))), a);
        const shuffle = <T>(xs: readonly T[]): T[] =>
          xs
            .map((x, i) => ({ x, k: (Math.imul(i + 1, seed | 1) >>> 0) % 9973 }))
            .sort((p, q) => p.k - q.k)
            .map((p) => p.x);
        const permuted = { ...s, generators: shuffle(s.generators), consumers: shuffle(s.consumers) };
        assert.equal(toHex(encodeMarketResult(solve(permuted))), a);
      }),
      { numRuns: 30 },
    );
  });

  it('is deterministic across threads: a worker_threads worker produces identical bytes', async () => {
    const samples = fc.sample(arbScenario(), { numRuns: 6, seed: 42 });
    const here = samples.map((s) => toHex(encodeMarketResult(solve(s))));
    // The worker runs TypeScript too: register tsx's loader in it, then load the worker module.
    const entry = new URL('./solveWorker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: samples.map((s) => scenarioToJson(s)) });
    const there = await new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.deepEqual(there, here);
  });

  it('refuses a bad scenario with a typed error', () => {
    const ok = scenario([gen('g', { capKWh: 1, lin: 1 })], [con('c', { demandKWh: 1, catalog: 1, phi: 1 })]);
    const cases: [unknown, string][] = [
      [{ ...ok, generators: [] }, 'MARKET_EMPTY'],
      [{ ...ok, consumers: [...ok.consumers, { ...ok.consumers[0]!, id: 'g' }] }, 'MARKET_DUPLICATE_ID'],
      [{ ...ok, generators: [{ ...ok.generators[0]!, id: 'bad id' }] }, 'MARKET_BAD_ID'],
      [{ ...ok, generators: [{ ...ok.generators[0]!, capacityWh: 0n }] }, 'MARKET_OUT_OF_RANGE'],
      [
        { ...ok, generators: [{ ...ok.generators[0]!, costLinearMicroYuanPerKWh: -1n }] },
        'MARKET_OUT_OF_RANGE',
      ],
      [{ ...ok, consumers: [{ ...ok.consumers[0]!, reputationPpm: 1.5 }] }, 'MARKET_OUT_OF_RANGE'],
      [
        { ...ok, consumers: [{ ...ok.consumers[0]!, diversificationMicroYuanPerKWh: 0n }] },
        'MARKET_OUT_OF_RANGE',
      ],
      [{ ...ok, parameters: { ...ok.parameters, substitutionPpm: 1_000_000 } }, 'MARKET_OUT_OF_RANGE'],
      [{ name: 'x' }, 'MARKET_BAD_DATA'],
      [null, 'MARKET_BAD_DATA'],
    ];
    for (const [bad, code] of cases) {
      assert.throws(
        () => solve(bad as never),
        (e) => isDppError(e, code),
        code,
      );
    }
  });
});
