/**
 * The node's HTTP + WebSocket API (fastify 5). docs/api.md lists every route.
 *
 * How the API is put together — and how to add to it:
 * - A route module is a function `(app, ctx) => void` in `routes/` (transactions.ts, chain.ts,
 *   events.ts, operations.ts). It declares each route with `defineRoute(app, spec, handler)`
 *   (./route.ts): method, URL under `/v1`, summary and tags, zod schemas for params, query, JSON
 *   body and response. zod validates the inputs before the handler runs, and the same schemas make
 *   the route's entry in /openapi.json. Handlers return the JSON body; to refuse, they throw a
 *   DppError (or an ApiError, ./apiError.ts) — never reply with an error by hand.
 * - A new module (say `routes/market.ts` for contract queries, reading state through
 *   `ctx.node.store`) is added to ROUTE_MODULES below, or passed in `options.routes`.
 * - Errors are always `{code, message, details}`; the status follows from the code alone
 *   (`httpStatusOf`): 400 by default, 404, 409, 413, 415, 426, 429, 503; 500 only for a bug.
 * - Events: the server feeds `ValidatorNode.onCommit` into an EventBus (./eventBus.ts), which
 *   publishes a `block` event per commit and then the events of every registered deriver — the
 *   market's, declared by the contracts (../contracts/events.ts), then `options.derivers` or
 *   `server.events.addDeriver(name, fn)`; WS /v1/events streams them.
 * - Every request first takes a token from its client IP's bucket (./rateLimit.ts); bodies are
 *   size-limited per route before they are read.
 * - HTTPS: `startApiServer` given `tls: {certPath, keyPath}` (the node config's `api.tls`) serves
 *   HTTPS only (fastify's `https`), and WS /v1/events becomes wss (docs/deploy.md "Encrypted links
 *   and HTTPS").
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { contractEventDeriver } from '../contracts/events.ts';
import { ContractQueries } from '../contracts/queries.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { DppError } from '../errors.ts';
import type { ApiTlsFiles } from '../node/config.ts';
import type { Logger } from '../node/logger.ts';
import { NodeError } from '../node/nodeError.ts';
import type { ValidatorNode } from '../node/validatorNode.ts';
import type { ApiContext, ApiLimits, RegulatorService } from './apiContext.ts';
import { ApiError, httpStatusOf } from './apiError.ts';
import { EventBus, type EventDeriver } from './eventBus.ts';
import { ApiMetrics } from './prometheus.ts';
import { type RateLimitOptions, TokenBuckets } from './rateLimit.ts';
import { authRoutes, memberRecordOf } from './routes/auth.ts';
import { chainRoutes } from './routes/chain.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { eventRoutes } from './routes/events.ts';
import { marketRoutes } from './routes/market.ts';
import { operationRoutes } from './routes/operations.ts';
import { regulatorRoutes } from './routes/regulator.ts';
import { snapshotRoutes } from './routes/snapshot.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { validatorRoutes } from './routes/validators.ts';
import { SessionStore } from './sessions.ts';

/** A route module: registers its routes with `defineRoute`. */
export type RouteModule = (app: FastifyInstance, ctx: ApiContext) => void;

/** The built-in route modules, in registration order. */
export const ROUTE_MODULES: readonly RouteModule[] = [
  transactionRoutes,
  chainRoutes,
  eventRoutes,
  operationRoutes,
  marketRoutes,
  authRoutes,
  regulatorRoutes,
  validatorRoutes,
  snapshotRoutes,
  dashboardRoutes,
];

