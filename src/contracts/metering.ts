/**
 * Metering, bills and sales (docs/protocol.md §7). After the delivery window:
 *
 * - an aggregator — the physical access point of the consumers behind it — submits the meter
 *   readings of its consumers' bills (what each took; `meter.submit`, signed by its organisation);
 * - the trading centre — which dispatches the generators — submits what each generator delivered
 *   against its direct sales (`meter.generation`).
 *
 * Each reading fixes the statement's amounts:
 *   consumer bill  billed = min(consumed, contracted)                                  Wh
 *                  energy = contracted energy part × billed ÷ contracted; T&D, funds = billed × tariff
 *                  penalty = (|consumed − contracted| − tolerance × contracted)⁺ × penalty rate
 *   generator sale billed = min(delivered, sold);  energy = billed × its price
 *                  penalty = (|delivered − sold| − tolerance × sold)⁺ × penalty rate
 * (µ¥, halves up). A metered sale is paid at once (./settlement.ts); a bill waits for its consumer's
 * confirmation. Readings are batched: a list holds at most MAX_ROUND_PARTICIPANTS entries, and a
 * client splits longer ones over several transactions.
 */
import { z } from 'zod';
import { divRoundHalfUp, moneyFor } from '../market/units.ts';
import { ContractError } from './contractError.ts';
import type { Draft } from './draft.ts';
import { billKey, saleKey } from './keys.ts';
import { notFound, orgKind } from './kinds.ts';
import { kindEvents, marketEvent } from './marketEvent.ts';
import {
  type BillRecord,
  billRecord,
  MAX_ROUND_PARTICIPANTS,
  memberId,
  type RoundRecord,
  type RoundTerms,
  type SaleRecord,
  saleRecord,
} from './records.ts';
import { roundOf } from './rounds.ts';
import { list, record, struct, u32, u64 } from './schema.ts';
import { settleSale } from './settlement.ts';
import { Decimal, MemberId, SignedDecimal } from './views.ts';

/** Largest meter reading, Wh. */
const MAX_READING_WH = 10_000_000_000_000n;

/** `meter.submit` payload: what the consumers of the sender's bills took. */
export const meterPayload = record('meter.submit', 2, {
  round: u64(),
  readings: list(struct({ bill: u32(), consumedWh: u64(MAX_READING_WH) }), MAX_ROUND_PARTICIPANTS),
});

/** `meter.generation` payload: what generators delivered against their direct sales. */
export const generationPayload = record('meter.generation', 1, {
  round: u64(),
  readings: list(struct({ generator: memberId, deliveredWh: u64(MAX_READING_WH) }), MAX_ROUND_PARTICIPANTS),
});

