import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadMarketData } from '../../src/cli/commands/marketData.ts';
import { certify } from '../../src/market/certify.ts';
import { cappedBestResponse, demandAt, deviationDemand, othersBook } from '../../src/market/followers.ts';
import { leaderProfit } from '../../src/market/generatorCost.ts';
import { exactBestResponse } from '../../src/market/leaders.ts';
import { prepare } from '../../src/market/prepared.ts';
import { randomScenario, randomShape } from '../../src/market/scenarios/randomScenario.ts';
import { solveCertified } from '../../src/market/solveCertified.ts';
import { type MarketResult, solve } from '../../src/market/stackelberg.ts';
import { arbScenario, con, gen, scenario } from './fixtures.ts';

const oneByOne = scenario(
  [gen('g', { capKWh: 50_000, lin: 300_000 })],
  [con('c', { demandKWh: 10_000, catalog: 600_000, td: 150_000, funds: 30_000, phi: 200_000 })],
);

/** The result with some generator's price replaced (and contracts re-derived by re-settling). */
function withPrice(r: MarketResult, g: number, price: bigint): MarketResult {
  const prices = r.prices.map((p, i) => (i === g ? { ...p, priceMicroYuanPerKWh: price } : p));
  return { ...r, prices };
}

/** A consumer's utility (yuan) at an allocation (kWh per generator), as in followers.ts. */
function utility(s: ReturnType<typeof prepare>, prices: Float64Array, j: number, y: Float64Array): number {
  const beta = s.betaP[j]! / (1 - s.sigma);
  let lin = 0;
  let sq = 0;
  let tot = 0;
  for (let g = 0; g < s.G; g++) {
    lin += (s.R[j]! - prices[g]! - s.premium[g]!) * y[g]!;
    sq += y[g]! * y[g]!;
    tot += y[g]!;
  }
  return lin - (beta / 2) * ((1 - s.sigma) * sq + s.sigma * tot * tot);
}

