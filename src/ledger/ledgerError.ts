/**
 * Typed errors of the ledger layer (docs/ledger.md §7). Every refusal changes nothing and says why.
 * Two families matter to callers:
 *   - block-invalid codes (bad signature, replay, nonce, unauthorised, unknown kind, bad payload,
 *     handler fault, roots): a proposer must not include such a transaction, a replica rejects a
 *     proposal containing one, the mempool refuses it;
 *   - business codes of a kind (e.g. LEDGER_MEMO_EMPTY, or a contract's own DppError codes): the
 *     transaction is included with a failed receipt and only consumes its nonce or unique id.
 */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why the ledger refused a transaction, a block, a genesis file or a store operation. */
export type LedgerErrorCode =
  | 'LEDGER_BAD_SIGNATURE'
  | 'LEDGER_REPLAY'
  | 'LEDGER_NONCE'
  | 'LEDGER_UNKNOWN_KIND'
  | 'LEDGER_WRONG_AUTH_SCHEME'
  | 'LEDGER_WRONG_CHAIN'
  | 'LEDGER_TOO_LARGE'
  | 'LEDGER_UNAUTHORISED'
  | 'LEDGER_BAD_FIELD'
  | 'LEDGER_BAD_TX'
  | 'LEDGER_BAD_PAYLOAD'
  | 'LEDGER_BAD_BLOCK'
  | 'LEDGER_BAD_TX_ROOT'
  | 'LEDGER_STATE_ROOT_MISMATCH'
  | 'LEDGER_BAD_WRITE'
  | 'LEDGER_HANDLER_FAULT'
  | 'LEDGER_DUPLICATE_KIND'
  | 'LEDGER_BAD_GENESIS'
  | 'LEDGER_BAD_KEY_FILE'
  | 'LEDGER_BAD_CARD'
  | 'LEDGER_BAD_CARD_SIGNATURE'
  | 'LEDGER_CARD_WRONG_CHAIN'
  | 'LEDGER_CARD_CONFLICT'
  | 'LEDGER_BAD_PEERS'
  | 'LEDGER_OUT_OF_ORDER'
  | 'LEDGER_STORE_CORRUPT'
  | 'LEDGER_STATE_CORRUPT'
  | 'LEDGER_STORE_CLOSED'
  | 'LEDGER_STORE_UNAVAILABLE'
  | 'LEDGER_MEMO_EMPTY';

/** A ledger operation refused its input; nothing was changed. */
export class LedgerError extends DppError {
  override readonly name = 'LedgerError';
  declare readonly code: LedgerErrorCode;

  constructor(
    code: LedgerErrorCode,
    message: string,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
  }
}
