/**
 * The accepting side (docs/p2p.md §1–§2): an HTTPS server, TLS 1.3 only with the transport's
 * throwaway certificate, that only upgrades to WebSocket, with tight TLS and header timeouts, a cap
 * on connections still in their handshake, and `maxPayload` = the frame limit. A client that does not
 * speak TLS 1.3 is dropped by the TLS layer, garbage inside TLS that is not HTTP by the HTTP parser;
 * every socket error is contained.
 */
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { TLS_VERSIONS } from './channelBinding.ts';
import { P2pError } from './p2pError.ts';
import type { TlsCredentials } from './tlsCertificate.ts';
import type { TransportConfig } from './transportOptions.ts';

/** What the listener needs from its transport. */
export interface ListenerHost {
  readonly config: TransportConfig;
  /** Whether a new connection may start its handshake now. */
  admit(): boolean;
  /** An accepted WebSocket on `socket`. */
  accept(ws: WebSocket, socket: Socket, remote: string): void;
  /** An upgrade turned away before it became a WebSocket. */
  turnedAway(remote: string, err: P2pError): void;
}

/** A bound listener. */
export interface Listener {
  /** The bound address (the real port when 0 was asked). */
  readonly address: { readonly host: string; readonly port: number };
  /** Stops accepting and destroys sockets that never became WebSockets. */
  close(): Promise<void>;
}

/** Binds `config.listen`; throws P2P_LISTEN_FAILED when the address cannot be bound. */
export async function startListener(host: ListenerHost, tls: TlsCredentials): Promise<Listener> {
  const c = host.config;
  const server = createServer(
    {
      ...TLS_VERSIONS,
      cert: tls.cert,
      key: tls.key,
      // No client certificate: the dialer proves its validator key in the handshake (./handshake.ts).
      requestCert: false,
      handshakeTimeout: c.handshakeTimeoutMs,
      headersTimeout: c.handshakeTimeoutMs,
      requestTimeout: c.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, c.handshakeTimeoutMs),
      keepAliveTimeout: 1_000,
      maxHeaderSize: 8 * 1024,
    },
    (_req, res) => {
      res.writeHead(426, { connection: 'close', 'content-type': 'text/plain' });
      res.end('dppchain validator transport: WebSocket upgrade required\n');
    },
  );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: c.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
    allowSynchronousEvents: true,
    skipUTF8Validation: true,
  });
  server.on('tlsClientError', (err) => {
    c.logger.debug({ self: c.self, error: err.message }, 'dropped a connection that is not TLS 1.3');
  });
  server.on('clientError', (err, socket) => {
    c.logger.debug({ self: c.self, error: err.message }, 'dropped a connection that is not HTTP');
    socket.destroy();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    if (!host.admit()) {
      host.turnedAway(
        remote,
        new P2pError('P2P_TOO_MANY_PENDING', `over ${c.maxPendingHandshakes} connections in their handshake`),
      );
      socket.once('error', () => socket.destroy());
      socket.once('finish', () => socket.destroy());
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => host.accept(ws, req.socket, remote));
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      reject(
        new P2pError(
          'P2P_LISTEN_FAILED',
          `cannot listen on ${c.listen.host}:${c.listen.port}: ${err.message}`,
          { host: c.listen.host, port: c.listen.port },
          { cause: err },
        ),
      );
    };
    server.once('error', fail);
    server.listen(c.listen.port, c.listen.host, () => {
      server.removeListener('error', fail);
      resolve();
    });
  });
  server.on('error', (err) => c.logger.error({ self: c.self, error: err.message }, 'listener error'));
  const bound = server.address() as AddressInfo;

  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
