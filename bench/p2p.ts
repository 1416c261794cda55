/**
 * `npm run bench:p2p [-- --quick]`: what TLS costs the validator links (docs/p2p.md "Cost of TLS").
 *
 * Three links between two ends in this one process (so each figure is the CPU of both ends on one
 * core's event loop), measured interleaved in the same run:
 * - `ws`         the baseline: a WebSocket over plain TCP with the transport's own settings (no
 *                compression, unmasked frames, no UTF-8 checks) — what the links were before TLS;
 * - `wss`        the same WebSocket over TLS 1.3 (ECDSA P-256 throwaway certificate);
 * - `transport`  two real transports (src/p2p/): TLS 1.3, the Ed25519 handshake bound to the TLS
 *                exporter, send queues and counters.
 * For each: one-way throughput of 1 KiB and 64 KiB frames (at most 4 MiB in flight), the median
 * round trip of a 1 KiB frame, and the median time to connect (for the transport: from `setPeers`
 * naming the peer to both ends reporting it up, the p2p handshake included). Ratios are against `ws`.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { orgKeyPair } from '../src/crypto/ed25519.ts';
import { sha256 } from '../src/crypto/hash.ts';
import { TLS_VERSIONS } from '../src/p2p/channelBinding.ts';
import { ephemeralTlsCredentials } from '../src/p2p/tlsCertificate.ts';
import { startTransport, type Transport } from '../src/p2p/transport.ts';
import { machineLine, median } from './machine.ts';

const quick = process.argv.includes('--quick');
const HOST = '127.0.0.1';
const WINDOW_BYTES = 4 << 20;
const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** One end sends to the other; `onFrame` is told of each frame the other end receives. */
interface Link {
  readonly name: string;
  send(bytes: Uint8Array): void;
  /** The other end echoes each frame back when `echo` is on. */
  echo: boolean;
  onFrame(handler: (bytes: Uint8Array) => void): void;
  onEcho(handler: () => void): void;
  close(): Promise<void>;
}

const WS_OPTIONS = {
  perMessageDeflate: false,
  skipUTF8Validation: true,
  allowSynchronousEvents: true,
  maxPayload: 64 << 20,
} as const;

async function wsLink(tls: boolean): Promise<Link> {
  const creds = tls ? await ephemeralTlsCredentials('bench') : undefined;
  const server: Server =
    creds === undefined ? createHttpServer() : createHttpsServer({ ...TLS_VERSIONS, ...creds });
  const wss = new WebSocketServer({ server, ...WS_OPTIONS });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as AddressInfo).port;
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`${tls ? 'wss' : 'ws'}://${HOST}:${port}/`, {
    ...WS_OPTIONS,
    ...(tls ? { ...TLS_VERSIONS, rejectUnauthorized: false } : {}),
    generateMask: (m) => void m.fill(0),
  });
  await new Promise((r) => client.once('open', r));
  const peer = await accepted;
  const link: Link = {
    name: tls ? 'wss' : 'ws',
    echo: false,
    send: (bytes) => client.send(bytes),
    onFrame: (h) =>
      peer.on('message', (data) => {
        const b = data as Buffer;
        h(b);
        if (link.echo) peer.send(b);
      }),
    onEcho: (h) => client.on('message', () => h()),
    close: async () => {
      client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return link;
}

/** The transport link, and the median time its dialer takes to connect again (setPeers out and in), ms. */
let transportConnectMs: () => Promise<number> = async () => Number.NaN;

async function transportLink(): Promise<Link> {
  const key = (i: number) => orgKeyPair(sha256(new TextEncoder().encode(`bench/${i}`)));
  const common = {
    chainId: 'dpp-bench.p2p',
    listen: { host: HOST, port: 0 },
    maxQueueBytes: 256 << 20,
    pingIntervalMs: 60_000,
  };
  const b: Transport = await startTransport({
    ...common,
    self: 1,
    keyPair: key(1),
    peers: [{ index: 0, host: HOST, port: 0, publicKey: key(0).publicKey }],
  });
  const a: Transport = await startTransport({
    ...common,
    self: 0,
    keyPair: key(0),
    peers: [{ index: 1, host: HOST, port: b.address.port, publicKey: key(1).publicKey }],
  });
  const linked = async (): Promise<void> => {
    while (!(a.connectedPeers().includes(1) && b.connectedPeers().includes(0)))
      await new Promise((r) => setImmediate(r));
  };
  await linked();
  transportConnectMs = async () => {
    const peers = [{ index: 1, host: HOST, port: b.address.port, publicKey: key(1).publicKey }];
    const times: number[] = [];
    for (let i = 0; i < (quick ? 20 : 100); i++) {
      a.setPeers([]);
      while (b.connectedPeers().length > 0) await new Promise((r) => setImmediate(r));
      const t = process.hrtime.bigint();
      a.setPeers(peers); // TCP, TLS 1.3, WebSocket upgrade, HELLO and AUTH both ways
      await linked();
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return median(times);
  };
  const link: Link = {
    name: 'transport',
    echo: false,
    send: (bytes) => {
      if (!a.send(1, bytes)) throw new Error('the transport dropped a frame');
    },
    onFrame: (h) =>
      b.onMessage((_from, bytes) => {
        h(bytes);
        if (link.echo) b.send(0, bytes);
      }),
    onEcho: (h) => a.onMessage(() => h()),
    close: async () => {
      await Promise.all([a.close(), b.close()]);
    },
  };
  return link;
}

/** Sends `count` frames of `size` bytes with at most WINDOW_BYTES in flight; MB/s and frames/s. */
function throughput(
  link: Link,
  frameHandlers: Map<Link, (b: Uint8Array) => void>,
  size: number,
  count: number,
): Promise<{ mbPerS: number; framesPerS: number }> {
  const frame = new Uint8Array(size).fill(0x5a);
  const window = Math.max(1, Math.floor(WINDOW_BYTES / size));
  let sent = 0;
  let got = 0;
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const pump = (): void => {
      while (sent < count && sent - got < window) {
        link.send(frame);
        sent++;
      }
    };
    frameHandlers.set(link, () => {
      got++;
      if (got === count) {
        const s = Number(process.hrtime.bigint() - start) / 1e9;
        resolve({ mbPerS: (count * size) / s / 1e6, framesPerS: count / s });
      } else if (sent - got < window / 2) pump();
    });
    pump();
  });
}

