import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadMarketData } from '../../src/cli/commands/marketData.ts';
import { certify } from '../../src/market/certify.ts';
import { findEquilibrium } from '../../src/market/equilibrium.ts';
import { type DemandState, demandAt, ordersOf, pieceBounds } from '../../src/market/followers.ts';
import { localBestResponse } from '../../src/market/leaders.ts';
import {
  fillByPriority,
  type IndexedContract,
  namedContracts,
  Settlement,
  settle,
} from '../../src/market/modeOutcome.ts';
import { type PreparedMarket, prepare } from '../../src/market/prepared.ts';
import { randomScenario } from '../../src/market/scenarios/randomScenario.ts';
import { solveCertified } from '../../src/market/solveCertified.ts';
import { settleAtIntegerPrices, solve } from '../../src/market/stackelberg.ts';
import type { Scenario } from '../../src/market/types.ts';
import { floorWh, moneyFor } from '../../src/market/units.ts';
import { arbScenario, con, gen, params, scenario } from './fixtures.ts';

const data = loadMarketData();
const pool = {
  generators: [...data.case30.generators, ...data.case118.generators],
  loadsMW: data.case118.loads.map((l) => l.pdMW),
};
const random = (seed: string, generators: number, consumers: number): Scenario =>
  randomScenario(seed, { generators, consumers }, pool, data.tariffs, { admitAll: true }).scenario;

