/**
 * A typed client of a validator's API (docs/api.md): submit transactions, wait for them to commit,
 * read transactions with their inclusion proofs, blocks and status, and subscribe to the event
 * stream (WebSocket, the `ws` package). Every answer is parsed strictly (zod) before it is
 * returned, and a committed transaction's proof is checked here, not taken on trust: the header
 * must hash to the stated block hash and its txRoot must include the id (RFC 6962); given the
 * genesis validator keys, the header's commit certificate is verified too. A node's refusal
 * becomes a ClientError with the node's code and the HTTP status in `details.status`.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { fromHex, toHex } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { blockHash, decodeHeader } from '../ledger/blockHeader.ts';
import { decodeCommitCertificate, quorumSize, verifyCommitCertificate } from '../ledger/certificate.ts';
import { verifyInclusion } from '../ledger/merkle.ts';
import { ClientError, SAFE_TO_RESEND } from './clientError.ts';

const Hex = z.string().regex(/^([0-9a-f]{2})*$/);
const U64 = z.string().regex(/^\d+$/);
const Receipt = z.union([
  z.object({ status: z.literal('ok') }),
  z.object({ status: z.literal('failed'), code: z.string() }),
]);
const Block = z.object({
  height: U64,
  hash: Hex,
  prevHash: Hex,
  txRoot: Hex,
  stateRoot: Hex,
  view: U64,
  proposer: z.number().int(),
  timestampMs: U64,
  txIds: z.array(Hex),
  receipts: z.array(Receipt).optional(),
  certificate: z.object({ view: U64, signers: z.array(z.number().int()) }),
});
const TxStatusBody = z.object({
  id: Hex,
  status: z.enum(['pending', 'committed', 'unknown']),
  height: U64.optional(),
  index: z.number().int().optional(),
  receipt: Receipt.optional(),
  blockHash: Hex.optional(),
  proof: z.object({ leafIndex: z.number().int(), treeSize: z.number().int(), path: z.array(Hex) }).optional(),
  header: Hex.optional(),
  certificate: Hex.optional(),
});
const Status = z.object({
  chainId: z.string(),
  validator: z.number().int(),
  validators: z.number().int(),
  height: U64,
  headHash: Hex,
  headTimestampMs: U64,
  lastCommitAtMs: z.number().nullable(),
  view: U64,
  primary: z.number().int(),
  inViewChange: z.boolean(),
  mempool: z.number().int(),
  peers: z.array(z.number().int()),
});
const Batch = z.object({
  accepted: z.number().int(),
  ids: z.array(Hex),
  errors: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
});
const Page = z.object({ head: U64, blocks: z.array(Block), next: U64.nullable() });
const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  height: U64,
  peers: z.number().int(),
  quorum: z.number().int(),
});
const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});

/** A block as the API describes it. */
export type BlockInfo = z.output<typeof Block>;
/** The node's status. */
export type NodeStatusInfo = z.output<typeof Status>;
/** The outcome of a batch submission. */
export type BatchResult = z.output<typeof Batch>;
/** A page of blocks. */
export type BlockPage = z.output<typeof Page>;
/** Health. */
export type HealthInfo = z.output<typeof Health>;

/** Where a transaction stands; `committed` ones were checked against their block header. */
export type TxStatus =
  | { readonly id: string; readonly status: 'pending' | 'unknown' }
  | {
      readonly id: string;
      readonly status: 'committed';
      readonly height: bigint;
      readonly index: number;
      readonly receipt: z.output<typeof Receipt>;
      readonly blockHash: string;
      /** True when the commit certificate was verified against the given validator keys. */
      readonly certified: boolean;
    };

/** A committed transaction. */
export type CommittedTx = Extract<TxStatus, { status: 'committed' }>;

/** An event from WS /v1/events. */
export interface NodeEvent {
  readonly type: string;
  readonly seq?: number;
  readonly [field: string]: unknown;
}

/** A live event subscription. */
export interface Subscription {
  /** Resolves once the node confirmed the subscription. */
  readonly ready: Promise<void>;
  close(): void;
}

/** Client options. */
export interface NodeClientOptions {
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** The chain's id and genesis validator public keys: when given, commit certificates are verified too. */
  readonly genesis?: { readonly chainId: string; readonly validatorKeys: readonly Uint8Array[] };
}

