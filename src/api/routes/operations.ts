/**
 * Operations, outside /v1: GET /health (liveness and whether the node reaches a quorum of
 * validators), GET /metrics (Prometheus text) and GET /openapi.json (this API's OpenAPI 3.1
 * document, generated from the route schemas).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { quorumSize } from '../../ledger/certificate.ts';
import type { ApiContext } from '../apiContext.ts';
import { defineRoute } from '../route.ts';
import { U64Out } from '../schemas.ts';

/** Registers /health, /metrics and /openapi.json. */
export function operationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { node } = ctx;
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/health',
      summary: 'Liveness; "degraded" while this node is connected to fewer than a quorum of validators',
      tags: ['operations'],
      response: z.object({
        status: z.enum(['ok', 'degraded']),
        height: U64Out,
        peers: z.number().int(),
        quorum: z.number().int(),
      }),
    },
    () => {
      const s = node.status();
      const n = node.validatorSets().epochs.at(-1)!.validators.length;
      const quorum = quorumSize(n);
      return {
        status: s.peers.length + 1 >= quorum ? ('ok' as const) : ('degraded' as const),
        height: s.height,
        peers: s.peers.length,
        quorum,
      };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/metrics',
      summary: 'Prometheus metrics (text exposition format)',
      tags: ['operations'],
      produces: 'text/plain',
    },
    async ({ reply }) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.text();
    },
  );

  const OpenApiDocument = z
    .object({
      openapi: z.string(),
      info: z.object({ title: z.string(), version: z.string() }).loose(),
      paths: z
        .record(z.string(), z.record(z.string(), z.unknown()))
        .describe('each route by path and method'),
    })
    .loose();
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/openapi.json',
      summary: 'This OpenAPI document',
      tags: ['operations'],
      response: OpenApiDocument,
    },
    // @fastify/swagger's types lack the index signature of a loose object; the answer is still checked
    () => app.swagger() as unknown as z.output<typeof OpenApiDocument>,
  );
}
