/**
 * Replay protection by unique id, shared by the `pseudonym` and `ring` schemes: a 32-byte id chosen
 * by the sender (random), stored in state under `used/‖id` with the height that consumed it, and
 * refused when present.
 */
import { toHex } from '../codec/bytes.ts';
import { LedgerError } from './ledgerError.ts';
import { usedKey } from './stateKeys.ts';
import { u64Value } from './stateValues.ts';
import type { StateReader, StateWrite } from './worldState.ts';

/** Length of a unique id. */
export const UNIQUE_ID_BYTES = 32;

/** True when `uniqueId` was already consumed. */
export function isUniqueIdUsed(state: StateReader, uniqueId: Uint8Array): boolean {
  return state.get(usedKey(uniqueId)) !== undefined;
}

/** Throws LEDGER_REPLAY when `uniqueId` was already consumed. */
export function checkUniqueId(state: StateReader, uniqueId: Uint8Array): void {
  // [INVALID] the unique id was consumed by an earlier transaction
  if (isUniqueIdUsed(state, uniqueId)) {
    throw new LedgerError('LEDGER_REPLAY', 'unique id already used', { uniqueId: toHex(uniqueId) });
  }
}

/** The write consuming `uniqueId` at `height`. */
export function consumeUniqueId(uniqueId: Uint8Array, height: bigint): StateWrite[] {
  return [{ key: usedKey(uniqueId), value: u64Value(height) }];
}
