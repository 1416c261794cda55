/**
 * Metering and bills (docs/protocol.md §7). After the delivery window an aggregator — the physical
 * access point of the consumers behind it — submits signed meter readings (its organisation
 * signature on the transaction) for the energy contracts of its consumers: what the generator
 * delivered and what the consumer took. The contract turns each reading into the bill:
 *   billed   = min(delivered, consumed, contracted)           Wh
 *   energy   = billed × price;  T&D = billed × T&D tariff;  funds = billed × funds   (µ¥, halves up)
 *   penalty  = (|metered − contracted| − tolerance × contracted)⁺ × penalty rate, for each side
 * The generator's penalty uses what it delivered, the consumer's what it took.
 */
import { z } from 'zod';
import { moneyFor } from '../market/units.ts';
import { ContractError } from './contractError.ts';
import { billKey } from './keys.ts';
import { notFound, orgKind } from './kinds.ts';
import { kindEvents, marketEvent } from './marketEvent.ts';
import { type BillRecord, billRecord, MAX_ROUND_PARTICIPANTS, type RoundTerms } from './records.ts';
import { roundOf } from './rounds.ts';
import { list, record, struct, u32, u64 } from './schema.ts';
import { Decimal, MemberId } from './views.ts';

/** `meter.submit` payload: readings for energy contracts of the sender's consumers. */
export const meterPayload = record('meter.submit', 1, {
  round: u64(),
  readings: list(
    struct({ bill: u32(), deliveredWh: u64(10_000_000_000_000n), consumedWh: u64(10_000_000_000_000n) }),
    MAX_ROUND_PARTICIPANTS,
  ),
});

/** The amounts of a bill from its meter reading (pure; docs/protocol.md §7). */
export function computeBill(
  bill: BillRecord,
  terms: RoundTerms,
  deliveredWh: bigint,
  consumedWh: bigint,
): Pick<
  BillRecord,
  | 'billedWh'
  | 'energyMicroYuan'
  | 'transmissionMicroYuan'
  | 'fundsMicroYuan'
  | 'generatorPenaltyMicroYuan'
  | 'consumerPenaltyMicroYuan'
> {
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const billedWh = min(min(deliveredWh, consumedWh), bill.contractedWh);
  const tolerance = (bill.contractedWh * BigInt(terms.tolerancePpm)) / 1_000_000n;
  const penalty = (metered: bigint): bigint => {
    const deviation = metered > bill.contractedWh ? metered - bill.contractedWh : bill.contractedWh - metered;
    return deviation > tolerance ? moneyFor(deviation - tolerance, terms.penaltyMicroYuanPerKWh) : 0n;
  };
  return {
    billedWh,
    energyMicroYuan: moneyFor(billedWh, bill.priceMicroYuanPerKWh),
    transmissionMicroYuan: moneyFor(billedWh, terms.transmissionMicroYuanPerKWh),
    fundsMicroYuan: moneyFor(billedWh, terms.fundsMicroYuanPerKWh),
    generatorPenaltyMicroYuan: penalty(deliveredWh),
    consumerPenaltyMicroYuan: penalty(consumedWh),
  };
}

/** `meter.submit`: an aggregator meters its consumers' contracts; each becomes an issued bill. */
export const meterSubmit = orgKind({
  kind: 'meter.submit',
  roles: ['aggregator'],
  payload: meterPayload,
  execute({ ctx, payload: p, sender, draft }) {
    const round = roundOf(draft, p.round);
    // [FAIL] metering is for a cleared round, after its delivery window and before the response deadline
    if (round.phase !== 'cleared')
      throw new ContractError('CONTRACT_WRONG_PHASE', `round ${p.round} is ${round.phase}`);
    if (ctx.block.timestampMs < round.terms.deliveryEndMs) {
      throw new ContractError('CONTRACT_TOO_EARLY', 'the delivery window has not ended', {
        deliveryEndMs: round.terms.deliveryEndMs.toString(),
      });
    }
    if (ctx.block.timestampMs >= round.terms.responseDeadlineMs) {
      throw new ContractError(
        'CONTRACT_TOO_LATE',
        'metering closed at the response deadline: the consumers could no longer answer',
        { responseDeadlineMs: round.terms.responseDeadlineMs.toString() },
      );
    }
    if (p.readings.length === 0) throw new ContractError('CONTRACT_NOT_FOUND', 'no readings');
    for (const reading of p.readings) {
      const key = billKey(p.round, reading.bill);
      const bill =
        draft.read(key, billRecord) ??
        notFound('bill', { round: p.round.toString(), bill: String(reading.bill) });
      // [FAIL] an aggregator meters only its own consumers, each contract once
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
        ...computeBill(bill, round.terms, reading.deliveredWh, reading.consumedWh),
        status: 'issued',
        meter: {
          deliveredWh: reading.deliveredWh,
          consumedWh: reading.consumedWh,
          meteredAtMs: ctx.block.timestampMs,
        },
      });
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
