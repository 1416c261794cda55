/**
 * Finalizing a round and moving reputation (docs/protocol.md §8, docs/market-model.md §7). Once
 * every response could have been acknowledged and then escalated (response deadline + two
 * acknowledgement windows) and no dispute is open, the trading centre finalizes the round: bills still unanswered become overdue,
 * and every participant's round record is scored with ../market/reputation.ts —
 *   generator   participated; fulfilment = metered delivery ÷ sold (its sale); settlement =
 *               responses acknowledged within the window ÷ responses to the bills addressed to
 *               it; a violation per escalation against it;
 *   aggregator  participated; fulfilment = contracted energy it metered ÷ contracted energy of its
 *               consumers;
 *   consumer    (per one-time pseudonym) participated; fulfilment = energy taken ÷ contracted;
 *               settlement = bills answered by the deadline ÷ bills.
 * Generators and aggregators carry their reputation on chain, with one `score/` record per scored
 * round (the indicators, the score and the reputation after it: their history). A consumer's round score lands on its
 * pseudonym (`roundScorePpm`); the regulator, who alone links a consumer's pseudonyms, blends it into
 * the consumer's reputation off chain (../market/reputation.ts `blendPpm`) and attests only its
 * level on the consumer's next pseudonym — an exact value would link the pseudonyms across rounds.
 * Members that did not take part are not scored this round.
 */
import { toHex } from '../codec/bytes.ts';
import {
  type RoundRecord as MarketRoundRecord,
  roundScorePpm,
  updateReputation,
} from '../market/reputation.ts';
import { ContractError } from './contractError.ts';
import type { Draft } from './draft.ts';
import { billKey, pseudonymKey, reputationKey, responseKey, roundKey, saleKey, scoreKey } from './keys.ts';
import { orgKind } from './kinds.ts';
import { kindEvents, marketEvent } from './marketEvent.ts';
import {
  type BillRecord,
  billRecord,
  pseudonymRecord,
  reputationRecord,
  responseRecord,
  roundRecord,
  roundScoreRecord,
  saleRecord,
} from './records.ts';
import { disputesCloseAtMs, reputationOf, roundDemands, roundOf } from './rounds.ts';
import { record, u64 } from './schema.ts';
import { Decimal } from './views.ts';

/** `round.finalize` payload. */
export const finalizePayload = record('round.finalize', 1, { round: u64() });

interface Tally {
  contractedWh: bigint;
  deliveredWh: bigint;
  billsDue: number;
  billsOnTime: number;
  violations: number;
}

const empty = (): Tally => ({
  contractedWh: 0n,
  deliveredWh: 0n,
  billsDue: 0,
  billsOnTime: 0,
  violations: 0,
});

function recordOf(t: Tally): MarketRoundRecord {
  return { participated: true, meterDisputed: false, votesDue: 0, votesHonest: 0, ...t };
}

