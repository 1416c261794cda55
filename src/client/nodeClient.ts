/**
 * A typed client of a validator's API (docs/api.md): submit transactions, wait for them to commit,
 * read transactions with their inclusion proofs, blocks and status, and subscribe to the event
 * stream (WebSocket, the `ws` package). Every answer is parsed strictly (zod) before it is
 * returned, and a committed transaction's proof is checked here, not taken on trust: the header
 * must hash to the stated block hash and its txRoot must include the id (RFC 6962); given the
 * genesis validator keys, the header's commit certificate is verified too — against the validator
 * set of the block's epoch, which the client learns as the chain reconfigures (`EpochFollower`
 * below: each later set accepted only once the previous set has certified the block that ended its
 * epoch). A node's refusal becomes a ClientError with the node's code and the HTTP status in
 * `details.status`.
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
import { bytesEqual, fromHex, toHex } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { isDppError } from '../errors.ts';
import { type BlockHeader, blockHash, decodeHeader } from '../ledger/blockHeader.ts';
import {
  type CommitCertificate,
  decodeCommitCertificate,
  quorumSize,
  verifyCommitCertificate,
} from '../ledger/certificate.ts';
import { verifyInclusion } from '../ledger/merkle.ts';
import { transactionId } from '../ledger/transaction.ts';
import {
  activationHeight,
  consensusDomain,
  type Epoch,
  type EpochValidator,
  epochOfHeight,
  type PendingChange,
  RECONFIGURATION_INTERVAL,
  type ValidatorChange,
} from '../ledger/validatorSet.ts';
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
  /** The canonical header and commit certificate, hex, where the node serves them (see `certifiedHeader`). */
  canonical: z.object({ header: Hex, certificate: Hex }).optional(),
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
const Key = z.string().regex(/^[0-9a-f]{64}$/);
const ValidatorSetsBody = z.object({
  epochs: z
    .array(
      z.object({
        number: z.number().int().nonnegative(),
        base: U64,
        validators: z.array(
          z.object({
            slot: z.number().int().min(0).max(0xffff),
            name: z.string(),
            publicKey: Key,
            p2p: z.string(),
          }),
        ),
      }),
    )
    .min(1),
  pending: z
    .object({
      activation: U64,
      type: z.enum(['add', 'remove', 'rekey']),
      slot: z.number().int().min(0).max(0xffff),
      name: z.string(),
      publicKey: Key.nullable(),
      p2p: z.string(),
    })
    .nullable(),
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

/** The validator sets a node reports (GET /v1/validators): every epoch so far, oldest first, and the pending change. */
export interface ValidatorSets {
  readonly epochs: readonly Epoch[];
  readonly pending: PendingChange | null;
}

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
      /** True when the commit certificate was verified: against the genesis keys, or the proven set of the block's epoch. */
      readonly certified: boolean;
    };

/** A committed transaction. */
export type CommittedTx = Extract<TxStatus, { status: 'committed' }>;

/** A committed answer whose inclusion proof verified, with its header and (unverified) certificate. */
type Included = Omit<CommittedTx, 'id' | 'status' | 'certified'> & {
  readonly header: BlockHeader;
  readonly certificate: CommitCertificate;
};

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
  /**
   * The chain's id and genesis validator public keys (by index: slot): when given, commit
   * certificates are verified too, each against the validator set of its block's epoch.
   */
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
  private readonly follower: EpochFollower | undefined;

  constructor(baseUrl: string, options: NodeClientOptions = {}) {
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
    const g = options.genesis;
    this.follower = g === undefined ? undefined : new EpochFollower(this, g.chainId, g.validatorKeys);
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
    const { header, certificate, ...included } = this.checkInclusion(b);
    let certified = false;
    if (this.follower !== undefined) {
      // [REJECT] a certificate that is not a quorum's of the block's epoch, as far as the client can prove it
      if (!(await this.follower.verify(header, certificate)))
        throw new ClientError(
          'CLIENT_PROOF_INVALID',
          `transaction ${b.id}: the commit certificate does not verify against the chain’s validator keys${this.follower.describe(header.height)}`,
          { id: b.id },
        );
      certified = true;
    }
    return { id: b.id, status: 'committed', ...included, certified };
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

  /**
   * The validator sets as the node says (GET /v1/validators): every epoch with its base height and
   * validators by slot, and the change waiting for its activation block. Nothing here is checked
   * beyond its shape — `certifiedEpochs` proves them.
   */
  async validatorSets(): Promise<ValidatorSets> {
    const b = await this.request('GET', '/v1/validators', undefined, ValidatorSetsBody);
    const epochs = b.epochs.map(
      (e): Epoch => ({
        number: e.number,
        base: BigInt(e.base),
        validators: e.validators.map((v) => ({ ...v, publicKey: fromHex(v.publicKey) })),
      }),
    );
    const p = b.pending;
    if (p === null) return { epochs, pending: null };
    let change: ValidatorChange;
    if (p.type === 'remove') change = { type: 'remove', name: p.name };
    else if (p.publicKey === null)
      throw new ClientError('CLIENT_BAD_RESPONSE', `GET /v1/validators: a pending ${p.type} without its key`);
    else if (p.type === 'rekey') change = { type: 'rekey', name: p.name, publicKey: fromHex(p.publicKey) };
    else change = { type: 'add', name: p.name, publicKey: fromHex(p.publicKey), p2p: p.p2p };
    return { epochs, pending: { activation: BigInt(p.activation), slot: p.slot, change } };
  }

  /**
   * The chain's epochs up to the node's current one, each proven from the genesis keys (given in the
   * options) by the previous set's certificate of the block that ended its epoch — see EpochFollower
   * for what that proves and what it does not. CLIENT_PROOF_INVALID when the node's sets do not
   * follow from the genesis so.
   */
  async certifiedEpochs(): Promise<readonly Epoch[]> {
    if (this.follower === undefined)
      throw new ClientError(
        'CLIENT_BAD_ARGUMENT',
        'proving the validator sets needs the genesis validator keys',
      );
    return this.follower.followAll(BigInt((await this.status()).height));
  }

  /**
   * Block `height`'s canonical header and commit certificate, as the node serves them: from the
   * block's answer when it carries them (`canonical`), else from GET /v1/tx/:id of one of its
   * transactions (which carries its block's header and certificate). CLIENT_PROOF_INVALID when the
   * header is not the block's; CLIENT_NOT_FOUND for a block without transactions on a node that does
   * not serve `canonical` — nothing is verified here beyond header and hash: the caller checks the
   * certificate against the validators it expects.
   */
  async certifiedHeader(height: bigint): Promise<{ header: BlockHeader; certificate: CommitCertificate }> {
    const block = await this.block(height);
    let headerHex: string;
    let certificateHex: string;
    if (block.canonical !== undefined) {
      headerHex = block.canonical.header;
      certificateHex = block.canonical.certificate;
    } else if (block.txIds.length > 0) {
      const id = block.txIds[0]!;
      const t = await this.request('GET', `/v1/tx/${id}`, undefined, TxStatusBody);
      if (t.status !== 'committed' || t.header === undefined || t.certificate === undefined)
        throw new ClientError(
          'CLIENT_PROOF_INVALID',
          `block ${height}: its transaction ${id} is not committed`,
        );
      headerHex = t.header;
      certificateHex = t.certificate;
    } else {
      throw new ClientError(
        'CLIENT_NOT_FOUND',
        `block ${height} holds no transaction and the node does not serve its header and certificate (GET /v1/blocks/:height without \`canonical\`)`,
        { height: height.toString() },
      );
    }
    let header: BlockHeader;
    let certificate: CommitCertificate;
    try {
      header = decodeHeader(fromHex(headerHex));
      certificate = decodeCommitCertificate(fromHex(certificateHex));
    } catch {
      throw new ClientError('CLIENT_PROOF_INVALID', `block ${height}: undecodable header or certificate`);
    }
    // [REJECT] a header of another block than the one asked for
    if (header.height !== height || toHex(blockHash(header)) !== block.hash)
      throw new ClientError('CLIENT_PROOF_INVALID', `block ${height}: the header is not that block's`);
    return { header, certificate };
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

  /** Checks a committed answer's header and inclusion proof; returns them with the certificate, not yet verified. */
  private checkInclusion(b: z.output<typeof TxStatusBody>): Included {
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
    let header: BlockHeader;
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
    let certificate: CommitCertificate;
    try {
      certificate = decodeCommitCertificate(fromHex(b.certificate));
    } catch {
      return bad('undecodable commit certificate');
    }
    return {
      height: header.height,
      index: b.index,
      receipt: b.receipt,
      blockHash: b.blockHash,
      header,
      certificate,
    };
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

/** Errors of a node that did not answer (the request may succeed again). */
const UNANSWERED = new Set(['CLIENT_NETWORK', 'CLIENT_TIMEOUT']);

/**
 * The validator sets a client trusts, learnt as the chain reconfigures (../ledger/validatorSet.ts,
 * docs/api.md "Validators"). It starts from the genesis keys: epoch 0. A block above an epoch's
 * base is certified by that epoch's set, its votes signed in that epoch's own domain
 * (`consensusDomain`). When a certificate does not verify against the sets it knows, or its block
 * is above the heights its newest set is known to certify (up to the pending change's activation,
 * or the checkpoint after the last height the node answered for, where a change could take
 * effect soonest), it asks the node for its sets (GET /v1/validators) and accepts each later epoch
 * k only when
 *   - the epochs it knew are exactly as the node reports them (epoch 0: the genesis keys);
 *   - epoch k's base is above epoch k − 1's and on a multiple of RECONFIGURATION_INTERVAL, and its
 *     set is epoch k − 1's with the one change a `validator.change` makes: one validator added
 *     under a new slot with a key no set used, one removed, or one key replaced by an unused one;
 *   - block `base` — the last block of epoch k − 1, whose execution applied the change — carries
 *     the certificate of a quorum of epoch k − 1, in epoch k − 1's domain (fetched from the node,
 *     `certifiedHeader`).
 *
 * What that proves: a quorum of the previous validators committed a block at the height the node
 * says ended their epoch; a node cannot make the client accept a set out of nothing, nor end an
 * epoch at a height the previous set did not certify.
 * What it does not prove: that the new set is the one that block's state holds. The client sees
 * headers, not state, and does not re-execute the `validator.change`; the epoch record — which
 * validator was added, removed or re-keyed, with which key — is the node's word, bound only by the
 * previous set's certificate of the activation block and by the one-change rule. So the set it
 * accepts differs from the true one in at most the validator that changed, and certifying a block
 * under it still takes votes of the true set's validators; but a lying node could, say, show a
 * removed validator's slot re-keyed instead, keeping it in the set. Nor does it notice a node that
 * withholds a later epoch: blocks are then checked against the last set it knows, whose quorum
 * would have to have signed heights past its own epoch in its own domain — what only the keys of a
 * past quorum, no longer guarded, could do (a long-range attack); ask more than one node when that
 * matters.
 */
class EpochFollower {
  /** Epoch 0 (the genesis keys), then each later epoch once proven. */
  private readonly known: Epoch[];
  /** The height up to which the newest known epoch is known to certify. */
  private certainUpTo = 0n;
  /** Why the last follow could not prove the node's newer sets (for the error message). */
  private problem: string | undefined;
  private generation = 0;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: NodeClient,
    private readonly chainId: string,
    genesisKeys: readonly Uint8Array[],
  ) {
    this.known = [
      {
        number: 0,
        base: 0n,
        validators: genesisKeys.map((publicKey, slot) => ({ slot, name: '', publicKey, p2p: '' })),
      },
    ];
  }

  /** True when `certificate` is a quorum's of the epoch certifying `header`'s height, learning the node's newer sets first if need be. */
  async verify(header: BlockHeader, certificate: CommitCertificate): Promise<boolean> {
    const known = this.check(header, certificate);
    if (known && header.height <= this.certainUpTo) return true;
    try {
      await this.follow(header.height);
    } catch (err) {
      if (!(err instanceof ClientError)) throw err;
      // [REJECT] a node that lies about its sets
      if (err.code === 'CLIENT_PROOF_INVALID') throw err;
      // [FOLLOW] no answer, when the sets known do not verify the block: try again later
      if (!known && UNANSWERED.has(err.code)) throw err;
      // else (an older API, an answer of another shape, an unprovable later set): the sets known decide
      this.problem = err.message;
    }
    return this.check(header, certificate);
  }

  /** Every epoch of the node's chain, proven (any error thrown); `head` is a height the node has committed. */
  async followAll(head: bigint): Promise<readonly Epoch[]> {
    await this.follow(head + 1n, true);
    return [...this.known];
  }

  /** What the client knows, for an error message about a block at `height`. */
  describe(height: bigint): string {
    const last = this.known.at(-1)!;
    const sets =
      last.number === 0
        ? 'the genesis set'
        : `epochs 0–${last.number}, the last from height ${last.base + 1n}`;
    return ` (block ${height}; sets proven: ${sets}${this.problem === undefined ? '' : `; ${this.problem}`})`;
  }

  private check(header: BlockHeader, certificate: CommitCertificate): boolean {
    const e = epochOfHeight(this.known, header.height);
    return verifyCommitCertificate(
      { header, certificate },
      this.chainId,
      e.validators.map((v) => v.publicKey),
      quorumSize(e.validators.length),
      consensusDomain(this.chainId, e.number),
    );
  }

  /** One follow at a time; one that waited while another covered `seen` is not repeated (unless `always`). */
  private follow(seen: bigint, always = false): Promise<void> {
    const generation = this.generation;
    const run = this.lock.then(async () => {
      if (!always && this.generation !== generation && seen <= this.certainUpTo) return;
      await this.followNow(seen);
      this.generation++;
    });
    this.lock = run.catch(() => {});
    return run;
  }

  /** Reads the node's sets and proves the newer ones that certify heights below `seen`, a height the node has. */
  private async followNow(seen: bigint): Promise<void> {
    const { epochs, pending } = await this.client.validatorSets();
    const lie = (why: string): never => {
      throw new ClientError(
        'CLIENT_PROOF_INVALID',
        `the node’s validator sets do not follow from the genesis: ${why}`,
      );
    };
    this.problem = undefined;
    for (let i = 0; i < epochs.length; i++) {
      const e = epochs[i]!;
      // [REJECT] epochs not numbered 0, 1, 2, … oldest first
      if (e.number !== i) lie(`epoch ${e.number} listed ${i}th`);
      const had = this.known[i];
      if (had !== undefined) {
        // [REJECT] a set other than the one known (epoch 0: the genesis keys)
        if (!sameSet(had, e))
          lie(`epoch ${i} is not the set ${i === 0 ? 'of the genesis' : 'proven before'}`);
        continue;
      }
      if (e.base >= seen) {
        // not needed yet: the newest known set certifies up to its base
        if (e.base > this.certainUpTo) this.certainUpTo = e.base;
        return;
      }
      const prev = this.known[i - 1]!;
      // [REJECT] a base not above the previous one, or off the heights where a change takes effect
      if (e.base <= prev.base || e.base % RECONFIGURATION_INTERVAL !== 0n)
        lie(
          `epoch ${i} starts after height ${e.base}, not a checkpoint after epoch ${i - 1}'s base ${prev.base}`,
        );
      // [REJECT] a set that is not the previous one with one change
      const why = notOneChange(prev, e, this.known);
      if (why !== null) lie(`epoch ${i}: ${why}`);
      let block: Awaited<ReturnType<NodeClient['certifiedHeader']>>;
      try {
        block = await this.client.certifiedHeader(e.base);
      } catch (err) {
        if (isDppError(err, 'CLIENT_NOT_FOUND') || isDppError(err, 'API_NOT_FOUND'))
          throw new ClientError(
            'CLIENT_NOT_FOUND',
            `epoch ${i} cannot be checked: ${(err as Error).message}`,
            {},
            { cause: err },
          );
        throw err;
      }
      // [REJECT] an activation block the previous set did not certify, in its own epoch's domain
      if (
        !verifyCommitCertificate(
          block,
          this.chainId,
          prev.validators.map((v) => v.publicKey),
          quorumSize(prev.validators.length),
          consensusDomain(this.chainId, prev.number),
        )
      )
        lie(
          `block ${e.base}, which ends epoch ${prev.number}, is not certified by a quorum of epoch ${prev.number}`,
        );
      this.known.push(e);
    }
    // the node's state is at `seen` or later: a change not pending there takes effect at the earliest
    // after the checkpoint following `seen`
    const bound = pending === null ? activationHeight(seen) : pending.activation;
    if (bound > this.certainUpTo) this.certainUpTo = bound;
  }
}

/** The same validators (slots and keys) from the same base. */
function sameSet(a: Epoch, b: Epoch): boolean {
  return (
    a.base === b.base &&
    a.validators.length === b.validators.length &&
    a.validators.every((v, i) => {
      const w = b.validators[i]!;
      return v.slot === w.slot && bytesEqual(v.publicKey, w.publicKey);
    })
  );
}

/** Why `next` is not `prev` with the one change of a `validator.change` (null when it is); `all`: every set so far. */
function notOneChange(prev: Epoch, next: Epoch, all: readonly Epoch[]): string | null {
  const a = prev.validators;
  const b = next.validators;
  if (b.length === 0) return 'no validators';
  if (b.some((v, i) => i > 0 && v.slot <= b[i - 1]!.slot)) return 'slots not ascending';
  const used = (key: Uint8Array) => all.some((e) => e.validators.some((v) => bytesEqual(v.publicKey, key)));
  const kept = (v: EpochValidator) =>
    a.some((w) => w.slot === v.slot && bytesEqual(w.publicKey, v.publicKey));
  if (b.length === a.length + 1) {
    const added = b.filter((v) => !kept(v));
    const topSlot = Math.max(...all.flatMap((e) => e.validators.map((v) => v.slot)));
    if (added.length !== 1 || added[0]!.slot <= topSlot || used(added[0]!.publicKey))
      return 'not one validator added under a new slot with a new key';
    return null;
  }
  if (b.length === a.length - 1) return b.every(kept) ? null : 'not one validator removed';
  if (b.length === a.length) {
    const changed = b.filter((v) => !kept(v));
    if (
      changed.length !== 1 ||
      !a.some((w) => w.slot === changed[0]!.slot) ||
      used(changed[0]!.publicKey) ||
      b.some((v, i) => v.slot !== a[i]!.slot)
    )
      return 'not one validator re-keyed with a new key';
    return null;
  }
  return `${a.length} validators became ${b.length}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
