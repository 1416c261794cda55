/**
 * WS /v1/events: the node's event stream (../eventBus.ts) as JSON text frames. On connect the server
 * sends `{"type":"subscribed", "chainId", "height", "types"}`, then every event published from then
 * on, each with its `seq` (optionally only the types listed in `?types=block,round-cleared`): the
 * `block` event (../schemas.ts) and the market's events, declared by the contracts
 * (../../contracts/events.ts) — /openapi.json documents every frame's schema. Messages from the
 * client are ignored. A client that reads too slowly (more than `maxSubscriberBufferBytes` unsent)
 * is closed with code 1013 ("try again later") rather than buffered without bound; it resumes from
 * /v1/blocks. A plain HTTP GET is answered with API_UPGRADE_REQUIRED (426).
 */
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { CONTRACT_EVENT_SCHEMAS } from '../../contracts/events.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { jsonSchemaOf, parse } from '../route.ts';
import { BlockEvent, SubscribedFrame } from '../schemas.ts';

const Query = z
  .object({
    types: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}(,[a-z][a-z0-9-]{0,63}){0,31}$/, 'comma-separated event types')
      .transform((s) => new Set(s.split(',')))
      .optional(),
  })
  .strict();

const seq = { seq: z.number().int().describe('the stream’s number of the event, +1 per event published') };

/** A frame of the stream: the subscription, then `block` and market events with their `seq`. */
export const EventFrame = z.union([
  SubscribedFrame,
  BlockEvent.extend(seq),
  ...CONTRACT_EVENT_SCHEMAS.map((e) => e.extend(seq)),
]);

/** Registers WS /v1/events. */
export function eventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const sockets = new Set<WebSocket>();
  new Gauge({
    name: 'dpp_ws_subscribers',
    help: 'WebSocket clients of /v1/events',
    registers: [ctx.metrics.registry],
    collect() {
      this.set(sockets.size);
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/events',
    schema: {
      summary: 'Event stream (WebSocket): block events on each commit, and application events',
      description: 'Upgrade to WebSocket; each text frame is one JSON event {type, seq, …}.',
      tags: ['events'],
      querystring: jsonSchemaOf(Query, 'input'),
      response: {
        '101': {
          description: 'switching to WebSocket; then each text frame is one JSON event of this schema',
          ...jsonSchemaOf(EventFrame, 'output'),
        },
        '4xx': { description: 'refused (426 without an upgrade)' },
      },
    },
    preHandler: async (request) => {
      parse(Query, request.query ?? {}, 'query');
      if (sockets.size >= ctx.limits.maxSubscribers) {
        throw new ApiError('API_UNAVAILABLE', `at most ${ctx.limits.maxSubscribers} event subscribers`);
      }
    },
    handler: async () => {
      throw new ApiError('API_UPGRADE_REQUIRED', 'GET /v1/events is a WebSocket: send Upgrade: websocket');
    },
    wsHandler: (socket, request) => {
      const { types } = parse(Query, request.query ?? {}, 'query');
      sockets.add(socket);
      const send = (event: { readonly type: string }) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > ctx.limits.maxSubscriberBufferBytes) {
          socket.close(1013, 'too slow: resume from /v1/blocks');
          return;
        }
        socket.send(JSON.stringify(event));
      };
      const unsubscribe = ctx.events.subscribe((e) => {
        if (types === undefined || types.has(e.type)) send(e);
      });
      socket.on('close', () => {
        unsubscribe();
        sockets.delete(socket);
      });
      const status = ctx.node.status();
      send({
        type: 'subscribed',
        chainId: status.chainId,
        height: status.height,
        types: types === undefined ? null : [...types],
      } as { type: string });
    },
  });
}
