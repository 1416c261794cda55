/**
 * One WebSocket over TLS 1.3 to one peer, through its life (docs/p2p.md §1–§5): handshake (HELLO,
 * AUTH bound to the TLS channel, checked against the peer set), then opaque binary frames both ways with a bounded send queue, pings to notice a
 * dead peer, and a close that tells the peer why. Nothing the peer sends is delivered before its
 * AUTH is verified; any refusal closes the connection with a P2pError code and never throws out.
 */
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { channelBinding } from './channelBinding.ts';
import {
  decodeAuth,
  decodeHello,
  encodeAuth,
  encodeHello,
  type HandshakeSide,
  NONCE_BYTES,
  otherRole,
  PROTOCOL_VERSION,
  type Role,
  signTranscript,
  type Transcript,
  verifyTranscript,
} from './handshake.ts';
import { checkHello } from './helloPolicy.ts';
import { CLOSE_CODES, P2pError } from './p2pError.ts';
import { SendQueue } from './sendQueue.ts';
import { MAX_HANDSHAKE_BYTES, type TransportConfig } from './transportOptions.ts';
import type { PeerCounters } from './transportStats.ts';

/** What a connection reports to the transport that owns it. */
export interface ConnectionHost {
  readonly config: TransportConfig;
  /** The current peer set's public keys, by index (a HELLO is judged against the set of its arrival). */
  readonly peerKeys: ReadonlyMap<number, Uint8Array>;
  /** The peer's AUTH was verified: the connection is open. */
  established(conn: Connection): void;
  /** A frame from an open connection. */
  frame(conn: Connection, bytes: Uint8Array): void;
  /** The connection is finished (called exactly once, at the first of close request or socket close). */
  closed(conn: Connection): void;
  /** A refusal closed the connection (already logged). */
  refused(conn: Connection, err: P2pError): void;
  /** The counters of peer `index`. */
  counters(index: number): PeerCounters;
}

type State = 'connecting' | 'hello' | 'auth' | 'open' | 'closed';

/** Time a closing peer gets to answer our close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;
const GOING_AWAY = 1001;

/** One connection to one (claimed) peer. */
export class Connection {
  /** The peer's index: the dialed one, or the listener's once its HELLO passed the checks. */
  peer: number | undefined;
  /** Resolves when the socket is closed. */
  readonly done: Promise<void>;
  private state: State = 'connecting';
  private readonly mine: HandshakeSide;
  private theirs: HandshakeSide | undefined;
  /** The TLS exporter of this connection, once the WebSocket is open. */
  private binding: Uint8Array | undefined;
  private readonly queue: SendQueue;
  private socket: Socket | undefined;
  /** Queue threshold: the configured mark, at least the socket's own (so a 'drain' always follows). */
  private highWater: number;
  private handshakeBytes = 0;
  private alive = true;
  /** Whether frames were dropped since the queue was last empty (one warning per episode). */
  private dropping = false;
  private reported = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;

  constructor(
    private readonly ws: WebSocket,
    /** Whether we dialed (then `peer` is the dialed index) or accepted this connection. */
    readonly role: Role,
    private readonly host: ConnectionHost,
    /** The remote address, for logs. */
    readonly remote: string,
    expected?: number,
  ) {
    const c = host.config;
    this.peer = expected;
    this.mine = { index: c.self, publicKey: c.keyPair.publicKey, nonce: c.random(NONCE_BYTES) };
    this.queue = new SendQueue(c.maxQueueBytes);
    this.highWater = c.highWaterBytes;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    ws.binaryType = 'nodebuffer';
    ws.on('message', this.onMessage);
    ws.on('pong', this.onPong);
    ws.on('error', this.onError);
    ws.on('close', this.onClose);
    ws.on('upgrade', (res) => {
      this.socket = res.socket;
    });
    ws.on('open', () => this.begin(this.socket));
    this.handshakeTimer = setTimeout(() => {
      this.refuse(
        new P2pError('P2P_HANDSHAKE_TIMEOUT', `no verified AUTH within ${c.handshakeTimeoutMs} ms`),
      );
    }, c.handshakeTimeoutMs);
  }

  /** Frames and bytes waiting in the send queue. */
  get queued(): { frames: number; bytes: number } {
    return { frames: this.queue.length, bytes: this.queue.bytes };
  }

