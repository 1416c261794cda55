/**
 * Transactions: submit one (POST /v1/tx) or a batch (POST /v1/txs), and ask where one stands
 * (GET /v1/tx/:id) with an RFC 6962 inclusion proof of its id against the block's txRoot, the
 * block header and its commit certificate — enough for a client to check inclusion itself.
 * Writes are authorised by the transaction's own signature only: the node signs nothing for a client.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fromHex, toHex } from '../../codec/bytes.ts';
import { Reader } from '../../codec/reader.ts';
import { DppError } from '../../errors.ts';
import type { Block } from '../../ledger/block.ts';
import { blockHash, encodeHeader } from '../../ledger/blockHeader.ts';
import { encodeCertificate } from '../../ledger/certificate.ts';
import { inclusionProof } from '../../ledger/merkle.ts';
import { MAX_TX_BYTES, transactionId } from '../../ledger/transaction.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { proofView, receiptView } from '../chainViews.ts';
import { defineRoute } from '../route.ts';
import { Hash32, HexOut, TxStatusView } from '../schemas.ts';

/** Largest hex transaction in a JSON body. */
const MAX_TX_HEX = MAX_TX_BYTES * 2;
/** Most transactions in one JSON batch. */
const MAX_JSON_BATCH = 10_000;

const TxHex = z
  .string()
  .max(MAX_TX_HEX)
  .regex(/^([0-9a-fA-F]{2})+$/, 'hex of whole bytes');

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
        'application/octet-stream: u32-length-prefixed encodings back to back; or JSON {"txs": ["<hex>", …]}. ' +
        'Each is admitted or refused on its own.',
      tags: ['transactions'],
      body: z.object({ txs: z.array(TxHex).max(MAX_JSON_BATCH) }).strict(),
      bytes: true,
      bodyLimit: ctx.limits.batchBytes,
      response: z.object({
        accepted: z.number().int(),
        ids: z.array(HexOut),
        errors: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
      }),
    },
    ({ body, bytes }) => {
      const ids: string[] = [];
      const errors: { index: number; code: string; message: string }[] = [];
      const admit = (index: number, tx: () => Uint8Array): boolean => {
        try {
          ids.push(node.submit(tx()));
          return true;
        } catch (err) {
          if (!(err instanceof DppError)) throw err;
          errors.push({ index, code: err.code, message: err.message });
          return !err.code.startsWith('DECODE_TRUNCATED');
        }
      };
      if (bytes !== undefined) {
        const r = new Reader(bytes, 'transaction batch');
        for (let index = 0; r.remaining > 0; index++) if (!admit(index, () => r.bytes(MAX_TX_BYTES))) break;
      } else {
        body!.txs.forEach((hex, index) => {
          admit(index, () => fromHex(hex));
        });
      }
      return { accepted: ids.length, ids, errors };
    },
  );

  const ids = new BlockIdCache(32);
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
      const block = loc === undefined ? undefined : await node.store.getBlock(loc.height);
      if (loc === undefined || block === undefined) {
        throw new ApiError('API_UNAVAILABLE', 'the transaction index and the blocks disagree; retry');
      }
      return {
        id: params.id,
        status: 'committed',
        height: loc.height.toString(),
        index: loc.index,
        receipt: receiptView(loc.receipt),
        blockHash: toHex(blockHash(block.header)),
        proof: proofView(inclusionProof(ids.of(block), loc.index)),
        header: toHex(encodeHeader(block.header)),
        certificate: toHex(encodeCertificate(block.certificate)),
      };
    },
  );
}

/** The transaction ids of recently asked blocks (a proof needs every id of its block). */
class BlockIdCache {
  private readonly byHash = new Map<string, Uint8Array[]>();

  constructor(private readonly capacity: number) {}

  of(block: Block): Uint8Array[] {
    const key = toHex(blockHash(block.header));
    let ids = this.byHash.get(key);
    if (ids === undefined) {
      ids = block.txs.map(transactionId);
      if (this.byHash.size >= this.capacity) this.byHash.delete(this.byHash.keys().next().value!);
      this.byHash.set(key, ids);
    }
    return ids;
  }
}
