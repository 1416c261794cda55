/**
 * The one error base of dppchain. Every error the project throws on purpose is a DppError with a
 * stable machine-readable `code` (UPPER_SNAKE, prefixed by its area: DECODE_, CRYPTO_, PRIVACY_ …),
 * a short human message, structured `details` and an optional `cause`. The API maps codes to
 * HTTP statuses and the CLI prints the message with a hint, never a stack trace for a user mistake.
 */

/** Structured, JSON-serialisable context attached to an error. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Base class of every deliberate dppchain error. */
export class DppError extends Error {
  override readonly name: string = 'DppError';
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(code: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = details;
  }

  /** A plain object for logs and API responses (no stack). */
  toJSON(): { code: string; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `err` is a DppError, optionally with the given code. */
export function isDppError(err: unknown, code?: string): err is DppError {
  return err instanceof DppError && (code === undefined || err.code === code);
}
