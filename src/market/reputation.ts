/**
 * Reputation (docs/market-model.md §7): a positive indicator of a member's "enthusiasm" and
 * reliability, in [0, 1] (stored as integer ppm so every validator computes the same value).
 *
 * Per round, each applicable indicator is in [0, 1]:
 *   participation — took part when the round opened (the node's enthusiasm);
 *   fulfilment    — delivered (generator) or took (consumer) energy ÷ contracted, capped at 1, from
 *                   meter readings signed by the aggregator; a disputed reading is not scored until
 *                   the dispute is resolved;
 *   settlement    — bills settled (or acknowledged) on time ÷ bills due;
 *   validation    — honest votes ÷ votes due, for members that run a validator.
 * The round score is their weighted mean over the indicators that apply (so every role is
 * normalised to [0, 1] whatever it is scored on), minus a penalty per violation, clamped to [0, 1].
 * Reputation then moves towards the score with decay: r' = ρ·r + (1 − ρ)·score (ρ = retention).
 * Newcomers start at a stated value. Below the exclusion threshold a member sits out a number of
 * rounds, then returns on probation at the threshold; it is active again after enough rounds on
 * probation without falling below the threshold, and excluded again if it does. The update is
 * monotone: raising any indicator never lowers reputation, more violations never raise it.
 */
import { MarketError } from './marketError.ts';
import { minBig } from './units.ts';

/** The roles a consortium member can have. */
export type Role = 'generator' | 'consumer' | 'aggregator' | 'regulator';

/** Indicator weights of one role (nonnegative integers). */
export interface RoleWeights {
  readonly participation: number;
  readonly fulfilment: number;
  readonly settlement: number;
  readonly validation: number;
}

/** All the reputation model's parameters, in one place. */
export interface ReputationConfig {
  readonly weights: Readonly<Record<Role, RoleWeights>>;
  /** Score lost per violation, ppm. */
  readonly violationPenaltyPpm: number;
  /** Share of the previous reputation kept each round (decay), ppm. */
  readonly retentionPpm: number;
  /** A newcomer's reputation, ppm. */
  readonly newcomerPpm: number;
  /** Below this a member is excluded from the next round, ppm. */
  readonly exclusionThresholdPpm: number;
  /** Rounds an excluded member sits out before probation. */
  readonly exclusionRounds: number;
  /** Rounds on probation (at or above the threshold) before a member is active again. */
  readonly probationRounds: number;
}

/** The default model (docs/market-model.md §7 explains each number). */
export const DEFAULT_REPUTATION: ReputationConfig = {
  weights: {
    generator: { participation: 2, fulfilment: 4, settlement: 2, validation: 2 },
    consumer: { participation: 2, fulfilment: 3, settlement: 4, validation: 1 },
    aggregator: { participation: 2, fulfilment: 3, settlement: 2, validation: 3 },
    regulator: { participation: 1, fulfilment: 0, settlement: 1, validation: 3 },
  },
  violationPenaltyPpm: 250_000,
  retentionPpm: 900_000,
  newcomerPpm: 500_000,
  exclusionThresholdPpm: 300_000,
  exclusionRounds: 3,
  probationRounds: 5,
};

/** What the chain recorded about one member in one round. */
export interface RoundRecord {
  readonly participated: boolean;
  /** Energy contracted in the round (0: fulfilment does not apply). */
  readonly contractedWh: bigint;
  /** Energy delivered (generator) or taken (consumer), from the aggregator's signed meter reading. */
  readonly deliveredWh: bigint;
  /** The meter reading is disputed: fulfilment is not scored this round. */
  readonly meterDisputed: boolean;
  readonly billsDue: number;
  readonly billsOnTime: number;
  /** Validator duties in the round (0 for members without a validator). */
  readonly votesDue: number;
  readonly votesHonest: number;
  readonly violations: number;
}

/** A member's reputation and standing. */
export interface ReputationState {
  readonly reputationPpm: number;
  readonly status: 'active' | 'excluded' | 'probation';
  /** Rounds spent in the current status. */
  readonly roundsInStatus: number;
}

