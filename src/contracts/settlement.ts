/**
 * Balances and settlement (docs/protocol.md §8). Accounts are member ids, `p:<pseudonym hex>` for a
 * consumer's one-time pseudonym (so settlement, like the bill, is visible only under it) and `grid`
 * for the grid company that collects the T&D tariff, the government funds and deviation penalties.
 * Settling a bill moves exactly what it says, and the moves sum to zero:
 *   consumer  −(energy + T&D + funds + consumer penalty)
 *   generator +(energy − generator penalty)
 *   grid      +(T&D + funds + consumer penalty + generator penalty)
 */
import { toHex } from '../codec/bytes.ts';
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
  const genPenalty = waivePenalties ? 0n : bill.generatorPenaltyMicroYuan;
  const conPenalty = waivePenalties ? 0n : bill.consumerPenaltyMicroYuan;
  const grid = bill.transmissionMicroYuan + bill.fundsMicroYuan;
  credit(draft, pseudonymAccount(bill.consumer), -(bill.energyMicroYuan + grid + conPenalty));
  credit(draft, bill.generator, bill.energyMicroYuan - genPenalty);
  credit(draft, GRID_ACCOUNT, grid + conPenalty + genPenalty);
  return {
    ...bill,
    status: 'settled',
    generatorPenaltyMicroYuan: genPenalty,
    consumerPenaltyMicroYuan: conPenalty,
  };
}