/** Median round trip of a 1 KiB frame, µs. */
async function roundTrip(link: Link, echoes: Map<Link, () => void>, count: number): Promise<number> {
  const frame = new Uint8Array(1024);
  const times: number[] = [];
  link.echo = true;
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await new Promise<void>((r) => {
      echoes.set(link, r);
      link.send(frame);
    });
    times.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  link.echo = false;
  return median(times);
}

/** Median time to open a ws or wss connection to a listening server, ms. */
async function connectMs(tls: boolean, count: number): Promise<number> {
  const creds = tls ? await ephemeralTlsCredentials('bench') : undefined;
  const server: Server =
    creds === undefined ? createHttpServer() : createHttpsServer({ ...TLS_VERSIONS, ...creds });
  const wss = new WebSocketServer({ server, ...WS_OPTIONS });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as AddressInfo).port;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    const ws = new WebSocket(`${tls ? 'wss' : 'ws'}://${HOST}:${port}/`, {
      ...WS_OPTIONS,
      ...(tls ? { ...TLS_VERSIONS, rejectUnauthorized: false } : {}),
    });
    await new Promise((r) => ws.once('open', r));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    ws.terminate();
  }
  wss.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return median(times);
}

log(`bench:p2p — ${machineLine()}`);
log('both ends in this process (one event loop): figures are the CPU of sender and receiver together');
const links = [await wsLink(false), await wsLink(true), await transportLink()];
const frameHandlers = new Map<Link, (b: Uint8Array) => void>();
const echoes = new Map<Link, () => void>();
for (const link of links) {
  link.onFrame((b) => frameHandlers.get(link)?.(b));
  link.onEcho(() => echoes.get(link)?.());
}
const sizes: [number, number][] = quick
  ? [
      [1024, 20_000],
      [64 << 10, 1_000],
    ]
  : [
      [1024, 100_000],
      [64 << 10, 5_000],
    ];
const rounds = quick ? 1 : 5;
const results = new Map<string, number[]>();
const add = (key: string, v: number) => results.set(key, [...(results.get(key) ?? []), v]);
// Warm-up, then interleaved rounds: every link in turn, so drift hits all alike.
for (const link of links) await throughput(link, frameHandlers, 1024, 2_000);
for (let r = 0; r < rounds; r++) {
  for (const [size, count] of sizes)
    for (const link of links)
      add(`${link.name} ${size}`, (await throughput(link, frameHandlers, size, count)).mbPerS);
  for (const link of links) add(`${link.name} rtt`, await roundTrip(link, echoes, quick ? 500 : 2_000));
}
const connect = {
  ws: await connectMs(false, quick ? 20 : 100),
  wss: await connectMs(true, quick ? 20 : 100),
  transport: await transportConnectMs(),
};
await Promise.all(links.map((l) => l.close()));

const m = (key: string) => median(results.get(key)!);
const pad = (s: string, w: number) => s.padStart(w);
log('');
log(
  `${'link'.padEnd(10)} ${pad('1 KiB MB/s', 11)} ${pad('64 KiB MB/s', 12)} ${pad('RTT 1 KiB µs', 13)} ${pad('connect ms', 11)}`,
);
for (const link of links) {
  const c = connect[link.name as keyof typeof connect].toFixed(2);
  log(
    `${link.name.padEnd(10)} ${pad(m(`${link.name} 1024`).toFixed(1), 11)} ${pad(m(`${link.name} ${64 << 10}`).toFixed(1), 12)} ${pad(m(`${link.name} rtt`).toFixed(0), 13)} ${pad(c, 11)}`,
  );
}
log('');
for (const name of ['wss', 'transport']) {
  log(
    `${name} vs ws: throughput 1 KiB ×${(m(`${name} 1024`) / m('ws 1024')).toFixed(2)}, 64 KiB ×${(m(`${name} ${64 << 10}`) / m(`ws ${64 << 10}`)).toFixed(2)}, round trip ×${(m(`${name} rtt`) / m('ws rtt')).toFixed(2)}, connect ×${(connect[name as 'wss' | 'transport'] / connect.ws).toFixed(2)}`,
  );
}