const PPM = 1_000_000;

/** The state of a newly admitted member. */
export function newcomer(config: ReputationConfig = DEFAULT_REPUTATION): ReputationState {
  return { reputationPpm: config.newcomerPpm, status: 'active', roundsInStatus: 0 };
}

/** Whether a member may take part in the next round. */
export function isEligible(state: ReputationState): boolean {
  return state.status !== 'excluded';
}

/** The round score in ppm, before decay. */
export function roundScorePpm(
  record: RoundRecord,
  role: Role,
  config: ReputationConfig = DEFAULT_REPUTATION,
): number {
  checkRecord(record);
  const w = config.weights[role];
  let num = 0;
  let den = 0;
  const add = (weight: number, ppm: number): void => {
    num += weight * ppm;
    den += weight;
  };
  add(w.participation, record.participated ? PPM : 0);
  if (record.contractedWh > 0n && !record.meterDisputed) {
    const d = minBig(record.deliveredWh, record.contractedWh);
    add(w.fulfilment, Number((d * BigInt(PPM)) / record.contractedWh));
  }
  if (record.billsDue > 0) add(w.settlement, Math.floor((record.billsOnTime * PPM) / record.billsDue));
  if (record.votesDue > 0) add(w.validation, Math.floor((record.votesHonest * PPM) / record.votesDue));
  const mean = den === 0 ? 0 : Math.floor(num / den);
  return clampPpm(mean - record.violations * config.violationPenaltyPpm);
}

/** Reputation moved towards a round score with decay: ⌊(ρ·r + (1 − ρ)·score) / 10⁶⌋ (ppm). */
export function blendPpm(
  reputationPpm: number,
  scorePpm: number,
  config: ReputationConfig = DEFAULT_REPUTATION,
): number {
  return Math.floor((config.retentionPpm * reputationPpm + (PPM - config.retentionPpm) * scorePpm) / PPM);
}

/** The member's state after a round. An excluded member's record is ignored (it did not trade). */
export function updateReputation(
  state: ReputationState,
  record: RoundRecord,
  role: Role,
  config: ReputationConfig = DEFAULT_REPUTATION,
): ReputationState {
  if (state.status === 'excluded') {
    const served = state.roundsInStatus + 1;
    if (served < config.exclusionRounds) return { ...state, roundsInStatus: served };
    return {
      reputationPpm: Math.max(state.reputationPpm, config.exclusionThresholdPpm),
      status: 'probation',
      roundsInStatus: 0,
    };
  }
  const r = blendPpm(state.reputationPpm, roundScorePpm(record, role, config), config);
  if (r < config.exclusionThresholdPpm) return { reputationPpm: r, status: 'excluded', roundsInStatus: 0 };
  if (state.status === 'probation') {
    const served = state.roundsInStatus + 1;
    return served >= config.probationRounds
      ? { reputationPpm: r, status: 'active', roundsInStatus: 0 }
      : { reputationPpm: r, status: 'probation', roundsInStatus: served };
  }
  return { reputationPpm: r, status: 'active', roundsInStatus: state.roundsInStatus + 1 };
}

function checkRecord(r: RoundRecord): void {
  // [REJECT] negative quantities and more on-time bills (or honest votes) than due
  const ok =
    r.contractedWh >= 0n &&
    r.deliveredWh >= 0n &&
    Number.isInteger(r.billsDue) &&
    Number.isInteger(r.billsOnTime) &&
    r.billsDue >= 0 &&
    r.billsOnTime >= 0 &&
    r.billsOnTime <= r.billsDue &&
    Number.isInteger(r.votesDue) &&
    Number.isInteger(r.votesHonest) &&
    r.votesDue >= 0 &&
    r.votesHonest >= 0 &&
    r.votesHonest <= r.votesDue &&
    Number.isInteger(r.violations) &&
    r.violations >= 0;
  if (!ok) throw new MarketError('MARKET_BAD_RECORD', 'inconsistent round record');
}

function clampPpm(x: number): number {
  return Math.min(Math.max(x, 0), PPM);
}
