/**
 * The contracts' state records (docs/protocol.md §2): one versioned schema each (./schema.ts), so
 * the record's type, encoding and strict decoding come from one declaration. Amounts are integers:
 * energy in Wh, money in micro-yuan (µ¥), prices in µ¥/kWh, reputations and shares in ppm.
 */
import {
  bool,
  bytes,
  type Codec,
  fixed,
  type Infer,
  i64,
  list,
  oneOf,
  optional,
  point,
  record,
  str,
  struct,
  u32,
  u64,
} from './schema.ts';

/** Member ids: 1..64 characters of [a-z0-9.-], starting with a letter or digit (as in genesis). */
export const MEMBER_ID = /^[a-z0-9][a-z0-9.-]{0,63}$/;
/** Free text on chain (reasons, period labels): at most this many UTF-8 bytes. */
export const MAX_TEXT_BYTES = 200;
/** Most generators offering in one round, and most entries in one list of a transaction. */
export const MAX_ROUND_PARTICIPANTS = 1024;
/** Most consumer pseudonyms demanding in one round (each gets at most one bill). */
export const MAX_ROUND_DEMANDS = 200_000;
/** Ring sizes a round may ask for: a ring (a group of the partition, ./rings.ts) has ringSize..2·ringSize − 1 members. */
export const MIN_RING_SIZE = 2;
export const MAX_RING_SIZE = 128;

/** A member id field. */
export const memberId = str(64, MEMBER_ID);
/** A free-text field. */
export const text = str(MAX_TEXT_BYTES);
/** A ppm field, 0..1e6. */
export const ppm = u32(1_000_000);

/** The value type of a record codec. */
export type RecordOf<C> = C extends Codec<infer T> ? T : never;

/** A counter: the latest round's id (`round/last`), the number of traces (`trace/last`). */
export const counterRecord = record('counter', 1, { value: u64() });

/** The regulator's public keys: P (tracing, PID opening) and the pseudonym-certificate key. */
export const regulatorRecord = record('regulator', 1, {
  masterPublic: point,
  certPublicKey: fixed(32),
});
export type RegulatorRecord = RecordOf<typeof regulatorRecord>;

/** The granularity of an attested consumer reputation (10 levels). */
export const REPUTATION_LEVEL_PPM = 100_000;

/** Length of an encoded pseudonym certificate (../privacy/pseudonymCertificate.ts). */
export const CERTIFICATE_BYTES = 1 + 32 + 112 + 8 + 64;

/** A registered pseudonym: its round, aggregator, expiry, attested reputation and certificate. */
export const pseudonymRecord = record('pseudonym', 1, {
  round: u64(),
  aggregator: memberId,
  expiresAtMs: u64(),
  /**
   * The consumer's reputation level, attested by the regulator (which alone knows who it is): a
   * multiple of REPUTATION_LEVEL_PPM, so that it cannot link the consumer's pseudonyms.
   */
  reputationPpm: ppm,
  /** The regulator's certificate of the key, binding PID1, PID2 and the expiry. */
  certificate: fixed(CERTIFICATE_BYTES),
  revoked: bool,
  /** The consumer's score in its round (../market/reputation.ts), set at finalization (null before). */
  roundScorePpm: optional(ppm),
});
export type PseudonymRecord = RecordOf<typeof pseudonymRecord>;

/**
 * One ring of a round: a group of the partition of an aggregator's billed pseudonyms
 * (./rings.ts), sorted by encoding — every member's bill responses are verified against it.
 */
export const ringRecord = record('ring', 2, { members: list(point, 2 * MAX_RING_SIZE - 1) });

/** One entry of an append-only list kept as one record per index (a round's demands, its responses). */
export const pseudonymEntryRecord = record('pseudonym-entry', 1, { key: point });
export const txEntryRecord = record('tx-entry', 1, { id: fixed(32) });

/**
 * Round phases: open → cleared → finalized, or open → cancelled when it closes with no offers or
 * no demand, or only after delivery has started (docs/protocol.md §6).
 */
