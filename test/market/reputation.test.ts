import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isDppError } from '../../src/errors.ts';
import {
  DEFAULT_REPUTATION,
  isEligible,
  newcomer,
  type ReputationState,
  type Role,
  type RoundRecord,
  roundScorePpm,
  updateReputation,
} from '../../src/market/reputation.ts';

const perfect: RoundRecord = {
  participated: true,
  contractedWh: 1_000_000n,
  deliveredWh: 1_000_000n,
  meterDisputed: false,
  billsDue: 2,
  billsOnTime: 2,
  votesDue: 0,
  votesHonest: 0,
  violations: 0,
};
const idle: RoundRecord = {
  ...perfect,
  participated: false,
  contractedWh: 0n,
  deliveredWh: 0n,
  billsDue: 0,
  billsOnTime: 0,
};

const arbRecord = fc
  .record({
    participated: fc.boolean(),
    contracted: fc.integer({ min: 0, max: 10_000 }),
    delivered: fc.integer({ min: 0, max: 12_000 }),
    disputed: fc.boolean(),
    billsDue: fc.integer({ min: 0, max: 5 }),
    onTime: fc.integer({ min: 0, max: 5 }),
    votesDue: fc.integer({ min: 0, max: 5 }),
    honest: fc.integer({ min: 0, max: 5 }),
    violations: fc.integer({ min: 0, max: 3 }),
  })
  .map(
    (r): RoundRecord => ({
      participated: r.participated,
      contractedWh: BigInt(r.contracted),
      deliveredWh: BigInt(r.delivered),
      meterDisputed: r.disputed,
      billsDue: r.billsDue,
      billsOnTime: Math.min(r.onTime, r.billsDue),
      votesDue: r.votesDue,
      votesHonest: Math.min(r.honest, r.votesDue),
      violations: r.violations,
    }),
  );
const arbRole = fc.constantFrom<Role>('generator', 'consumer', 'aggregator', 'regulator');
const arbState = fc
  .integer({ min: 0, max: 1_000_000 })
  .map((r): ReputationState => ({ reputationPpm: r, status: 'active', roundsInStatus: 0 }));

describe('reputation', () => {
  it('a newcomer starts at the stated value and is eligible', () => {
    const s = newcomer();
    assert.equal(s.reputationPpm, 500_000);
    assert.equal(isEligible(s), true);
  });

  it('the round score is the weighted mean of the applicable indicators, worked by hand', () => {
    // generator weights: participation 2, fulfilment 4, settlement 2 (validation not applicable)
    const r: RoundRecord = { ...perfect, deliveredWh: 900_000n, billsDue: 4, billsOnTime: 3 };
    // (2·1 + 4·0.9 + 2·0.75) / 8 = 0.8875
    assert.equal(roundScorePpm(r, 'generator'), 887_500);
    // a violation costs 0.25
    assert.equal(roundScorePpm({ ...r, violations: 1 }, 'generator'), 637_500);
    // a disputed meter reading is not scored: (2·1 + 2·0.75) / 4
    assert.equal(roundScorePpm({ ...r, meterDisputed: true }, 'generator'), 875_000);
    // over-delivery counts as full fulfilment, never more
    assert.equal(roundScorePpm({ ...perfect, deliveredWh: 2_000_000n }, 'consumer'), 1_000_000);
  });

  it('decays towards the round score: r′ = 0.9·r + 0.1·score', () => {
    const s = updateReputation(
      { reputationPpm: 600_000, status: 'active', roundsInStatus: 0 },
      perfect,
      'consumer',
    );
    assert.equal(s.reputationPpm, 640_000);
    const t = updateReputation(s, idle, 'consumer'); // idle: score 0
    assert.equal(t.reputationPpm, 576_000);
  });

  it('stays in [0, 1] and is monotone in every indicator (property)', () => {
    fc.assert(
      fc.property(arbState, arbRecord, arbRole, fc.integer({ min: 0, max: 5 }), (state, rec, role, bump) => {
        const base = updateReputation(state, rec, role).reputationPpm;
        assert.ok(base >= 0 && base <= 1_000_000);
        const up = (r: RoundRecord): number => updateReputation(state, r, role).reputationPpm;
        assert.ok(up({ ...rec, participated: true }) >= base, 'participation');
        assert.ok(up({ ...rec, deliveredWh: rec.deliveredWh + BigInt(bump) * 1000n }) >= base, 'fulfilment');
        assert.ok(
          up({ ...rec, billsOnTime: Math.min(rec.billsDue, rec.billsOnTime + bump) }) >= base,
          'settlement',
        );
        assert.ok(
          up({ ...rec, votesHonest: Math.min(rec.votesDue, rec.votesHonest + bump) }) >= base,
          'validation',
        );
        assert.ok(up({ ...rec, violations: rec.violations + bump }) <= base, 'violations');
        // and in the previous reputation
        const higher = { ...state, reputationPpm: Math.min(1_000_000, state.reputationPpm + bump * 1000) };
        assert.ok(updateReputation(higher, rec, role).reputationPpm >= base, 'previous reputation');
      }),
      { numRuns: 300 },
    );
  });

  it('below the threshold a member is excluded, sits out, returns on probation, then is active again', () => {
    let s: ReputationState = { reputationPpm: 310_000, status: 'active', roundsInStatus: 0 };
    s = updateReputation(s, idle, 'consumer');
    assert.equal(s.status, 'excluded');
    assert.equal(isEligible(s), false);
    for (let i = 1; i < DEFAULT_REPUTATION.exclusionRounds; i++) {
      s = updateReputation(s, perfect, 'consumer'); // ignored: it did not trade
      assert.equal(s.status, 'excluded');
    }
    s = updateReputation(s, perfect, 'consumer');
    assert.equal(s.status, 'probation');
    assert.equal(s.reputationPpm, DEFAULT_REPUTATION.exclusionThresholdPpm);
    for (let i = 0; i < DEFAULT_REPUTATION.probationRounds; i++) s = updateReputation(s, perfect, 'consumer');
    assert.equal(s.status, 'active');
    assert.ok(s.reputationPpm > DEFAULT_REPUTATION.exclusionThresholdPpm);
  });

  it('a member on probation that falls below the threshold again is excluded again', () => {
    const s = updateReputation(
      { reputationPpm: 300_000, status: 'probation', roundsInStatus: 2 },
      idle,
      'generator',
    );
    assert.equal(s.status, 'excluded');
  });

  it('refuses inconsistent records with a typed error', () => {
    for (const bad of [
      { ...perfect, billsOnTime: 3 },
      { ...perfect, votesDue: 1, votesHonest: 2 },
      { ...perfect, violations: -1 },
      { ...perfect, deliveredWh: -1n },
    ]) {
      assert.throws(
        () => roundScorePpm(bad, 'consumer'),
        (e) => isDppError(e, 'MARKET_BAD_RECORD'),
      );
    }
  });
});