/** Options of the API server; every field has a default. */
export interface ApiServerOptions {
  /** Where request errors and event-deriver failures are logged (default: nowhere). */
  readonly logger?: Logger;
  /** Per-client-IP token bucket, or false to switch it off (default: burst 2 000, 1 000 requests/s). */
  readonly rateLimit?: RateLimitOptions | false;
  /** Body limit of routes that do not set their own (default 64 KiB). */
  readonly bodyLimit?: number;
  readonly limits?: Partial<ApiLimits>;
  /** Route modules registered after the built-in ones. */
  readonly routes?: readonly RouteModule[];
  /** Application event derivers, by name. */
  readonly derivers?: Readonly<Record<string, EventDeriver>>;
  /** Process metrics (CPU, memory, event loop) in /metrics (default true). */
  readonly processMetrics?: boolean;
  /** The regulator's keys and the trading centre's org key: enables POST /v1/regulator/traces. */
  readonly regulator?: RegulatorService;
  /** The built dashboard (dist/dashboard) to serve at / and /dashboard/ (default: none). */
  readonly dashboardDir?: string;
  /** The other validators' API base URLs, for GET /v1/network (default: from the node's config). */
  readonly peerApis?: readonly { readonly index: number; readonly url: string | null }[];
  /** Serve HTTPS only, with this certificate (chain) and key, PEM (default: plain HTTP). */
  readonly https?: HttpsCredentials;
}

/** A PEM certificate (chain) and its private key. */
export interface HttpsCredentials {
  readonly cert: string;
  readonly key: string;
}

/** Default rate limit: generous for one client's polling, tight for a flood. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 2_000, perSecond: 1_000 };

const DEFAULT_LIMITS: ApiLimits = {
  batchBytes: 16 << 20,
  blocksPerPage: 100,
  maxSubscribers: 256,
  maxSubscriberBufferBytes: 4 << 20,
};

/** A built API server. */
export interface ApiServer {
  readonly app: FastifyInstance;
  readonly events: EventBus;
  readonly metrics: ApiMetrics;
  /** Stops listening, closes WebSocket clients, detaches from the node (the node keeps running). */
  close(): Promise<void>;
}

/** A listening API server. */
export interface RunningApiServer extends ApiServer {
  /** `http://host:port`. */
  readonly url: string;
}

/** Builds the API of `node` (routes registered, ready, not listening). */
export async function buildApiServer(
  node: ValidatorNode,
  options: ApiServerOptions = {},
): Promise<ApiServer> {
  const log = options.logger;
  const app = Fastify({
    ...(options.https === undefined ? {} : { https: { cert: options.https.cert, key: options.https.key } }),
    ...(log === undefined ? { logger: false } : { loggerInstance: log }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 64 << 10,
    routerOptions: { maxParamLength: 200 },
    requestTimeout: 30_000,
    forceCloseConnections: true,
    // A request Node's HTTP parser refuses never reaches a route: answer it in the same shape.
    clientErrorHandler: (err, socket) => {
      const body = JSON.stringify(
        new ApiError('API_BAD_REQUEST', 'malformed HTTP request', { reason: String(err.code ?? '') }),
      );
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else socket.destroy();
    },
  }) as unknown as FastifyInstance;
  const events = new EventBus((source, err) => log?.error({ err: String(err), source }, 'event bus'));
  events.addDeriver('contracts', contractEventDeriver(node.store, await libsodiumGroup()));
  for (const [name, derive] of Object.entries(options.derivers ?? {})) events.addDeriver(name, derive);
  const metrics = new ApiMetrics(node, events, { processMetrics: options.processMetrics ?? true });
  const group = await libsodiumGroup();
  const queries = new ContractQueries(node.store, group);
  const ctx: ApiContext = {
    node,
    events,
    metrics,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    queries: async () => queries,
    sessions: new SessionStore(node.genesis.chainId, (id) => memberRecordOf(ctx, id)),
    regulator: options.regulator,
    dashboardDir: options.dashboardDir,
    peerApis:
      options.peerApis ??
      node.config.peers.map((p) => ({
        index: p.index,
        url:
          p.api === undefined
            ? null
            : `${p.api.https === true ? 'https' : 'http'}://${p.api.host.includes(':') ? `[${p.api.host}]` : p.api.host}:${p.api.port}`,
      })),
  };

  // zod validates in defineRoute; the JSON schemas fastify holds are documentation only.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  const rate = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (rate !== false) {
    const buckets = new TokenBuckets(rate);
    app.addHook('onRequest', async (request, reply) => {
      const waitMs = buckets.take(request.ip);
      if (waitMs > 0) {
        reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
        throw new ApiError('API_RATE_LIMITED', 'too many requests from this client', {
          retryAfterMs: waitMs,
        });
      }
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError | DppError, request, reply) => {
    const mapped = toApiError(err, request.routeOptions.bodyLimit);
    if (mapped.code === 'API_INTERNAL') log?.error({ err, url: request.url }, 'request failed');
    // [BACKPRESSURE] a refusal that says when to come back says it in the header too
    const retryAfterMs = mapped.details.retryAfterMs;
    if (typeof retryAfterMs === 'number' && retryAfterMs > 0)
      reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    reply.code(httpStatusOf(mapped.code)).type('application/json').send(mapped.toJSON());
  });
  app.setNotFoundHandler(async (request) => {
    const path = request.url.split('?')[0]!.slice(0, 200);
    throw new ApiError('API_NOT_FOUND', `no route ${request.method} ${path}`);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dppchain node API',
        version: '1',
        description: 'A validator’s HTTP and WebSocket interface; see docs/api.md.',
      },
    },
  });
  await app.register(websocket, { options: { maxPayload: 4 << 10 } });
  for (const register of [...ROUTE_MODULES, ...(options.routes ?? [])]) register(app, ctx);
  await app.ready();

  const detach = node.onCommit((block, receipts) => events.commit(block, receipts));
  return {
    app,
    events,
    metrics,
    async close() {
      detach();
      await app.close();
    },
  };
}

