/**
 * Balances and settlement (docs/protocol.md §8). Accounts are member ids, `p:<pseudonym hex>` for a
 * consumer's one-time pseudonym (so settlement, like the bill, is visible only under it) and `grid`
 * for the grid company that collects the T&D tariff, the government funds and deviation penalties.
 * Settling a bill moves exactly what it says (./billAmount.ts, the one definition of a bill's
 * parts, which the API, the CLI and the dashboard show), and the moves sum to zero:
 *   consumer  −total     = −(energy + T&D + funds + consumer penalty)
 *   generator +generator = +(energy − generator penalty)
 *   grid      +grid      = +(T&D + funds + consumer penalty + generator penalty)
 */
import { toHex } from '../codec/bytes.ts';
import { billAmount } from './billAmount.ts';
import type { Draft } from './draft.ts';
import { balanceKey } from './keys.ts';
import { type BillRecord, balanceRecord } from './records.ts';

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

/** Stages the balance moves of `bill` (penalties waived when the regulator so resolved) and returns it settled. */
export function settleBill(draft: Draft, bill: BillRecord, waivePenalties = false): BillRecord {
  const settled: BillRecord = {
    ...bill,
    status: 'settled',
    generatorPenaltyMicroYuan: waivePenalties ? 0n : bill.generatorPenaltyMicroYuan,
    consumerPenaltyMicroYuan: waivePenalties ? 0n : bill.consumerPenaltyMicroYuan,
  };
  const amount = billAmount(settled);
  credit(draft, pseudonymAccount(bill.consumer), -amount.totalMicroYuan);
  credit(draft, bill.generator, amount.generatorMicroYuan);
  credit(draft, GRID_ACCOUNT, amount.gridMicroYuan);
  return settled;
}
