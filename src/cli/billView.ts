/**
 * How the CLI words a bill's amount and a consumer's statement: the parts and labels of
 * contracts/billAmount.ts (the dashboard shows the same), in yuan, and "not metered yet" for a bill
 * that has no amount yet.
 */
import { BILL_PARTS, type BillAmount, type BillStatement, NOT_METERED } from '../contracts/billAmount.ts';
import { mwh, plural, yuan } from './output.ts';

/** "billed 7.495 MWh: energy 2,933.00 ¥ + T&D … + government funds … + deviation penalty 0.00 ¥ = total 4,198.28 ¥". */
export function amountText(a: BillAmount): string {
  if (!a.metered) return NOT_METERED;
  const parts = BILL_PARTS.filter((p) => p.key !== 'totalMicroYuan').map(
    (p) => `${p.label} ${yuan(a[p.key])}`,
  );
  return `billed ${mwh(a.billedWh)}: ${parts.join(' + ')} = total ${yuan(a.totalMicroYuan)}`;
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
