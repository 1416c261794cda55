/**
 * The validator's small client endpoint (node:http; the full API arrives with the application):
 *   POST /tx          one encoded transaction (application/octet-stream, or JSON {"tx": "<hex>"})
 *                     → 202 {"id"} | 4xx/5xx {"code","message","details"}
 *   POST /txs         many: u32-length-prefixed encodings → 200 {"accepted","ids","errors":[{index,code,message}]}
 *   GET  /tx/:id      → {"status": "pending"|"committed"|"unknown", height?, index?, receipt?}
 *   GET  /block/:h    → the block's header, transaction ids and certificate
 *   GET  /status      → height, view, primary, mempool, peers
 * Every refusal is a typed error with a stable code; bodies are size-limited before reading.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fromHex, toHex } from '../codec/bytes.ts';
import { Reader } from '../codec/reader.ts';
import { DppError } from '../errors.ts';
import { blockHash } from '../ledger/blockHeader.ts';
import { MAX_TX_BYTES, transactionId } from '../ledger/transaction.ts';
import { NodeError } from './nodeError.ts';
import type { ValidatorNode } from './validatorNode.ts';

const MAX_BATCH_BYTES = 64 << 20;

/** HTTP status for each error code family. */
function statusOf(err: DppError): number {
  if (err.code === 'NODE_MEMPOOL_FULL') return 503;
  if (err.code === 'NODE_NOT_FOUND') return 404;
  if (err.code === 'NODE_DUPLICATE_TX' || err.code === 'LEDGER_REPLAY') return 409;
  if (err.code === 'LEDGER_TOO_LARGE' || err.code === 'NODE_BODY_TOO_LARGE') return 413;
  return 400;
}

/** Starts the endpoint on `host:port` (0 = any free port). */
export async function startClientApi(node: ValidatorNode, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    handle(node, req, res).catch((err) => reply(res, 500, { code: 'INTERNAL', message: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

async function handle(node: ValidatorNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    // Prefixing the origin keeps odd request targets ("//x", "http:…") paths, never other hosts.
    let url: URL;
    try {
      url = new URL(`http://node${req.url ?? '/'}`);
    } catch {
      throw new NodeError('NODE_BAD_REQUEST', 'malformed request target');
    }
    if (req.method === 'POST' && url.pathname === '/tx') {
      const body = await readBody(req, MAX_TX_BYTES * 2 + 64);
      const bytes = (req.headers['content-type'] ?? '').includes('json') ? jsonTx(body) : body;
      reply(res, 202, { id: node.submit(bytes) });
    } else if (req.method === 'POST' && url.pathname === '/txs') {
      const body = await readBody(req, MAX_BATCH_BYTES);
      const r = new Reader(body, 'transaction batch');
      const ids: string[] = [];
      const errors: { index: number; code: string; message: string }[] = [];
      for (let index = 0; r.remaining > 0; index++) {
        try {
          ids.push(node.submit(r.bytes(MAX_TX_BYTES)));
        } catch (err) {
          if (!(err instanceof DppError)) throw err;
          errors.push({ index, code: err.code, message: err.message });
          if (err.code.startsWith('DECODE_TRUNCATED')) break;
        }
      }
      reply(res, 200, { accepted: ids.length, ids, errors });
    } else if (req.method === 'GET' && url.pathname.startsWith('/tx/')) {
      reply(res, 200, await node.txStatus(url.pathname.slice(4)));
    } else if (req.method === 'GET' && url.pathname.startsWith('/block/')) {
      const text = url.pathname.slice(7);
      if (!/^\d{1,19}$/.test(text))
        throw new NodeError('NODE_BAD_REQUEST', 'a block height is a whole number');
      const block = await node.store.getBlock(BigInt(text));
      if (block === undefined) throw new NodeError('NODE_NOT_FOUND', `no block at height ${text}`);
      const h = block.header;
      reply(res, 200, {
        height: h.height.toString(),
        hash: toHex(blockHash(h)),
        prevHash: toHex(h.prevHash),
        txRoot: toHex(h.txRoot),
        stateRoot: toHex(h.stateRoot),
        view: h.view.toString(),
        proposer: h.proposer,
        timestampMs: h.timestampMs.toString(),
        txIds: block.txs.map((tx) => toHex(transactionId(tx))),
        certificate: {
          view: block.certificate.view.toString(),
          signers: block.certificate.votes.map((v) => v.validatorIndex),
        },
      });
    } else if (req.method === 'GET' && url.pathname === '/status') {
      reply(res, 200, node.status());
    } else {
      throw new NodeError('NODE_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    }
  } catch (err) {
    if (err instanceof DppError) reply(res, statusOf(err), err.toJSON());
    else throw err;
  }
}

function jsonTx(body: Uint8Array): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new NodeError('NODE_BAD_REQUEST', 'body is not JSON');
  }
  const hex = (parsed as { tx?: unknown }).tx;
  if (typeof hex !== 'string') throw new NodeError('NODE_BAD_REQUEST', 'expected {"tx": "<hex>"}');
  return fromHex(hex);
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new NodeError('NODE_BODY_TOO_LARGE', `body of ${declared} bytes exceeds ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new NodeError('NODE_BODY_TOO_LARGE', `body exceeds ${limit} bytes`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
