/**
 * The JSON views of the contracts' state that the node API answers (docs/api.md "Routes"): one zod
 * schema per view, declared once here and used by the API's routes (which check every answer against
 * it and publish it in /openapi.json), by the typed client (`client/marketReader.ts` parses answers
 * with it) and by the dashboard (which types its reads with the inferred types). Each schema is also
 * a type of the same name: `RoundView` is `z.output<typeof RoundView>`.
 *
 * Conventions of every view: integers that may exceed 2^53 (heights, amounts, times) are decimal
 * strings, bytes and keys lower-case hex, consumers appear only under their one-time pseudonyms.
 * A record's JSON is the record with exactly these substitutions (`Jsonified`, `queries.ts` `toJson`).
 */
import { z } from 'zod';
import { MEMBER_ROLES } from '../ledger/memberRecord.ts';
import { JOIN_WAYS, KEY_CHANGE_WAYS } from './memberHistory.ts';
import { BILL_STATUSES, MEMBER_ID, RESPONSE_STATUSES, ROUND_PHASES, VERDICTS } from './records.ts';

/** A record as JSON: bigint → decimal string, bytes → hex, recursively (the type of `toJson`). */
export type Jsonified<T> = T extends bigint
  ? string
  : T extends Uint8Array
    ? string
    : T extends readonly (infer U)[]
      ? Jsonified<U>[]
      : T extends object
        ? { -readonly [K in keyof T]: Jsonified<T[K]> }
        : T;

// ── the pieces ──────────────────────────────────────────────────────────────────────────────

/** A non-negative integer as a decimal string. */
export const Decimal = z.string().regex(/^\d+$/, 'a decimal integer');
/** A signed integer as a decimal string (balances: negative = paid out). */
export const SignedDecimal = z.string().regex(/^-?\d+$/, 'a signed decimal integer');
/** Bytes as lower-case hex. */
export const Hex = z.string().regex(/^([0-9a-f]{2})*$/, 'lower-case hex');
/** 32 bytes (a key, a pseudonym, a transaction id, a hash) as 64 lower-case hex characters. */
export const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');
/** A member id. */
export const MemberId = z.string().regex(MEMBER_ID, 'a member id');
/** A share in parts per million. */
export const Ppm = z.number().int().min(0).max(1_000_000);
/** A count or index (u32). */
export const Count = z.number().int().min(0);

// ── the regulator and the members ───────────────────────────────────────────────────────────

/** GET /v1/regulator: the regulator's public keys, null before `regulator.setup`. */
export const RegulatorView = z.object({
  regulator: z.object({ masterPublic: Hex32, certPublicKey: Hex32 }).nullable(),
});
export type RegulatorView = z.output<typeof RegulatorView>;

/** One change of a member's organisation key, as audited on chain (`keychange/`, docs/protocol.md §4.2). */
export const KeyChangeView = z.object({
  n: Count.describe('its number among the member’s key changes, from 1'),
  how: z
    .enum(KEY_CHANGE_WAYS)
    .describe('rotate: the member, signing with its old key; recover: the trading centre'),
  by: MemberId.describe('who sent it'),
  height: Decimal,
  atMs: Decimal.describe('the block’s time'),
  oldKey: Hex32,
  newKey: Hex32,
  reason: z.string().describe('a recovery’s reason ("" for a rotation)'),
  possessionProven: z.boolean().describe('the new key’s holder proved possession of it on chain'),
});
export type KeyChangeView = z.output<typeof KeyChangeView>;

/** One member as the state holds it. */
export const MemberView = z.object({
  id: MemberId,
  role: z.enum(MEMBER_ROLES),
  aggregator: MemberId.nullable().describe('a consumer’s aggregator'),
  orgKey: Hex32,
  suspended: z.boolean(),
  joinedHeight: Decimal.describe('the height of the block that admitted it (0: genesis)'),
  joinedVia: z.enum(JOIN_WAYS).describe('genesis, member.register, or member.admit from its signed card'),
  keyChanges: z.array(KeyChangeView).describe('its organisation-key changes, oldest first'),
});
export type MemberView = z.output<typeof MemberView>;

