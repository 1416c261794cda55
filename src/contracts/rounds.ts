/**
 * Market rounds (docs/protocol.md §6): the trading centre opens a round with its gate closure,
 * delivery window, tariffs and deadlines; until gate closure generators offer (capacity and cost
 * parameters) under their organisation key and consumers demand under their one-time pseudonym,
 * forwarded by their aggregator; between gate closure and the start of delivery the trading centre
 * closes the round and every validator computes the same equilibrium (./clearing.ts) and records
 * the resulting energy contracts as bills awaiting metering. A round closed with no offers or no
 * demand, or only once delivery has started, is cancelled with its reason recorded.
 */
import { z } from 'zod';
import type { Point } from '../crypto/group.ts';
import { isEligible, newcomer } from '../market/reputation.ts';
import { type ClearingDemand, type ClearingOffer, clearAtPrices } from './clearing.ts';
import { ContractError } from './contractError.ts';
import type { Draft } from './draft.ts';
import {
  aggregatorBillCountKey,
  aggregatorBillKey,
  billKey,
  billOfKey,
  clearingKey,
  demandEntryKey,
  demandKey,
  generatorBillCountKey,
  generatorBillKey,
  LAST_ROUND_KEY,
  offerKey,
  pseudonymKey,
  receivingKey,
  reputationKey,
  ringCountKey,
  ringKey,
  roundKey,
  saleKey,
} from './keys.ts';
import { notFound, orgKind, pseudonymKind } from './kinds.ts';
import { kindEvents, marketEvent } from './marketEvent.ts';
import {
  billRecord,
  clearingRecord,
  counterRecord,
  DIVERSIFICATION_STEP_MICRO_YUAN_PER_KWH,
  demandRecord,
  MAX_DIVERSIFICATION_MICRO_YUAN_PER_KWH,
  MAX_ROUND_DEMANDS,
  MAX_ROUND_PARTICIPANTS,
  MIN_RING_SIZE,
  offerRecord,
  pseudonymEntryRecord,
  pseudonymRecord,
  type ReputationRecord,
  type RoundRecord,
  type RoundTerms,
  reputationRecord,
  ringRecord,
  roundRecord,
  roundTerms,
  saleRecord,
} from './records.ts';
import { list, record, u64 } from './schema.ts';
import { Decimal, MemberId } from './views.ts';

/** The latest round's id (0 before the first). */
export function lastRoundId(draft: Draft): bigint {
  return draft.read(LAST_ROUND_KEY, counterRecord)?.value ?? 0n;
}

/** The round `id`, or CONTRACT_NOT_FOUND. */
export function roundOf(draft: Draft, id: bigint): RoundRecord {
  return draft.read(roundKey(id), roundRecord) ?? notFound('round', { round: id.toString() });
}

/** A member's reputation (a newcomer's when none is stored). */
export function reputationOf(draft: Pick<Draft, 'read'>, memberId: string): ReputationRecord {
  return draft.read(reputationKey(memberId), reputationRecord) ?? { ...newcomer(), lastRound: 0n };
}

/**
 * When a round's disputes close: a response sent at the deadline may be acknowledged within one
 * window and escalated within the next. Pseudonyms must stay valid until then, and a round is
 * finalized only after it.
 */
export function disputesCloseAtMs(terms: Pick<RoundTerms, 'responseDeadlineMs' | 'ackWindowMs'>): bigint {
  return terms.responseDeadlineMs + 2n * terms.ackWindowMs;
}

/** `round.open` payload: the next id and the round's terms. */
export const roundOpenPayload = record('round.open', 3, { id: u64(), terms: roundTerms });

