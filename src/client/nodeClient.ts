/**
 * A typed client of a validator's API (docs/api.md): submit transactions, wait for them to commit,
 * read transactions with their inclusion proofs, blocks and status, and subscribe to the event
 * stream (WebSocket, the `ws` package). Every answer is parsed strictly (zod) before it is
 * returned, and a committed transaction's proof is checked here, not taken on trust: the header
 * must hash to the stated block hash and its txRoot must include the id (RFC 6962); given the
 * genesis validator keys, the header's commit certificate is verified too. A node's refusal
 * becomes a ClientError with the node's code and the HTTP status in `details.status`.
 *
 * Volume (docs/api.md "Limits", "Backpressure"): `submitMany` sends any number of transactions in
 * batches cut to the route's limits, in order; a node that answers 429 (its mempool full, or this
 * client over its rate) is asked again after its `Retry-After` hint, backing off exponentially to
 * at most 5 s, for `busyTimeoutMs` — then the refusal is returned typed (`details.retryable`). Waiting
 * for many commits polls the node's new blocks once for all of them (`commitSeen`), not each
 * transaction every few milliseconds: a thousand waiting clients once flooded a node with requests
 * until it took more than 10 s to answer a submission.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { fromHex, toHex } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { isDppError } from '../errors.ts';
import { blockHash, decodeHeader } from '../ledger/blockHeader.ts';
import { decodeCommitCertificate, quorumSize, verifyCommitCertificate } from '../ledger/certificate.ts';
import { verifyInclusion } from '../ledger/merkle.ts';
import { transactionId } from '../ledger/transaction.ts';
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
  retryAfterMs: z.number().int().optional(),
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

/** What became of one transaction of `submitMany`: admitted, or refused with the node's code. */
export type SubmitOutcome =
  | { readonly id: string; readonly accepted: true }
  | {
      readonly id: string;
      readonly accepted: false;
      readonly code: string;
      readonly message: string;
      /** For NODE_MEMPOOL_FULL: the node's last hint. */
      readonly retryAfterMs?: number;
    };

/** The route's limits `submitMany` cuts batches to (src/api/routes/transactions.ts, docs/api.md). */
export const BATCH_LIMITS = {
  /** MAX_BATCH_TXS of the route. */
  maxTxs: 10_000,
  /** The route's body limit (16 MiB), less room for the length prefixes' rounding. */
  maxBytes: (16 << 20) - 1024,
} as const;

/** Client options. */
export interface NodeClientOptions {
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
  /**
   * How long to keep asking a node that answers 429 (its mempool full, or this client over its
   * rate limit), backing off from its Retry-After hint (default 60 s; 0: not at all).
   */
  readonly busyTimeoutMs?: number;
  /** The chain's id and genesis validator public keys: when given, commit certificates are verified too. */
  readonly genesis?: { readonly chainId: string; readonly validatorKeys: readonly Uint8Array[] };
}

/** Codes of a refusal that asks the client to come back later (HTTP 429). */
const BUSY_CODES = new Set(['NODE_MEMPOOL_FULL', 'API_RATE_LIMITED']);
/** Codes of a request that may or may not have been carried out. */
const UNSURE_CODES = new Set(['CLIENT_TIMEOUT', 'CLIENT_NETWORK']);
/** Longest backoff step. */
const MAX_BACKOFF_MS = 5_000;

/**
 * The wait before attempt `attempt` + 1 after a busy refusal: the node's hint, or 100 ms · 2^attempt
 * if that is longer, at most 5 s, with up to 20 % jitter so that clients refused together spread out.
 */
export function backoffMs(attempt: number, hintMs: number | undefined, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, Math.max(hintMs ?? 0, 100 * 2 ** Math.min(attempt, 16)));
  return Math.round(base * (1 + 0.2 * random()));
}

