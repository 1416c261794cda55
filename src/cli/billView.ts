/**
 * How the CLI words a bill, its amount and a consumer's statement: the parts and labels of
 * contracts/billAmount.ts (the dashboard shows the same), in yuan, and "not metered yet" for a bill
 * that has no amount yet. A bill is one consumer's statement for a round (docs/protocol.md §7): it
 * buys from several suppliers at their prices, and is addressed to one of them — its counterparty
 * for confirmations and disputes — so its price is an average, its energy part ÷ its energy.
 */

import { toHex } from '../codec/bytes.ts';
import {
  BILL_PARTS,
  type BillAmount,
  type BillStatement,
  billAmount,
  NOT_METERED,
} from '../contracts/billAmount.ts';
import type { BillRecord } from '../contracts/records.ts';
import { mwh, plural, pricePerKWh, short, yuan } from './output.ts';

/** "billed 7.495 MWh: energy 2,933.00 ¥ + T&D … + government funds … + deviation penalty 0.00 ¥ = total 4,198.28 ¥". */
export function amountText(a: BillAmount): string {
  if (!a.metered) return NOT_METERED;
  const parts = BILL_PARTS.filter((p) => p.key !== 'totalMicroYuan').map(
    (p) => `${p.label} ${yuan(a[p.key])}`,
  );
  return `billed ${mwh(a.billedWh)}: ${parts.join(' + ')} = total ${yuan(a.totalMicroYuan)}`;
}

/**
 * A bill's average price over its suppliers, µ¥/kWh (rounded half up): its energy part at contracted
 * energy × 1000 ÷ its contracted Wh; null for a bill of no energy.
 */
export function averagePrice(b: Pick<BillRecord, 'contractedWh' | 'contractedMicroYuan'>): bigint | null {
  if (b.contractedWh === 0n) return null;
  return (2n * 1000n * b.contractedMicroYuan + b.contractedWh) / (2n * b.contractedWh);
}

/** "addressed to g1.bus1, one of its 3 suppliers" (or "its only supplier"). */
export function addressedText(b: Pick<BillRecord, 'generator' | 'suppliers'>): string {
  return `addressed to ${b.generator}, ${b.suppliers === 1 ? 'its only supplier' : `one of its ${b.suppliers} suppliers`}`;
}

/**
 * The three lines `dpp bill show` prints for a bill (`status` as the caller styles it):
 *   #3    5a0c3e9b71d2… (aggregator-a1, ring 0) · addressed to g1.bus1, one of its 3 suppliers · issued
 *         contracted 7.495 MWh, energy part 2,932.79 ¥ (average 0.3913 ¥/kWh) · consumed 7.400 MWh
 *         billed 7.400 MWh: energy … = total …
 */
export function billLines(b: BillRecord, status: string = b.status): string[] {
  const average = averagePrice(b);
  return [
    `#${String(b.index).padEnd(5)} ${short(toHex(b.consumer))} (${b.aggregator}, ring ${b.ring}) · ${addressedText(b)} · ${status}`,
    `       contracted ${mwh(b.contractedWh)}, energy part ${yuan(b.contractedMicroYuan)}${average === null ? '' : ` (average ${pricePerKWh(average)})`}${b.meter === null ? '' : ` · consumed ${mwh(b.meter.consumedWh)}`}`,
    `       ${amountText(billAmount(b))}`,
  ];
}

/** What a consumer owes and paid over its pseudonyms, in one line: "over its 2 pseudonyms: owes … · paid …". */
export function statementText(s: BillStatement): string {
  const parts = [
    `owes ${yuan(s.owedMicroYuan)} (${plural(s.owedBills, 'bill')} issued or overdue, unpaid)`,
    `paid ${yuan(s.paidMicroYuan)} (${plural(s.paidBills, 'bill')} settled)`,
  ];
  if (s.disputedBills > 0)
    parts.push(`${yuan(s.disputedMicroYuan)} in dispute (${plural(s.disputedBills, 'bill')})`);
  if (s.notMetered > 0) parts.push(`${plural(s.notMetered, 'bill')} ${NOT_METERED}`);
  if (s.voidedBills > 0) parts.push(`${plural(s.voidedBills, 'bill')} voided`);
  return `over its ${plural(s.pseudonyms, 'pseudonym')}: ${parts.join(' · ')}`;
}