/** GET /v1/members: the genesis members, then those joined after genesis in order, as the state holds them. */
export const MembersView = z.object({ members: z.array(MemberView) });
export type MembersView = z.output<typeof MembersView>;

/** One rotation of the regulator's certification key (`certkey/`, docs/protocol.md §4.3). */
export const CertKeyChangeView = z.object({
  seq: Decimal,
  oldKey: Hex32,
  newKey: Hex32,
  height: Decimal,
  atMs: Decimal,
});

/**
 * GET /v1/regulator/cert-keys: the regulator's certification key now (null before setup) and its
 * rotations, oldest first — a certificate registered before a rotation is checked against the key
 * of its time.
 */
export const CertKeysView = z.object({ current: Hex32.nullable(), changes: z.array(CertKeyChangeView) });
export type CertKeysView = z.output<typeof CertKeysView>;

/** GET /v1/members/:id/receiving-key: a generator's receiving key. */
export const ReceivingKeyView = z.object({ key: Hex32 });
export type ReceivingKeyView = z.output<typeof ReceivingKeyView>;

// ── rounds ──────────────────────────────────────────────────────────────────────────────────

/** GET /v1/rounds: the latest round's id ("0" before any). */
export const LatestRoundView = z.object({ latest: Decimal });
export type LatestRoundView = z.output<typeof LatestRoundView>;

/** A round's rules and tariffs (records.ts `roundTerms`). */
export const RoundTermsView = z.object({
  period: z.string(),
  gateClosureMs: Decimal,
  deliveryStartMs: Decimal,
  deliveryEndMs: Decimal,
  responseDeadlineMs: Decimal,
  ackWindowMs: Decimal,
  catalogMicroYuanPerKWh: Decimal,
  transmissionMicroYuanPerKWh: Decimal,
  fundsMicroYuanPerKWh: Decimal,
  benchmarkMicroYuanPerKWh: Decimal,
  reputationWeightMicroYuanPerKWh: Decimal,
  substitutionPpm: Ppm,
  outsideOption: z.boolean(),
  tolerancePpm: Ppm,
  penaltyMicroYuanPerKWh: Decimal,
  ringSize: Count.describe('rings of ringSize..2·ringSize − 1 billed pseudonyms of one aggregator'),
});
export type RoundTermsView = z.output<typeof RoundTermsView>;

/** A generator's offer in a round. */
export const OfferView = z.object({
  generator: MemberId,
  capacityWh: Decimal,
  costQuadraticMicroYuanPerMWh2: Decimal,
  costLinearMicroYuanPerKWh: Decimal,
  costFixedMicroYuan: Decimal,
});
export type OfferView = z.output<typeof OfferView>;

/** A pseudonym's demand in a round. */
export const DemandView = z.object({
  pseudonym: Hex32,
  demandWh: Decimal,
  diversificationMicroYuanPerKWh: Decimal,
});
export type DemandView = z.output<typeof DemandView>;

/** A round's equilibrium (records.ts `clearingRecord`). */
export const ClearingView = z.object({
  prices: z.array(
    z.object({ generator: MemberId, priceMicroYuanPerKWh: Decimal, reputationPpm: Ppm, soldWh: Decimal }),
  ),
  certified: z.boolean(),
  maxLeaderGapMicroYuanPerKWh: Decimal,
  maxFollowerGapMicroYuanPerKWh: Decimal,
  energyWh: Decimal,
  costMicroYuan: Decimal,
  catalogCostMicroYuan: Decimal,
});
export type ClearingView = z.output<typeof ClearingView>;

