/**
 * The one way routes are declared: `defineRoute(app, spec, handler)`. A spec names the method, URL,
 * a summary and tags for the OpenAPI document, and zod schemas for params, query, JSON body and the
 * success response. zod validates every input once, here, before the handler runs (a refusal is
 * API_BAD_REQUEST with the first issue's path and message); the same schemas, converted with
 * `z.toJSONSchema`, are the route's documentation in /openapi.json. Fastify's own validator and
 * serializer are switched off in server.ts, so zod is the only source of truth.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from './apiError.ts';
import { ErrorBody } from './schemas.ts';

/** Methods a route may use. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a route accepts and answers. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
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
  /** Success body (JSON) — documentation; handlers are typed against it. */
  readonly response?: z.ZodType;
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

const EMPTY = z.object({}).strict();

/** Registers a route whose inputs are validated by its zod schemas. */
export function defineRoute<
  P extends z.ZodType = typeof EMPTY,
  Q extends z.ZodType = typeof EMPTY,
  B extends z.ZodType = z.ZodNever,
>(app: FastifyInstance, spec: RouteSpec<P, Q, B>, handler: (input: RouteInput<P, Q, B>) => unknown): void {
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
      return handler(input);
    },
  });
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