/** `round.open`: the trading centre opens the next round. */
export const roundOpen = orgKind({
  kind: 'round.open',
  roles: ['trading-centre'],
  payload: roundOpenPayload,
  execute({ ctx, payload: { id, terms: t }, draft }) {
    // [FAIL] rounds are numbered 1, 2, 3 … in order
    const expected = lastRoundId(draft) + 1n;
    if (id !== expected)
      throw new ContractError('CONTRACT_BAD_ROUND', `the next round is ${expected}, not ${id}`);
    // [FAIL] windows out of order: now < gateClosure ≤ deliveryStart < deliveryEnd < responseDeadline, ackWindow > 0
    if (
      !(
        ctx.block.timestampMs < t.gateClosureMs &&
        t.gateClosureMs <= t.deliveryStartMs &&
        t.deliveryStartMs < t.deliveryEndMs &&
        t.deliveryEndMs < t.responseDeadlineMs &&
        t.ackWindowMs > 0n &&
        t.ringSize >= MIN_RING_SIZE
      )
    ) {
      throw new ContractError(
        'CONTRACT_BAD_ROUND',
        `need now < gateClosure ≤ deliveryStart < deliveryEnd < responseDeadline, ackWindow > 0 and ringSize ≥ ${MIN_RING_SIZE}`,
        {
          nowMs: ctx.block.timestampMs.toString(),
          gateClosureMs: t.gateClosureMs.toString(),
          deliveryStartMs: t.deliveryStartMs.toString(),
        },
      );
    }
    // [FAIL] a catalog tariff that leaves direct purchase no room (reservation price ≤ 0)
    if (t.catalogMicroYuanPerKWh <= t.transmissionMicroYuanPerKWh + t.fundsMicroYuanPerKWh) {
      throw new ContractError('CONTRACT_BAD_ROUND', 'the catalog tariff must exceed T&D plus funds');
    }
    const previous = id > 1n ? roundOf(draft, id - 1n) : undefined;
    if (previous !== undefined && previous.phase === 'open') {
      throw new ContractError('CONTRACT_WRONG_PHASE', `round ${id - 1n} is still open`);
    }
    draft.put(LAST_ROUND_KEY, counterRecord, { value: id });
    draft.put(roundKey(id), roundRecord, {
      id,
      phase: 'open',
      cancelReason: null,
      openedAtMs: ctx.block.timestampMs,
      terms: t,
      offers: [],
      demands: 0,
      bills: 0,
    });
  },
});

/** `market.offer` payload. */
export const offerPayload = record('market.offer', 1, {
  round: u64(),
  capacityWh: u64(10_000_000_000_000n),
  costQuadraticMicroYuanPerMWh2: u64(100_000_000_000n),
  costLinearMicroYuanPerKWh: u64(100_000_000n),
  costFixedMicroYuan: u64(100_000_000_000_000n),
});

/** `market.offer`: a generator offers capacity at its cost parameters (replacing an earlier offer). */
export const marketOffer = orgKind({
  kind: 'market.offer',
  roles: ['generator'],
  payload: offerPayload,
  execute({ ctx, payload: { round: id, ...offer }, sender, draft }) {
    const round = beforeGateClosure(draft, id, ctx.block.timestampMs);
    // [FAIL] an excluded generator sits the round out
    if (!isEligible(reputationOf(draft, sender.id))) {
      throw new ContractError('CONTRACT_EXCLUDED', `${sender.id} is excluded by its reputation`);
    }
    // [FAIL] no receiving key: its consumers could not send it their bill responses
    if (draft.get(receivingKey(sender.id)) === undefined) {
      throw new ContractError(
        'CONTRACT_NOT_FOUND',
        'publish a receiving key (member.receiving-key) before offering',
      );
    }
    if (offer.capacityWh === 0n) throw new ContractError('CONTRACT_BAD_ROUND', 'capacity must be positive');
    draft.put(offerKey(id, sender.id), offerRecord, offer);
    if (!round.offers.includes(sender.id)) {
      if (round.offers.length >= MAX_ROUND_PARTICIPANTS)
        throw new ContractError('CONTRACT_LIMIT', 'too many offers');
      draft.put(roundKey(id), roundRecord, { ...round, offers: [...round.offers, sender.id].sort() });
    }
  },
});