export const ROUND_PHASES = ['open', 'cleared', 'finalized', 'cancelled'] as const;
export type RoundPhase = (typeof ROUND_PHASES)[number];

/** The rules and tariffs of a round, fixed when it opens. */
export const roundTerms = struct({
  period: text,
  /** Gate closure: offers, demand and pseudonyms are taken before it; the round closes from it. */
  gateClosureMs: u64(),
  /** The round closes (clears) before delivery starts. */
  deliveryStartMs: u64(),
  deliveryEndMs: u64(),
  /** Meter readings are taken after delivery ends and before this time; consumers respond by it. */
  responseDeadlineMs: u64(),
  /** A generator acknowledges a response within this long of its inclusion. */
  ackWindowMs: u64(),
  catalogMicroYuanPerKWh: u64(100_000_000n),
  transmissionMicroYuanPerKWh: u64(100_000_000n),
  fundsMicroYuanPerKWh: u64(100_000_000n),
  benchmarkMicroYuanPerKWh: u64(100_000_000n),
  reputationWeightMicroYuanPerKWh: u64(100_000_000n),
  substitutionPpm: u32(990_000),
  outsideOption: bool,
  /** Deviation between metered and contracted energy tolerated without penalty. */
  tolerancePpm: ppm,
  /** Penalty per kWh of deviation beyond the tolerance. */
  penaltyMicroYuanPerKWh: u64(100_000_000n),
  /** The anonymity set of a bill response: rings of ringSize..2·ringSize − 1 of the aggregator's billed pseudonyms. */
  ringSize: u32(MAX_RING_SIZE),
});
export type RoundTerms = Infer<typeof roundTerms>;

/** A market round. */
export const roundRecord = record('round', 3, {
  id: u64(),
  phase: oneOf(ROUND_PHASES),
  /** Why a cancelled round did not clear (null otherwise). */
  cancelReason: optional(text),
  openedAtMs: u64(),
  terms: roundTerms,
  /** Generators that offered, sorted. */
  offers: list(memberId, MAX_ROUND_PARTICIPANTS),
  /** Consumer pseudonyms that demanded, in order of arrival (demandat/‖round‖0..demands−1). */
  demands: u32(MAX_ROUND_DEMANDS),
  /** Bills recorded at clearing, one per consumer that buys directly (bill/‖round‖0..bills−1). */
  bills: u32(MAX_ROUND_DEMANDS),
});
export type RoundRecord = RecordOf<typeof roundRecord>;

/** A generator's offer for a round. */
export const offerRecord = record('offer', 1, {
  capacityWh: u64(10_000_000_000_000n),
  costQuadraticMicroYuanPerMWh2: u64(100_000_000_000n),
  costLinearMicroYuanPerKWh: u64(100_000_000n),
  costFixedMicroYuan: u64(100_000_000_000_000n),
});
export type OfferRecord = RecordOf<typeof offerRecord>;

/**
 * A consumer's diversification preference φ is stated in levels: whole multiples of this step (0.1
 * fen/kWh) up to MAX_DIVERSIFICATION (500 levels). Certifying a round costs in proportion to its
 * distinct consumer types, and within a round a type is a value of φ (every consumer has the round's
 * tariffs), so the levels bound what a validator spends checking the equilibrium whatever consumers
 * state (docs/protocol.md §6: 0.87 s at 200 × 10,000 with 440 distinct levels, against 0.25 s with 2).
 */
export const DIVERSIFICATION_STEP_MICRO_YUAN_PER_KWH = 1_000n;
export const MAX_DIVERSIFICATION_MICRO_YUAN_PER_KWH = 500_000n;

/** φ rounded to the nearest level (at least one step, at most the last). */
export function diversificationLevel(microYuanPerKWh: bigint): bigint {
  const step = DIVERSIFICATION_STEP_MICRO_YUAN_PER_KWH;
  const level = ((microYuanPerKWh + step / 2n) / step) * step;
  return level < step
    ? step
    : level > MAX_DIVERSIFICATION_MICRO_YUAN_PER_KWH
      ? MAX_DIVERSIFICATION_MICRO_YUAN_PER_KWH
      : level;
}

