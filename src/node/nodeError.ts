/** Typed errors of the validator node: configuration, admission and the client endpoint. */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why the node refused something. */
export type NodeErrorCode =
  | 'NODE_BAD_CONFIG'
  | 'NODE_DUPLICATE_TX'
  | 'NODE_MEMPOOL_FULL'
  | 'NODE_NONCE_GAP'
  | 'NODE_BAD_REQUEST'
  | 'NODE_NOT_FOUND'
  | 'NODE_BODY_TOO_LARGE'
  | 'NODE_DIVERGED'
  | 'NODE_TIMEOUT'
  | 'NODE_VALIDATOR_EXITED';

/** The node refused an input; nothing changed. */
export class NodeError extends DppError {
  override readonly name = 'NodeError';
  declare readonly code: NodeErrorCode;

  constructor(code: NodeErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
