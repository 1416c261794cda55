/**
 * Rounding at capacity kinks in a large round (docs/market-model.md §5): the rationing a sell-out
 * generator's δ would cause reaches many buyers, not only its lowest-priority one. The round is the
 * chain's province round at 200 × 10,000 (one tariff for everyone, every participant a newcomer, φ
 * in the chain's levels), whose consumers' priority — reputation, then pseudonym id — is fixed here
 * by seeded ids. Before the fix, when the lowest-priority consumer's demand did not bind the plan
 * sold out at every kink generator; rationing δ (about 490 kWh, a hundred consumers' orders) then cut
 * the tail consumers at all of them at once, and the round failed the follower certificate
 * (≈ 23,900 µ¥/kWh with two φ levels, ≈ 1,140 with one) for some id orders.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadMarketData, sizedScenario } from '../../src/cli/commands/marketData.ts';
import { diversificationLevel } from '../../src/contracts/records.ts';
import { DEFAULT_REPUTATION } from '../../src/market/reputation.ts';
import { solveCertified } from '../../src/market/solveCertified.ts';
import type { Scenario } from '../../src/market/types.ts';

const base = sizedScenario(
  loadMarketData(),
  { generators: 200, consumers: 10_000, aggregators: 3 },
  'bench-round',
);

/** The chain's round: uniform tariffs and reputations, ids sha256(`seed/j`), φ in levels (or one φ). */
function chainRound(seed: number, phi?: bigint): Scenario {
  const c0 = base.consumers[0]!;
  return {
    ...base,
    generators: base.generators.map((g) => ({ ...g, reputationPpm: DEFAULT_REPUTATION.newcomerPpm })),
    consumers: base.consumers
      .map((c, j) => ({
        ...c,
        catalogMicroYuanPerKWh: c0.catalogMicroYuanPerKWh,
        transmissionMicroYuanPerKWh: c0.transmissionMicroYuanPerKWh,
        fundsMicroYuanPerKWh: c0.fundsMicroYuanPerKWh,
        id: createHash('sha256').update(`${seed}/${j}`).digest('hex'),
        reputationPpm: 500_000,
        diversificationMicroYuanPerKWh: phi ?? diversificationLevel(c.diversificationMicroYuanPerKWh),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

describe('rounding at capacity kinks counts every buyer rationing reaches (200 × 10,000)', () => {
  for (const [what, seed, phi] of [
    ['two φ levels, an id order whose last consumer does not bind', 1, undefined],
    ['two φ levels, an id order whose last consumer binds', 0, undefined],
    ['one φ level (no consumer binds)', 0, 127_000n],
  ] as const) {
    it(`certifies without repair: ${what}`, () => {
      const { certificate, repairs } = solveCertified(chainRound(seed, phi));
      assert.equal(repairs, 0);
      assert.ok(certificate.maxFollowerGap <= 100, `follower gap ${certificate.maxFollowerGap}`);
      assert.ok(certificate.maxLeaderGap <= 100, `leader gap ${certificate.maxLeaderGap}`);
      assert.equal(certificate.certified, true);
    });
  }
});
