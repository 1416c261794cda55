/**
 * The chain and the node: GET /v1/blocks/:height, GET /v1/blocks?from=&limit= (headers, transaction
 * ids, certificate signers) and GET /v1/status (height, view, primary, view change, mempool, peers,
 * last commit).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toHex } from '../../codec/bytes.ts';
import type { Block } from '../../ledger/block.ts';
import { encodeHeader } from '../../ledger/blockHeader.ts';
import { encodeCertificate } from '../../ledger/certificate.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { blockView, receiptView } from '../chainViews.ts';
import { defineRoute } from '../route.ts';
import { BlockView, StatusView, U64Out, U64Text } from '../schemas.ts';

const Flag = z.enum(['true', 'false']).transform((s) => s === 'true');

/** Registers the block and status routes. */
export function chainRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { node } = ctx;
  const perPage = ctx.limits.blocksPerPage;

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/blocks/:height',
      summary: 'One committed block',
      tags: ['chain'],
      params: z.object({ height: U64Text }).strict(),
      query: z.object({ receipts: Flag.optional() }).strict(),
      response: BlockView,
    },
    async ({ params, query }) => {
      const block = await node.store.getBlock(params.height);
      if (block === undefined) throw new ApiError('API_NOT_FOUND', `no block at height ${params.height}`);
      const view = {
        ...blockView(block),
        canonical: {
          header: toHex(encodeHeader(block.header)),
          certificate: toHex(encodeCertificate(block.certificate)),
        },
      };
      if (query.receipts !== true) return view;
      return { ...view, receipts: await receiptsOf(ctx, view.txIds) };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/blocks',
      summary: 'A page of committed blocks, in ascending height',
      description: `From \`from\` (default: the last \`limit\` blocks), at most \`limit\` (default 20, max ${perPage}).`,
      tags: ['chain'],
      query: z
        .object({
          from: U64Text.optional(),
          limit: z
            .string()
            .regex(/^[1-9]\d{0,4}$/, 'a positive whole number')
            .transform(Number)
            .refine((n) => n <= perPage, `at most ${perPage}`)
            .optional(),
        })
        .strict(),
      response: z.object({
        head: U64Out,
        blocks: z.array(BlockView),
        next: U64Out.nullable().describe('`from` of the next page, null at the head'),
      }),
    },
    async ({ query }) => {
      const head = node.store.head()!.height;
      const limit = BigInt(query.limit ?? 20);
      const from = query.from ?? (head + 1n > limit ? head + 1n - limit : 0n);
      const blocks: Block[] = [];
      for (let h = from; h <= head && h < from + limit; h++) {
        const b = await node.store.getBlock(h);
        if (b === undefined) break;
        blocks.push(b);
      }
      const after = from + BigInt(blocks.length);
      return {
        head: head.toString(),
        blocks: blocks.map((b) => blockView(b)),
        next: after <= head ? after.toString() : null,
      };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/status',
      summary: 'The node and its consensus state',
      tags: ['node'],
      response: StatusView,
    },
    (): z.output<typeof StatusView> => {
      const s = node.status();
      const head = node.store.head()!;
      return {
        ...s,
        validators: node.validatorSets().epochs.at(-1)!.validators.length,
        headHash: toHex(head.hash),
        headTimestampMs: head.header.timestampMs.toString(),
        lastCommitAtMs: ctx.events.lastCommitSeen?.atMs ?? null,
      };
    },
  );
}

async function receiptsOf(ctx: ApiContext, txIds: readonly string[]) {
  return Promise.all(
    txIds.map(async (id) => {
      const loc = await ctx.node.store.getTxLocation(Buffer.from(id, 'hex'));
      if (loc === undefined) throw new ApiError('API_UNAVAILABLE', 'a committed transaction has no location');
      return receiptView(loc.receipt);
    }),
  );
}
