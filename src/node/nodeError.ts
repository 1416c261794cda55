/** Typed errors of the validator node: configuration, admission, the client endpoint, backup and restore. */
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
  | 'NODE_VALIDATOR_EXITED'
  /** Restore: the validator is running (its data folder is locked). */
  | 'NODE_RUNNING'
  /** Restore: the data folder holds a store (and --force was not given); backup: the folder is not empty. */
  | 'NODE_DATA_NOT_EMPTY'
  /** Restore: the backup is of another chain than the validator's genesis. */
  | 'NODE_SNAPSHOT_WRONG_CHAIN'
  /** A backup (manifest, snapshot file or the chain in it) that does not check out. */
  | 'NODE_SNAPSHOT_CORRUPT'
  /** Restore: no other validator answered, so the height the restored one may vote from is unknown. */
  | 'NODE_RESTORE_NO_QUORUM';

/** The node refused an input; nothing changed. */
export class NodeError extends DppError {
  override readonly name = 'NodeError';
  declare readonly code: NodeErrorCode;

  constructor(code: NodeErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