/** `market.demand` payload: φ is a level (records.ts `diversificationLevel`). */
export const demandPayload = record('market.demand', 2, {
  round: u64(),
  demandWh: u64(10_000_000_000_000n),
  diversificationMicroYuanPerKWh: u64(MAX_DIVERSIFICATION_MICRO_YUAN_PER_KWH),
});

/** `market.demand`: a consumer states its demand under its one-time pseudonym for the round. */
export const marketDemand = pseudonymKind({
  kind: 'market.demand',
  payload: demandPayload,
  execute({ ctx, payload: { round: id, ...demand }, pseudonym, registration, draft }) {
    // [FAIL] a pseudonym speaks only in the round it was issued for
    if (registration.round !== id) {
      throw new ContractError(
        'CONTRACT_BAD_PSEUDONYM',
        `this pseudonym belongs to round ${registration.round}`,
      );
    }
    const round = beforeGateClosure(draft, id, ctx.block.timestampMs);
    if (demand.demandWh === 0n) throw new ContractError('CONTRACT_BAD_ROUND', 'demand must be positive');
    // [FAIL] φ off its levels: free values would let consumers make the equilibrium check arbitrarily costly
    const phi = demand.diversificationMicroYuanPerKWh;
    if (phi === 0n || phi % DIVERSIFICATION_STEP_MICRO_YUAN_PER_KWH !== 0n) {
      throw new ContractError(
        'CONTRACT_BAD_ROUND',
        `state the diversification preference in levels: a positive multiple of ${DIVERSIFICATION_STEP_MICRO_YUAN_PER_KWH} µ¥/kWh`,
        { diversificationMicroYuanPerKWh: phi.toString() },
      );
    }
    // A later demand replaces an earlier one; a first one joins the round's list (O(1) per demand).
    if (draft.get(demandKey(id, pseudonym)) === undefined) {
      if (round.demands >= MAX_ROUND_DEMANDS)
        throw new ContractError('CONTRACT_LIMIT', `a round takes at most ${MAX_ROUND_DEMANDS} demands`);
      draft.put(demandEntryKey(id, round.demands), pseudonymEntryRecord, { key: pseudonym });
      draft.put(roundKey(id), roundRecord, { ...round, demands: round.demands + 1 });
    }
    draft.put(demandKey(id, pseudonym), demandRecord, demand);
  },
});

/**
 * `round.close` payload: the round and its equilibrium prices (µ¥/kWh), one per offering generator
 * in id order (`round.offers`), as the trading centre's solver found them (empty when the round is
 * to be cancelled: no offers or no demand).
 */
export const roundClosePayload = record('round.close', 2, {
  round: u64(),
  prices: list(u64(100_000_000n), MAX_ROUND_PARTICIPANTS),
});

/**
 * `round.close`: the trading centre closes the round from gate closure on with the equilibrium
 * prices it solved off chain; every validator settles and certifies the round at them
 * (./clearing.ts) and records the same statements. A round with no offers or no demand to clear, or
 * closed only after delivery started, is cancelled instead, its reason recorded.
 */
