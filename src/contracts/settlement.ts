/**
 * Balances and settlement (docs/protocol.md §8). Accounts are member ids, `p:<pseudonym hex>` for a
 * consumer's one-time pseudonym (so settlement, like the bill, is visible only under it) and `grid`
 * for the grid company — the settlement agent of direct purchase: it collects each consumer's bill
 * (energy at the round's prices, the T&D tariff, the government funds and its deviation penalty)
 * and pays each generator for its own metered sale (energy at its price, less its deviation
 * penalty). Each settlement's moves sum to zero:
 *   bill   consumer −total,                 grid +total          (./billAmount.ts)
 *   sale   generator +(energy − penalty),   grid −(energy − penalty)
 * What the grid keeps is the tariffs, the penalties, the energy of consumers' deviations and the
 * rounding of the pairwise split (under one µ¥ per supplier pair).
 */
import { toHex } from '../codec/bytes.ts';
import { billAmount } from './billAmount.ts';
import type { Draft } from './draft.ts';
import { balanceKey } from './keys.ts';
import { type BillRecord, balanceRecord, type SaleRecord } from './records.ts';

/** The account of the grid company. */
export const GRID_ACCOUNT = 'grid';

/** The account of a consumer's pseudonym. */
export function pseudonymAccount(pseudonym: Uint8Array): string {
  return `p:${toHex(pseudonym)}`;
}

/** An account's balance in µ¥ (0 when it never moved). */
export function balanceOf(draft: Pick<Draft, 'read'>, account: string): bigint {
  return draft.read(balanceKey(account), balanceRecord)?.microYuan ?? 0n;
}

function credit(draft: Draft, account: string, microYuan: bigint): void {
  draft.put(balanceKey(account), balanceRecord, { microYuan: balanceOf(draft, account) + microYuan });
}

/** Stages the balance moves of `bill` (its penalty waived when the regulator so resolved) and returns it settled. */
export function settleBill(draft: Draft, bill: BillRecord, waivePenalty = false): BillRecord {
  const settled: BillRecord = {
    ...bill,
    status: 'settled',
    consumerPenaltyMicroYuan: waivePenalty ? 0n : bill.consumerPenaltyMicroYuan,
  };
  const { totalMicroYuan } = billAmount(settled);
  credit(draft, pseudonymAccount(bill.consumer), -totalMicroYuan);
  credit(draft, GRID_ACCOUNT, totalMicroYuan);
  return settled;
}

/** Stages the balance moves of a metered `sale` and returns it settled. */
export function settleSale(draft: Draft, sale: SaleRecord): SaleRecord {
  const paid = sale.energyMicroYuan - sale.penaltyMicroYuan;
  credit(draft, sale.generator, paid);
  credit(draft, GRID_ACCOUNT, -paid);
  return { ...sale, status: 'settled' };
}