/** A client of one node's API. */
export class NodeClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(
    baseUrl: string,
    private readonly options: NodeClientOptions = {},
  ) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new ClientError('CLIENT_BAD_ARGUMENT', `not a URL: ${baseUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ClientError('CLIENT_BAD_ARGUMENT', 'the node URL is http: or https:');
    this.base = url.origin;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Submits one encoded transaction; returns its id. */
  async submit(tx: Uint8Array): Promise<string> {
    const body = await this.request('POST', '/v1/tx', tx, z.object({ id: Hex }));
    return body.id;
  }

  /** Submits a batch; each transaction is admitted or refused on its own. */
  async submitBatch(txs: readonly Uint8Array[]): Promise<BatchResult> {
    const w = new Writer();
    for (const tx of txs) w.bytes(tx);
    return this.request('POST', '/v1/txs', w.finish(), Batch);
  }

  /** Submits `tx` and waits until it is committed (or `timeoutMs` passes: CLIENT_TIMEOUT). */
  async submitAndWait(tx: Uint8Array, timeoutMs = 30_000): Promise<CommittedTx> {
    return this.waitForCommit(await this.submit(tx), timeoutMs);
  }

  /** Polls the transaction until committed; CLIENT_TIMEOUT after `timeoutMs`. */
  async waitForCommit(id: string, timeoutMs = 30_000, pollMs = 50): Promise<CommittedTx> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const st = await this.tx(id);
      if (st.status === 'committed') return st;
      if (Date.now() + pollMs > until)
        throw new ClientError(
          'CLIENT_TIMEOUT',
          `transaction ${id} not committed after ${timeoutMs} ms (${st.status}); ${SAFE_TO_RESEND}`,
          { id, txId: id, status: st.status, safeToResend: true },
        );
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Where transaction `id` stands; a committed one's inclusion proof is verified (CLIENT_PROOF_INVALID). */
  async tx(id: string): Promise<TxStatus> {
    if (!/^[0-9a-fA-F]{64}$/.test(id))
      throw new ClientError('CLIENT_BAD_ARGUMENT', 'a tx id is 64 hex characters');
    const b = await this.request('GET', `/v1/tx/${id.toLowerCase()}`, undefined, TxStatusBody);
    if (b.id !== id.toLowerCase())
      throw new ClientError('CLIENT_BAD_RESPONSE', 'the node answered another id');
    if (b.status !== 'committed') return { id: b.id, status: b.status };
    return { id: b.id, status: 'committed', ...this.checkInclusion(b) };
  }

  /** Block `height`, optionally with its receipts. */
  async block(height: bigint | number, receipts = false): Promise<BlockInfo> {
    return this.request(
      'GET',
      `/v1/blocks/${BigInt(height)}${receipts ? '?receipts=true' : ''}`,
      undefined,
      Block,
    );
  }

  /** A page of blocks from `from` (default: the latest `limit`). */
  async blocks(page: { from?: bigint | number; limit?: number } = {}): Promise<BlockPage> {
    const q = new URLSearchParams();
    if (page.from !== undefined) q.set('from', BigInt(page.from).toString());
    if (page.limit !== undefined) q.set('limit', String(page.limit));
    const qs = q.size > 0 ? `?${q}` : '';
    return this.request('GET', `/v1/blocks${qs}`, undefined, Page);
  }

  /** The node's status. */
  async status(): Promise<NodeStatusInfo> {
    return this.request('GET', '/v1/status', undefined, Status);
  }

  /** The node's health. */
  async health(): Promise<HealthInfo> {
    return this.request('GET', '/health', undefined, Health);
  }

  /**
   * Subscribes to WS /v1/events (optionally only `types`); `onEvent` receives each event after the
   * node's `subscribed` message. `onClose` is called once when the stream ends for any reason.
   */
  subscribe(
    onEvent: (event: NodeEvent) => void,
    opts: { types?: readonly string[]; onClose?: (reason: string) => void } = {},
  ): Subscription {
    const qs = opts.types === undefined ? '' : `?types=${opts.types.join(',')}`;
    const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/v1/events${qs}`, { maxPayload: 64 << 20 });
    let closed = false;
    const end = (reason: string) => {
      if (closed) return;
      closed = true;
      opts.onClose?.(reason);
    };
    const ready = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        let event: NodeEvent;
        try {
          event = z
            .object({ type: z.string() })
            .loose()
            .parse(JSON.parse(String(data))) as NodeEvent;
        } catch {
          ws.close(1003, 'bad event');
          return;
        }
        if (event.type === 'subscribed') resolve();
        else onEvent(event);
      });
      ws.on('unexpected-response', (_req, res) => {
        reject(new ClientError('CLIENT_NETWORK', `event stream refused with HTTP ${res.statusCode}`));
        res.resume();
        ws.terminate();
      });
      ws.on('error', (err) => reject(new ClientError('CLIENT_NETWORK', err.message, {}, { cause: err })));
      ws.on('close', (code, reason) => {
        reject(new ClientError('CLIENT_NETWORK', `event stream closed (${code})`));
        end(`${code} ${reason.toString()}`.trim());
      });
    });
    ready.catch(() => {}); // callers that never await `ready` must not see an unhandled rejection
    return {
      ready,
      close: () => {
        ws.close(1000);
        end('closed by client');
      },
    };
  }

  private checkInclusion(b: z.output<typeof TxStatusBody>): Omit<CommittedTx, 'id' | 'status'> {
    const bad = (why: string): never => {
      throw new ClientError('CLIENT_PROOF_INVALID', `transaction ${b.id}: ${why}`, { id: b.id });
    };
    if (
      b.height === undefined ||
      b.index === undefined ||
      b.receipt === undefined ||
      b.proof === undefined ||
      b.header === undefined ||
      b.blockHash === undefined ||
      b.certificate === undefined
    )
      return bad('a committed answer without its proof');
    let header: ReturnType<typeof decodeHeader>;
    try {
      header = decodeHeader(fromHex(b.header));
    } catch {
      return bad('undecodable block header');
    }
    if (toHex(blockHash(header)) !== b.blockHash) bad('the header does not hash to the block hash');
    if (header.height.toString() !== b.height) bad('the header is of another height');
    const proof = { ...b.proof, path: b.proof.path.map(fromHex) };
    if (proof.leafIndex !== b.index || !verifyInclusion(header.txRoot, fromHex(b.id), proof))
      bad('the inclusion proof does not verify against the header’s txRoot');
    let certified = false;
    const genesis = this.options.genesis;
    if (genesis !== undefined) {
      const keys = genesis.validatorKeys;
      let certificate: ReturnType<typeof decodeCommitCertificate>;
      try {
        certificate = decodeCommitCertificate(fromHex(b.certificate));
      } catch {
        return bad('undecodable commit certificate');
      }
      if (!verifyCommitCertificate({ header, certificate }, genesis.chainId, keys, quorumSize(keys.length)))
        bad('the commit certificate does not verify against the chain’s validator keys');
      certified = true;
    }
    return { height: header.height, index: b.index, receipt: b.receipt, blockHash: b.blockHash, certified };
  }

  private async request<T extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: Uint8Array | undefined,
    schema: T,
  ): Promise<z.output<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const timedOut = (cause as Error).name === 'TimeoutError';
      throw new ClientError(
        timedOut ? 'CLIENT_TIMEOUT' : 'CLIENT_NETWORK',
        timedOut
          ? `${method} ${path}: no answer in ${this.timeoutMs} ms`
          : `${method} ${path}: ${(cause as Error).message}`,
        { path },
        { cause },
      );
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (cause) {
      throw new ClientError(
        'CLIENT_BAD_RESPONSE',
        `${method} ${path}: HTTP ${res.status}, not JSON`,
        {},
        { cause },
      );
    }
    if (!res.ok) {
      const e = ErrorBody.safeParse(json);
      if (!e.success) throw new ClientError('CLIENT_BAD_RESPONSE', `${method} ${path}: HTTP ${res.status}`);
      const details: Record<string, string | number | boolean | null> = { status: res.status };
      for (const [k, v] of Object.entries(e.data.details))
        if (k !== 'status' && (v === null || ['string', 'number', 'boolean'].includes(typeof v)))
          details[k] = v as string | number | boolean | null;
      throw new ClientError(e.data.code, e.data.message, details);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ClientError('CLIENT_BAD_RESPONSE', `${method} ${path}: unexpected answer`, {
        issue: parsed.error.issues[0]?.message ?? null,
      });
    }
    return parsed.data;
  }
}