export const roundClose = orgKind({
  kind: 'round.close',
  roles: ['trading-centre'],
  payload: roundClosePayload,
  execute({ ctx, payload: { round: id, prices }, draft }) {
    const round = openRound(draft, id);
    const now = ctx.block.timestampMs;
    // [FAIL] offers and demand are still being taken until gate closure
    if (now < round.terms.gateClosureMs) {
      throw new ContractError('CONTRACT_TOO_EARLY', 'the round’s gate has not closed yet', {
        gateClosureMs: round.terms.gateClosureMs.toString(),
      });
    }
    const { offers, demands } = clearingInputs(draft, round, (g) => reputationOf(draft, g).reputationPpm);
    // [CANCEL] too late to deliver, or nothing to clear: no contracts, the reason on record
    const cancelReason =
      now >= round.terms.deliveryStartMs
        ? 'not closed before delivery started'
        : offers.length === 0
          ? 'no offers'
          : demands.length === 0
            ? 'no demand'
            : null;
    if (cancelReason !== null) {
      draft.put(roundKey(id), roundRecord, { ...round, phase: 'cancelled', cancelReason });
      return;
    }
    const cleared = clearAtPrices(ctx.block.chainId, id, round.terms, offers, demands, prices);
    draft.put(clearingKey(id), clearingRecord, cleared.clearing);
    // each bill, and its place in its pseudonym's, its aggregator's and its addressee's lookups
    const perAggregator = new Map<string, number>();
    const perGenerator = new Map<string, number>();
    for (const bill of cleared.bills) {
      const index = { value: BigInt(bill.index) };
      draft.put(billKey(id, bill.index), billRecord, bill);
      draft.put(billOfKey(id, bill.consumer), counterRecord, index);
      const a = perAggregator.get(bill.aggregator) ?? 0;
      draft.put(aggregatorBillKey(id, bill.aggregator, a), counterRecord, index);
      perAggregator.set(bill.aggregator, a + 1);
      const g = perGenerator.get(bill.generator) ?? 0;
      draft.put(generatorBillKey(id, bill.generator, g), counterRecord, index);
      perGenerator.set(bill.generator, g + 1);
    }
    for (const [aggregator, n] of perAggregator)
      draft.put(aggregatorBillCountKey(id, aggregator), counterRecord, { value: BigInt(n) });
    for (const [generator, n] of perGenerator)
      draft.put(generatorBillCountKey(id, generator), counterRecord, { value: BigInt(n) });
    for (const sale of cleared.sales) draft.put(saleKey(id, sale.generator), saleRecord, sale);
    for (const [aggregator, rings] of cleared.rings) {
      draft.put(ringCountKey(id, aggregator), counterRecord, { value: BigInt(rings.length) });
      rings.forEach((members, i) => {
        draft.put(ringKey(id, aggregator, i), ringRecord, { members });
      });
    }
    draft.put(roundKey(id), roundRecord, { ...round, phase: 'cleared', bills: cleared.bills.length });
  },
});

/** `round-opened`: a round and its deadlines (docs/api.md "Market events"). */
export const RoundOpenedEvent = marketEvent('round-opened', {
  round: Decimal,
  period: z.string(),
  gateClosureMs: Decimal,
  deliveryStartMs: Decimal,
  deliveryEndMs: Decimal,
  responseDeadlineMs: Decimal,
  ackWindowMs: Decimal,
});

/** `round-cleared`: a round's equilibrium — its number of bills, energy and prices. */
export const RoundClearedEvent = marketEvent('round-cleared', {
  round: Decimal,
  bills: z.number().int().describe('bills recorded: one per consumer that buys directly'),
  certified: z.boolean(),
  energyWh: Decimal,
  prices: z.array(z.object({ generator: MemberId, priceMicroYuanPerKWh: Decimal })),
});

/** `round-cancelled`: a round closed with nothing to clear, or too late. */
export const RoundCancelledEvent = marketEvent('round-cancelled', { round: Decimal, reason: z.string() });

/** The events of `round.open`. */
export const roundOpenEvents = kindEvents({
  kind: roundOpen.kind,
  payload: roundOpenPayload,
  events: [RoundOpenedEvent],
  derive: ({ payload: { id, terms }, at }) => [
    {
      type: 'round-opened' as const,
      ...at,
      round: id.toString(),
      period: terms.period,
      gateClosureMs: terms.gateClosureMs.toString(),
      deliveryStartMs: terms.deliveryStartMs.toString(),
      deliveryEndMs: terms.deliveryEndMs.toString(),
      responseDeadlineMs: terms.responseDeadlineMs.toString(),
      ackWindowMs: terms.ackWindowMs.toString(),
    },
  ],
});