/** `round.finalize`: close a round's books and update every participant's reputation. */
export const roundFinalize = orgKind({
  kind: 'round.finalize',
  roles: ['trading-centre'],
  payload: finalizePayload,
  execute({ ctx, payload: { round: id }, draft }) {
    const round = roundOf(draft, id);
    // [FAIL] a round is finalized once, after clearing, when no response can still be acknowledged
    if (round.phase !== 'cleared')
      throw new ContractError('CONTRACT_WRONG_PHASE', `round ${id} is ${round.phase}`);
    const closesAt = disputesCloseAtMs(round.terms);
    if (ctx.block.timestampMs < closesAt) {
      throw new ContractError('CONTRACT_TOO_EARLY', 'responses may still be acknowledged', {
        closesAtMs: closesAt.toString(),
      });
    }
    const bills: BillRecord[] = [];
    for (let i = 0; i < round.bills; i++) bills.push(draft.read(billKey(id, i), billRecord)!);
    // [FAIL] open disputes are resolved first
    const open = bills.filter((b) => b.status === 'disputed' || b.status === 'escalated');
    if (open.length > 0) {
      throw new ContractError('CONTRACT_DISPUTES_OPEN', `${open.length} bills await the regulator`, {
        bills: open
          .slice(0, 20)
          .map((b) => b.index)
          .join(','),
        open: String(open.length),
      });
    }
    const generators = new Map<string, Tally>(round.offers.map((g) => [g, empty()]));
    for (const [generator, g] of generators) {
      const sale = draft.read(saleKey(id, generator), saleRecord)!;
      g.contractedWh = sale.soldWh;
      if (sale.meter !== null) g.deliveredWh = min(sale.meter.deliveredWh, sale.soldWh);
    }
    const aggregators = new Map<string, Tally>();
    const demanded = roundDemands(draft, round);
    const consumers = new Map<string, Tally>(demanded.map((y) => [toHex(y), empty()]));
    for (const bill of bills) {
      const g = generators.get(bill.generator)!;
      const a = aggregators.get(bill.aggregator) ?? empty();
      aggregators.set(bill.aggregator, a);
      const c = consumers.get(toHex(bill.consumer))!;
      a.contractedWh += bill.contractedWh;
      c.contractedWh += bill.contractedWh;
      if (bill.meter !== null) {
        a.deliveredWh += bill.contractedWh;
        c.deliveredWh += min(bill.meter.consumedWh, bill.contractedWh);
        c.billsDue += 1;
        if (bill.respondedAtMs !== null && bill.respondedAtMs <= round.terms.responseDeadlineMs)
          c.billsOnTime += 1;
      }
      if (bill.response !== null) {
        const response = draft.read(responseKey(bill.response), responseRecord)!;
        g.billsDue += 1;
        const ackBy = response.receivedAtMs + round.terms.ackWindowMs;
        if (response.acknowledgedAtMs !== null && response.acknowledgedAtMs <= ackBy) g.billsOnTime += 1;
        if (response.status === 'escalated') g.violations += 1;
      }
      if (bill.status === 'issued' || bill.status === 'contracted') {
        draft.put(billKey(id, bill.index), billRecord, { ...bill, status: 'overdue' });
      }
    }
    for (const [member, tally] of [...generators, ...[...aggregators].sort(([x], [y]) => (x < y ? -1 : 1))]) {
      const role = generators.has(member) ? 'generator' : 'aggregator';
      updateMember(draft, member, role, tally, id, ctx.block.height);
    }
    for (const y of demanded) {
      const reg = draft.read(pseudonymKey(y), pseudonymRecord)!;
      const score = roundScorePpm(recordOf(consumers.get(toHex(y))!), 'consumer');
      draft.put(pseudonymKey(y), pseudonymRecord, { ...reg, roundScorePpm: score });
    }
    draft.put(roundKey(id), roundRecord, { ...round, phase: 'finalized' });
  },
});

/** `round-finalized`: a round's books closed and reputations moved. */
export const RoundFinalizedEvent = marketEvent('round-finalized', { round: Decimal });

/** The events of `round.finalize`. */
export const finalizeEvents = kindEvents({
  kind: roundFinalize.kind,
  payload: finalizePayload,
  events: [RoundFinalizedEvent],
  derive: ({ payload: { round }, at }) => [
    { type: 'round-finalized' as const, ...at, round: round.toString() },
  ],
});

/** Scores a generator's or aggregator's round, moves its reputation and records the step. */
function updateMember(
  draft: Draft,
  member: string,
  role: 'generator' | 'aggregator',
  tally: Tally,
  round: bigint,
  height: bigint,
): void {
  const current = reputationOf(draft, member);
  const next = updateReputation(current, recordOf(tally), role);
  draft.put(reputationKey(member), reputationRecord, { ...next, lastRound: round });
  draft.put(scoreKey(round, member), roundScoreRecord, {
    ...tally,
    roundScorePpm: roundScorePpm(recordOf(tally), role),
    reputationPpm: next.reputationPpm,
    status: next.status,
    height,
    previousRound: current.lastRound,
  });
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