/** Scenarios whose consumers fall into a few types (shared R and φ), as tariff classes make them. */
const arbTyped = fc
  .record({
    gs: fc.array(
      fc.record({
        capKWh: fc.integer({ min: 2_000, max: 80_000 }),
        lin: fc.integer({ min: 100_000, max: 380_000 }),
        quad: fc.integer({ min: 0, max: 3_000_000 }),
        rep: fc.integer({ min: 300_000, max: 1_000_000 }),
      }),
      { minLength: 2, maxLength: 12 },
    ),
    cs: fc.array(
      fc.record({
        demandKWh: fc.integer({ min: 500, max: 40_000 }),
        catalog: fc.constantFrom(610_000, 670_000),
        phi: fc.constantFrom(60_000, 120_000),
        rep: fc.integer({ min: 300_000, max: 1_000_000 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
    theta: fc.integer({ min: 0, max: 60_000 }),
    sigma: fc.integer({ min: 0, max: 900_000 }),
    markups: fc.array(fc.integer({ min: 0, max: 80_000 }), { minLength: 12, maxLength: 12 }),
  })
  .map(({ gs, cs, theta, sigma, markups }) => ({
    s: scenario(
      gs.map((x, i) => gen(`g${String(i).padStart(2, '0')}`, x)),
      cs.map((x, j) => con(`c${String(j).padStart(2, '0')}`, { ...x, td: 142_800, funds: 26_000 })),
      params({
        outsideOption: true,
        reputationWeightMicroYuanPerKWh: BigInt(theta),
        substitutionPpm: sigma,
      }),
    ),
    markups,
  }));

/** pieceBounds as it was written per consumer, O(Σ_j k_j): the reference for the per-type sweep. */
function pieceBoundsPerConsumer(pm: PreparedMarket, st: DemandState): { up: number[]; down: number[] } {
  const { G, J, sigma } = pm;
  const { c, pre, order } = st.book;
  const up = new Array<number>(G).fill(Number.POSITIVE_INFINITY);
  const down = new Array<number>(G).fill(Number.POSITIVE_INFINITY);
  for (let j = 0; j < J; j++) {
    const k = st.k[j]!;
    if (k === 0) continue;
    const [R, lam, tau, bound] = [pm.R[j]!, st.lambda[j]!, st.tau[j]!, st.bound[j] === 1];
    let upAll = Number.POSITIVE_INFINITY;
    if (k < G && tau > 0) upAll = bound ? (lam - (R - c[k]!)) * k : (lam - (R - c[k]!)) / tau;
    if (bound) upAll = Math.min(upAll, (lam - (pm.betaP[j]! * sigma * pm.D[j]!) / (1 - sigma)) * k);
    let downAll = Number.POSITIVE_INFINITY;
    if (!bound) {
      const slack = pm.betaP[j]! * pm.D[j]! - (k * R - pre[k]! - k * lam);
      downAll = (slack * (1 - sigma + sigma * k)) / (1 - sigma);
    }
    for (let r = 1; r <= k; r++) {
      const g = order[r - 1]!;
      let d = downAll;
      if (k >= 2 && tau > 0) {
        const oy = R - c[(r === k ? k - 1 : k) - 1]! - lam;
        d = Math.min(d, bound ? oy * k : oy / tau);
      }
      up[g] = Math.min(up[g]!, upAll);
      down[g] = Math.min(down[g]!, d);
    }
  }
  return { up: up.map((x) => Math.max(0, x)), down: down.map((x) => Math.max(0, x)) };
}

const close = (a: number, b: number, what: string): void =>
  assert.ok(a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} ≠ ${b}`);

describe('province scale (issue 14)', () => {
  it('a leader priced out even at its floor stays where it is (it used to jump to the ceiling)', () => {
    // g0 sells at 0.30 to a consumer (R = 0.42, σ = 0.5, β' = 2.5e-5) who buys all its demand
    // there: λ = R − 0.30 − β'D = 0.095, so its water level R − λ = 0.325 is below g1's floor 0.36
    // and g1 sells nothing at any price at or above it.
    const s = scenario(
      [gen('g0', { capKWh: 50_000, lin: 300_000 }), gen('g1', { capKWh: 50_000, lin: 360_000 })],
      [con('c', { demandKWh: 1_000, catalog: 420_000, phi: 50_000 })],
      params({ substitutionPpm: 500_000 }),
    );
    const pm = prepare(s);
    const st = demandAt(pm, Float64Array.of(0.3, 0.36));
    assert.equal(st.demand[1], 0);
    assert.ok(st.entryBound < 0.36, `water level ${st.entryBound}`);
    assert.equal(localBestResponse(pm, st, 1), 0.36);
  });

  it('the fast phase converges where leaders hover at the edge of the market (it used to stagnate)', () => {
    // A round from the benchmark's data where, before the fix, leaders whose floor sat at every
    // buyer's water level jumped between it and the ceiling: the residual stayed at 0.12 yuan/kWh
    // and the fast phase gave up after 400 iterations.
    const eq = findEquilibrium(prepare(random('seed-1', 200, 2000)), { exactSweeps: 0, globalGrid: 0 });
    assert.equal(eq.converged, true, `residual ${eq.residual} after ${eq.iterations} iterations`);
  });

  it('a 200 × 10 000 round certifies without repairs (it used to run out its repairs, uncertified)', () => {
    const { certificate, repairs, result } = solveCertified(random('seed-1', 200, 10_000));
    assert.equal(
      certificate.certified,
      true,
      `gaps ${certificate.maxLeaderGap}, ${certificate.maxFollowerGap}`,
    );
    assert.equal(repairs, 0);
    assert.equal(result.solver.converged, true);
  });

  it('consumers of one type order in proportion to their size; the demand is their sum', () => {
    // The same consumer split in two halves: each orders half of what the whole one orders.
    const whole = con('c', { demandKWh: 8_000, catalog: 610_000, td: 142_800, funds: 26_000, phi: 90_000 });
    const half = { ...whole, demandWh: whole.demandWh / 2n };
    const gs = [
      gen('a', { capKWh: 50_000, lin: 300_000, rep: 900_000 }),
      gen('b', { capKWh: 50_000, lin: 310_000, rep: 600_000 }),
    ];
    const par = params({ substitutionPpm: 400_000, reputationWeightMicroYuanPerKWh: 30_000n });
    const one = prepare(scenario(gs, [whole], par));
    const two = prepare(
      scenario(
        gs,
        [
          { ...half, id: 'c1' },
          { ...half, id: 'c2' },
        ],
        par,
      ),
    );
    assert.equal(two.types.count, 1);
    const prices = Float64Array.of(0.36, 0.35);
    const a = demandAt(one, prices);
    const b = demandAt(two, prices);
    const y = ordersOf(one, a, 0);
    for (let g = 0; g < 2; g++) {
      close(b.demand[g]!, a.demand[g]!, `demand of ${g}`);
      close(b.slope[g]!, a.slope[g]!, `slope of ${g}`);
      close(2 * ordersOf(two, b, 0)[g]!, y[g]!, `orders from ${g}`);
    }
  });

  it('piece bounds per consumer type equal the per-consumer computation (property)', () => {
    fc.assert(
      fc.property(arbTyped, ({ s, markups }) => {
        const pm = prepare(s);
        const st = demandAt(
          pm,
          Float64Array.from(pm.floorPrice, (f, g) => f + markups[g]! / 1e6),
        );
        const fast = pieceBounds(pm, st);
        const ref = pieceBoundsPerConsumer(pm, st);
        for (let g = 0; g < pm.G; g++) {
          close(fast.up[g]!, ref.up[g]!, `up ${g}`);
          close(fast.down[g]!, ref.down[g]!, `down ${g}`);
          // The named consumer is one of the limiting type's members (the first).
          for (const by of [fast.upBy[g]!, fast.downBy[g]!])
            if (by >= 0) assert.equal(pm.types.first[pm.types.of[by]!], by);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('settles exactly what orders filled by priority over all J × G pairs settle (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          arbScenario(),
          arbTyped.map((x) => x.s),
        ),
        (s) => {
          const r = solve(s);
          const pm = prepare(s);
          const prices = r.prices.map((p) => p.priceMicroYuanPerKWh);
          const st = demandAt(
            pm,
            Float64Array.from(prices, (p) => Number(p) / 1e6),
          );
          const orders = pm.scenario.consumers.map((_, j) => Array.from(ordersOf(pm, st, j), floorWh));
          const contracts: IndexedContract[] = [];
          fillByPriority(pm.scenario, pm.priority, orders).forEach((row, j) => {
            row.forEach((energyWh, g) => {
              if (energyWh > 0n) contracts.push({ j, g, energyWh, priceMicroYuanPerKWh: prices[g]! });
            });
          });
          assert.deepEqual(r.contracts, namedContracts(pm.scenario, contracts));
          assert.deepEqual(r.outcome, settle(pm.scenario, 'stackelberg', contracts));
          // What a validator recomputes from the integer prices alone is the same round.
          const again = settleAtIntegerPrices(pm, prices, r.solver);
          assert.deepEqual([again.contracts, again.outcome], [r.contracts, r.outcome]);
          // A copy's certificate reads its contracts; the solver's own reads its allocation.
          assert.deepEqual(certify({ ...r }), certify(r));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('money sums are exact past 2^53, as in bigint (property)', () => {
    const s = scenario(
      [gen('a', { capKWh: 10_000_000_000, lin: 0 }), gen('b', { capKWh: 10_000_000_000, lin: 0 })],
      [
        con('c0', { demandKWh: 10_000_000_000, catalog: 100_000_000, td: 142_800, funds: 26_000, phi: 1 }),
        con('c1', { demandKWh: 10_000_000_000, catalog: 100_000_000, phi: 1 }),
      ],
    );
    const contract = fc.record({
      j: fc.nat(1),
      g: fc.nat(1),
      energyWh: fc.oneof(fc.bigInt({ min: 0n, max: 10_000n }), fc.bigInt({ min: 0n, max: 800_000_000_000n })),
      priceMicroYuanPerKWh: fc.oneof(
        fc.bigInt({ min: 0n, max: 1_000n }),
        fc.bigInt({ min: 0n, max: 100_000_000n }),
      ),
    });
    fc.assert(
      fc.property(fc.array(contract, { maxLength: 12 }), (ks) => {
        const settlement = new Settlement(s);
        for (const k of ks) settlement.add(k.j, k.g, k.energyWh, k.priceMicroYuanPerKWh);
        const got = settlement.outcome('test');
        for (let j = 0; j < 2; j++) {
          const c = s.consumers[j]!;
          const mine = ks.filter((k) => k.j === j);
          const direct = mine.reduce((t, k) => t + k.energyWh, 0n);
          const delivery = c.transmissionMicroYuanPerKWh + c.fundsMicroYuanPerKWh;
          const pay = mine.reduce((t, k) => t + moneyFor(k.energyWh, delivery + k.priceMicroYuanPerKWh), 0n);
          assert.equal(got.consumers[j]!.directWh, direct);
          assert.equal(
            got.consumers[j]!.costMicroYuan,
            pay + moneyFor(c.demandWh - direct, c.catalogMicroYuanPerKWh),
          );
        }
        for (let g = 0; g < 2; g++) {
          const mine = ks.filter((k) => k.g === g);
          const revenue = mine.reduce((t, k) => t + moneyFor(k.energyWh, k.priceMicroYuanPerKWh), 0n);
          assert.equal(got.generators[g]!.revenueMicroYuan, revenue);
        }
      }),
      { numRuns: 300 },
    );
  });
});