/** GET /v1/rounds/:id: a round with its terms, offers and clearing (docs/protocol.md §6); its demands and bills are paged lists. */
export const RoundView = z.object({
  id: Decimal,
  phase: z.enum(ROUND_PHASES),
  cancelReason: z.string().nullable().describe('why a cancelled round did not clear'),
  openedAtMs: Decimal,
  terms: RoundTermsView,
  offers: z.array(OfferView),
  demands: Count.describe('pseudonyms that demanded (GET /v1/rounds/:id/demands)'),
  bills: Count.describe(
    'bills recorded at clearing, one per consumer buying directly (GET /v1/rounds/:id/bills)',
  ),
  clearing: ClearingView.nullable().describe('null before clearing'),
});
export type RoundView = z.output<typeof RoundView>;

/** The paging of a list: the `total` entries that match, this page's `offset` and `limit` (docs/api.md "Lists"). */
export const Page = { total: Count, offset: Count, limit: Count };

/** GET /v1/rounds/:id/demands: a page of the round's demands, in order of arrival. */
export const DemandsView = z.object({ demands: z.array(DemandView), ...Page });
export type DemandsView = z.output<typeof DemandsView>;

/**
 * GET /v1/rounds/:id/scenario: the round's market scenario in the project's scenario JSON
 * (../market/scenarioJson.ts) — what `round.close` clears now, for anyone to solve.
 */
export const ScenarioView = z.object({
  name: z.string(),
  parameters: z.object({
    benchmarkMicroYuanPerKWh: Decimal,
    outsideOption: z.boolean(),
    reputationWeightMicroYuanPerKWh: Decimal,
    substitutionPpm: Ppm,
  }),
  generators: z.array(
    z.object({
      id: MemberId,
      capacityWh: Decimal,
      costQuadraticMicroYuanPerMWh2: Decimal,
      costLinearMicroYuanPerKWh: Decimal,
      costFixedMicroYuan: Decimal,
      reputationPpm: Ppm,
    }),
  ),
  consumers: z.array(
    z.object({
      id: Hex32.describe('the pseudonym'),
      group: MemberId.describe('its aggregator'),
      demandWh: Decimal,
      catalogMicroYuanPerKWh: Decimal,
      transmissionMicroYuanPerKWh: Decimal,
      fundsMicroYuanPerKWh: Decimal,
      diversificationMicroYuanPerKWh: Decimal,
      reputationPpm: Ppm,
    }),
  ),
});
export type ScenarioView = z.output<typeof ScenarioView>;

/** The trading modes a cleared round is compared under (ours first). */
export const TRADING_MODES = ['stackelberg', 'catalog', 'bilateral', 'centralised'] as const;

/** GET /v1/rounds/:id/modes: the consumers' cost and direct energy under each trading mode. */
export const ModesView = z.object({
  catalogCostMicroYuan: Decimal,
  modes: z.array(z.object({ mode: z.enum(TRADING_MODES), costMicroYuan: Decimal, directWh: Decimal })),
});
export type ModesView = z.output<typeof ModesView>;

/** GET /v1/rounds/:id/rings/:aggregator: how many rings the aggregator's billed pseudonyms form. */
export const RingsView = z.object({ rings: Count });
export type RingsView = z.output<typeof RingsView>;

/** GET /v1/rounds/:id/rings/:aggregator/:index: one ring's members that are not revoked, sorted — the ring a response is made over. */
export const RingView = z.object({ members: z.array(Hex32) });
export type RingView = z.output<typeof RingView>;

/** GET /v1/pseudonyms/:key: a pseudonym's registration (records.ts `pseudonymRecord`). */
export const PseudonymView = z.object({
  round: Decimal,
  aggregator: MemberId,
  expiresAtMs: Decimal,
  reputationPpm: Ppm.describe('the attested level'),
  certificate: Hex,
  revoked: z.boolean(),
  roundScorePpm: Ppm.nullable().describe('set at finalization'),
});
export type PseudonymView = z.output<typeof PseudonymView>;

// ── bills ───────────────────────────────────────────────────────────────────────────────────