/** A consumer pseudonym's demand for a round. */
export const demandRecord = record('demand', 1, {
  demandWh: u64(10_000_000_000_000n),
  /** φ: the consumer's diversification preference (docs/market-model.md §2). */
  diversificationMicroYuanPerKWh: u64(100_000_000n),
});
export type DemandRecord = RecordOf<typeof demandRecord>;

/** The equilibrium of a round: prices per generator and the certificate's summary. */
export const clearingRecord = record('clearing', 2, {
  /** Per generator (sorted by id): its equilibrium price, the reputation it cleared with, and what it sold. */
  prices: list(
    struct({ generator: memberId, priceMicroYuanPerKWh: u64(), reputationPpm: ppm, soldWh: u64() }),
    MAX_ROUND_PARTICIPANTS,
  ),
  certified: bool,
  /** Largest gain any generator could make by deviating, µ¥ per kWh of capacity (rounded up). */
  maxLeaderGapMicroYuanPerKWh: u64(),
  /** Largest gain any consumer could make by deviating, µ¥ per kWh of demand (rounded up). */
  maxFollowerGapMicroYuanPerKWh: u64(),
  /** Energy bought directly in the round. */
  energyWh: u64(),
  /** What the consumers pay in the round (direct + grid), and what the catalog tariff alone costs. */
  costMicroYuan: u64(),
  catalogCostMicroYuan: u64(),
});
export type ClearingRecord = RecordOf<typeof clearingRecord>;

/** Bill statuses. */
export const BILL_STATUSES = [
  'contracted', // cleared, not yet metered
  'issued', // metered: awaiting the consumer's confirmation or dispute
  'settled', // confirmed (or resolved) and paid
  'disputed', // the consumer disputed it: awaiting the regulator
  'escalated', // the generator ignored the consumer's response: awaiting the regulator
  'voided', // the regulator cancelled it
  'overdue', // no response by the deadline when the round was finalized
] as const;
export type BillStatus = (typeof BILL_STATUSES)[number];

/**
 * A consumer's bill for a round: its statement at the equilibrium's prices (docs/protocol.md §7).
 * What it bought from each generator is not stored: it is a deterministic function of the clearing
 * and the round's demands (../market/statements.ts), which anyone recomputes.
 */
export const billRecord = record('bill', 2, {
  round: u64(),
  index: u32(),
  /**
   * The generator the bill is addressed to — its counterparty for confirmations and disputes: the
   * same for every bill of its ring, one of the ring's suppliers drawn in proportion to the energy
   * each supplies it (./clearing.ts `counterparty`).
   */
  generator: memberId,
  /** The consumer's one-time pseudonym for the round. */
  consumer: point,
  aggregator: memberId,
  /** The ring (group of the partition of the aggregator's billed pseudonyms) it responds in. */
  ring: u32(),
  /** How many generators supply it. */
  suppliers: u32(MAX_ROUND_PARTICIPANTS),
  contractedWh: u64(),
  /** The energy part at contracted energy: Σ over its suppliers of energy × that generator's price. */
  contractedMicroYuan: u64(),
  status: oneOf(BILL_STATUSES),
  /** Metered energy the consumer took (null before metering). */
  meter: optional(struct({ consumedWh: u64(), meteredAtMs: u64() })),
  /** The bill's amounts (zero before metering). */
  billedWh: u64(),
  energyMicroYuan: u64(),
  transmissionMicroYuan: u64(),
  fundsMicroYuan: u64(),
  consumerPenaltyMicroYuan: u64(),
  /** When the consumer's response was acknowledged, and the response transaction (null before). */
  respondedAtMs: optional(u64()),
  response: optional(fixed(32)),
  /** The regulator's resolution note (empty unless resolved). */
  resolution: text,
});
export type BillRecord = RecordOf<typeof billRecord>;

/**
 * A generator's sales statement for a round: what it sold at its equilibrium price and, once the
 * trading centre has metered its plant, what it delivered and was paid (docs/protocol.md §7).
 */
