/**
 * The dialing side of one peer pair (docs/p2p.md §4): the lower index keeps one connection to each
 * higher index, redialing after every failure or close with capped exponential backoff and jitter
 * (./backoff.ts), forever until the transport closes. A completed handshake resets the backoff.
 */
import { WebSocket } from 'ws';
import { backoffDelay } from './backoff.ts';
import { TLS_VERSIONS } from './channelBinding.ts';
import type { Connection, ConnectionHost } from './connection.ts';
import type { PeerAddress } from './transportOptions.ts';

const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

/** What a dialer needs from its transport. */
export interface DialerHost extends ConnectionHost {
  /** Wraps a dialed WebSocket in a tracked Connection. */
  adopt(ws: WebSocket, peer: PeerAddress): Connection;
}

/** Keeps one dialed connection to `peer`. */
export class Dialer {
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private current: Connection | undefined;
  private stopped = false;

  constructor(
    private readonly peer: PeerAddress,
    private readonly host: DialerHost,
  ) {}

  /** Dials now. */
  start(): void {
    this.dial();
  }

  /** The dialed connection completed its handshake. */
  established(): void {
    this.attempt = 0;
  }

  /** A connection to this peer finished; redials after a backoff when it was ours. */
  closed(conn: Connection): void {
    if (conn !== this.current) return;
    this.current = undefined;
    this.retry();
  }

  /** Stops redialing (the current connection is closed by the transport). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, this.host.config.backoff);
    this.host.counters(this.peer.index).reconnects++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dial();
    }, delay);
  }

  private dial(): void {
    if (this.stopped) return;
    const c = this.host.config;
    const host = this.peer.host.includes(':') ? `[${this.peer.host}]` : this.peer.host;
    try {
      const ws = new WebSocket(`wss://${host}:${this.peer.port}/`, {
        ...TLS_VERSIONS,
        // The listener's certificate is a throwaway (./tlsCertificate.ts): it proves its validator key
        // in the handshake, signing this connection's TLS channel binding (./channelBinding.ts).
        rejectUnauthorized: false,
        maxPayload: c.maxFrameBytes,
        perMessageDeflate: false,
        handshakeTimeout: c.handshakeTimeoutMs,
        followRedirects: false,
        allowSynchronousEvents: true,
        skipUTF8Validation: true,
        // RFC 6455 masking guards browser-driven cache poisoning of HTTP proxies; between validator
        // processes it only costs a copy and a byte-wise XOR in JS on both ends (2/3 of the CPU for
        // large frames). A zero key makes ws skip masking when sending and unmasking when receiving.
        generateMask: zeroMask,
      });
      this.current = this.host.adopt(ws, this.peer);
    } catch (err) {
      c.logger.error({ self: c.self, peer: this.peer.index, error: String(err) }, 'cannot dial peer');
      this.retry();
    }
  }
}