describe('certification', () => {
  it('certifies the hand-worked equilibrium, with bounds within ε of each size', () => {
    const cert = certify(solve(oneByOne));
    assert.equal(cert.certified, true);
    assert.ok(cert.maxLeaderGap <= cert.epsilonMicroYuanPerKWh);
    assert.ok(cert.maxFollowerGap <= cert.epsilonMicroYuanPerKWh);
    assert.equal(cert.leaders[0]!.provenGainMicroYuan, 0);
  });

  it('refuses a non-equilibrium price, with a proven gain equal to the hand-worked one', () => {
    // At 0.40 the generator sells (0.42 − 0.40)/2e-5 = 1 000 kWh for 100 yuan; at 0.36 it earns 180.
    const r = solve(oneByOne);
    const cert = certify(withPrice(r, 0, 400_000n));
    assert.equal(cert.certified, false);
    const b = cert.leaders[0]!;
    assert.equal(b.certified, false);
    assert.ok(Math.abs(b.provenGainMicroYuan - 80e6) < 0.01e6, `proven ${b.provenGainMicroYuan}`);
    assert.ok(b.boundMicroYuan >= b.provenGainMicroYuan);
    assert.ok(
      Math.abs(b.deviationMicroYuanPerKWh! - 360_000) < 50,
      `deviation at ${b.deviationMicroYuanPerKWh}`,
    );
  });

  it('every equilibrium computed on data-derived scenarios certifies within ε', () => {
    const data = loadMarketData();
    const pool = {
      generators: [...data.case30.generators, ...data.case118.generators],
      loadsMW: data.case118.loads.map((l) => l.pdMW),
    };
    for (let i = 0; i < 24; i++) {
      const seed = `certify-test-${i}`;
      const { scenario } = randomScenario(seed, randomShape(seed), pool, data.tariffs);
      const { certificate } = solveCertified(scenario);
      assert.equal(
        certificate.certified,
        true,
        `${seed}: max gaps ${certificate.maxLeaderGap}, ${certificate.maxFollowerGap}`,
      );
    }
  });

  it('on adversarial random rounds (tiny generators, σ up to 0.9) at least 95 % certify; the rest are reported', () => {
    // Fixed seed: a deterministic sample. Failures here are rounds without a pure equilibrium (see
    // the next test) or slow "ladders"; each is reported with the participant that breaks ε.
    const samples = fc.sample(arbScenario(), { numRuns: 150, seed: 7 });
    let certified = 0;
    for (const s of samples) {
      const { certificate } = solveCertified(s);
      const all = [...certificate.leaders, ...certificate.followers];
      assert.equal(
        certificate.certified,
        all.every((b) => b.gapMicroYuanPerKWh <= certificate.epsilonMicroYuanPerKWh),
      );
      if (certificate.certified) certified++;
      else
        assert.ok(
          all.some((b) => !b.certified),
          'an uncertified round names who breaks ε',
        );
    }
    assert.ok(certified >= 0.95 * samples.length, `${certified}/${samples.length} certified`);
  });

  it('a round without a pure equilibrium is refused, with a witness: exact best responses cycle', () => {
    // Two generators (one with a rising cost), two small consumers, σ ≈ 0.66: each generator's profit
    // has two local maxima, and exact best responses go round a 3-cycle instead of settling.
    const s = scenario(
      [gen('g0', { capKWh: 2000, lin: 100_000 }), gen('g1', { capKWh: 2000, lin: 118_610, quad: 403_132 })],
      [
        con('c0', { demandKWh: 500, catalog: 610_000, td: 142_800, funds: 26_000, phi: 139_339 }),
        con('c1', { demandKWh: 500, catalog: 610_000, td: 142_800, funds: 26_000, phi: 30_000 }),
      ],
    );
    const cyc = { ...s, parameters: { ...s.parameters, substitutionPpm: 657_392 } };
    const { certificate } = solveCertified(cyc);
    assert.equal(certificate.certified, false);
    assert.ok(
      certificate.leaders.some(
        (b) => !b.certified && b.provenGainMicroYuan > 0 && b.deviationMicroYuanPerKWh !== null,
      ),
    );
    // Exact best-response dynamics from the competitive floor: after a transient, a 3-cycle.
    const pm = prepare(cyc);
    const p = Float64Array.from(pm.floorPrice);
    const states: string[] = [];
    for (let sweep = 0; sweep < 12; sweep++) {
      for (let g = 0; g < pm.G; g++) p[g] = exactBestResponse(pm, demandAt(pm, p), g, 400);
      states.push(Array.from(p, (x) => x.toFixed(5)).join(' '));
    }
    assert.equal(states[11], states[8], 'period 3');
    assert.notEqual(states[11], states[10], 'not a fixed point');
  });

  it('the leader bound is an upper bound: no deviation on a dense grid gains more (property)', () => {
    fc.assert(
      fc.property(
        arbScenario(),
        fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 4, maxLength: 4 }),
        (s, markups) => {
          const pm = prepare(s);
          const r = solve(s);
          const prices = r.prices.map((p, g) => ({
            ...p,
            priceMicroYuanPerKWh: BigInt(Math.round(pm.floorPrice[g]! * 1e6)) + BigInt(markups[g]!),
          }));
          const cert = certify({ ...r, prices });
          const p = Float64Array.from(prices, (x) => Number(x.priceMicroYuanPerKWh) / 1e6);
          const st = demandAt(pm, p);
          for (let g = 0; g < pm.G; g++) {
            const m = pm.cost[g]!;
            const ob = othersBook(st, g);
            const now = leaderProfit(m, p[g]!, Math.min(m.capacity, st.demand[g]!));
            let best = now;
            for (let i = 0; i <= 2000; i++) {
              const q = 0.2 + (0.4 * i) / 2000;
              best = Math.max(
                best,
                leaderProfit(m, q, Math.min(m.capacity, deviationDemand(pm, ob, q).demand)),
              );
            }
            assert.ok(cert.leaders[g]!.boundMicroYuan >= (best - now) * 1e6 - 1, `leader ${g}`);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('the follower bound is an upper bound on a consumer’s real gain (property)', () => {
    fc.assert(
      fc.property(arbScenario(), fc.integer({ min: 1, max: 99 }), (s, cutPct) => {
        const r = solve(s);
        if (r.contracts.length === 0) return;
        // Take away part of the first contract: that consumer is now off its best response.
        const k = r.contracts[0]!;
        const cut = (k.energyWh * BigInt(cutPct)) / 100n;
        const contracts = [{ ...k, energyWh: k.energyWh - cut }, ...r.contracts.slice(1)];
        const cert = certify({ ...r, contracts });
        const pm = prepare(s);
        const j = pm.scenario.consumers.findIndex((c) => c.id === k.consumerId);
        const prices = Float64Array.from(r.prices, (p) => Number(p.priceMicroYuanPerKWh) / 1e6);
        const y = new Float64Array(pm.G);
        for (const c of contracts) {
          if (c.consumerId !== k.consumerId) continue;
          y[pm.scenario.generators.findIndex((g) => g.id === c.generatorId)] = Number(c.energyWh) / 1000;
        }
        // Capacity left to j by higher-priority consumers.
        const cap = Float64Array.from(pm.scenario.generators, (g) => Number(g.capacityWh) / 1000);
        for (const i of pm.priority) {
          if (i === j) break;
          for (const c of contracts) {
            if (c.consumerId !== pm.scenario.consumers[i]!.id) continue;
            const g = pm.scenario.generators.findIndex((x) => x.id === c.generatorId);
            cap[g] = cap[g]! - Number(c.energyWh) / 1000;
          }
        }
        const best = cappedBestResponse(pm, prices, j, cap);
        const gain = utility(pm, prices, j, best) - utility(pm, prices, j, y);
        const bound = cert.followers[j]!.boundMicroYuan / 1e6;
        assert.ok(bound >= gain - 1e-6, `bound ${bound} < gain ${gain}`);
      }),
      { numRuns: 60 },
    );
  });
});
