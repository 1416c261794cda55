import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cappedBestResponse, demandAt, ordersOf } from '../../src/market/followers.ts';
import { fillByPriority } from '../../src/market/modeOutcome.ts';
import { prepare } from '../../src/market/prepared.ts';
import { floorWh } from '../../src/market/units.ts';
import { arbScenario, con, gen, params, scenario } from './fixtures.ts';

const close = (a: number, b: number, tol = 1e-9): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

describe('followers: the consumer best response', () => {
  it('one generator, σ = 0: y = (R − p)/β, worked by hand', () => {
    // R = 0.60 − 0.15 − 0.03 = 0.42; β = φ/D = 0.2/10 000 = 2e-5; at p = 0.36, y = 0.06/2e-5 = 3 000 kWh
    const s = scenario(
      [gen('g', { capKWh: 50_000, lin: 300_000 })],
      [con('c', { demandKWh: 10_000, catalog: 600_000, td: 150_000, funds: 30_000, phi: 200_000 })],
    );
    const pm = prepare(s);
    const st = demandAt(pm, Float64Array.of(0.36));
    close(st.demand[0]!, 3000);
    close(st.slope[0]!, 1 / 2e-5); // −dy/dp = 1/β
    // cheap enough to cover the whole demand: the demand constraint binds
    const cheap = demandAt(pm, Float64Array.of(0.2));
    close(cheap.demand[0]!, 10_000);
    assert.equal(cheap.bound[0], 1);
  });

  it('two generators, σ = 0.5: y_g = (m_g − λ)/(β(1 − σ)), λ = βσΣy, worked by hand', () => {
    // β = 2e-5, β' = 1e-5; margins 0.08 and 0.05; λ = σ(m1 + m2)/(1 − σ + 2σ) = 0.5·0.13/1.5
    const s = scenario(
      [gen('a', { capKWh: 50_000, lin: 0 }), gen('b', { capKWh: 50_000, lin: 0 })],
      [con('c', { demandKWh: 10_000, catalog: 420_000, phi: 200_000 })],
      params({ substitutionPpm: 500_000 }),
    );
    const pm = prepare(s);
    const st = demandAt(pm, Float64Array.of(0.34, 0.37));
    const lambda = (0.5 * 0.13) / 1.5;
    close(st.lambda[0]!, lambda);
    close(st.demand[0]!, (0.08 - lambda) / 1e-5);
    close(st.demand[1]!, (0.05 - lambda) / 1e-5);
  });

  it('a low-reputation seller carries a risk premium θ(1 − r)', () => {
    // θ = 0.03, r = 0.5 → premium 0.015: at p = 0.36 the margin is 0.42 − 0.375
    const s = scenario(
      [gen('g', { capKWh: 50_000, lin: 0, rep: 500_000 })],
      [con('c', { demandKWh: 10_000, catalog: 420_000, phi: 200_000 })],
      params({ reputationWeightMicroYuanPerKWh: 30_000n }),
    );
    close(demandAt(prepare(s), Float64Array.of(0.36)).demand[0]!, 0.045 / 2e-5);
  });

  it('the closed form solves the KKT system (against a bisection solver), and never exceeds demand', () => {
    fc.assert(
      fc.property(
        arbScenario(),
        fc.array(fc.integer({ min: 0, max: 80_000 }), { minLength: 4, maxLength: 4 }),
        (s, markups) => {
          const pm = prepare(s);
          const prices = Float64Array.from(pm.floorPrice, (f, g) => f + markups[g]! / 1e6);
          const st = demandAt(pm, prices);
          const open = new Float64Array(pm.G).fill(Number.POSITIVE_INFINITY);
          for (let j = 0; j < pm.J; j++) {
            const y = ordersOf(pm, st, j);
            const ref = cappedBestResponse(pm, prices, j, open);
            let total = 0;
            for (let g = 0; g < pm.G; g++) {
              assert.ok(y[g]! >= 0);
              assert.ok(
                Math.abs(y[g]! - ref[g]!) <= 1e-6 * pm.D[j]!,
                `consumer ${j} generator ${g}: ${y[g]} vs ${ref[g]}`,
              );
              total += y[g]!;
            }
            assert.ok(total <= pm.D[j]! * (1 + 1e-12), 'never more than demand');
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('at fixed prices, raising a generator’s reputation never lowers what consumers buy from it', () => {
    fc.assert(
      fc.property(
        arbScenario(),
        fc.nat(3),
        fc.integer({ min: 1, max: 700_000 }),
        fc.array(fc.integer({ min: 0, max: 80_000 }), { minLength: 4, maxLength: 4 }),
        (s, which, raise, markups) => {
          const g = which % s.generators.length;
          const bought = (sc: typeof s): bigint => {
            const pm = prepare(sc);
            const prices = Float64Array.from(pm.floorPrice, (f, h) => f + markups[h]! / 1e6);
            const st = demandAt(pm, prices);
            const orders = sc.consumers.map((_, j) => Array.from(ordersOf(pm, st, j), floorWh));
            // filled by priority up to capacity, as the round settles
            return fillByPriority(pm.scenario, pm.priority, orders).reduce((t, row) => t + row[g]!, 0n);
          };
          const before = bought(s);
          const gs = s.generators.map((x, i) =>
            i === g ? { ...x, reputationPpm: Math.min(1_000_000, x.reputationPpm + raise) } : x,
          );
          // prices are the same index-wise: markups are added to the (reputation-independent) floors
          const after = bought({ ...s, generators: gs });
          // Orders are floored to whole Wh: up to 1 Wh per consumer of float rounding.
          const slack = BigInt(s.consumers.length);
          assert.ok(after + slack >= before, `bought from ${g}: ${before} → ${after}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
