/**
 * Typed reads of a node's contract query routes (docs/api.md "Market", src/api/routes/market.ts):
 * the regulator's keys, rounds, bills, rings, pseudonyms, responses, receiving keys, balances,
 * reputation and the trace log. Every answer is parsed with its view's schema — the one the node's
 * route answers with (../contracts/views.ts) — so what this returns has the types inferred from
 * them, and an answer of another shape is CLIENT_BAD_RESPONSE. Bills and responses are decoded
 * strictly from the canonical `record` bytes the node sends beside the JSON, with the contracts'
 * own schemas; a missing item is `undefined`; a node's refusal becomes a ClientError with the
 * node's code.
 */
import { z } from 'zod';
import { fromHex } from '../codec/bytes.ts';
import { type BillRecord, billRecord, type ResponseRecord, responseRecord } from '../contracts/records.ts';
import type { Codec } from '../contracts/schema.ts';
import {
  BalanceView,
  BillsView,
  Decimal,
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
  RingView,
  RoundView,
  TracesView,
  type TraceView,
} from '../contracts/views.ts';
import type { Group, Point } from '../crypto/group.ts';
import { ClientError } from './clientError.ts';

export type { PseudonymView, ReputationView, RoundView, TraceView };
/** A bill response as GET /v1/rounds/:id/responses lists it. */
export type ResponseSummary = ResponseSummaryView;

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

  /** The bills of round `id`, decoded from their canonical records. */
  async bills(id: bigint): Promise<BillRecord[]> {
    const r = (await this.get(`/v1/rounds/${id}/bills`, BillsView))!;
    return r.bills.map((b) => this.decode(b.record, billRecord));
  }

  /** The ring of (round, aggregator), sorted. */
  async ring(id: bigint, aggregator: string): Promise<Point[]> {
    const r = (await this.get(`/v1/rounds/${id}/rings/${aggregator}`, RingView))!;
    return r.members.map((h) => this.group.decodePoint(fromHex(h)));
  }

  /** A pseudonym's registration, or undefined. */
  async pseudonym(key: Uint8Array): Promise<PseudonymView | undefined> {
    return this.get(`/v1/pseudonyms/${toHexLower(key)}`, PseudonymView, true);
  }

  /** The bill response stored under transaction id `id`, or undefined. */
  async response(id: string): Promise<ResponseRecord | undefined> {
    const r = await this.get(`/v1/responses/${id}`, ResponseView, true);
    return r === undefined ? undefined : this.decode(r.record, responseRecord);
  }

  /** The bill responses of a round, in order of arrival (who they are for, never who sent them). */
  async responses(round: bigint): Promise<ResponseSummary[]> {
    return (await this.get(`/v1/rounds/${round}/responses`, ResponsesView))!.responses;
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
      for (const r of await this.responses(round))
        if (r.generator === generator && r.status === 'pending') out.push(r);
    }
    return out;
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

  private decode<T>(hex: string, codec: Codec<T>): T {
    try {
      return codec.decode(fromHex(hex), this.group);
    } catch (cause) {
      throw new ClientError('CLIENT_BAD_RESPONSE', `the node sent a malformed ${codec.name}`, {}, { cause });
    }
  }

  /** GET `path`, parsed with `view`; undefined for a 404 when `allowMissing`. */
  private async get<V extends z.ZodType>(
    path: string,
    view: V,
    allowMissing = false,
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
      const e = json as { code?: unknown; message?: unknown };
      throw new ClientError(
        typeof e.code === 'string' ? e.code : 'CLIENT_BAD_RESPONSE',
        typeof e.message === 'string' ? e.message : `GET ${path}: HTTP ${res.status}`,
        { status: res.status },
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

function toHexLower(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