/** (|metered − contracted| − tolerance × contracted)⁺ × penalty rate, µ¥. */
function deviationPenalty(terms: RoundTerms, contractedWh: bigint, meteredWh: bigint): bigint {
  const tolerance = (contractedWh * BigInt(terms.tolerancePpm)) / 1_000_000n;
  const deviation = meteredWh > contractedWh ? meteredWh - contractedWh : contractedWh - meteredWh;
  return deviation > tolerance ? moneyFor(deviation - tolerance, terms.penaltyMicroYuanPerKWh) : 0n;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The amounts of a consumer's bill from its meter reading (pure). */
export function computeBill(
  bill: Pick<BillRecord, 'contractedWh' | 'contractedMicroYuan'>,
  terms: RoundTerms,
  consumedWh: bigint,
): Pick<
  BillRecord,
  'billedWh' | 'energyMicroYuan' | 'transmissionMicroYuan' | 'fundsMicroYuan' | 'consumerPenaltyMicroYuan'
> {
  const billedWh = min(consumedWh, bill.contractedWh);
  return {
    billedWh,
    energyMicroYuan: divRoundHalfUp(bill.contractedMicroYuan * billedWh, bill.contractedWh),
    transmissionMicroYuan: moneyFor(billedWh, terms.transmissionMicroYuanPerKWh),
    fundsMicroYuan: moneyFor(billedWh, terms.fundsMicroYuanPerKWh),
    consumerPenaltyMicroYuan: deviationPenalty(terms, bill.contractedWh, consumedWh),
  };
}

/** The amounts of a generator's sale from what it delivered (pure). */
export function computeSale(
  sale: Pick<SaleRecord, 'soldWh' | 'priceMicroYuanPerKWh'>,
  terms: RoundTerms,
  deliveredWh: bigint,
): Pick<SaleRecord, 'billedWh' | 'energyMicroYuan' | 'penaltyMicroYuan'> {
  const billedWh = min(deliveredWh, sale.soldWh);
  return {
    billedWh,
    energyMicroYuan: moneyFor(billedWh, sale.priceMicroYuanPerKWh),
    penaltyMicroYuan: deviationPenalty(terms, sale.soldWh, deliveredWh),
  };
}

/** The cleared round `id`, refusing readings outside [delivery end, response deadline). */
function meteringRound(draft: Draft, id: bigint, nowMs: bigint, readings: number): RoundRecord {
  const round = roundOf(draft, id);
  // [FAIL] metering is for a cleared round, after its delivery window and before the response deadline
  if (round.phase !== 'cleared')
    throw new ContractError('CONTRACT_WRONG_PHASE', `round ${id} is ${round.phase}`);
  if (nowMs < round.terms.deliveryEndMs) {
    throw new ContractError('CONTRACT_TOO_EARLY', 'the delivery window has not ended', {
      deliveryEndMs: round.terms.deliveryEndMs.toString(),
    });
  }
  if (nowMs >= round.terms.responseDeadlineMs) {
    throw new ContractError(
      'CONTRACT_TOO_LATE',
      'metering closed at the response deadline: the consumers could no longer answer',
      { responseDeadlineMs: round.terms.responseDeadlineMs.toString() },
    );
  }
  if (readings === 0) throw new ContractError('CONTRACT_NOT_FOUND', 'no readings');
  return round;
}

/** `meter.submit`: an aggregator meters its consumers' bills; each becomes issued. */
export const meterSubmit = orgKind({
  kind: 'meter.submit',
  roles: ['aggregator'],
  payload: meterPayload,
  execute({ ctx, payload: p, sender, draft }) {
    const round = meteringRound(draft, p.round, ctx.block.timestampMs, p.readings.length);
    for (const reading of p.readings) {
      const key = billKey(p.round, reading.bill);
      const bill =
        draft.read(key, billRecord) ??
        notFound('bill', { round: p.round.toString(), bill: String(reading.bill) });
      // [FAIL] an aggregator meters only its own consumers, each bill once
      if (bill.aggregator !== sender.id) {
        throw new ContractError(
          'CONTRACT_WRONG_ROLE',
          `bill ${reading.bill} belongs to ${bill.aggregator}'s consumers`,
        );
      }
      if (bill.status !== 'contracted') {
        throw new ContractError('CONTRACT_BAD_STATUS', `bill ${reading.bill} is already ${bill.status}`);
      }
      draft.put(key, billRecord, {
        ...bill,
        ...computeBill(bill, round.terms, reading.consumedWh),
        status: 'issued',
        meter: { consumedWh: reading.consumedWh, meteredAtMs: ctx.block.timestampMs },
      });
    }
  },
});

/** `meter.generation`: the trading centre meters generators' deliveries; each sale is paid. */
export const meterGeneration = orgKind({
  kind: 'meter.generation',
  roles: ['trading-centre'],
  payload: generationPayload,
  execute({ ctx, payload: p, draft }) {
    const round = meteringRound(draft, p.round, ctx.block.timestampMs, p.readings.length);
    for (const reading of p.readings) {
      const key = saleKey(p.round, reading.generator);
      const sale =
        draft.read(key, saleRecord) ??
        notFound('sale', { round: p.round.toString(), generator: reading.generator });
      // [FAIL] each sale is metered once
      if (sale.status !== 'contracted') {
        throw new ContractError(
          'CONTRACT_BAD_STATUS',
          `${reading.generator}'s sale is already ${sale.status}`,
        );
      }
      const metered: SaleRecord = {
        ...sale,
        ...computeSale(sale, round.terms, reading.deliveredWh),
        meter: { deliveredWh: reading.deliveredWh, meteredAtMs: ctx.block.timestampMs },
      };
      draft.put(key, saleRecord, settleSale(draft, metered));
    }
  },
});

/** `bill-issued`: a bill metered, awaiting its consumer's answer — named by its parties, never its consumer. */
export const BillIssuedEvent = marketEvent('bill-issued', {
  round: Decimal,
  bill: z.number().int().describe('the bill’s index in its round'),
  generator: MemberId,
  aggregator: MemberId,
});

/** The events of `meter.submit`: one per reading. */
export const meterEvents = kindEvents({
  kind: meterSubmit.kind,
  payload: meterPayload,
  events: [BillIssuedEvent],
  derive: ({ payload: { round, readings }, at, read }) =>
    readings.flatMap(({ bill }) => {
      const b = read(billKey(round, bill), billRecord);
      if (b === undefined) return [];
      return [
        {
          type: 'bill-issued' as const,
          ...at,
          round: round.toString(),
          bill,
          generator: b.generator,
          aggregator: b.aggregator,
        },
      ];
    }),
});

/** `sale-settled`: a generator's sale metered and paid. */
export const SaleSettledEvent = marketEvent('sale-settled', {
  round: Decimal,
  generator: MemberId,
  billedWh: Decimal,
  paidMicroYuan: SignedDecimal.describe('energy − penalty, µ¥'),
});

/** The events of `meter.generation`: one per reading. */
export const generationEvents = kindEvents({
  kind: meterGeneration.kind,
  payload: generationPayload,
  events: [SaleSettledEvent],
  derive: ({ payload: { round, readings }, at, read }) =>
    readings.flatMap(({ generator }) => {
      const s = read(saleKey(round, generator), saleRecord);
      if (s === undefined) return [];
      return [
        {
          type: 'sale-settled' as const,
          ...at,
          round: round.toString(),
          generator,
          billedWh: s.billedWh.toString(),
          paidMicroYuan: (s.energyMicroYuan - s.penaltyMicroYuan).toString(),
        },
      ];
    }),
});