/** A client of one node's API. */
export class NodeClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly busyTimeoutMs: number;
  private readonly watcher = new CommitWatcher(this);

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
    this.busyTimeoutMs = options.busyTimeoutMs ?? 60_000;
  }

  /** Submits one encoded transaction; returns its id. */
  async submit(tx: Uint8Array): Promise<string> {
    const body = await this.request('POST', '/v1/tx', tx, z.object({ id: Hex }));
    return body.id;
  }

  /**
   * Submits a batch in one request (at most the route's limits, `BATCH_LIMITS`); each transaction is
   * admitted or refused on its own. See `submitMany` for any number of transactions.
   */
  async submitBatch(txs: readonly Uint8Array[]): Promise<BatchResult> {
    const w = new Writer();
    for (const tx of txs) w.bytes(tx);
    return this.request('POST', '/v1/txs', w.finish(), Batch);
  }

  /**
   * Submits any number of transactions, in order, in batches cut to the route's limits (and to
   * `chunk`, default 1 000 transactions or 4 MiB, so that each request is answered quickly).
   * Transactions refused because the mempool is full are sent again, from the first of them on,
   * after the node's hint with exponential backoff, for `busyTimeoutMs`; after that they are
   * returned refused with NODE_MEMPOOL_FULL. A batch whose answer was lost (CLIENT_TIMEOUT,
   * CLIENT_NETWORK) is sent again as it is — the same bytes, so nothing is admitted twice — and a
   * transaction then refused as already known counts as admitted when the node has it. Returns one
   * outcome per transaction, by index; throws only when the node cannot be reached within
   * `busyTimeoutMs`.
   */
  async submitMany(
    txs: readonly Uint8Array[],
    chunk: { readonly maxTxs?: number; readonly maxBytes?: number } = {},
  ): Promise<SubmitOutcome[]> {
    const maxTxs = Math.min(chunk.maxTxs ?? 1_000, BATCH_LIMITS.maxTxs);
    const maxBytes = Math.min(chunk.maxBytes ?? 4 << 20, BATCH_LIMITS.maxBytes);
    const ids = txs.map((tx) => toHex(transactionId(tx)));
    const out: SubmitOutcome[] = [];
    const deadline = Date.now() + this.busyTimeoutMs;
    let attempt = 0;
    let unsure = false;
    while (out.length < txs.length) {
      const start = out.length;
      let end = start;
      for (let bytes = 0; end < txs.length && end - start < maxTxs; end++) {
        bytes += 4 + txs[end]!.length;
        if (bytes > maxBytes && end > start) break;
      }
      let answer: BatchResult;
      try {
        answer = await this.submitBatch(txs.slice(start, end));
      } catch (err) {
        // [UNSURE] the batch may have been admitted, wholly or in part: the same bytes again
        if (!isDppError(err) || !UNSURE_CODES.has(err.code) || Date.now() >= deadline) throw err;
        unsure = true;
        await sleep(backoffMs(attempt++, undefined));
        continue;
      }
      const errors = new Map(answer.errors.map((e) => [e.index, e]));
      let accepted = 0;
      let full: { code: string; message: string } | undefined;
      for (let i = 0; i < end - start && full === undefined; i++) {
        const id = ids[start + i]!;
        const e = errors.get(i);
        if (e === undefined) {
          if (answer.ids[accepted++] !== id)
            throw new ClientError('CLIENT_BAD_RESPONSE', 'the node answered other ids');
          out.push({ id, accepted: true });
        } else if (e.code === 'NODE_MEMPOOL_FULL') full = e;
        else if (
          unsure &&
          (e.code === 'NODE_DUPLICATE_TX' || e.code === 'LEDGER_REPLAY') &&
          (await this.tx(id)).status !== 'unknown'
        )
          out.push({ id, accepted: true }); // admitted by the request whose answer was lost
        else out.push({ id, accepted: false, code: e.code, message: e.message });
      }
      unsure = false;
      const progress = out.length > start;
      if (full === undefined) {
        attempt = 0;
        continue;
      }
      // [BACKPRESSURE] the rest waits for the node's hint — longer each time nothing got in — for
      // busyTimeoutMs at most
      if (progress) attempt = 0;
      const delay = backoffMs(attempt++, answer.retryAfterMs);
      if (Date.now() + delay > deadline) {
        for (let i = out.length; i < txs.length; i++)
          out.push({
            id: ids[i]!,
            accepted: false,
            code: full.code,
            message: full.message,
            ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
          });
        break;
      }
      await sleep(delay);
    }
    return out;
  }

  /** Submits `tx` and waits until it is committed (or `timeoutMs` passes: CLIENT_TIMEOUT). */
  async submitAndWait(tx: Uint8Array, timeoutMs = 30_000): Promise<CommittedTx> {
    return this.waitForCommit(await this.submit(tx), timeoutMs);
  }

  /** Waits until the transaction is committed (`commitSeen`, checked with `tx`); CLIENT_TIMEOUT after `timeoutMs`. */
  async waitForCommit(id: string, timeoutMs = 30_000): Promise<CommittedTx> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const st = await this.tx(id);
      if (st.status === 'committed') return st;
      const left = until - Date.now();
      if (left <= 0)
        throw new ClientError(
          'CLIENT_TIMEOUT',
          `transaction ${id} not committed after ${timeoutMs} ms (${st.status}); ${SAFE_TO_RESEND}`,
          { id, txId: id, status: st.status, safeToResend: true },
        );
      await this.commitSeen(id, Math.min(left, this.pollIntervalMs()));
    }
  }

  /**
   * Resolves once a block holding transaction `id` is seen on this node, or after `maxWaitMs`
   * (whichever is first; then ask `tx(id)`). One poll of the node's new blocks serves every waiter.
   */
  commitSeen(id: string, maxWaitMs: number): Promise<void> {
    return this.watcher.seen(id.toLowerCase(), maxWaitMs);
  }

  /**
   * How often a waiter should ask for its own transaction besides `commitSeen` (to learn of a
   * failure or a drop): 1 s, longer with many waiters, so that they ask about 200 times a second in all.
   */
  pollIntervalMs(): number {
    return Math.max(1_000, Math.ceil((this.watcher.size / 200) * 1_000));
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

  /**
   * One request; a 429 answer (NODE_MEMPOOL_FULL, API_RATE_LIMITED: nothing was done) is retried
   * after the node's hint with backoff for `busyTimeoutMs`, then thrown with `details.retryable`.
   */
  private async request<T extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: Uint8Array | undefined,
    schema: T,
  ): Promise<z.output<T>> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(method, path, body, schema);
      } catch (err) {
        if (!(err instanceof ClientError) || !BUSY_CODES.has(err.code)) throw err;
        const hint = err.details.retryAfterMs;
        const delay = backoffMs(attempt, typeof hint === 'number' ? hint : undefined);
        if (Date.now() + delay > deadline) throw err;
        await sleep(delay);
      }
    }
  }

  private async requestOnce<T extends z.ZodType>(
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
      if (res.status === 429) {
        // [BACKPRESSURE] come back later: the hint from the body, else from Retry-After
        details.retryable = true;
        if (typeof details.retryAfterMs !== 'number') {
          const header = Number(res.headers.get('retry-after'));
          if (Number.isFinite(header) && header >= 0) details.retryAfterMs = header * 1000;
        }
      }
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

/**
 * Watches one node's new blocks for the transactions being waited for: while anyone waits, it asks
 * for the blocks after the last one it saw every `POLL_MS` (one request per page of 100 blocks),
 * and wakes the waiters whose transaction a block holds. A waiter also wakes after its own
 * `maxWaitMs`, so a missed block (the watcher started after it) costs a delay, never a hang.
 */
class CommitWatcher {
  private static readonly POLL_MS = 50;
  private readonly waiters = new Map<string, Set<() => void>>();
  private next: bigint | undefined;
  private running = false;

  constructor(private readonly client: NodeClient) {}

  /** Transactions waited for. */
  get size(): number {
    return this.waiters.size;
  }

  seen(id: string, maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(id);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(id, set);
      }
      const wake = () => {
        clearTimeout(timer);
        const s = this.waiters.get(id);
        s?.delete(wake);
        if (s?.size === 0) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, maxWaitMs);
      set.add(wake);
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.size > 0) {
        try {
          if (this.next === undefined) this.next = BigInt((await this.client.status()).height);
          const page = await this.client.blocks({ from: this.next, limit: 100 });
          for (const b of page.blocks) {
            for (const id of b.txIds) for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
            this.next = BigInt(b.height) + 1n;
          }
          if (page.next !== null && page.blocks.length > 0) continue; // more pages already there
        } catch {
          this.next = undefined; // the waiters' own polls carry on; start again from the head
        }
        await sleep(CommitWatcher.POLL_MS);
      }
    } finally {
      this.running = false;
      this.next = undefined;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
