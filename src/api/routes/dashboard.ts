/**
 * What the dashboard (src/dashboard, docs/dashboard.md) needs from the node besides the public API:
 *   GET /  and  GET /dashboard/*        the built dashboard (dist/dashboard, @fastify/static; `/` redirects a
 *                                       browser there and answers JSON to others), when the
 *                                       server was given its folder and it holds index.html;
 *                                       otherwise 404 API_DASHBOARD_NOT_BUILT saying how to build it
 *   GET /v1/network                     every validator's status as this node reaches it (its own and,
 *                                       for peers whose API address its configuration names, theirs,
 *                                       fetched with a 1 s timeout and cached for 500 ms)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { defineRoute } from '../route.ts';
import { NetworkView, StatusView } from '../schemas.ts';

/** Registers the dashboard's static files and GET /v1/network. */
export function dashboardRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const dir = ctx.dashboardDir;
  const built = dir !== undefined && existsSync(join(dir, 'index.html'));
  if (built) {
    void app.register(fastifyStatic, {
      root: dir,
      prefix: '/dashboard/',
      index: ['index.html'],
      redirect: true,
      maxAge: 0,
    });
    // A browser (Accept: text/html) goes to the dashboard; API clients get JSON, like every other route.
    app.get('/', { schema: { hide: true } }, async (req, reply) =>
      /text\/html/.test(req.headers.accept ?? '')
        ? reply.redirect('/dashboard/')
        : { dashboard: '/dashboard/', api: '/openapi.json' },
    );
  } else {
    const notBuilt = async () => {
      throw new ApiError(
        'API_DASHBOARD_NOT_BUILT',
        'this node serves no dashboard: `npm start` builds it, or run `npm run build:dashboard` and restart the node',
      );
    };
    app.get('/', { schema: { hide: true } }, notBuilt);
    app.get('/dashboard/*', { schema: { hide: true } }, notBuilt);
  }

  let cache: { at: number; value: Promise<z.output<typeof NetworkView>> } | undefined;
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/network',
      summary: 'Every validator’s status as this node sees it (null for one it cannot reach)',
      tags: ['node'],
      response: NetworkView,
    },
    async () => {
      if (cache === undefined || Date.now() - cache.at > 500)
        cache = { at: Date.now(), value: networkView(ctx, app) };
      return cache.value;
    },
  );
}

async function networkView(ctx: ApiContext, app: FastifyInstance): Promise<z.output<typeof NetworkView>> {
  const self = ctx.node.config.validatorIndex;
  // a status that is not one (a peer of another version, an error) shows as unreachable
  const statusOf = (json: unknown) => StatusView.safeParse(json).data ?? null;
  const own = statusOf((await app.inject({ method: 'GET', url: '/v1/status' })).json());
  // the validators of the current set (docs/consensus.md §9): a removed one is gone, an added one is
  // listed — with the API this node's configuration names for it, if any
  const slots = ctx.node
    .validatorSets()
    .epochs.at(-1)!
    .validators.map((v) => v.slot);
  const peers = await Promise.all(
    slots
      .filter((index) => index !== self)
      .map(async (index) => {
        const url = ctx.peerApis.find((p) => p.index === index)?.url ?? null;
        if (url === null) return { index, api: null, status: null };
        try {
          const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(1_000) });
          return { index, api: url, status: res.ok ? statusOf(await res.json()) : null };
        } catch {
          return { index, api: url, status: null };
        }
      }),
  );
  const validators = [{ index: self, api: null, status: own }, ...peers].sort((a, b) => a.index - b.index);
  return { self, validators };
}
