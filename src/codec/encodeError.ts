/**
 * Typed errors thrown by encoders: a value that breaks a limit of its canonical encoding (a list
 * longer than its schema allows, …) is refused with the limit named, never with a bare RangeError,
 * so a caller — the CLI, a sender batching around it — can tell which limit and by how much.
 */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why a value could not be encoded: it breaks a size limit, or it is outside its field's range or pattern. */
export type EncodeErrorCode = 'ENCODE_LIMIT' | 'ENCODE_BAD_VALUE';

/** An encoder refused a value; nothing was written. */
export class EncodeError extends DppError {
  override readonly name = 'EncodeError';
  declare readonly code: EncodeErrorCode;

  constructor(code: EncodeErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }

  /**
   * The same refusal, located inside `where` (a field of a record, a record): the message and
   * `details.field` get the path, outermost first (`meter.submit: readings: list of 1200 exceeds 1000`).
   */
  within(where: string, kind: 'field' | 'record' = 'field'): EncodeError {
    const field = typeof this.details.field === 'string' ? `${where}.${this.details.field}` : where;
    return new EncodeError(this.code, `${where}: ${this.message}`, {
      ...this.details,
      ...(kind === 'field' ? { field } : { record: where }),
    });
  }
}
