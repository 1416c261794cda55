/**
 * The one way routes are declared: `defineRoute(app, spec, handler)`. A spec names the method, URL,
 * a summary and tags for the OpenAPI document, and zod schemas for params, query, JSON body and the
 * success response. zod validates every input once, here, before the handler runs (a refusal is
 * API_BAD_REQUEST with the first issue's path and message); the same schemas, converted with
 * `z.toJSONSchema`, are the route's documentation in /openapi.json. Fastify's own validator and
 * serializer are switched off in server.ts, so zod is the only source of truth.
 *
 * The response schema is a promise, kept: handlers are typed against it, and every answer is checked
 * against it before it is sent — a field of the wrong type, a missing one, or one the schema does not
 * declare is a bug of the route, answered 500 API_INTERNAL and logged, so a test that calls the route
 * fails rather than a client learning of it. The market views' schemas are `contracts/views.ts`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from './apiError.ts';
import { ErrorBody } from './schemas.ts';

/** Methods a route may use. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a route accepts and answers. */
export interface RouteSpec<
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly method: RouteMethod;
  /** Fastify path pattern, e.g. `/v1/blocks/:height`. */
  readonly url: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly params?: P;
  readonly query?: Q;
  /** Schema of an application/json body. */
  readonly body?: B;
  /** Also accept raw application/octet-stream bytes (handed to the handler as `bytes`). */
  readonly bytes?: boolean;
  /** Largest body in bytes (default: the server's bodyLimit). */
  readonly bodyLimit?: number;
  /** Success status (default 200). */
  readonly status?: number;
  /** Success body (JSON): documented in /openapi.json, typed for the handler, checked on every answer. */
  readonly response?: R;
  /** Media type of a non-JSON success body (e.g. text/plain for /metrics). */
  readonly produces?: string;
}

/** A handler's validated input. */
export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  /** The JSON body, when one was sent. */
  readonly body: z.output<B> | undefined;
  /** The raw body, when application/octet-stream was sent to a `bytes` route. */
  readonly bytes: Uint8Array | undefined;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** What a handler returns: its route's response (or anything, for a route without one). */
export type RouteAnswer<R extends z.ZodType> = z.output<R> | Promise<z.output<R>>;

const EMPTY = z.object({}).strict();

/** Registers a route whose inputs are validated by its zod schemas and whose answers by its response schema. */
export function defineRoute<
  P extends z.ZodType = typeof EMPTY,
  Q extends z.ZodType = typeof EMPTY,
  B extends z.ZodType = z.ZodNever,
  R extends z.ZodType = z.ZodUnknown,
>(
  app: FastifyInstance,
  spec: RouteSpec<P, Q, B, R>,
  handler: (input: RouteInput<P, Q, B>) => RouteAnswer<R>,
): void {
  const params = (spec.params ?? EMPTY) as P;
  const query = (spec.query ?? EMPTY) as Q;
  const accepts = spec.body !== undefined || spec.bytes === true;
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }),
    schema: openApiSchema(spec, params, query),
    handler: async (request, reply) => {
      const input: RouteInput<P, Q, B> = {
        params: parse(params, request.params, 'path'),
        query: parse(query, request.query ?? {}, 'query'),
        body: undefined,
        bytes: undefined,
        request,
        reply,
      };
      const raw = request.body;
      if (raw !== undefined && raw !== null) {
        if (!accepts) throw new ApiError('API_BAD_REQUEST', `${spec.method} ${spec.url} takes no body`);
        if (Buffer.isBuffer(raw)) {
          if (spec.bytes !== true) throw unsupported(spec);
          Object.assign(input, { bytes: new Uint8Array(raw.buffer, raw.byteOffset, raw.length) });
        } else if (spec.body !== undefined && typeof raw === 'object') {
          Object.assign(input, { body: parse(spec.body, raw, 'body') });
        } else {
          throw unsupported(spec);
        }
      } else if (accepts) {
        throw new ApiError('API_BAD_REQUEST', 'a request body is required');
      }
      reply.code(spec.status ?? 200); // the handler may set another
      return checkAnswer(spec, await handler(input));
    },
  });
}