/** A bill's parts and total (billAmount.ts), as decimal strings. */
export const BillAmountView = z.object({
  metered: z.boolean().describe('false before metering: then every amount is 0'),
  billedWh: Decimal,
  energyMicroYuan: Decimal,
  transmissionMicroYuan: Decimal,
  fundsMicroYuan: Decimal,
  penaltyMicroYuan: Decimal,
  totalMicroYuan: Decimal.describe('what settlement takes from the pseudonym’s account'),
});
export type BillAmountView = z.output<typeof BillAmountView>;

/** A consumer's bill for a round (records.ts `billRecord`), its amount and its canonical record. */
export const BillView = z.object({
  round: Decimal,
  index: Count,
  generator: MemberId.describe('the supplier the bill is addressed to (its counterparty for responses)'),
  consumer: Hex32.describe('the consumer’s one-time pseudonym'),
  aggregator: MemberId,
  ring: Count.describe('the index of the ring it responds in'),
  suppliers: Count.describe('generators it buys from (GET /v1/rounds/:id/bills/:index/split)'),
  contractedWh: Decimal,
  contractedMicroYuan: Decimal.describe('the energy part at contracted energy, at the round’s prices'),
  status: z.enum(BILL_STATUSES),
  meter: z.object({ consumedWh: Decimal, meteredAtMs: Decimal }).nullable(),
  billedWh: Decimal,
  energyMicroYuan: Decimal,
  transmissionMicroYuan: Decimal,
  fundsMicroYuan: Decimal,
  consumerPenaltyMicroYuan: Decimal,
  respondedAtMs: Decimal.nullable(),
  response: Hex32.nullable(),
  resolution: z.string(),
  amount: BillAmountView,
  record: Hex.describe('the canonical bill record, which a client decodes with records.ts `billRecord`'),
});
export type BillView = z.output<typeof BillView>;

/** GET /v1/rounds/:id/bills: a page of a round's bills in index order, filtered (`[]` before clearing). */
export const BillsView = z.object({ bills: z.array(BillView), ...Page });
export type BillsView = z.output<typeof BillsView>;

/** GET /v1/rounds/:id/bills/:index/split: what the bill's consumer buys from each supplier, recomputed from the clearing. */
export const BillSplitView = z.object({
  suppliers: z.array(z.object({ generator: MemberId, energyWh: Decimal, priceMicroYuanPerKWh: Decimal })),
});
export type BillSplitView = z.output<typeof BillSplitView>;

/** A generator's sales statement for a round (records.ts `saleRecord`). */
export const SaleView = z.object({
  round: Decimal,
  generator: MemberId,
  soldWh: Decimal,
  priceMicroYuanPerKWh: Decimal,
  buyers: Count,
  status: z.enum(['contracted', 'settled']),
  meter: z.object({ deliveredWh: Decimal, meteredAtMs: Decimal }).nullable(),
  billedWh: Decimal,
  energyMicroYuan: Decimal,
  penaltyMicroYuan: Decimal,
});
export type SaleView = z.output<typeof SaleView>;

/** GET /v1/rounds/:id/sales: every offering generator's sale, by id (`[]` before clearing). */
export const SalesView = z.object({ sales: z.array(SaleView) });
export type SalesView = z.output<typeof SalesView>;

// ── bill responses ──────────────────────────────────────────────────────────────────────────

/** A bill response as a round lists it: addressee, ring and status — never sender or content. */
export const ResponseSummaryView = z.object({
  id: Hex32,
  aggregator: MemberId,
  ringIndex: Count,
  generator: MemberId,
  status: z.enum(RESPONSE_STATUSES),
  receivedAtMs: Decimal,
  bill: Count.nullable().describe('revealed by the acknowledgement'),
  verdict: z.enum(VERDICTS).nullable().describe('revealed by the acknowledgement'),
});
export type ResponseSummaryView = z.output<typeof ResponseSummaryView>;

/** GET /v1/rounds/:id/responses: a page of a round's bill responses in order of arrival, filtered. */
export const ResponsesView = z.object({ responses: z.array(ResponseSummaryView), ...Page });
export type ResponsesView = z.output<typeof ResponsesView>;

