/**
 * Typed reads of a node's contract query routes (docs/api.md "Market", src/api/routes/market.ts):
 * the regulator's keys, rounds, bills, rings, pseudonyms, responses, receiving keys, balances,
 * reputation and the trace log. Bills and responses are decoded strictly from the canonical
 * `record` bytes the node sends beside the JSON, with the contracts' own schemas; a missing item
 * is `undefined`; a node's refusal becomes a ClientError with the node's code.
 */
import { fromHex } from '../codec/bytes.ts';
import { type BillRecord, billRecord, type ResponseRecord, responseRecord } from '../contracts/records.ts';
import type { Codec } from '../contracts/schema.ts';
import type { Group, Point } from '../crypto/group.ts';
import { ClientError } from './clientError.ts';

/** A round as GET /v1/rounds/:id returns it (integers as decimal strings, bytes as hex). */
export interface RoundView {
  readonly id: string;
  readonly phase: 'open' | 'cleared' | 'finalized';
  readonly openedAtMs: string;
  readonly terms: Readonly<Record<string, string | number | boolean>> & {
    readonly period: string;
    readonly deliveryStartMs: string;
    readonly deliveryEndMs: string;
    readonly responseDeadlineMs: string;
    readonly ackWindowMs: string;
    readonly catalogMicroYuanPerKWh: string;
  };
  readonly offers: readonly { readonly generator: string; readonly capacityWh: string }[];
  readonly demands: readonly { readonly pseudonym: string; readonly demandWh: string }[];
  readonly contracts: number;
  readonly clearing: {
    readonly prices: readonly { readonly generator: string; readonly priceMicroYuanPerKWh: string }[];
    readonly certified: boolean;
    readonly energyWh: string;
    readonly costMicroYuan: string;
    readonly catalogCostMicroYuan: string;
  } | null;
}

/** A bill response as GET /v1/rounds/:id/responses lists it. */
export interface ResponseSummary {
  readonly id: string;
  readonly aggregator: string;
  readonly generator: string;
  readonly status: 'pending' | 'acknowledged' | 'escalated';
  readonly receivedAtMs: string;
  readonly bill: number | null;
  readonly verdict: 'confirm' | 'dispute' | null;
}

/** A pseudonym's registration as the node returns it. */
export interface PseudonymView {
  readonly round: string;
  readonly aggregator: string;
  readonly expiresAtMs: string;
  readonly reputationPpm: number;
  readonly certificate: string;
  readonly revoked: boolean;
  readonly roundScorePpm: number | null;
}

/** A member's reputation (`status: "newcomer"` and null ppm before its first round). */
export interface ReputationView {
  readonly reputationPpm: number | null;
  readonly status: string;
  readonly roundsInStatus?: number;
  readonly lastRound?: string;
}

/** Reads of one node's contract state. */
export class MarketReader {
  constructor(
    private readonly base: string,
    private readonly group: Group,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The regulator's public keys, or null before `regulator.setup`. */
  async regulator(): Promise<{ masterPublic: Point; certPublicKey: Uint8Array } | null> {
    const r = (await this.get<{ regulator: { masterPublic: string; certPublicKey: string } | null }>(
      '/v1/regulator',
    ))!;
    if (r.regulator === null) return null;
    return {
      masterPublic: this.group.decodePoint(fromHex(r.regulator.masterPublic)),
      certPublicKey: fromHex(r.regulator.certPublicKey),
    };
  }

  /** The latest round's id (0 before any). */
  async latestRound(): Promise<bigint> {
    return BigInt((await this.get<{ latest: string }>('/v1/rounds'))!.latest);
  }

  /** Round `id`, or undefined. */
  async round(id: bigint): Promise<RoundView | undefined> {
    return this.get<RoundView>(`/v1/rounds/${id}`, true);
  }

  /** The bills of round `id`, decoded from their canonical records. */
  async bills(id: bigint): Promise<BillRecord[]> {
    const r = (await this.get<{ bills: { record: string }[] }>(`/v1/rounds/${id}/bills`))!;
    return r.bills.map((b) => this.decode(b.record, billRecord));
  }

  /** The ring of (round, aggregator), sorted. */
  async ring(id: bigint, aggregator: string): Promise<Point[]> {
    const r = (await this.get<{ members: string[] }>(`/v1/rounds/${id}/rings/${aggregator}`))!;
    return r.members.map((h) => this.group.decodePoint(fromHex(h)));
  }

  /** A pseudonym's registration, or undefined. */
  async pseudonym(key: Uint8Array): Promise<PseudonymView | undefined> {
    return this.get<PseudonymView>(`/v1/pseudonyms/${toHexLower(key)}`, true);
  }

  /** The bill response stored under transaction id `id`, or undefined. */
  async response(id: string): Promise<ResponseRecord | undefined> {
    const r = await this.get<{ record: string }>(`/v1/responses/${id}`, true);
    return r === undefined ? undefined : this.decode(r.record, responseRecord);
  }

  /** The bill responses of a round, in order of arrival (who they are for, never who sent them). */
  async responses(round: bigint): Promise<ResponseSummary[]> {
    return (await this.get<{ responses: ResponseSummary[] }>(`/v1/rounds/${round}/responses`))!.responses;
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
    const r = (await this.get<{ members: { id: string; suspended: boolean }[] }>('/v1/members'))!;
    return new Set(r.members.filter((m) => m.suspended).map((m) => m.id));
  }

  /** A generator's receiving key, or undefined. */
  async receivingKey(member: string): Promise<Point | undefined> {
    const r = await this.get<{ key: string }>(`/v1/members/${member}/receiving-key`, true);
    return r === undefined ? undefined : this.group.decodePoint(fromHex(r.key));
  }

  /** An account's balance in µ¥. */
  async balance(account: string): Promise<bigint> {
    return BigInt((await this.get<{ microYuan: string }>(`/v1/balances/${account}`))!.microYuan);
  }

  /** A member's reputation. */
  async reputation(member: string): Promise<ReputationView> {
    return (await this.get<ReputationView>(`/v1/reputation/${member}`))!;
  }

  /** The trace audit log. */
  async traces(): Promise<Record<string, unknown>[]> {
    return (await this.get<{ traces: Record<string, unknown>[] }>('/v1/traces'))!.traces;
  }

  /** The agreed time of the latest block (ms). */
  async chainTimeMs(): Promise<bigint> {
    const r = (await this.get<{ blocks: { timestampMs: string }[] }>('/v1/blocks?limit=1'))!;
    const last = r.blocks.at(-1);
    if (last === undefined) throw new ClientError('CLIENT_BAD_RESPONSE', 'the node has no blocks');
    return BigInt(last.timestampMs);
  }

  private decode<T>(hex: unknown, codec: Codec<T>): T {
    if (typeof hex !== 'string') throw new ClientError('CLIENT_BAD_RESPONSE', `no ${codec.name} record`);
    try {
      return codec.decode(fromHex(hex), this.group);
    } catch (cause) {
      throw new ClientError('CLIENT_BAD_RESPONSE', `the node sent a malformed ${codec.name}`, {}, { cause });
    }
  }

  private async get<T>(path: string, allowMissing = false): Promise<T | undefined> {
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
    return json as T;
  }
}

function toHexLower(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