  /**
   * Starts the handshake on an open WebSocket; `socket` is its TLS socket (channel binding, volume,
   * liveness, drain).
   */
  begin(socket: Socket | undefined): void {
    if (this.state !== 'connecting') return;
    if (socket === undefined) {
      this.finish(CLOSE_CODES.P2P_SOCKET_ERROR, 'P2P_SOCKET_ERROR', true);
      return;
    }
    try {
      this.binding = channelBinding(socket);
    } catch (err) {
      this.refuse(err as P2pError, true);
      return;
    }
    this.state = 'hello';
    this.socket = socket;
    this.highWater = Math.max(this.highWater, socket.writableHighWaterMark);
    socket.on('data', this.onSocketData);
    socket.on('drain', this.flush);
    this.ws.send(
      encodeHello({
        version: PROTOCOL_VERSION,
        chainId: this.host.config.chainId,
        index: this.mine.index,
        publicKey: this.mine.publicKey,
        nonce: this.mine.nonce,
      }),
    );
  }

  /**
   * Sends one frame, or queues it behind earlier ones while the socket holds more than the
   * high-water mark; a full queue drops its oldest frames. False when the frame was not taken.
   */
  send(bytes: Uint8Array): boolean {
    if (this.state !== 'open') return false;
    if (this.queue.length === 0 && this.ws.bufferedAmount < this.highWater) {
      this.write(bytes);
      return true;
    }
    const r = this.queue.push(bytes);
    if (r.droppedFrames > 0) {
      const c = this.host.counters(this.peer!);
      if (!this.dropping) {
        this.dropping = true;
        this.log('warn', { queuedBytes: this.queue.bytes }, 'peer is slow: dropping oldest frames');
      }
      c.drops += r.droppedFrames;
      c.dropBytes += r.droppedBytes;
    }
    return r.accepted;
  }

  /** Closes the connection without blaming the peer (shutdown or replacement). */
  close(code = GOING_AWAY, reason = 'shutdown'): void {
    this.finish(code, reason, false);
  }

  /** Closes the connection for `err`, logging it and telling the peer the code. */
  refuse(err: P2pError, terminate = false): void {
    if (this.state === 'closed') return;
    this.log('warn', { code: err.code, ...err.details }, err.message);
    this.host.refused(this, err);
    this.finish(CLOSE_CODES[err.code], err.code, terminate);
  }

  private write(bytes: Uint8Array): void {
    const c = this.host.counters(this.peer!);
    c.framesOut++;
    c.bytesOut += bytes.length;
    this.ws.send(bytes);
  }

  /**
   * Moves queued frames to the socket while it is below the mark. Runs on the socket's 'drain': a
   * frame is only queued while bufferedAmount ≥ highWater ≥ the socket's writableHighWaterMark, so
   * the write that filled it made Node promise a 'drain' once the buffer empties.
   */
  private readonly flush = (): void => {
    while (this.state === 'open' && this.queue.length > 0 && this.ws.bufferedAmount < this.highWater) {
      this.write(this.queue.shift()!);
    }
    if (this.queue.length === 0) this.dropping = false;
  };

