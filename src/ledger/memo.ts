/**
 * The built-in `memo` kind, for tests and the throughput benchmark: an organisation writes a short
 * note under `memo/‖sender`. Payload: raw bytes, at most 256 (longer is malformed: the transaction
 * is invalid); an empty memo fails its business validation (LEDGER_MEMO_EMPTY: failed receipt, the
 * nonce is consumed).
 */
import { utf8 } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import type { OrgTxHandler } from './handler.ts';
import { LedgerError } from './ledgerError.ts';
import { prefixed } from './stateKeys.ts';

/** The kind name. */
export const MEMO_KIND = 'memo';
/** Longest memo. */
export const MAX_MEMO_BYTES = 256;

const MEMO_PREFIX = utf8('memo/');

/** `memo/‖sender` → the sender's last memo. */
export function memoKey(sender: Uint8Array): Uint8Array {
  return prefixed(MEMO_PREFIX, sender);
}

/** The memo handler. */
export const memoHandler: OrgTxHandler<Uint8Array> = {
  kind: MEMO_KIND,
  authScheme: 'org',
  decodePayload(bytes) {
    if (bytes.length > MAX_MEMO_BYTES) {
      throw new DecodeError('DECODE_BAD_LENGTH', `memo of ${bytes.length} bytes exceeds ${MAX_MEMO_BYTES}`);
    }
    return bytes;
  },
  validate(_ctx, _tx, memo) {
    if (memo.length === 0) throw new LedgerError('LEDGER_MEMO_EMPTY', 'a memo must not be empty');
  },
  apply(_ctx, tx, memo) {
    return [{ key: memoKey(tx.auth.sender), value: memo }];
  },
};
