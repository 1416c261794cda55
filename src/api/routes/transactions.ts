/**
 * Transactions: submit one (POST /v1/tx) or a batch (POST /v1/txs), and ask where one stands
 * (GET /v1/tx/:id) with an RFC 6962 inclusion proof of its id against the block's txRoot, the
 * block header and its commit certificate — enough for a client to check inclusion itself.
 * Writes are authorised by the transaction's own signature only: the node signs nothing for a client.
 *
 * Limits and backpressure (docs/api.md "Limits"): a transaction above MAX_TX_BYTES is refused with
 * LEDGER_TOO_LARGE (413) naming the limit, a batch above MAX_BATCH_TXS with API_BATCH_TOO_LARGE
 * (413); a full mempool refuses with NODE_MEMPOOL_FULL (429, `Retry-After`, `details.retryAfterMs`)
 * — in a batch, the entry that found the pool full and every one after it, untried, with the hint in
 * `retryAfterMs`. A batch is admitted in slices of at most `SLICE_MS`, yielding between them, so that
 * a batch of expensive transactions (ring proofs) does not keep the node from answering others.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fromHex, toHex } from '../../codec/bytes.ts';
import { Reader } from '../../codec/reader.ts';
import { DppError } from '../../errors.ts';
import type { Block } from '../../ledger/block.ts';
import { blockHash, encodeHeader } from '../../ledger/blockHeader.ts';
import { encodeCertificate } from '../../ledger/certificate.ts';
import { LedgerError } from '../../ledger/ledgerError.ts';
import { inclusionProof } from '../../ledger/merkle.ts';
import { MAX_TX_BYTES, transactionId } from '../../ledger/transaction.ts';
import { NodeError } from '../../node/nodeError.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { proofView, receiptView } from '../chainViews.ts';
import { defineRoute } from '../route.ts';
import { Hash32, HexOut, TxStatusView } from '../schemas.ts';

/** Largest hex transaction in a JSON body. */
const MAX_TX_HEX = MAX_TX_BYTES * 2;
/** Most transactions in one batch, JSON or binary (client/nodeClient.ts `submitMany` cuts to it). */
export const MAX_BATCH_TXS = 10_000;
/** How long one slice of a batch's admission may run before the handler yields. */
const SLICE_MS = 10;

const TxHex = z
  .string()
  .max(MAX_TX_HEX, `a transaction is at most ${MAX_TX_BYTES} bytes (MAX_TX_BYTES), ${MAX_TX_HEX} hex digits`)
  .regex(/^([0-9a-fA-F]{2})+$/, 'hex of whole bytes');

/** One entry of a batch: its bytes, or why it cannot be read. */
type BatchEntry = { readonly tx: Uint8Array } | { readonly error: DppError };

