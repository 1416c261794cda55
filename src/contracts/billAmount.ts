/**
 * What a bill amounts to — the one definition the contracts, the API, the CLI and the dashboard
 * share (docs/protocol.md §7–§8). A bill has five parts, in this order and under these labels:
 *
 *   energy             the bill's energy part at the round's prices, for the billed Wh
 *   T&D                billed Wh × the round's transmission-and-distribution tariff
 *   government funds   billed Wh × the round's funds tariff
 *   deviation penalty  the consumer's penalty for taking more or less than contracted beyond the tolerance
 *   total              the sum of the four: what the consumer pays
 *
 * `totalMicroYuan` is exactly what settlement (./settlement.ts, which computes its moves with this
 * function) takes from the account of the consumer's pseudonym and pays the grid company, the
 * settlement agent that pays each generator for its own metered sale. For a settled bill the
 * penalty is the one settled (zero when the regulator waived it); before settlement it is what
 * settling would take.
 * Before metering a bill has no amount: `metered` is false and every part is zero.
 *
 * `billStatement` totals one consumer's bills — all its pseudonyms' bills, which only it (and the
 * regulator) can gather, since the chain knows bills only by pseudonym.
 */
import type { BillRecord } from './records.ts';
import type { BillAmountView } from './views.ts';

/** The bill's parts in display order, with their labels (CLI and dashboard print these). */
export const BILL_PARTS = [
  { key: 'energyMicroYuan', label: 'energy' },
  { key: 'transmissionMicroYuan', label: 'T&D' },
  { key: 'fundsMicroYuan', label: 'government funds' },
  { key: 'penaltyMicroYuan', label: 'deviation penalty' },
  { key: 'totalMicroYuan', label: 'total' },
] as const;

/** What a bill not yet metered says instead of an amount. */
export const NOT_METERED = 'not metered yet';

/** A bill's amounts in µ¥. */
export interface BillAmount {
  /** False before the aggregator metered the contract (then every amount is 0). */
  readonly metered: boolean;
  readonly billedWh: bigint;
  readonly energyMicroYuan: bigint;
  readonly transmissionMicroYuan: bigint;
  readonly fundsMicroYuan: bigint;
  /** The consumer's deviation penalty. */
  readonly penaltyMicroYuan: bigint;
  /** energy + T&D + funds + the consumer's penalty: what settlement takes from the consumer's pseudonym. */
  readonly totalMicroYuan: bigint;
}

/** The fields of a bill its amount is computed from. */
export type BillAmountSource = Pick<
  BillRecord,
  | 'meter'
  | 'billedWh'
  | 'energyMicroYuan'
  | 'transmissionMicroYuan'
  | 'fundsMicroYuan'
  | 'consumerPenaltyMicroYuan'
>;

/** The amounts of `bill` (pure). */
export function billAmount(bill: BillAmountSource): BillAmount {
  return {
    metered: bill.meter !== null,
    billedWh: bill.billedWh,
    energyMicroYuan: bill.energyMicroYuan,
    transmissionMicroYuan: bill.transmissionMicroYuan,
    fundsMicroYuan: bill.fundsMicroYuan,
    penaltyMicroYuan: bill.consumerPenaltyMicroYuan,
    totalMicroYuan:
      bill.energyMicroYuan + bill.transmissionMicroYuan + bill.fundsMicroYuan + bill.consumerPenaltyMicroYuan,
  };
}

/** A bill's amounts as JSON (integers as decimal strings), as the API and `dpp bill show --json` give them. */
export function billAmountJson(a: BillAmount): BillAmountView {
  return {
    metered: a.metered,
    billedWh: a.billedWh.toString(),
    energyMicroYuan: a.energyMicroYuan.toString(),
    transmissionMicroYuan: a.transmissionMicroYuan.toString(),
    fundsMicroYuan: a.fundsMicroYuan.toString(),
    penaltyMicroYuan: a.penaltyMicroYuan.toString(),
    totalMicroYuan: a.totalMicroYuan.toString(),
  };
}

/** One consumer's bills summed over its pseudonyms. */
export interface BillStatement {
  /** Pseudonyms (one per round) the bills were gathered from. */
  readonly pseudonyms: number;
  readonly bills: number;
  /** Contracted, not metered yet: no amount. */
  readonly notMetered: number;
  /** Issued (awaiting the consumer's answer) or overdue (unanswered when the round was finalized): metered, unpaid. */
  readonly owedBills: number;
  readonly owedMicroYuan: bigint;
  /** Disputed or escalated: awaiting the regulator, unpaid (it may uphold, waive the penalties or void). */
  readonly disputedBills: number;
  readonly disputedMicroYuan: bigint;
  /** Settled: taken from the pseudonyms' accounts. */
  readonly paidBills: number;
  readonly paidMicroYuan: bigint;
  /** Voided by the regulator: nothing to pay. */
  readonly voidedBills: number;
}

/** Sums `bills` (one consumer's, over `pseudonyms` pseudonyms) by what is owed, disputed and paid. */
export function billStatement(bills: readonly BillRecord[], pseudonyms: number): BillStatement {
  let owedBills = 0;
  let disputedBills = 0;
  let paidBills = 0;
  let voidedBills = 0;
  let notMetered = 0;
  let owed = 0n;
  let disputed = 0n;
  let paid = 0n;
  for (const b of bills) {
    const total = billAmount(b).totalMicroYuan;
    switch (b.status) {
      case 'contracted':
        notMetered++;
        break;
      case 'issued':
      case 'overdue':
        owedBills++;
        owed += total;
        break;
      case 'disputed':
      case 'escalated':
        disputedBills++;
        disputed += total;
        break;
      case 'settled':
        paidBills++;
        paid += total;
        break;
      case 'voided':
        voidedBills++;
        break;
    }
  }
  return {
    pseudonyms,
    bills: bills.length,
    notMetered,
    owedBills,
    owedMicroYuan: owed,
    disputedBills,
    disputedMicroYuan: disputed,
    paidBills,
    paidMicroYuan: paid,
    voidedBills,
  };
}

/** A statement as JSON (integers as decimal strings). */
export function billStatementJson(s: BillStatement): Record<keyof BillStatement, string | number> {
  return {
    ...s,
    owedMicroYuan: s.owedMicroYuan.toString(),
    disputedMicroYuan: s.disputedMicroYuan.toString(),
    paidMicroYuan: s.paidMicroYuan.toString(),
  };
}
