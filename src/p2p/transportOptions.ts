/**
 * Configuration of a validator transport, its defaults and its validation (docs/p2p.md §3). The
 * default frame limit equals consensus/messages.ts `DEFAULT_LIMITS.maxMessageBytes` (64 MiB), so the
 * largest message consensus may encode always fits in one frame.
 */
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { MAX_CHAIN_ID_BYTES } from './handshake.ts';
import { dials } from './helloPolicy.ts';
import { type P2pLogger, silentLogger } from './logger.ts';
import { P2pError } from './p2pError.ts';

/**
 * Another validator: its index (a stable validator slot) and Ed25519 key, and where it listens
 * (dialed only if index > self).
 */
export interface PeerAddress {
  readonly index: number;
  readonly host: string;
  readonly port: number;
  readonly publicKey: Uint8Array;
}

/** What `startTransport` takes. */
export interface TransportOptions {
  readonly chainId: string;
  /** This validator's genesis index. */
  readonly self: number;
  /** This validator's Ed25519 key (its public half is the one genesis lists at `self`). */
  readonly keyPair: OrgKeyPair;
  /** Where to listen; port 0 picks a free port (see `Transport.address`). */
  readonly listen: { readonly host: string; readonly port: number };
  /**
   * The other validators this one links to now (may be empty: a validator that only listens); the
   * set can be replaced later with `Transport.setPeers`.
   */
  readonly peers: readonly PeerAddress[];
  /** Largest frame sent or accepted (default 64 MiB). */
  readonly maxFrameBytes?: number;
  /** Bound of each peer's send queue (default 64 MiB). */
  readonly maxQueueBytes?: number;
  /** Bytes buffered in the socket above which frames wait in the queue (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** Time allowed from TCP connect to a verified AUTH (default 5 s). */
  readonly handshakeTimeoutMs?: number;
  /** Ping period; a peer that sends nothing, not even a pong, for a whole period is dropped (default 5 s). */
  readonly pingIntervalMs?: number;
  /** Reconnection delays (default 100 ms doubling to 5 s, with jitter). */
  readonly backoff?: Partial<BackoffOptions>;
  /** Most connections allowed in the handshake at once (default 32). */
  readonly maxPendingHandshakes?: number;
  readonly logger?: P2pLogger;
  /** Source of handshake nonces (default: the OS CSPRNG). */
  readonly random?: RandomSource;
}

/** Validated options with every default filled in. */
export interface TransportConfig {
  readonly chainId: string;
  readonly self: number;
  readonly keyPair: OrgKeyPair;
  readonly listen: { readonly host: string; readonly port: number };
  /** The peer set given at start (the transport keeps the current one). */
  readonly peers: ReadonlyMap<number, PeerAddress>;
  readonly maxFrameBytes: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly backoff: BackoffOptions;
  readonly maxPendingHandshakes: number;
  readonly logger: P2pLogger;
  readonly random: RandomSource;
}

/** 64 MiB: consensus `DEFAULT_LIMITS.maxMessageBytes`. */
export const DEFAULT_MAX_FRAME_BYTES = 64 << 20;
/** 64 MiB per peer. */
export const DEFAULT_MAX_QUEUE_BYTES = 64 << 20;
/** 1 MiB in the socket before queueing. */
export const DEFAULT_HIGH_WATER_BYTES = 1 << 20;
/** 5 s. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
/** 5 s. */
export const DEFAULT_PING_INTERVAL_MS = 5_000;
/** 32 connections. */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 32;
/** Bytes a peer may send before its AUTH is verified (HELLO + AUTH need under 300). */
export const MAX_HANDSHAKE_BYTES = 4096;

/** Checks `o` and fills in defaults; throws P2P_BAD_CONFIG naming the offending field. */
export function resolveOptions(o: TransportOptions): TransportConfig {
  const chainBytes = new TextEncoder().encode(o.chainId).length;
  if (chainBytes === 0 || chainBytes > MAX_CHAIN_ID_BYTES)
    bad('chainId', `must be 1..${MAX_CHAIN_ID_BYTES} bytes`);
  index(o.self, 'self');
  if (o.keyPair?.publicKey?.length !== 32) bad('keyPair', 'must be an Ed25519 key pair');
  port(o.listen?.port, 'listen.port');
  const peers = resolvePeers(o.self, o.peers);
  const maxFrameBytes = positive(o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 'maxFrameBytes');
  const backoff = {
    initialMs: positive(o.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs, 'backoff.initialMs'),
    maxMs: positive(o.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs, 'backoff.maxMs'),
  };
  if (backoff.maxMs < backoff.initialMs) bad('backoff.maxMs', 'must be ≥ backoff.initialMs');
  return {
    chainId: o.chainId,
    self: o.self,
    keyPair: o.keyPair,
    listen: o.listen,
    peers,
    maxFrameBytes,
    maxQueueBytes: positive(o.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES, 'maxQueueBytes'),
    highWaterBytes: positive(o.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES, 'highWaterBytes'),
    handshakeTimeoutMs: positive(o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, 'handshakeTimeoutMs'),
    pingIntervalMs: positive(o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS, 'pingIntervalMs'),
    backoff,
    maxPendingHandshakes: positive(
      o.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES,
      'maxPendingHandshakes',
    ),
    logger: o.logger ?? silentLogger,
    random: o.random ?? systemRandom,
  };
}

/**
 * Checks a peer set (indices in 0..65535, none equal to `self`, no duplicates, 32-byte keys, a host
 * and a non-zero port for every peer `self` dials); throws P2P_BAD_CONFIG naming the offending entry.
 */
export function resolvePeers(self: number, list: readonly PeerAddress[]): Map<number, PeerAddress> {
  if (!Array.isArray(list)) bad('peers', 'must be an array');
  const peers = new Map<number, PeerAddress>();
  for (const [i, p] of list.entries()) {
    index(p?.index, `peers[${i}].index`);
    if (p.index === self) bad(`peers[${i}].index`, 'is this validator itself');
    if (peers.has(p.index)) bad(`peers[${i}].index`, `duplicate index ${p.index}`);
    if (!(p.publicKey instanceof Uint8Array) || p.publicKey.length !== 32)
      bad(`peers[${i}].publicKey`, 'must be 32 bytes');
    port(p.port, `peers[${i}].port`);
    if (typeof p.host !== 'string') bad(`peers[${i}].host`, 'must be a string');
    if (dials(self, p.index) && (p.port === 0 || p.host.length === 0)) {
      bad(`peers[${i}]`, 'is dialed by this validator (higher index) and needs a host and a non-zero port');
    }
    // A copy: a caller that later changes its array or key bytes does not change the set.
    peers.set(p.index, {
      index: p.index,
      host: p.host,
      port: p.port,
      publicKey: Uint8Array.from(p.publicKey),
    });
  }
  return peers;
}

function bad(field: string, why: string): never {
  throw new P2pError('P2P_BAD_CONFIG', `transport option ${field} ${why}`, { field });
}

function index(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) bad(field, 'must be an integer in 0..65535');
}

function port(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) bad(field, 'must be a port in 0..65535');
}

function positive(v: number, field: string): number {
  if (!Number.isSafeInteger(v) || v <= 0) bad(field, 'must be a positive integer');
  return v;
}