/** A route answered other than its response schema says: a bug of the route (500, logged). */
export class ResponseSchemaError extends Error {
  constructor(
    readonly route: string,
    readonly problem: string,
  ) {
    super(`${route} answered other than its response schema: ${problem}`);
    this.name = 'ResponseSchemaError';
  }
}

/** `answer` when it matches the route's response schema exactly, else a ResponseSchemaError. */
export function checkAnswer(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>, answer: unknown): unknown {
  if (spec.response === undefined || spec.produces !== undefined) return answer;
  const problem = mismatch(spec.response, answer);
  if (problem !== undefined) throw new ResponseSchemaError(`${spec.method} ${spec.url}`, problem);
  return answer; // sent as the handler built it (zod's copy would reorder keys)
}

/**
 * What keeps `value` from matching `schema` exactly — a field missing or of the wrong type, or one
 * the schema does not declare (zod would silently strip it) — or undefined when it matches.
 */
export function mismatch(schema: z.ZodType, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return `${['answer', ...issue.path.map(String)].join('.')}: ${issue.message}`;
  }
  const extra = undeclared(value, r.data, 'answer');
  return extra === undefined ? undefined : `${extra} is not in the schema`;
}

/** The path of a field of `value` that parsing dropped (zod strips what a schema does not declare). */
function undeclared(value: unknown, parsed: unknown, path: string): string | undefined {
  if (value === parsed || value === null || typeof value !== 'object') return undefined;
  if (parsed === null || typeof parsed !== 'object') return path;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const p = undeclared(v, (parsed as unknown[])[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  const out = parsed as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue; // JSON drops it too
    if (!Object.hasOwn(out, k)) return `${path}.${k}`;
    const p = undeclared(v, out[k], `${path}.${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

function unsupported(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>): ApiError {
  const types = [spec.body ? 'application/json' : '', spec.bytes ? 'application/octet-stream' : ''];
  return new ApiError('API_UNSUPPORTED_MEDIA_TYPE', `send ${types.filter(Boolean).join(' or ')}`);
}

/** Parses `value` with `schema`; refuses with API_BAD_REQUEST naming the first issue. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [where, ...issue.path.map(String)].join('.');
  throw new ApiError('API_BAD_REQUEST', `${path}: ${issue.message}`, {
    path,
    issue: issue.code,
    issues: r.error.issues.length,
  });
}

/** JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of a zod schema, for documentation. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return rest;
}

function openApiSchema(
  spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>,
  params: z.ZodType,
  query: z.ZodType,
): Record<string, unknown> {
  const schema: Record<string, unknown> = {
    summary: spec.summary,
    tags: [...spec.tags],
    ...(spec.description === undefined ? {} : { description: spec.description }),
  };
  if (spec.params !== undefined) schema.params = jsonSchemaOf(params, 'input');
  if (spec.query !== undefined) schema.querystring = jsonSchemaOf(query, 'input');
  const content: Record<string, { schema: unknown }> = {};
  if (spec.body !== undefined) content['application/json'] = { schema: jsonSchemaOf(spec.body, 'input') };
  if (spec.bytes === true)
    content['application/octet-stream'] = { schema: { type: 'string', format: 'binary' } };
  if (Object.keys(content).length > 0) schema.body = { content };
  const ok =
    spec.produces === undefined
      ? { description: 'success', ...(spec.response ? jsonSchemaOf(spec.response, 'output') : {}) }
      : { description: 'success', content: { [spec.produces]: { schema: { type: 'string' } } } };
  schema.response = {
    [String(spec.status ?? 200)]: ok,
    '4xx': { description: 'refused: {code, message, details}', ...jsonSchemaOf(ErrorBody, 'output') },
    '5xx': { description: 'unavailable: {code, message, details}', ...jsonSchemaOf(ErrorBody, 'output') },
  };
  return schema;
}
