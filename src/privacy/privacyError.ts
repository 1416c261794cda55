/** Typed errors of the privacy layer. Every refusal changes nothing and says why. */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why a privacy operation was refused. */
export type PrivacyErrorCode =
  | 'PRIVACY_NOT_IN_RING'
  | 'PRIVACY_RING_INVALID'
  | 'PRIVACY_CERTIFICATE_INVALID'
  | 'PRIVACY_PSEUDONYM_EXPIRED'
  | 'PRIVACY_DUPLICATE_KEY'
  | 'PRIVACY_PROOF_OF_POSSESSION_INVALID'
  | 'PRIVACY_PID_INVALID'
  | 'PRIVACY_NOT_VERIFIED'
  | 'PRIVACY_MESSAGE_TOO_LARGE'
  | 'PRIVACY_WRONG_RECEIVER';

/** A privacy operation refused its input. */
export class PrivacyError extends DppError {
  override readonly name = 'PrivacyError';
  declare readonly code: PrivacyErrorCode;

  constructor(code: PrivacyErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
