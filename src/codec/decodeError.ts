/** Typed errors thrown by every decoder of canonical bytes. */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why a byte string was refused. */
export type DecodeErrorCode =
  | 'DECODE_TRUNCATED'
  | 'DECODE_TRAILING_BYTES'
  | 'DECODE_BAD_LENGTH'
  | 'DECODE_BAD_TAG'
  | 'DECODE_BAD_VERSION'
  | 'DECODE_OUT_OF_RANGE'
  | 'DECODE_NON_CANONICAL'
  | 'DECODE_INVALID_POINT'
  | 'DECODE_INVALID_SCALAR'
  /** A checksum over decoded content (e.g. a snapshot's end record) does not match it. */
  | 'DECODE_BAD_CHECKSUM';

/** A decoder refused its input; nothing was changed. */
export class DecodeError extends DppError {
  override readonly name = 'DecodeError';
  declare readonly code: DecodeErrorCode;

  constructor(code: DecodeErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
