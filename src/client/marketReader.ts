/**
 * Typed reads of a node's contract query routes (docs/api.md "Market", src/api/routes/market.ts):
 * the regulator's keys, rounds, the round's scenario, bills, sales, rings, pseudonyms, responses,
 * receiving keys, balances, reputation and the trace log. Paged lists are read page by page
 * (`pages`), a filter passed to the node so that only what matches travels. Every answer is parsed with its view's schema — the one the node's
 * route answers with (../contracts/views.ts) — so what this returns has the types inferred from
 * them, and an answer of another shape is CLIENT_BAD_RESPONSE. Bills and responses are decoded
 * strictly from the canonical `record` bytes the node sends beside the JSON, with the contracts'
 * own schemas; a missing item is `undefined`; a node's refusal becomes a ClientError with the
 * node's code.
 */
import { z } from 'zod';
import { fromHex, toHex } from '../codec/bytes.ts';
import { MAX_PAGE_LIMIT } from '../contracts/queries.ts';
import {
  type BillRecord,
  type BillStatus,
  billRecord,
  type ResponseRecord,
  responseRecord,
} from '../contracts/records.ts';
import type { Codec } from '../contracts/schema.ts';
import {
  BalanceView,
  BillSplitView,
  BillsView,
  CertKeysView,
  Decimal,
  DemandsView,
  type DemandView,
  LatestRoundView,
  MembersView,
  PseudonymView,
  ReceivingKeyView,
  RegulatorView,
  ReputationHistoryView,
  ReputationView,
  type ResponseSummaryView,
  ResponsesView,
  ResponseView,
  RingsView,
  RingView,
  RoundView,
  SalesView,
  type SaleView,
  ScenarioView,
  TracesView,
  type TraceView,
} from '../contracts/views.ts';
import type { Group, Point } from '../crypto/group.ts';
import { scenarioFromJson } from '../market/scenarioJson.ts';
import type { Scenario } from '../market/types.ts';
import { ClientError } from './clientError.ts';

export type { PseudonymView, ReputationView, RoundView, TraceView };
/** A bill response as GET /v1/rounds/:id/responses lists it. */
export type ResponseSummary = ResponseSummaryView;

/** A query string of the fields that are set. */
function query(fields: object): URLSearchParams {
  return new URLSearchParams(
    Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])),
  );
}

/** A filter on a round's bills (GET /v1/rounds/:id/bills). */
export interface BillQuery {
  readonly status?: BillStatus;
  readonly generator?: string;
  readonly aggregator?: string;
  /** The consumer's pseudonym, hex. */
  readonly consumer?: string;
}

/** The one field of GET /v1/blocks this reader needs (the chain's views are the API's, not a contract's). */
const LatestBlockTime = z.object({ blocks: z.array(z.object({ timestampMs: Decimal })) });

