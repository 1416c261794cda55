/** Typed errors of the client side: key stores, node requests, building and opening messages. */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why a client operation failed. */
export type ClientErrorCode =
  | 'CLIENT_CANNOT_DECRYPT'
  | 'CLIENT_BAD_RESPONSE'
  | 'CLIENT_BAD_KEY_STORE'
  | 'CLIENT_BAD_PASSPHRASE'
  | 'CLIENT_NODE_ERROR'
  | 'CLIENT_TIMEOUT'
  | 'CLIENT_NOT_FOUND';

/** A client operation failed; nothing was sent or changed. */
export class ClientError extends DppError {
  override readonly name = 'ClientError';

  constructor(code: ClientErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
