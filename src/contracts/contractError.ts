/**
 * Typed errors of the contracts (docs/protocol.md §9). A ContractError thrown by `authorise` makes
 * the transaction invalid (LEDGER_UNAUTHORISED with this code as the reason); thrown by `validate`
 * or `apply` it gives a failed receipt carrying the code, and the transaction changes nothing but
 * its nonce or unique id.
 */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why a contract refused a transaction: every code a contract raises. */
export const CONTRACT_ERROR_CODES = [
  'CONTRACT_NOT_MEMBER',
  'CONTRACT_WRONG_ROLE',
  'CONTRACT_SUSPENDED',
  'CONTRACT_EXISTS',
  'CONTRACT_NOT_FOUND',
  'CONTRACT_NO_REGULATOR',
  'CONTRACT_BAD_PROOF',
  'CONTRACT_BAD_PSEUDONYM',
  'CONTRACT_WRONG_PHASE',
  'CONTRACT_TOO_EARLY',
  'CONTRACT_TOO_LATE',
  'CONTRACT_BAD_ROUND',
  'CONTRACT_EXCLUDED',
  'CONTRACT_BAD_RING',
  'CONTRACT_BAD_SIGNCRYPTION',
  'CONTRACT_BAD_SIGNATURE',
  'CONTRACT_BAD_STATUS',
  'CONTRACT_DISPUTES_OPEN',
  'CONTRACT_CLEARING_FAILED',
  'CONTRACT_NOT_EQUILIBRIUM',
  'CONTRACT_LIMIT',
  'CONTRACT_WRONG_CHAIN',
] as const;

/** Why a contract refused a transaction. */
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];

/** A contract refused a transaction; nothing was changed. */
export class ContractError extends DppError {
  override readonly name = 'ContractError';
  declare readonly code: ContractErrorCode;

  constructor(code: ContractErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
