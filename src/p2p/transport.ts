/**
 * The validator-to-validator transport (docs/p2p.md): a full mesh over WebSocket over TLS 1.3 among
 * the validators of one chain, one encrypted, mutually authenticated connection per pair (the lower
 * index dials), carrying opaque binary frames in order per peer. A pure transport: it knows validator
 * indices and keys (from genesis, then `setPeers`), nothing of consensus. No global state: every
 * transport owns its server, sockets, timers and certificate.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { bytesEqual } from '../codec/bytes.ts';
import { Connection } from './connection.ts';
import { Dialer, type DialerHost } from './dialer.ts';
import { dials } from './helloPolicy.ts';
import { type Listener, type ListenerHost, startListener } from './listener.ts';
import { CLOSE_CODES, P2pError } from './p2pError.ts';
import { ephemeralTlsCredentials } from './tlsCertificate.ts';
import {
  type PeerAddress,
  resolveOptions,
  resolvePeers,
  type TransportConfig,
  type TransportOptions,
} from './transportOptions.ts';
import { newPeerCounters, type PeerCounters, type PeerStats, type TransportStats } from './transportStats.ts';

/** Receives each frame from an authenticated peer. */
export type MessageHandler = (from: number, bytes: Uint8Array) => void;
/** Told when a peer's connection comes up or goes down. */
export type PeerHandler = (index: number, up: boolean) => void;

/** A running transport. */
export interface Transport {
  /** This validator's index. */
  readonly self: number;
  /** The bound listen address (the real port when 0 was asked). */
  readonly address: { readonly host: string; readonly port: number };
  /**
   * Sends `bytes` as one frame to peer `to` (in order after earlier frames to it). False when the
   * peer is not connected or the frame was dropped; throws P2P_UNKNOWN_PEER or P2P_FRAME_TOO_LARGE.
   * `bytes` must not be modified afterwards.
   */
  send(to: number, bytes: Uint8Array): boolean;
  /** Sends `bytes` to every peer; returns how many took it. */
  broadcast(bytes: Uint8Array): number;
  /**
   * Replaces the peer set (validator-set reconfiguration; docs/p2p.md §7). Indices are stable
   * validator slots. A peer no longer listed is disconnected, its queue dropped and its dialing
   * stopped; a listed peer whose key, host or port changed is disconnected and dialed or accepted
   * again under its new entry; a new peer is dialed when its index is higher; an unchanged peer's
   * connection is left as it is. From the call on, handshakes are judged against the new set only.
   * Throws P2P_BAD_CONFIG (and changes nothing) for a malformed set; does nothing after `close()`.
   */
  setPeers(peers: readonly PeerAddress[]): void;
  /** Indices of the current peer set, ascending. */
  peerIndices(): number[];
  /** Subscribes to frames; returns the unsubscribe function. */
  onMessage(handler: MessageHandler): () => void;
  /** Subscribes to peer up/down; returns the unsubscribe function. */
  onPeer(handler: PeerHandler): () => void;
  /** Indices of the peers connected now, ascending. */
  connectedPeers(): number[];
  /**
   * A number that changes whenever a frame taken for peer `to` may not arrive: at each new
   * connection to it and at each frame dropped from its queue. Frames taken while it stays the same
   * arrive once, in order (docs/p2p.md §5). Throws P2P_UNKNOWN_PEER.
   */
  linkEpoch(to: number): number;
  /** Counters, in total and per peer. */
  stats(): TransportStats;
  /** Stops dialing and accepting, closes every connection and the listener. */
  close(): Promise<void>;
}

/** Binds the listener, starts dialing the higher-index peers, and returns the running transport. */
export async function startTransport(options: TransportOptions): Promise<Transport> {
  const t = new ValidatorTransport(resolveOptions(options));
  await t.start();
  return t;
}

class ValidatorTransport implements Transport, DialerHost, ListenerHost {
  /** The current peer set, by index. */
  private peers: ReadonlyMap<number, PeerAddress>;
  /** Their keys, by index: what a HELLO is judged against. */
  peerKeys: ReadonlyMap<number, Uint8Array>;
  private readonly links = new Map<number, Connection>();
  private readonly live = new Set<Connection>();
  private readonly handshaking = new Set<Connection>();
  private readonly dialers = new Map<number, Dialer>();
  /**
   * Counters of every index that was ever a peer (kept when it leaves the set, so totals never go
   * back and a returning peer's link epoch keeps growing); `stats()` lists the current peers only.
   */
  private readonly peerCounters = new Map<number, PeerCounters>();
  private messageHandlers: readonly MessageHandler[] = [];
  private peerHandlers: readonly PeerHandler[] = [];
  private refusedCount = 0;
  private listener: Listener | undefined;
  private closing: Promise<void> | undefined;