/** GET /v1/responses/:id: a ring-signcrypted bill response (records.ts `responseRecord`) and its canonical record. */
export const ResponseView = z.object({
  round: Decimal,
  aggregator: MemberId,
  ringIndex: Count,
  generator: MemberId,
  uniqueId: Hex32,
  signcryption: Hex.describe('ciphertext only'),
  receivedAtMs: Decimal,
  status: z.enum(RESPONSE_STATUSES),
  bill: Count.nullable(),
  verdict: z.enum(VERDICTS).nullable(),
  acknowledgedAtMs: Decimal.nullable(),
  ring: z.array(Hex32).describe('the ring it was verified against'),
  record: Hex.describe('the canonical response record (records.ts `responseRecord`)'),
});
export type ResponseView = z.output<typeof ResponseView>;

// ── money and reputation ────────────────────────────────────────────────────────────────────

/** GET /v1/balances/:account: an account's balance in µ¥ (negative = paid out). */
export const BalanceView = z.object({ account: z.string(), microYuan: SignedDecimal });
export type BalanceView = z.output<typeof BalanceView>;

/** A member's standing (market/reputation.ts). */
export const REPUTATION_STATUSES = ['active', 'excluded', 'probation'] as const;

/**
 * GET /v1/reputation/:id: a member's reputation and standing; `{reputationPpm: null, status:
 * "newcomer"}` before its first scored round.
 */
export const ReputationView = z.object({
  reputationPpm: Ppm.nullable(),
  status: z.enum([...REPUTATION_STATUSES, 'newcomer']),
  roundsInStatus: Count.optional(),
  lastRound: Decimal.optional().describe('the last round that updated it'),
});
export type ReputationView = z.output<typeof ReputationView>;

/** How one round moved a generator's or aggregator's reputation (records.ts `roundScoreRecord`). */
export const ReputationPointView = z.object({
  round: Decimal,
  contractedWh: Decimal,
  deliveredWh: Decimal,
  billsDue: Count,
  billsOnTime: Count,
  violations: Count,
  roundScorePpm: Ppm,
  reputationPpm: Ppm,
  status: z.enum(REPUTATION_STATUSES),
  height: Decimal,
  previousRound: Decimal,
});
export type ReputationPointView = z.output<typeof ReputationPointView>;

/** GET /v1/reputation/:id/history: each round that scored the member, oldest first. */
export const ReputationHistoryView = z.object({ member: MemberId, points: z.array(ReputationPointView) });
export type ReputationHistoryView = z.output<typeof ReputationHistoryView>;

// ── traces ──────────────────────────────────────────────────────────────────────────────────

/** One trace audit event (records.ts `traceRecord`). */
export const TraceView = z.object({
  seq: Decimal,
  regulator: MemberId,
  response: Hex32,
  reason: z.string(),
  atMs: Decimal,
  height: Decimal,
  commitment: Hex32.describe('SHA-256 of the salted trace result and its proofs'),
});
export type TraceView = z.output<typeof TraceView>;

/** GET /v1/traces: the trace audit log, oldest first. */
export const TracesView = z.object({ traces: z.array(TraceView) });
export type TracesView = z.output<typeof TracesView>;

/** POST /v1/regulator/traces: a trace made by the trading centre's node, with its opening (off chain). */
export const TraceResultView = z.object({
  requestedBy: MemberId,
  txId: Hex32.describe('the trace.record transaction'),
  height: Decimal,
  traceSeq: Decimal.nullable().describe('its number in GET /v1/traces'),
  commitment: Hex32,
  memberIndex: Count.describe('the ring member who sent the response'),
  pseudonym: Hex32,
  organisation: z.string().describe('the real identity the PID opening names'),
  opening: z.object({ salt: Hex, trace: Hex.describe('the encoded identity trace') }),
});
export type TraceResultView = z.output<typeof TraceResultView>;