/**
 * Builds the API of `node` and listens on `host:port` (0 = any free port); with `tls` (the node
 * config's `api.tls`), HTTPS only with that certificate — files that cannot be read or do not make a
 * certificate and its key are refused with NODE_BAD_CONFIG before anything listens.
 */
export async function startApiServer(
  node: ValidatorNode,
  listen: { readonly host: string; readonly port: number; readonly tls?: ApiTlsFiles },
  options: ApiServerOptions = {},
): Promise<RunningApiServer> {
  const https = listen.tls === undefined ? options.https : readHttpsCredentials(listen.tls);
  const server = await buildApiServer(node, { ...options, ...(https === undefined ? {} : { https }) });
  try {
    await server.app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await server.close();
    throw err;
  }
  const address = server.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listen.port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return { ...server, url: `${https === undefined ? 'http' : 'https'}://${host}:${port}` };
}

/** Reads and checks the API's certificate and key; throws NODE_BAD_CONFIG naming the file and why. */
export function readHttpsCredentials(files: ApiTlsFiles): HttpsCredentials {
  const read = (path: string, field: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (cause) {
      const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
      throw new NodeError('NODE_BAD_CONFIG', `config: api.tls.${field} ${path} cannot be read (${why})`, {
        field: `api.tls.${field}`,
        path,
      });
    }
  };
  const credentials = { cert: read(files.certPath, 'certPath'), key: read(files.keyPath, 'keyPath') };
  try {
    // [REFUSE] PEM that is not a certificate and its own private key (OpenSSL checks they match)
    createSecureContext(credentials);
  } catch (cause) {
    throw new NodeError(
      'NODE_BAD_CONFIG',
      `config: api.tls: ${files.certPath} and ${files.keyPath} are not a PEM certificate and its private key (${(cause as Error).message})`,
      { field: 'api.tls', certPath: files.certPath, keyPath: files.keyPath },
    );
  }
  return credentials;
}

/** Any error as the API answers it (`bodyLimit`: the route's, named by a body-too-large refusal). */
export function toApiError(err: unknown, bodyLimit?: number): DppError {
  if (err instanceof DppError) return err;
  const e = err as Partial<FastifyError>;
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  const details = { reason: typeof e.code === 'string' ? e.code : null };
  const message = typeof e.message === 'string' ? e.message : 'request refused';
  if (status === 413) {
    return new ApiError(
      'API_BODY_TOO_LARGE',
      bodyLimit === undefined ? message : `the body exceeds this route's limit of ${bodyLimit} bytes`,
      { ...details, limit: bodyLimit ?? null, limitName: 'bodyLimit' },
    );
  }
  if (status === 415) return new ApiError('API_UNSUPPORTED_MEDIA_TYPE', message, details);
  if (status === 404) return new ApiError('API_NOT_FOUND', message, details);
  if (status >= 400 && status < 500) return new ApiError('API_BAD_REQUEST', message, details);
  return new ApiError('API_INTERNAL', 'internal error', details);
}
