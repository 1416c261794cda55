/**
 * Typed errors of the validator transport (docs/p2p.md). A refused connection is closed with a
 * WebSocket close code in 4000–4099 and the error code as the close reason, so the other side's log
 * says why (e.g. `P2P_WRONG_CHAIN`) instead of a bare disconnect.
 */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why the transport refused a connection, a frame or a configuration. */
export type P2pErrorCode =
  | 'P2P_BAD_CONFIG'
  | 'P2P_LISTEN_FAILED'
  | 'P2P_BAD_HANDSHAKE'
  | 'P2P_BAD_VERSION'
  | 'P2P_WRONG_CHAIN'
  | 'P2P_UNKNOWN_PEER'
  | 'P2P_UNKNOWN_KEY'
  | 'P2P_WRONG_PEER'
  | 'P2P_WRONG_DIRECTION'
  | 'P2P_BAD_SIGNATURE'
  | 'P2P_HANDSHAKE_TIMEOUT'
  | 'P2P_HANDSHAKE_TOO_LARGE'
  | 'P2P_TOO_MANY_PENDING'
  | 'P2P_DUPLICATE_CONNECTION'
  | 'P2P_FRAME_TOO_LARGE'
  | 'P2P_MALFORMED_FRAME'
  | 'P2P_PEER_TIMEOUT'
  | 'P2P_SOCKET_ERROR'
  | 'P2P_PEER_REMOVED'
  | 'P2P_PEER_CHANGED'
  | 'P2P_NOT_ENCRYPTED';

/** A transport refusal: the connection (or the call) was refused, nothing was delivered. */
export class P2pError extends DppError {
  override readonly name = 'P2pError';
  declare readonly code: P2pErrorCode;

  constructor(
    code: P2pErrorCode,
    message: string,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
  }
}

/** WebSocket close codes (RFC 6455 §7.4.2: 4000–4999 are private use) sent with each refusal. */
export const CLOSE_CODES: Readonly<Record<P2pErrorCode, number>> = {
  P2P_BAD_CONFIG: 4000,
  P2P_LISTEN_FAILED: 4000,
  P2P_BAD_HANDSHAKE: 4001,
  P2P_BAD_VERSION: 4002,
  P2P_WRONG_CHAIN: 4003,
  P2P_UNKNOWN_PEER: 4004,
  P2P_UNKNOWN_KEY: 4005,
  P2P_WRONG_PEER: 4006,
  P2P_WRONG_DIRECTION: 4007,
  P2P_BAD_SIGNATURE: 4008,
  P2P_HANDSHAKE_TIMEOUT: 4009,
  P2P_HANDSHAKE_TOO_LARGE: 4010,
  P2P_TOO_MANY_PENDING: 4011,
  P2P_DUPLICATE_CONNECTION: 4012,
  P2P_FRAME_TOO_LARGE: 1009,
  P2P_MALFORMED_FRAME: 1003,
  P2P_PEER_TIMEOUT: 4013,
  P2P_SOCKET_ERROR: 1011,
  P2P_PEER_REMOVED: 4014,
  P2P_PEER_CHANGED: 4015,
  P2P_NOT_ENCRYPTED: 4016,
};