  constructor(readonly config: TransportConfig) {
    this.peers = config.peers;
    this.peerKeys = keysOf(config.peers);
    for (const index of config.peers.keys()) this.peerCounters.set(index, newPeerCounters());
  }

  get self(): number {
    return this.config.self;
  }

  get address(): { host: string; port: number } {
    return this.listener!.address;
  }

  async start(): Promise<void> {
    const tls = await ephemeralTlsCredentials(`dpp validator ${this.self} ${this.config.chainId}`);
    this.listener = await startListener(this, tls);
    this.config.logger.info(
      { self: this.self, host: this.address.host, port: this.address.port },
      'validator transport listening',
    );
    for (const peer of this.peers.values()) this.startDialer(peer);
  }

  setPeers(list: readonly PeerAddress[]): void {
    const next = resolvePeers(this.self, list);
    if (this.closing !== undefined) return;
    const gone = new Map<number, 'P2P_PEER_REMOVED' | 'P2P_PEER_CHANGED'>();
    for (const [index, old] of this.peers) {
      const now = next.get(index);
      if (now === undefined) gone.set(index, 'P2P_PEER_REMOVED');
      else if (!samePeer(old, now)) gone.set(index, 'P2P_PEER_CHANGED');
    }
    const added = [...next.values()].filter((p) => !this.peers.has(p.index));
    // The new set first: a HELLO arriving from here on is judged against it.
    this.peers = next;
    this.peerKeys = keysOf(next);
    for (const index of gone.keys()) {
      this.dialers.get(index)?.stop();
      this.dialers.delete(index);
    }
    // Every connection of a removed or changed peer, open or still in its handshake (a listener's
    // connection is tied to an index once that peer's HELLO passed the checks against the old set).
    for (const conn of [...this.live]) {
      const reason = conn.peer === undefined ? undefined : gone.get(conn.peer);
      if (reason !== undefined) conn.close(CLOSE_CODES[reason], reason);
    }
    for (const [index, reason] of gone) {
      this.config.logger.info(
        { self: this.self, peer: index, code: reason },
        reason === 'P2P_PEER_REMOVED' ? 'peer removed from the set' : 'peer re-keyed or moved',
      );
    }
    for (const peer of added) {
      this.peerCounters.set(peer.index, this.peerCounters.get(peer.index) ?? newPeerCounters());
      this.config.logger.info({ self: this.self, peer: peer.index }, 'peer added to the set');
    }
    for (const peer of [...added, ...[...gone.keys()].flatMap((i) => next.get(i) ?? [])])
      this.startDialer(peer);
  }

  peerIndices(): number[] {
    return [...this.peers.keys()].sort((a, b) => a - b);
  }

  send(to: number, bytes: Uint8Array): boolean {
    this.checkSize(bytes);
    if (!this.peers.has(to)) {
      throw new P2pError('P2P_UNKNOWN_PEER', `validator ${to} is not a peer`, { peer: to });
    }
    return this.route(to, bytes);
  }

  broadcast(bytes: Uint8Array): number {
    this.checkSize(bytes);
    let taken = 0;
    for (const to of this.peers.keys()) if (this.route(to, bytes)) taken++;
    return taken;
  }

  onMessage(handler: MessageHandler): () => void {
    this.messageHandlers = [...this.messageHandlers, handler];
    return () => {
      this.messageHandlers = this.messageHandlers.filter((h) => h !== handler);
    };
  }

  onPeer(handler: PeerHandler): () => void {
    this.peerHandlers = [...this.peerHandlers, handler];
    return () => {
      this.peerHandlers = this.peerHandlers.filter((h) => h !== handler);
    };
  }

  connectedPeers(): number[] {
    return [...this.links.keys()].sort((a, b) => a - b);
  }

  linkEpoch(to: number): number {
    const c = this.peerCounters.get(to);
    if (c === undefined || !this.peers.has(to))
      throw new P2pError('P2P_UNKNOWN_PEER', `validator ${to} is not a peer`, { peer: to });
    return c.connects + c.drops;
  }