export const saleRecord = record('sale', 1, {
  round: u64(),
  generator: memberId,
  soldWh: u64(),
  priceMicroYuanPerKWh: u64(),
  /** How many consumers it supplies. */
  buyers: u32(MAX_ROUND_DEMANDS),
  status: oneOf(['contracted', 'settled'] as const),
  meter: optional(struct({ deliveredWh: u64(), meteredAtMs: u64() })),
  billedWh: u64(),
  energyMicroYuan: u64(),
  penaltyMicroYuan: u64(),
});
export type SaleRecord = RecordOf<typeof saleRecord>;

/** Largest encoded signcryption a bill response may carry (a ring of 2·MAX_RING_SIZE − 1 and a short message). */
export const MAX_SIGNCRYPTION_BYTES = 40_000;

/** A consumer's verdict on its bill. */
export const VERDICTS = ['confirm', 'dispute'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Response statuses. */
export const RESPONSE_STATUSES = ['pending', 'acknowledged', 'escalated'] as const;

/** A ring-signcrypted bill response as validators see it: who may read it, not who sent it. */
export const responseRecord = record('response', 2, {
  round: u64(),
  aggregator: memberId,
  /** The ring's index among the aggregator's rings of the round. */
  ringIndex: u32(),
  generator: memberId,
  uniqueId: fixed(32),
  /** The signcryption (../privacy/signcryptionEncoding.ts), ciphertext only. */
  signcryption: bytes(MAX_SIGNCRYPTION_BYTES),
  receivedAtMs: u64(),
  status: oneOf(RESPONSE_STATUSES),
  /** Revealed by the generator's acknowledgement: the bill and the verdict. */
  bill: optional(u32()),
  verdict: optional(oneOf(VERDICTS)),
  acknowledgedAtMs: optional(u64()),
  /** The ring members the signcryption was verified against (revoked or expired ones left out). */
  ring: list(point, 2 * MAX_RING_SIZE - 1),
});
export type ResponseRecord = RecordOf<typeof responseRecord>;

/** Most bill responses one round keeps (a consumer may respond more than once; only one per bill is acknowledged). */
export const MAX_ROUND_RESPONSES = 4 * MAX_ROUND_DEMANDS;

/** A member's reputation and standing (../market/reputation.ts). */
export const reputationRecord = record('reputation', 1, {
  reputationPpm: ppm,
  status: oneOf(['active', 'excluded', 'probation'] as const),
  roundsInStatus: u32(),
  /** The last round that updated it (0 = none yet). */
  lastRound: u64(),
});
export type ReputationRecord = RecordOf<typeof reputationRecord>;

/**
 * How one round moved a generator's or aggregator's reputation (`round.finalize`): the indicators
 * it was scored on (../market/reputation.ts RoundRecord), the round's score, the reputation and
 * standing after it, and the member's previous scored round (0 = none), so its history is a walk.
 */
export const roundScoreRecord = record('score', 1, {
  contractedWh: u64(),
  deliveredWh: u64(),
  billsDue: u32(),
  billsOnTime: u32(),
  violations: u32(),
  roundScorePpm: ppm,
  reputationPpm: ppm,
  status: oneOf(['active', 'excluded', 'probation'] as const),
  height: u64(),
  previousRound: u64(),
});
export type RoundScoreRecord = RecordOf<typeof roundScoreRecord>;

/** A balance in micro-yuan (negative: owes). */
export const balanceRecord = record('balance', 1, { microYuan: i64 });

/** One trace audit event: who traced which message, when and why, and a commitment to the result. */
export const traceRecord = record('trace', 1, {
  seq: u64(),
  regulator: memberId,
  /** The traced bill-response transaction. */
  response: fixed(32),
  reason: text,
  atMs: u64(),
  height: u64(),
  /** SHA-256 commitment to the salted trace result and its proofs (docs/protocol.md §7). */
  commitment: fixed(32),
});
export type TraceRecord = RecordOf<typeof traceRecord>;