  private readonly onSocketData = (chunk: Buffer): void => {
    this.alive = true;
    if (this.state === 'open' || this.state === 'closed') return;
    this.handshakeBytes += chunk.length;
    // [REJECT] more than a handshake's worth of bytes before the peer is authenticated
    if (this.handshakeBytes > MAX_HANDSHAKE_BYTES) {
      this.refuse(
        new P2pError(
          'P2P_HANDSHAKE_TOO_LARGE',
          `peer sent over ${MAX_HANDSHAKE_BYTES} bytes before its AUTH`,
          {
            bytes: this.handshakeBytes,
          },
        ),
        true,
      );
    }
  };

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    if (this.state === 'closed') return;
    this.alive = true;
    // [REJECT] text frames: the protocol is binary
    if (!isBinary) {
      this.refuse(new P2pError('P2P_MALFORMED_FRAME', 'text frame received; frames are binary'));
      return;
    }
    const bytes = asBytes(data);
    if (this.state === 'open') {
      const c = this.host.counters(this.peer!);
      c.framesIn++;
      c.bytesIn += bytes.length;
      this.host.frame(this, bytes);
      return;
    }
    try {
      if (this.state === 'hello') this.onHello(bytes);
      else if (this.state === 'auth') this.onAuth(bytes);
    } catch (err) {
      this.refuse(
        err instanceof P2pError
          ? err
          : new P2pError('P2P_BAD_HANDSHAKE', `handshake failed: ${String(err)}`, {}, { cause: err }),
      );
    }
  };

  private onHello(bytes: Uint8Array): void {
    const c = this.host.config;
    const hello = decodeHello(bytes);
    const publicKey = checkHello(hello, {
      chainId: c.chainId,
      self: c.self,
      peerKeys: this.host.peerKeys,
      role: this.role,
      ...(this.peer === undefined ? {} : { expected: this.peer }),
    });
    this.peer = hello.index;
    this.theirs = { index: hello.index, publicKey, nonce: hello.nonce };
    this.ws.send(encodeAuth(signTranscript(c.keyPair, this.transcript(), this.role)));
    this.state = 'auth';
  }

  private onAuth(bytes: Uint8Array): void {
    const signature = decodeAuth(bytes);
    // [REJECT] an AUTH that is not the peer's key signing this connection's transcript, TLS binding included
    if (!verifyTranscript(this.theirs!.publicKey, this.transcript(), otherRole(this.role), signature)) {
      throw new P2pError('P2P_BAD_SIGNATURE', `validator ${this.peer} did not prove its key`, {
        peer: this.peer ?? null,
      });
    }
    this.state = 'open';
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.pingTimer = setInterval(this.onPingTick, this.host.config.pingIntervalMs);
    this.host.counters(this.peer!).connects++;
    this.log('info', {}, 'peer connected');
    this.host.established(this);
  }

  private transcript(): Transcript {
    const [dialer, listener] = this.role === 'dialer' ? [this.mine, this.theirs!] : [this.theirs!, this.mine];
    return { chainId: this.host.config.chainId, dialer, listener, channelBinding: this.binding! };
  }

  private readonly onPingTick = (): void => {
    // [REJECT] a peer that sent nothing, not even a pong, for a whole ping period
    if (!this.alive) {
      this.refuse(
        new P2pError('P2P_PEER_TIMEOUT', 'peer sent nothing, not even a pong, for a whole ping period'),
        true,
      );
      return;
    }
    this.alive = false;
    this.ws.ping();
  };

  private readonly onPong = (): void => {
    this.alive = true;
  };

  private readonly onError = (err: Error & { code?: string }): void => {
    if (this.state === 'closed') return;
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.refuse(
        new P2pError(
          'P2P_FRAME_TOO_LARGE',
          `peer sent a frame over ${this.host.config.maxFrameBytes} bytes`,
          {
            max: this.host.config.maxFrameBytes,
          },
        ),
      );
    } else if (err.code?.startsWith('WS_ERR_')) {
      this.refuse(
        new P2pError('P2P_MALFORMED_FRAME', `malformed WebSocket frame: ${err.message}`, { ws: err.code }),
      );
    } else {
      // Connection refused or reset: ordinary while peers restart; the dialer retries.
      this.log('debug', { code: 'P2P_SOCKET_ERROR', error: err.message }, 'socket error');
      this.finish(CLOSE_CODES.P2P_SOCKET_ERROR, 'P2P_SOCKET_ERROR', true);
    }
  };

  private readonly onClose = (code: number, reason: Buffer): void => {
    clearTimeout(this.graceTimer);
    const why = reason.toString();
    if (this.state !== 'closed') {
      if (code >= 4000 && why.startsWith('P2P_'))
        this.log('warn', { code: why }, `refused by the peer: ${why}`);
      else if (code === CLOSE_CODES.P2P_FRAME_TOO_LARGE) {
        this.log(
          'warn',
          { code: 'P2P_FRAME_TOO_LARGE' },
          'the peer refused a frame as too large (its limit is lower)',
        );
      } else if (this.state === 'open') this.log('info', { wsCode: code, reason: why }, 'peer disconnected');
    }
    this.finish(code, why, true);
    this.socket?.removeListener('data', this.onSocketData);
    this.socket?.removeListener('drain', this.flush);
    this.resolveDone();
  };

  private finish(code: number, reason: string, terminate: boolean): void {
    if (this.state !== 'closed') {
      const wasOpen = this.state === 'open';
      this.state = 'closed';
      clearTimeout(this.handshakeTimer);
      clearInterval(this.pingTimer);
      const lost = this.queue.clear();
      if (wasOpen && lost.frames > 0) {
        const c = this.host.counters(this.peer!);
        c.drops += lost.frames;
        c.dropBytes += lost.bytes;
      }
      if (terminate) this.ws.terminate();
      else {
        this.ws.close(code, reason);
        this.graceTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
      }
    }
    if (!this.reported) {
      this.reported = true;
      this.host.closed(this);
    }
  }

  private log(level: 'debug' | 'info' | 'warn', obj: Record<string, unknown>, msg: string): void {
    const c = this.host.config;
    c.logger[level](
      { self: c.self, peer: this.peer ?? null, role: this.role, remote: this.remote, ...obj },
      msg,
    );
  }
}

/** A received frame as a plain Uint8Array view (no copy). */
function asBytes(data: RawData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const buf = Array.isArray(data) ? Buffer.concat(data) : data;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
