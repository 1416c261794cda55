/**
 * Typed errors of the client side: key stores, node requests, building and opening messages. An
 * error answered by a node keeps the server's code (e.g. NODE_DUPLICATE_TX), with the HTTP status
 * in `details.status`.
 */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why a client operation failed. */
export type ClientErrorCode =
  | 'CLIENT_CANNOT_DECRYPT'
  | 'CLIENT_BAD_RESPONSE'
  | 'CLIENT_BAD_KEY_STORE'
  | 'CLIENT_BAD_PASSPHRASE'
  | 'CLIENT_NODE_ERROR'
  | 'CLIENT_TIMEOUT'
  | 'CLIENT_NOT_FOUND'
  | 'CLIENT_NOT_CERTIFIED'
  | 'CLIENT_KEYSTORE_UNSUPPORTED'
  | 'CLIENT_KEYSTORE_INSECURE'
  | 'CLIENT_KEYSTORE_IO'
  | 'CLIENT_BAD_ARGUMENT'
  | 'CLIENT_NETWORK'
  | 'CLIENT_PROOF_INVALID';

/** What an error about a sent but not (yet) committed transaction says about sending it again. */
export const SAFE_TO_RESEND =
  'safe to resend: it has the same id and is refused as a duplicate if it was already committed';

/** A client operation failed, or a node refused it (then `code` is the node's); nothing changed. */
export class ClientError extends DppError {
  override readonly name = 'ClientError';

  constructor(
    code: ClientErrorCode | (string & {}),
    message: string,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
  }
}