/** Reads of one node's contract state. */
export class MarketReader {
  constructor(
    private readonly base: string,
    private readonly group: Group,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The regulator's public keys, or null before `regulator.setup`. */
  async regulator(): Promise<{ masterPublic: Point; certPublicKey: Uint8Array } | null> {
    const r = (await this.get('/v1/regulator', RegulatorView))!;
    if (r.regulator === null) return null;
    return {
      masterPublic: this.group.decodePoint(fromHex(r.regulator.masterPublic)),
      certPublicKey: fromHex(r.regulator.certPublicKey),
    };
  }

  /** The latest round's id (0 before any). */
  async latestRound(): Promise<bigint> {
    return BigInt((await this.get('/v1/rounds', LatestRoundView))!.latest);
  }

  /** Round `id`, or undefined. */
  async round(id: bigint): Promise<RoundView | undefined> {
    return this.get(`/v1/rounds/${id}`, RoundView, true);
  }

  /** The pseudonymous demands of round `id`, in order of arrival (every page). */
  async demands(id: bigint): Promise<DemandView[]> {
    return this.pages(`/v1/rounds/${id}/demands`, {}, DemandsView, (r) => r.demands);
  }

  /** Round `id`'s market scenario as the node would clear it now (GET /v1/rounds/:id/scenario). */
  async scenario(id: bigint): Promise<Scenario> {
    const json = await this.get(`/v1/rounds/${id}/scenario`, ScenarioView);
    try {
      return scenarioFromJson(json);
    } catch (cause) {
      throw new ClientError('CLIENT_BAD_RESPONSE', 'the node sent a malformed scenario', {}, { cause });
    }
  }

  /**
   * The bills of round `id` that match `filter` (all of them without one), in index order, decoded
   * from their canonical records — every page.
   */
  async bills(id: bigint, filter: BillQuery = {}): Promise<BillRecord[]> {
    return this.pages(`/v1/rounds/${id}/bills`, filter, BillsView, (r) =>
      r.bills.map((b) => this.decode(b.record, billRecord)),
    );
  }

  /** One page of round `id`'s bills that match `filter`: `limit` from `offset`, and how many match in all. */
  async billsPage(
    id: bigint,
    filter: BillQuery,
    { offset, limit }: { readonly offset: number; readonly limit: number },
  ): Promise<{ bills: BillRecord[]; total: number }> {
    const r = (await this.get(`/v1/rounds/${id}/bills?${query({ ...filter, offset, limit })}`, BillsView))!;
    return { bills: r.bills.map((b) => this.decode(b.record, billRecord)), total: r.total };
  }

  /** One page of round `id`'s demands in order of arrival, and how many there are. */
  async demandsPage(
    id: bigint,
    { offset, limit }: { readonly offset: number; readonly limit: number },
  ): Promise<{ demands: DemandView[]; total: number }> {
    const r = (await this.get(`/v1/rounds/${id}/demands?${query({ offset, limit })}`, DemandsView))!;
    return { demands: r.demands, total: r.total };
  }

  /** Bill `index` of round `id`, or undefined. */
  async bill(id: bigint, index: number): Promise<BillRecord | undefined> {
    const r = (await this.get(`/v1/rounds/${id}/bills?offset=${index}&limit=1`, BillsView))!;
    const bill = r.bills[0];
    return bill === undefined ? undefined : this.decode(bill.record, billRecord);
  }

  /** What bill `index`'s consumer buys from each supplier (recomputed by the node from the clearing). */
  async billSplit(id: bigint, index: number) {
    return (await this.get(`/v1/rounds/${id}/bills/${index}/split`, BillSplitView))!.suppliers;
  }

  /** Every offering generator's sale in round `id`. */
  async sales(id: bigint): Promise<SaleView[]> {
    return (await this.get(`/v1/rounds/${id}/sales`, SalesView))!.sales;
  }

  /** Ring `index` of (round, aggregator), sorted. */
  async ring(id: bigint, aggregator: string, index: number): Promise<Point[]> {
    const r = (await this.get(`/v1/rounds/${id}/rings/${aggregator}/${index}`, RingView))!;
    return r.members.map((h) => this.group.decodePoint(fromHex(h)));
  }

  /** How many rings the aggregator's billed pseudonyms form in round `id`. */
  async ringCount(id: bigint, aggregator: string): Promise<number> {
    return (await this.get(`/v1/rounds/${id}/rings/${aggregator}`, RingsView))!.rings;
  }

  /** A pseudonym's registration, or undefined. */
  async pseudonym(key: Uint8Array): Promise<PseudonymView | undefined> {
    return this.get(`/v1/pseudonyms/${toHex(key)}`, PseudonymView, true);
  }

  /** The bill response stored under transaction id `id`, or undefined. */
  async response(id: string): Promise<ResponseRecord | undefined> {
    const r = await this.get(`/v1/responses/${id}`, ResponseView, true);
    return r === undefined ? undefined : this.decode(r.record, responseRecord);
  }

  /**
   * The bill responses of a round — all, or those addressed to `generator` — in order of arrival
   * (who they are for, never who sent them), from entry `from` on.
   */
  async responses(round: bigint, generator?: string, from = 0): Promise<ResponseSummary[]> {
    const query = generator === undefined ? {} : { generator };
    return this.pages(`/v1/rounds/${round}/responses`, query, ResponsesView, (r) => r.responses, from);
  }

  /**
   * The pending responses addressed to `generator`, newest rounds first, back to the latest
   * finalized round (whose responses can no longer be acknowledged).
   */
  async inbox(generator: string): Promise<ResponseSummary[]> {
    const out: ResponseSummary[] = [];
    for (let round = await this.latestRound(); round >= 1n; round--) {
      const view = await this.round(round);
      if (view === undefined || view.phase === 'finalized') break;
      for (const r of await this.responses(round, generator)) if (r.status === 'pending') out.push(r);
    }
    return out;
  }

  /** Every member as the state holds it (genesis, then joined since), with when it joined and its key changes. */
  async members(): Promise<MembersView['members']> {
    return (await this.get('/v1/members', MembersView))!.members;
  }

  /** The regulator's certification key now (null before setup) and its rotations, oldest first. */
  async certKeys(): Promise<CertKeysView> {
    return (await this.get('/v1/regulator/cert-keys', CertKeysView))!;
  }

  /** The ids of the members the trading centre has suspended. */
  async suspendedMembers(): Promise<Set<string>> {
    const r = (await this.get('/v1/members', MembersView))!;
    return new Set(r.members.filter((m) => m.suspended).map((m) => m.id));
  }

  /** A generator's receiving key, or undefined. */
  async receivingKey(member: string): Promise<Point | undefined> {
    const r = await this.get(`/v1/members/${member}/receiving-key`, ReceivingKeyView, true);
    return r === undefined ? undefined : this.group.decodePoint(fromHex(r.key));
  }

  /** An account's balance in µ¥. */
  async balance(account: string): Promise<bigint> {
    return BigInt((await this.get(`/v1/balances/${account}`, BalanceView))!.microYuan);
  }

  /** A member's reputation. */
  async reputation(member: string): Promise<ReputationView> {
    return (await this.get(`/v1/reputation/${member}`, ReputationView))!;
  }

  /** The score round `round` recorded for generator or aggregator `member`, or undefined. */
  async roundScore(
    member: string,
    round: bigint,
  ): Promise<{ billsDue: number; billsOnTime: number; roundScorePpm: number } | undefined> {
    const r = (await this.get(`/v1/reputation/${member}/history`, ReputationHistoryView))!;
    return r.points.find((p) => p.round === round.toString());
  }

  /** The trace audit log. */
  async traces(): Promise<TraceView[]> {
    return (await this.get('/v1/traces', TracesView))!.traces;
  }

  /** The agreed time of the latest block (ms). */
  async chainTimeMs(): Promise<bigint> {
    const r = (await this.get('/v1/blocks?limit=1', LatestBlockTime))!;
    const last = r.blocks.at(-1);
    if (last === undefined) throw new ClientError('CLIENT_BAD_RESPONSE', 'the node has no blocks');
    return BigInt(last.timestampMs);
  }

  /** Every entry of a paged list from `from` on, MAX_PAGE_LIMIT per request. */
  private async pages<V extends z.ZodType<{ total: number }>, T>(
    path: string,
    filter: object,
    view: V,
    items: (page: z.output<V>) => T[],
    from = 0,
  ): Promise<T[]> {
    const out: T[] = [];
    for (let offset = from; ; ) {
      const page = (await this.get(`${path}?${query({ ...filter, offset, limit: MAX_PAGE_LIMIT })}`, view))!;
      const got = items(page);
      out.push(...got);
      offset += got.length;
      if (got.length === 0 || offset >= page.total) return out;
    }
  }

  private decode<T>(hex: string, codec: Codec<T>): T {
    try {
      return codec.decode(fromHex(hex), this.group);
    } catch (cause) {
      throw new ClientError('CLIENT_BAD_RESPONSE', `the node sent a malformed ${codec.name}`, {}, { cause });
    }
  }

  /**
   * GET `path`, parsed with `view`; undefined for a 404 when `allowMissing`. A node that is busy or
   * finds this client over its rate (HTTP 429) is asked again after its `retryAfterMs` hint, backing
   * off up to 5 s a time, for at most BUSY_MS in all; then its refusal is thrown.
   */
  private async get<V extends z.ZodType>(
    path: string,
    view: V,
    allowMissing = false,
  ): Promise<z.output<V> | undefined> {
    const until = Date.now() + BUSY_MS;
    for (let backoffMs = 50; ; backoffMs = Math.min(5_000, backoffMs * 2)) {
      try {
        return await this.getOnce(path, view, allowMissing);
      } catch (err) {
        if (!(err instanceof ClientError) || err.details.status !== 429 || Date.now() >= until) throw err;
        const hint = typeof err.details.retryAfterMs === 'number' ? err.details.retryAfterMs : 0;
        await new Promise((r) => setTimeout(r, Math.max(hint, backoffMs)));
      }
    }
  }

  private async getOnce<V extends z.ZodType>(
    path: string,
    view: V,
    allowMissing: boolean,
  ): Promise<z.output<V> | undefined> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      const timedOut = (cause as Error).name === 'TimeoutError';
      throw new ClientError(
        timedOut ? 'CLIENT_TIMEOUT' : 'CLIENT_NETWORK',
        timedOut ? `GET ${path}: no answer from ${this.base}` : `cannot reach the node at ${this.base}`,
        { path },
        { cause },
      );
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new ClientError('CLIENT_BAD_RESPONSE', `GET ${path}: HTTP ${res.status}, not JSON`);
    }
    if (res.status === 404 && allowMissing) return undefined;
    if (!res.ok) {
      const e = json as { code?: unknown; message?: unknown; details?: { retryAfterMs?: unknown } };
      const retryAfterMs = e.details?.retryAfterMs;
      throw new ClientError(
        typeof e.code === 'string' ? e.code : 'CLIENT_BAD_RESPONSE',
        typeof e.message === 'string' ? e.message : `GET ${path}: HTTP ${res.status}`,
        { status: res.status, ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}) },
      );
    }
    const parsed = view.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ClientError(
        'CLIENT_BAD_RESPONSE',
        `GET ${path}: the node's answer is not the view it documents (${[...issue.path.map(String)].join('.') || 'answer'}: ${issue.message})`,
        { path },
      );
    }
    return parsed.data;
  }
}

/** How long a read waits out a busy or rate-limiting node (429) before giving up. */
const BUSY_MS = 60_000;
