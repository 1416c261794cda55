/**
 * Shared fixtures of the p2p tests: seeded validator keys, a mesh of transports on ephemeral
 * loopback ports (started from the highest index down, so every dialer knows the ports it dials),
 * a logger that records, polling helpers, and a hand-driven "stub" peer that speaks TLS 1.3 and the
 * handshake byte by byte so tests can lie in it (wrong chain, foreign key, forged or replayed
 * signature, another connection's channel binding).
 */
import type { Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import { type OrgKeyPair, orgKeyPair } from '../../src/crypto/ed25519.ts';
import { sha256 } from '../../src/crypto/hash.ts';
import { channelBinding, TLS_VERSIONS } from '../../src/p2p/channelBinding.ts';
import {
  decodeAuth,
  decodeHello,
  encodeAuth,
  encodeHello,
  type Hello,
  PROTOCOL_VERSION,
  signTranscript,
  type Transcript,
  verifyTranscript,
} from '../../src/p2p/handshake.ts';
import type { P2pLogger } from '../../src/p2p/logger.ts';
import { startTransport, type Transport } from '../../src/p2p/transport.ts';
import type { PeerAddress, TransportOptions } from '../../src/p2p/transportOptions.ts';

export const CHAIN = 'dpp-test.p2p';
export const HOST = '127.0.0.1';

/** Validator `i`'s key, deterministic per index (and per `salt`, for keys genesis does not know). */
export function validatorKey(i: number, salt = 'validator'): OrgKeyPair {
  return orgKeyPair(sha256(new TextEncoder().encode(`${salt}/${i}`)));
}

/** One recorded log line. */
export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

/** A logger that keeps every line (set P2P_LOG=1 to also print them). */
export function recordingLogger(): P2pLogger & { entries: LogEntry[]; codes(): string[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      entries.push({ level, msg, obj });
      if (process.env.P2P_LOG) console.log(level, msg, JSON.stringify(obj));
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    codes: () => entries.map((e) => e.obj.code).filter((c): c is string => typeof c === 'string'),
  };
}

/** Fast timers for tests. */
export const FAST = {
  backoff: { initialMs: 20, maxMs: 200 },
  handshakeTimeoutMs: 2_000,
  pingIntervalMs: 1_000,
} as const;

/** Options of validator `self` in an n-validator chain, given the ports known so far. */
export function optionsFor(
  self: number,
  n: number,
  ports: ReadonlyMap<number, number>,
  extra: Partial<TransportOptions> = {},
): TransportOptions {
  const peers: PeerAddress[] = [];
  for (let i = 0; i < n; i++) {
    // Port 1: nothing listens there (a peer not started yet, or one `self` never dials).
    if (i !== self)
      peers.push({ index: i, host: HOST, port: ports.get(i) ?? 1, publicKey: validatorKey(i).publicKey });
  }
  return {
    chainId: CHAIN,
    self,
    keyPair: validatorKey(self),
    listen: { host: HOST, port: ports.get(self) ?? 0 },
    peers,
    ...FAST,
    ...extra,
  };
}

/** n transports, started from the highest index down; `extra(i)` adds options per validator. */
export async function startMesh(
  n: number,
  extra: (i: number) => Partial<TransportOptions> = () => ({}),
): Promise<{ nets: Transport[]; ports: Map<number, number> }> {
  const ports = new Map<number, number>();
  const nets: Transport[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const net = await startTransport(optionsFor(i, n, ports, extra(i)));
    ports.set(i, net.address.port);
    nets[i] = net;
  }
  return { nets, ports };
}

/** Resolves once `cond()` holds; rejects after `timeoutMs` with `what`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Resolves once every transport is connected to all the others. */
export function fullMesh(nets: readonly Transport[], timeoutMs = 10_000): Promise<void> {
  return waitFor(
    () => nets.every((t) => t.connectedPeers().length === nets.length - 1),
    'a full mesh',
    timeoutMs,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Closes every transport (ignoring undefined slots). */
export async function closeAll(nets: readonly (Transport | undefined)[]): Promise<void> {
  await Promise.all(nets.map((t) => t?.close()));
}

/** How a stub peer behaves in the handshake. */
export interface StubPlan {
  readonly port: number;
  /** The index it claims. */
  readonly index: number;
  /** The key it signs with. */
  readonly key: OrgKeyPair;
  readonly chainId?: string;
  readonly version?: number;
  /** The key it presents in HELLO (default: key.publicKey). */
  readonly presentKey?: Uint8Array;
  /** Its AUTH: a real signature, random bytes, a given (e.g. replayed) signature, or nothing. */
  readonly auth?: 'sign' | 'random' | 'none' | Uint8Array;
  /** Frames to send right after its AUTH, without waiting for the listener's. */
  readonly eager?: readonly Uint8Array[];
  /** The channel binding it signs (default: its connection's own TLS exporter). */
  readonly binding?: Uint8Array;
}

/** A stub's connection: the listener's HELLO, the AUTH it sent, what it received, how it closed. */
export interface StubConnection {
  readonly ws: WebSocket;
  readonly socket: TLSSocket;
  /** Its connection's TLS channel binding. */
  readonly binding: Uint8Array;
  readonly theirHello: Hello;
  readonly sentAuth: Uint8Array | undefined;
  /** True once the listener's AUTH arrived and verified. */
  readonly authenticated: Promise<boolean>;
  readonly received: Uint8Array[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** WebSocket options of a test client of a transport: TLS 1.3, any certificate (it is a throwaway). */
export const WSS = { ...TLS_VERSIONS, rejectUnauthorized: false, perMessageDeflate: false } as const;

/** Dials a transport as a hand-driven dialer following `plan`. */
export async function stubDial(plan: StubPlan): Promise<StubConnection> {
  const ws = new WebSocket(`wss://${HOST}:${plan.port}/`, WSS);
  let socket: TLSSocket | undefined;
  ws.on('upgrade', (res) => {
    socket = res.socket as TLSSocket;
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const frames: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    frames.push(new Uint8Array(data as Buffer));
    wake?.();
  });
  const next = async (): Promise<Uint8Array | undefined> => {
    while (frames.length === 0) {
      const ended = await Promise.race([
        closed.then(() => true),
        new Promise<false>((r) => (wake = () => r(false))),
      ]);
      if (ended && frames.length === 0) return undefined;
    }
    return frames.shift();
  };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('stub: closed before open')));
  });
  const binding = channelBinding(socket!);
  const nonce = new Uint8Array(32).map(() => Math.floor(Math.random() * 256));
  const mine = { index: plan.index, publicKey: plan.presentKey ?? plan.key.publicKey, nonce };
  ws.send(
    encodeHello({
      version: plan.version ?? PROTOCOL_VERSION,
      chainId: plan.chainId ?? CHAIN,
      ...mine,
    }),
  );
  const helloBytes = await next();
  if (helloBytes === undefined) throw new Error('stub: no HELLO from the listener');
  const theirHello = decodeHello(helloBytes);
  const t: Transcript = {
    chainId: plan.chainId ?? CHAIN,
    dialer: mine,
    listener: { index: theirHello.index, publicKey: theirHello.publicKey, nonce: theirHello.nonce },
    channelBinding: plan.binding ?? binding,
  };
  const auth = plan.auth ?? 'sign';
  let sentAuth: Uint8Array | undefined;
  if (auth !== 'none') {
    sentAuth =
      auth === 'sign'
        ? signTranscript(plan.key, t, 'dialer')
        : auth === 'random'
          ? new Uint8Array(64).map(() => Math.floor(Math.random() * 256))
          : auth;
    ws.send(encodeAuth(sentAuth));
  }
  for (const f of plan.eager ?? []) ws.send(f);
  const received: Uint8Array[] = [];
  const authenticated = (async () => {
    const authBytes = await next();
    if (authBytes === undefined) return false;
    // The listener signs the binding it sees: our connection's own.
    const ok = verifyTranscript(
      theirHello.publicKey,
      { ...t, channelBinding: binding },
      'listener',
      decodeAuth(authBytes),
    );
    // From here on, frames go to `received`.
    received.push(...frames.splice(0));
    ws.on('message', () => received.push(...frames.splice(0)));
    return ok;
  })();
  return { ws, socket: socket!, binding, theirHello, sentAuth, authenticated, received, closed };
}

/** A raw TLS socket that completed a WebSocket upgrade with the listener at `port`. */
export async function rawUpgrade(port: number): Promise<TLSSocket> {
  const socket = tlsConnect({ port, host: HOST, ...TLS_VERSIONS, rejectUnauthorized: false });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before TLS was up')));
  });
  socket.write(
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        socket.removeListener('data', onData);
        if (head.startsWith('HTTP/1.1 101')) resolve();
        else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
      }
    };
    socket.on('data', onData);
  });
  return socket;
}

/** Resolves when `socket` has closed (for raw sockets the listener should drop). */
export function socketClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