/** Registers POST /v1/tx, POST /v1/txs and GET /v1/tx/:id. */
export function transactionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { node } = ctx;

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/v1/tx',
      summary: 'Submit one signed transaction',
      description: 'The canonical encoding as application/octet-stream, or JSON {"tx": "<hex>"}.',
      tags: ['transactions'],
      body: z.object({ tx: TxHex }).strict(),
      bytes: true,
      bodyLimit: MAX_TX_HEX + 64,
      status: 202,
      response: z.object({ id: HexOut }),
    },
    ({ body, bytes }) => ({ id: node.submit(bytes ?? fromHex(body!.tx)) }),
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/v1/txs',
      summary: 'Submit a batch of signed transactions',
      description:
        'application/octet-stream: u32-length-prefixed encodings back to back; or JSON {"txs": ["<hex>", …]}; ' +
        `at most ${MAX_BATCH_TXS} (MAX_BATCH_TXS). Each is admitted or refused on its own, in order; once the ` +
        'mempool is full, that entry and every later one are refused with NODE_MEMPOOL_FULL, untried, and ' +
        '`retryAfterMs` (and the Retry-After header) says when to send them again.',
      tags: ['transactions'],
      body: z.object({ txs: z.array(TxHex) }).strict(),
      bytes: true,
      bodyLimit: ctx.limits.batchBytes,
      response: z.object({
        accepted: z.number().int(),
        ids: z.array(HexOut),
        errors: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
        retryAfterMs: z.number().int().optional(),
      }),
    },
    async ({ body, bytes, reply }) => {
      const entries = bytes !== undefined ? readBatch(bytes) : body!.txs.map((hex) => ({ tx: fromHex(hex) }));
      // [REFUSE] more transactions than a batch may hold: nothing is admitted
      if (entries.length > MAX_BATCH_TXS) {
        throw new ApiError(
          'API_BATCH_TOO_LARGE',
          `a batch holds at most ${MAX_BATCH_TXS} transactions (MAX_BATCH_TXS); this one ${entries.length}`,
          { count: entries.length, limit: MAX_BATCH_TXS, limitName: 'MAX_BATCH_TXS' },
        );
      }
      const ids: string[] = [];
      const errors: { index: number; code: string; message: string }[] = [];
      let full: NodeError | undefined;
      let sliceEnd = performance.now() + SLICE_MS;
      for (const [index, entry] of entries.entries()) {
        if (full !== undefined) {
          errors.push({ index, code: full.code, message: 'not tried: the mempool is full' });
          continue;
        }
        if (performance.now() > sliceEnd) {
          await new Promise((r) => setImmediate(r)); // let other requests and consensus in
          sliceEnd = performance.now() + SLICE_MS;
        }
        if ('error' in entry) {
          errors.push({ index, code: entry.error.code, message: entry.error.message });
          continue;
        }
        try {
          ids.push(node.submit(entry.tx));
        } catch (err) {
          if (!(err instanceof DppError)) throw err;
          errors.push({ index, code: err.code, message: err.message });
          if (err instanceof NodeError && err.code === 'NODE_MEMPOOL_FULL') full = err;
        }
      }
      const retryAfterMs = full?.details.retryAfterMs;
      if (typeof retryAfterMs !== 'number') return { accepted: ids.length, ids, errors };
      reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
      return { accepted: ids.length, ids, errors, retryAfterMs };
    },
  );

  const blocks = new BlockIdCache(32);
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/tx/:id',
      summary: 'Where a transaction stands, with an inclusion proof once committed',
      tags: ['transactions'],
      params: z.object({ id: Hash32 }).strict(),
      response: TxStatusView,
    },
    async ({ params }): Promise<z.output<typeof TxStatusView>> => {
      const st = await node.txStatus(params.id);
      if (st.status !== 'committed') return { id: params.id, status: st.status };
      const loc = await node.store.getTxLocation(fromHex(params.id));
      const cached = loc === undefined ? undefined : await blocks.get(node.store, loc.height);
      if (loc === undefined || cached === undefined) {
        throw new ApiError('API_UNAVAILABLE', 'the transaction index and the blocks disagree; retry');
      }
      const { block } = cached;
      return {
        id: params.id,
        status: 'committed',
        height: loc.height.toString(),
        index: loc.index,
        receipt: receiptView(loc.receipt),
        blockHash: toHex(blockHash(block.header)),
        proof: proofView(inclusionProof(cached.ids, loc.index)),
        header: toHex(encodeHeader(block.header)),
        certificate: toHex(encodeCertificate(block.certificate)),
      };
    },
  );
}

/**
 * The entries of a binary batch: u32 length ‖ bytes, back to back. An entry above MAX_TX_BYTES is
 * refused on its own (LEDGER_TOO_LARGE, naming the limit) and skipped by its length; a truncated
 * entry ends the batch (DECODE_TRUNCATED).
 */
function readBatch(bytes: Uint8Array): BatchEntry[] {
  const r = new Reader(bytes, 'transaction batch');
  const entries: BatchEntry[] = [];
  while (r.remaining > 0) {
    try {
      const length = r.u32();
      if (length > MAX_TX_BYTES) {
        r.fixed(length); // skipped (DECODE_TRUNCATED when it is cut short)
        entries.push({
          error: new LedgerError(
            'LEDGER_TOO_LARGE',
            `transaction of ${length} bytes exceeds the limit of ${MAX_TX_BYTES} bytes (MAX_TX_BYTES)`,
            { size: length, limit: MAX_TX_BYTES, limitName: 'MAX_TX_BYTES' },
          ),
        });
        continue;
      }
      entries.push({ tx: r.fixed(length) });
    } catch (err) {
      if (!(err instanceof DppError)) throw err;
      entries.push({ error: err });
      break;
    }
  }
  return entries;
}

/**
 * Recently asked committed blocks with their transaction ids, by height (a proof needs every id of
 * its block; a committed block never changes): polling clients do not make the node read and decode
 * the same block again for each of its transactions.
 */
class BlockIdCache {
  private readonly byHeight = new Map<bigint, { block: Block; ids: Uint8Array[] }>();

  constructor(private readonly capacity: number) {}

  async get(
    store: { getBlock(height: bigint): Promise<Block | undefined> },
    height: bigint,
  ): Promise<{ block: Block; ids: Uint8Array[] } | undefined> {
    let hit = this.byHeight.get(height);
    if (hit === undefined) {
      const block = await store.getBlock(height);
      if (block === undefined) return undefined;
      hit = { block, ids: block.txs.map(transactionId) };
      if (this.byHeight.size >= this.capacity) this.byHeight.delete(this.byHeight.keys().next().value!);
      this.byHeight.set(height, hit);
    }
    return hit;
  }
}
