/**
 * Typed errors of the node API and the one mapping from error codes to HTTP statuses. Every error
 * response is `{code, message, details}` (DppError.toJSON); the status depends on the code only, so
 * clients may branch on `code` and ignore the status. A refusal that asks the client to come back
 * later (429: API_RATE_LIMITED, NODE_MEMPOOL_FULL) carries `details.retryAfterMs`, and the server
 * sends it as a `Retry-After` header too; a refusal for a size limit names the limit in its details.
 */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why the API refused a request (codes of the layers below pass through unchanged). */
export type ApiErrorCode =
  | 'API_BAD_REQUEST'
  | 'API_NOT_FOUND'
  | 'API_BODY_TOO_LARGE'
  | 'API_BATCH_TOO_LARGE'
  | 'API_UNSUPPORTED_MEDIA_TYPE'
  | 'API_UPGRADE_REQUIRED'
  | 'API_RATE_LIMITED'
  | 'API_UNAVAILABLE'
  | 'API_INTERNAL'
  | 'API_AUTH_REQUIRED'
  | 'API_AUTH_CHALLENGE_UNKNOWN'
  | 'API_AUTH_CHALLENGE_EXPIRED'
  | 'API_AUTH_NOT_MEMBER'
  | 'API_AUTH_BAD_SIGNATURE'
  | 'API_FORBIDDEN'
  | 'API_NOT_REGULATOR'
  | 'API_DASHBOARD_NOT_BUILT';

/** The API refused a request; nothing changed. */
export class ApiError extends DppError {
  override readonly name = 'ApiError';
  declare readonly code: ApiErrorCode;

  constructor(
    code: ApiErrorCode,
    message: string,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
  }
}

const STATUS: Readonly<Record<string, number>> = {
  API_NOT_FOUND: 404,
  API_NOT_REGULATOR: 404,
  API_DASHBOARD_NOT_BUILT: 404,
  API_AUTH_REQUIRED: 401,
  API_AUTH_CHALLENGE_UNKNOWN: 401,
  API_AUTH_CHALLENGE_EXPIRED: 401,
  API_AUTH_NOT_MEMBER: 401,
  API_AUTH_BAD_SIGNATURE: 401,
  API_FORBIDDEN: 403,
  NODE_NOT_FOUND: 404,
  NODE_DUPLICATE_TX: 409,
  LEDGER_REPLAY: 409,
  API_BODY_TOO_LARGE: 413,
  API_BATCH_TOO_LARGE: 413,
  NODE_BODY_TOO_LARGE: 413,
  LEDGER_TOO_LARGE: 413,
  API_UNSUPPORTED_MEDIA_TYPE: 415,
  API_UPGRADE_REQUIRED: 426,
  API_RATE_LIMITED: 429,
  NODE_MEMPOOL_FULL: 429,
  API_INTERNAL: 500,
  API_UNAVAILABLE: 503,
  LEDGER_STORE_CLOSED: 503,
  LEDGER_STORE_UNAVAILABLE: 503,
};

/** The HTTP status of an error code: 400 unless listed (401, 403, 404, 409, 413, 415, 426, 429, 500, 503). */
export function httpStatusOf(code: string): number {
  return STATUS[code] ?? 400;
}