/** The events of `round.close`: cleared or cancelled, as the round's record says. */
export const roundCloseEvents = kindEvents({
  kind: roundClose.kind,
  payload: roundClosePayload,
  events: [RoundClearedEvent, RoundCancelledEvent],
  derive: ({ payload: { round }, at, read }) => {
    const r = read(roundKey(round), roundRecord);
    if (r?.phase === 'cancelled')
      return [
        { type: 'round-cancelled' as const, ...at, round: round.toString(), reason: r.cancelReason ?? '' },
      ];
    const clearing = read(clearingKey(round), clearingRecord);
    if (r === undefined || clearing === undefined) return [];
    return [
      {
        type: 'round-cleared' as const,
        ...at,
        round: round.toString(),
        bills: r.bills,
        certified: clearing.certified,
        energyWh: clearing.energyWh.toString(),
        prices: clearing.prices.map((p) => ({
          generator: p.generator,
          priceMicroYuanPerKWh: p.priceMicroYuanPerKWh.toString(),
        })),
      },
    ];
  },
});

/**
 * What a round clears on: its offers with each generator's reputation (`reputationOf`: the current
 * one at closing; the one recorded in the clearing when a cleared round is rebuilt), and the
 * demand of its pseudonyms not revoked, with their attested reputations. For a cleared round, a
 * pseudonym revoked after clearing keeps its place if it has a bill (its purchase was part of the
 * settlement), so the round's split and trading modes recompute as they were cleared.
 */
export function clearingInputs(
  draft: Pick<Draft, 'read'>,
  round: RoundRecord,
  reputationOfGenerator: (generator: string) => number,
): { offers: ClearingOffer[]; demands: ClearingDemand[] } {
  const offers = round.offers.map((generator) => ({
    generator,
    offer: draft.read(offerKey(round.id, generator), offerRecord)!,
    reputationPpm: reputationOfGenerator(generator),
  }));
  const demands = roundDemands(draft, round)
    .map((pseudonym) => ({ pseudonym, reg: draft.read(pseudonymKey(pseudonym), pseudonymRecord)! }))
    // a pseudonym revoked since it demanded no longer trades (unless it already has a bill)
    .filter(
      ({ pseudonym, reg }) =>
        !reg.revoked || draft.read(billOfKey(round.id, pseudonym), counterRecord) !== undefined,
    )
    .map(({ pseudonym, reg }) => ({
      pseudonym,
      aggregator: reg.aggregator,
      demand: draft.read(demandKey(round.id, pseudonym), demandRecord)!,
      reputationPpm: reg.reputationPpm,
    }));
  return { offers, demands };
}

/** The pseudonyms that demanded in the round, in order of arrival. */
export function roundDemands(draft: Pick<Draft, 'read'>, round: RoundRecord): Point[] {
  return Array.from(
    { length: round.demands },
    (_, i) => draft.read(demandEntryKey(round.id, i), pseudonymEntryRecord)!.key,
  );
}

function openRound(draft: Draft, id: bigint): RoundRecord {
  const round = roundOf(draft, id);
  // [FAIL] offers, demand and closing only while the round is open
  if (round.phase !== 'open')
    throw new ContractError('CONTRACT_WRONG_PHASE', `round ${id} is ${round.phase}`);
  return round;
}

/** The open round `id`, refusing with CONTRACT_TOO_LATE from its gate closure on (offers, demand, pseudonyms). */
export function beforeGateClosure(draft: Draft, id: bigint, nowMs: bigint): RoundRecord {
  const round = openRound(draft, id);
  // [FAIL] the gate closes ahead of delivery: nothing joins the round from then on
  if (nowMs >= round.terms.gateClosureMs) {
    throw new ContractError('CONTRACT_TOO_LATE', `round ${id}'s gate closed`, {
      gateClosureMs: round.terms.gateClosureMs.toString(),
    });
  }
  return round;
}