  stats(): TransportStats {
    const peers: PeerStats[] = [...this.peerCounters.entries()]
      .filter(([index]) => this.peers.has(index))
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => {
        const link = this.links.get(index);
        const queued = link?.queued ?? { frames: 0, bytes: 0 };
        return {
          index,
          connected: link !== undefined,
          ...c,
          queuedFrames: queued.frames,
          queuedBytes: queued.bytes,
        };
      });
    // Totals over every index ever a peer: counters that never go back.
    const all = [...this.peerCounters.values()];
    const sum = (k: keyof PeerCounters): number => all.reduce((n, c) => n + c[k], 0);
    return {
      framesIn: sum('framesIn'),
      bytesIn: sum('bytesIn'),
      framesOut: sum('framesOut'),
      bytesOut: sum('bytesOut'),
      drops: sum('drops'),
      dropBytes: sum('dropBytes'),
      unroutable: sum('unroutable'),
      connects: sum('connects'),
      reconnects: sum('reconnects'),
      refused: this.refusedCount,
      peers,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ConnectionHost, DialerHost, ListenerHost: called by connections, dialers and the listener.

  established(conn: Connection): void {
    this.handshaking.delete(conn);
    const peer = conn.peer!;
    const old = this.links.get(peer);
    if (old !== undefined) {
      // One connection per pair: the dialer only redials once its previous connection is gone for
      // it, so a newer authenticated connection means the older one is stale (e.g. the peer restarted).
      this.config.logger.info(
        { self: this.self, peer, code: 'P2P_DUPLICATE_CONNECTION' },
        'newer authenticated connection replaces the older one',
      );
      this.links.delete(peer);
      old.close(CLOSE_CODES.P2P_DUPLICATE_CONNECTION, 'P2P_DUPLICATE_CONNECTION');
      this.emitPeer(peer, false);
    }
    this.links.set(peer, conn);
    if (conn.role === 'dialer') this.dialers.get(peer)?.established();
    this.emitPeer(peer, true);
  }

  frame(conn: Connection, bytes: Uint8Array): void {
    for (const handler of this.messageHandlers) {
      try {
        handler(conn.peer!, bytes);
      } catch (err) {
        this.config.logger.error(
          { self: this.self, peer: conn.peer, error: String(err) },
          'message handler threw',
        );
      }
    }
  }

  closed(conn: Connection): void {
    this.handshaking.delete(conn);
    const peer = conn.peer;
    if (peer !== undefined && this.links.get(peer) === conn) {
      this.links.delete(peer);
      this.emitPeer(peer, false);
    }
    if (conn.role === 'dialer' && peer !== undefined) this.dialers.get(peer)?.closed(conn);
  }

  refused(_conn: Connection, _err: P2pError): void {
    this.refusedCount++;
  }

  counters(index: number): PeerCounters {
    return this.peerCounters.get(index)!;
  }

  adopt(ws: WebSocket, peer: PeerAddress): Connection {
    return this.track(new Connection(ws, 'dialer', this, `${peer.host}:${peer.port}`, peer.index));
  }

  admit(): boolean {
    return this.closing === undefined && this.handshaking.size < this.config.maxPendingHandshakes;
  }

  accept(ws: WebSocket, socket: Socket, remote: string): void {
    if (this.closing !== undefined) {
      ws.terminate();
      return;
    }
    this.track(new Connection(ws, 'listener', this, remote)).begin(socket);
  }

  turnedAway(remote: string, err: P2pError): void {
    this.refusedCount++;
    this.config.logger.warn({ self: this.self, remote, code: err.code }, err.message);
  }

  private startDialer(peer: PeerAddress): void {
    if (!dials(this.self, peer.index)) return;
    const dialer = new Dialer(peer, this);
    this.dialers.set(peer.index, dialer);
    dialer.start();
  }

  private track(conn: Connection): Connection {
    this.live.add(conn);
    this.handshaking.add(conn);
    void conn.done.then(() => this.live.delete(conn));
    return conn;
  }

  private route(to: number, bytes: Uint8Array): boolean {
    const link = this.links.get(to);
    if (link === undefined) {
      this.counters(to).unroutable++;
      return false;
    }
    return link.send(bytes);
  }

  private checkSize(bytes: Uint8Array): void {
    if (bytes.length > this.config.maxFrameBytes) {
      throw new P2pError(
        'P2P_FRAME_TOO_LARGE',
        `frame of ${bytes.length} bytes exceeds the limit of ${this.config.maxFrameBytes} (maxFrameBytes)`,
        {
          length: bytes.length,
          max: this.config.maxFrameBytes,
          limit: this.config.maxFrameBytes,
          limitName: 'maxFrameBytes',
        },
      );
    }
  }

  private emitPeer(index: number, up: boolean): void {
    for (const handler of this.peerHandlers) {
      try {
        handler(index, up);
      } catch (err) {
        this.config.logger.error({ self: this.self, peer: index, error: String(err) }, 'peer handler threw');
      }
    }
  }

  private async shutdown(): Promise<void> {
    for (const dialer of this.dialers.values()) dialer.stop();
    const conns = [...this.live];
    for (const conn of conns) conn.close();
    await Promise.all(conns.map((c) => c.done));
    await this.listener?.close();
    this.config.logger.info({ self: this.self }, 'validator transport closed');
  }
}

/** Same index, key, host and port: the connection may stay. */
function samePeer(a: PeerAddress, b: PeerAddress): boolean {
  return a.host === b.host && a.port === b.port && bytesEqual(a.publicKey, b.publicKey);
}

function keysOf(peers: ReadonlyMap<number, PeerAddress>): ReadonlyMap<number, Uint8Array> {
  return new Map([...peers].map(([index, p]) => [index, p.publicKey]));
}
