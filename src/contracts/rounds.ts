/**
 * Market rounds (docs/protocol.md §6): the trading centre opens a round with its delivery window,
 * tariffs and deadlines; generators offer (capacity and cost parameters) under their organisation
 * key; consumers demand under their one-time pseudonym, forwarded by their aggregator; the trading
 * centre closes the round and every validator computes the same equilibrium (./clearing.ts) and
 * records the resulting energy contracts as bills awaiting metering.
 */
import { bytesEqual, compareBytes } from '../codec/bytes.ts';
import { isEligible, newcomer } from '../market/reputation.ts';
import { type ClearedContract, type ClearingDemand, type ClearingOffer, clearRound } from './clearing.ts';
import { ContractError } from './contractError.ts';
import type { Draft } from './draft.ts';
import {
  billKey,
  clearingKey,
  demandKey,
  LAST_ROUND_KEY,
  offerKey,
  pseudonymKey,
  receivingKey,
  reputationKey,
  roundKey,
} from './keys.ts';
import { notFound, orgKind, pseudonymKind } from './kinds.ts';
import {
  type BillRecord,
  billRecord,
  clearingRecord,
  counterRecord,
  demandRecord,
  MAX_ROUND_PARTICIPANTS,
  offerRecord,
  pseudonymRecord,
  type ReputationRecord,
  type RoundRecord,
  type RoundTerms,
  reputationRecord,
  roundRecord,
  roundTerms,
} from './records.ts';
import { record, u64 } from './schema.ts';

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
export const roundOpenPayload = record('round.open', 1, { id: u64(), terms: roundTerms });

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
    // [FAIL] an empty or inverted window, or deadlines before delivery ends
    if (
      !(t.deliveryStartMs < t.deliveryEndMs && t.deliveryEndMs <= t.responseDeadlineMs && t.ackWindowMs > 0n)
    ) {
      throw new ContractError(
        'CONTRACT_BAD_ROUND',
        'need deliveryStart < deliveryEnd ≤ responseDeadline and ackWindow > 0',
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
      openedAtMs: ctx.block.timestampMs,
      terms: t,
      offers: [],
      demands: [],
      contracts: 0,
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
  execute({ payload: { round: id, ...offer }, sender, draft }) {
    const round = openRound(draft, id);
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

/** `market.demand` payload. */
export const demandPayload = record('market.demand', 1, {
  round: u64(),
  demandWh: u64(10_000_000_000_000n),
  diversificationMicroYuanPerKWh: u64(100_000_000n),
});

/** `market.demand`: a consumer states its demand under its one-time pseudonym for the round. */
export const marketDemand = pseudonymKind({
  kind: 'market.demand',
  payload: demandPayload,
  execute({ payload: { round: id, ...demand }, pseudonym, registration, draft }) {
    // [FAIL] a pseudonym speaks only in the round it was issued for
    if (registration.round !== id) {
      throw new ContractError(
        'CONTRACT_BAD_PSEUDONYM',
        `this pseudonym belongs to round ${registration.round}`,
      );
    }
    const round = openRound(draft, id);
    if (demand.demandWh === 0n) throw new ContractError('CONTRACT_BAD_ROUND', 'demand must be positive');
    draft.put(demandKey(id, pseudonym), demandRecord, demand);
    if (!round.demands.some((y) => bytesEqual(y, pseudonym))) {
      draft.put(roundKey(id), roundRecord, {
        ...round,
        demands: [...round.demands, pseudonym].sort(compareBytes),
      });
    }
  },
});

/** `round.close` payload. */
export const roundClosePayload = record('round.close', 1, { round: u64() });

/** `round.close`: the trading centre closes the round; every validator clears it identically. */
export const roundClose = orgKind({
  kind: 'round.close',
  roles: ['trading-centre'],
  payload: roundClosePayload,
  execute({ payload: { round: id }, draft }) {
    const round = openRound(draft, id);
    const { offers, demands } = clearingInputs(draft, round, (g) => reputationOf(draft, g).reputationPpm);
    const { clearing, contracts } = clearRound(round.terms, offers, demands);
    draft.put(clearingKey(id), clearingRecord, clearing);
    contracts.forEach((c, index) => {
      draft.put(billKey(id, index), billRecord, contractedBill(id, index, c));
    });
    draft.put(roundKey(id), roundRecord, { ...round, phase: 'cleared', contracts: contracts.length });
  },
});

/** The bill of energy contract `index` of round `round`, as clearing records it: nothing metered yet. */
export function contractedBill(round: bigint, index: number, c: ClearedContract): BillRecord {
  return {
    round,
    index,
    generator: c.generator,
    consumer: c.consumer,
    aggregator: c.aggregator,
    contractedWh: c.energyWh,
    priceMicroYuanPerKWh: c.priceMicroYuanPerKWh,
    status: 'contracted',
    meter: null,
    billedWh: 0n,
    energyMicroYuan: 0n,
    transmissionMicroYuan: 0n,
    fundsMicroYuan: 0n,
    generatorPenaltyMicroYuan: 0n,
    consumerPenaltyMicroYuan: 0n,
    respondedAtMs: null,
    response: null,
    resolution: '',
  };
}

/**
 * What a round clears on: its offers with each generator's reputation (`reputationOf`: the current
 * one at closing; the one recorded in the clearing when a cleared round is rebuilt), and the
 * demand of its pseudonyms not revoked, with their attested reputations.
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
  const demands = round.demands
    .map((pseudonym) => ({ pseudonym, reg: draft.read(pseudonymKey(pseudonym), pseudonymRecord)! }))
    // a pseudonym revoked since it demanded no longer trades
    .filter(({ reg }) => !reg.revoked)
    .map(({ pseudonym, reg }) => ({
      pseudonym,
      aggregator: reg.aggregator,
      demand: draft.read(demandKey(round.id, pseudonym), demandRecord)!,
      reputationPpm: reg.reputationPpm,
    }));
  return { offers, demands };
}

function openRound(draft: Draft, id: bigint): RoundRecord {
  const round = roundOf(draft, id);
  // [FAIL] offers, demand and closing only while the round is open
  if (round.phase !== 'open')
    throw new ContractError('CONTRACT_WRONG_PHASE', `round ${id} is ${round.phase}`);
  return round;
}
