/**
 * Reputations for built scenarios. Public case data say nothing about how reliable a participant
 * is, so each participant gets a seeded synthetic history — traits drawn once (how often it takes
 * part, how much of its contracts it delivers or takes, how often it settles on time, how often it
 * breaks a rule), then 24 rounds scored by the reputation model from a newcomer's start. The traits'
 * ranges are stated in data/scenarios/README.md; only the reputation model turns them into numbers.
 */
import type { Rng } from '../../prng.ts';
import {
  DEFAULT_REPUTATION,
  newcomer,
  type ReputationState,
  type Role,
  type RoundRecord,
  updateReputation,
} from '../reputation.ts';

/** Rounds of synthetic history before the scenario's round. */
export const HISTORY_ROUNDS = 24;

/** A participant's final state after a synthetic history. */
export function simulatedReputation(rng: Rng, role: Role): ReputationState {
  const participation = rng.between(0.8, 1);
  const reliability = rng.between(0.85, 1);
  const punctuality = rng.between(0.8, 1);
  const violationRate = rng.between(0, 0.05);
  const validates = role === 'generator' && rng.uniform() < 0.5;
  let state = newcomer(DEFAULT_REPUTATION);
  for (let r = 0; r < HISTORY_ROUNDS; r++) {
    const participated = rng.uniform() < participation;
    const contractedWh = participated ? 1_000_000n : 0n;
    const delivered = BigInt(Math.floor(1_000_000 * Math.min(1, reliability + rng.between(-0.05, 0.05))));
    const billsDue = participated ? 1 : 0;
    const record: RoundRecord = {
      participated,
      contractedWh,
      deliveredWh: participated ? delivered : 0n,
      meterDisputed: false,
      billsDue,
      billsOnTime: billsDue === 1 && rng.uniform() < punctuality ? 1 : 0,
      votesDue: validates ? 1 : 0,
      votesHonest: validates ? 1 : 0,
      violations: rng.uniform() < violationRate ? 1 : 0,
    };
    state = updateReputation(state, record, role, DEFAULT_REPUTATION);
  }
  return state;
}
