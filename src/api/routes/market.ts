/**
 * Contract queries (docs/api.md "Market"): the regulator's public keys, rounds with offers,
 * pseudonymous demand and clearing, the round's scenario (for anyone to solve), bills and their
 * split, generators' sales, rings, bill responses (ciphertext only), balances, reputation,
 * receiving keys and the trace audit log. Lists that grow with the consumers (demands, bills,
 * responses) are paged — `?offset=&limit=` (limit ≤ 1,000, default 100) with their `total` — and
 * filterable; no route answers an unbounded list. Everything answered is what every validator
 * stores: consumers appear only under their one-time pseudonyms, responses only as ciphertext.
 *
 * A path that names something that does not exist — a round never opened, a member not in the
 * state, an account that is neither `grid`, a member's nor a registered pseudonym's, a pseudonym,
 * response or receiving key not on chain — is 404 API_NOT_FOUND, never an empty 200. What exists but
 * is still empty answers 200: a round's bills before clearing (`[]`), a member's balance before any
 * money moved (`0`), a member's reputation before its first scored round (`newcomer`).
 *
 * Every answer's shape is one schema of ../../contracts/views.ts, which the typed client and the
 * dashboard read with too.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fromHex, toHex } from '../../codec/bytes.ts';
import { billAmount, billAmountJson } from '../../contracts/billAmount.ts';
import { ContractQueries, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, toJson } from '../../contracts/queries.ts';
import { BILL_STATUSES, billRecord, MEMBER_ID, responseRecord } from '../../contracts/records.ts';
import {
  BalanceView,
  BillSplitView,
  BillsView,
  CertKeysView,
  DemandsView,
  LatestRoundView,
  ModesView,
  PseudonymView,
  ReceivingKeyView,
  RegulatorView,
  ReputationHistoryView,
  ReputationView,
  ResponsesView,
  ResponseView,
  RingsView,
  RingView,
  RoundView,
  SalesView,
  ScenarioView,
  TracesView,
} from '../../contracts/views.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { defineRoute, type RouteAnswer } from '../route.ts';
import { Hash32, U64Text } from '../schemas.ts';

const MemberId = z.string().regex(MEMBER_ID, '1..64 characters of [a-z0-9.-]');
const Account = z
  .string()
  .regex(/^([a-z0-9][a-z0-9.-]{0,63}|p:[0-9a-f]{64})$/, 'a member id, grid, or p:<pseudonym hex>');
const NoParams = z.object({}).strict();
const RoundId = z.object({ id: U64Text }).strict();
const Member = z.object({ id: MemberId }).strict();
/** A bill's or a ring's index in its round (u32). */
const Index = z.coerce
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
/** `?offset=&limit=` of a paged list. */
const Paging = {
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
};

function notFoundRound(id: bigint): never {
  throw new ApiError('API_NOT_FOUND', `no round ${id}`, { round: id.toString() });
}

/** Registers the contract query routes. */
export function marketRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const group = libsodiumGroup();
  const queries = async () => new ContractQueries(ctx.node.store, await group);
  /** The round `id`, which must exist (else 404). */
  const roundMust = (q: ContractQueries, id: bigint) => {
    if (!q.hasRound(id)) throw new ApiError('API_NOT_FOUND', `no round ${id}`, { round: id.toString() });
  };
  /** The member `id`, which must exist (else 404). */
  const memberMust = (q: ContractQueries, id: string) => {
    const m = q.member(id);
    if (m === undefined) throw new ApiError('API_NOT_FOUND', `no member ${id}`, { member: id });
    return m;
  };
  /** A GET route of the market: its path parameters and its view. */
  const route = <P extends z.ZodType, R extends z.ZodType>(
    url: string,
    summary: string,
    params: P,
    response: R,
    handler: (p: z.output<P>) => RouteAnswer<R>,
  ) =>
    defineRoute(app, { method: 'GET', url, summary, tags: ['market'], params, response }, ({ params: p }) =>
      handler(p),
    );
  /** A GET route of a paged, filterable list: its path parameters, its query and its view. */
  const listRoute = <P extends z.ZodType, Q extends z.ZodType, R extends z.ZodType>(
    url: string,
    summary: string,
    params: P,
    query: Q,
    response: R,
    handler: (p: z.output<P>, q: z.output<Q>) => RouteAnswer<R>,
  ) =>
    defineRoute(
      app,
      { method: 'GET', url, summary, tags: ['market'], params, query, response },
      ({ params: p, query: q }) => handler(p, q),
    );

  route(
    '/v1/regulator',
    'The regulator’s public keys (null before setup)',
    NoParams,
    RegulatorView,
    async () => ({
      regulator: (await queries()).regulator(),
    }),
  );

  route(
    '/v1/regulator/cert-keys',
    'The regulator’s certification key now and its rotations (a certificate is checked against the key of its time)',
    NoParams,
    CertKeysView,
    async () => (await queries()).certKeys(),
  );

  route('/v1/rounds', 'The latest round’s id (0 before any)', NoParams, LatestRoundView, async () => ({
    latest: (await queries()).lastRound().toString(),
  }));

  route(
    '/v1/rounds/:id',
    'A round: terms, offers, pseudonymous demand, clearing',
    RoundId,
    RoundView,
    async (p) => {
      const round = (await queries()).round(p.id);
      if (round === undefined) throw new ApiError('API_NOT_FOUND', `no round ${p.id}`);
      return round;
    },
  );

  listRoute(
    '/v1/rounds/:id/demands',
    'A page of a round’s pseudonymous demands, in order of arrival',
    RoundId,
    z.object(Paging).strict(),
    DemandsView,
    async (p, page) => {
      const { items, ...rest } = (await queries()).demands(p.id, page) ?? notFoundRound(p.id);
      return { demands: items, ...rest };
    },
  );

  route(
    '/v1/rounds/:id/scenario',
    'The round’s market scenario (dpp/scenario JSON) — what round.close clears now, for anyone to solve',
    RoundId,
    ScenarioView,
    async (p) => (await queries()).scenarioJson(p.id) ?? notFoundRound(p.id),
  );

  listRoute(
    '/v1/rounds/:id/bills',
    'A page of a round’s bills (one per consumer buying directly), filtered by status, generator, aggregator or consumer',
    RoundId,
    z
      .object({
        ...Paging,
        status: z.enum(BILL_STATUSES).optional(),
        generator: MemberId.optional(),
        aggregator: MemberId.optional(),
        consumer: Hash32.optional().describe('the consumer’s pseudonym'),
      })
      .strict(),
    BillsView,
    async (p, { offset, limit, status, generator, aggregator, consumer }) => {
      const q = await queries();
      roundMust(q, p.id);
      const filter = {
        ...(status === undefined ? {} : { status }),
        ...(generator === undefined ? {} : { generator }),
        ...(aggregator === undefined ? {} : { aggregator }),
        ...(consumer === undefined ? {} : { consumer: fromHex(consumer) }),
      };
      const { items, ...rest } = q.bills(p.id, filter, { offset, limit });
      return {
        // `amount` is the bill's parts and total (contracts/billAmount.ts); `record` carries the
        // canonical bytes, which a client decodes strictly with the same schema.
        bills: items.map((b) => ({
          ...toJson(b),
          amount: billAmountJson(billAmount(b)),
          record: toHex(billRecord.encode(b)),
        })),
        ...rest,
      };
    },
  );

  route(
    '/v1/rounds/:id/bills/:index/split',
    'What a bill’s consumer buys from each supplier, recomputed from the clearing',
    z
      .object({
        id: U64Text,
        index: Index,
      })
      .strict(),
    BillSplitView,
    async (p) => {
      const split = (await queries()).billSplit(p.id, p.index);
      if (split === undefined)
        throw new ApiError('API_NOT_FOUND', `no bill ${p.index} in round ${p.id}`, {
          round: p.id.toString(),
        });
      return { suppliers: toJson(split) };
    },
  );

  route(
    '/v1/rounds/:id/sales',
    'Every offering generator’s sales statement in a round',
    RoundId,
    SalesView,
    async (p) => {
      const q = await queries();
      roundMust(q, p.id);
      return { sales: toJson(q.sales(p.id)) };
    },
  );

  route(
    '/v1/rounds/:id/modes',
    'A cleared round under each trading mode (catalog, bilateral, centralised) beside the equilibrium, from on-chain data',
    RoundId,
    ModesView,
    async (p) => {
      const q = await queries();
      roundMust(q, p.id);
      const modes = q.tradingModes(p.id);
      if (modes === undefined)
        throw new ApiError('API_NOT_FOUND', `round ${p.id} is not cleared`, { round: p.id.toString() });
      return toJson(modes);
    },
  );

  /** The aggregator `id`, which must exist and be one (else 404). */
  const aggregatorMust = (q: ContractQueries, id: string) => {
    if (memberMust(q, id).role !== 'aggregator')
      throw new ApiError('API_NOT_FOUND', `${id} is not an aggregator: it has no rings`, { member: id });
  };

  route(
    '/v1/rounds/:id/rings/:aggregator',
    'How many rings an aggregator’s billed pseudonyms form in a round',
    z.object({ id: U64Text, aggregator: MemberId }).strict(),
    RingsView,
    async (p) => {
      const q = await queries();
      roundMust(q, p.id);
      aggregatorMust(q, p.aggregator);
      return { rings: q.ringCount(p.id, p.aggregator) };
    },
  );

  route(
    '/v1/rounds/:id/rings/:aggregator/:index',
    'One ring of an aggregator in a round: the pseudonyms its bill responses are verified against',
    z
      .object({
        id: U64Text,
        aggregator: MemberId,
        index: Index,
      })
      .strict(),
    RingView,
    async (p) => {
      const q = await queries();
      roundMust(q, p.id);
      aggregatorMust(q, p.aggregator);
      const ring = q.ring(p.id, p.aggregator, p.index);
      if (ring === undefined)
        throw new ApiError('API_NOT_FOUND', `${p.aggregator} has no ring ${p.index} in round ${p.id}`);
      return { members: ring.map(toHex) };
    },
  );

  route(
    '/v1/pseudonyms/:key',
    'A pseudonym’s registration',
    z.object({ key: Hash32 }).strict(),
    PseudonymView,
    async (p) => {
      const reg = (await queries()).pseudonym(fromHex(p.key));
      if (reg === undefined) throw new ApiError('API_NOT_FOUND', 'no such pseudonym');
      return toJson(reg);
    },
  );

  listRoute(
    '/v1/rounds/:id/responses',
    'A page of a round’s bill responses (all, or those addressed to ?generator=), in order of arrival: addressee, ring, status — never sender or content',
    RoundId,
    z.object({ ...Paging, generator: MemberId.optional() }).strict(),
    ResponsesView,
    async (p, { generator, ...page }) => {
      const q = await queries();
      roundMust(q, p.id);
      const { items, ...rest } = q.responseIds(p.id, generator, page);
      return {
        ...rest,
        responses: items.map((id) => {
          const r = q.response(id)!;
          return {
            id: toHex(id),
            aggregator: r.aggregator,
            ringIndex: r.ringIndex,
            generator: r.generator,
            status: r.status,
            receivedAtMs: r.receivedAtMs.toString(),
            bill: r.bill,
            verdict: r.verdict,
          };
        }),
      };
    },
  );

  route(
    '/v1/responses/:id',
    'A ring-signcrypted bill response (ciphertext) and its status',
    z.object({ id: Hash32 }).strict(),
    ResponseView,
    async (p) => {
      const r = (await queries()).response(fromHex(p.id));
      if (r === undefined) throw new ApiError('API_NOT_FOUND', 'no such response');
      return { ...toJson(r), record: toHex(responseRecord.encode(r)) };
    },
  );

  route(
    '/v1/members/:id/receiving-key',
    'A generator’s receiving key',
    Member,
    ReceivingKeyView,
    async (p) => {
      const q = await queries();
      memberMust(q, p.id);
      const key = q.receivingKey(p.id);
      if (key === undefined) throw new ApiError('API_NOT_FOUND', `${p.id} has no receiving key`);
      return { key: toHex(key) };
    },
  );

  route(
    '/v1/balances/:account',
    'An account’s balance in µ¥',
    z.object({ account: Account }).strict(),
    BalanceView,
    async (p) => {
      const q = await queries();
      if (!q.hasAccount(p.account))
        throw new ApiError(
          'API_NOT_FOUND',
          `no account ${p.account}: accounts are grid, a member id or p:<a registered pseudonym>`,
          { account: p.account },
        );
      return { account: p.account, microYuan: q.balance(p.account).toString() };
    },
  );

  route('/v1/reputation/:id', 'A member’s reputation and standing', Member, ReputationView, async (p) => {
    const q = await queries();
    memberMust(q, p.id);
    const r = q.reputation(p.id);
    return r === undefined ? { reputationPpm: null, status: 'newcomer' as const } : toJson(r);
  });

  route(
    '/v1/reputation/:id/history',
    'How each round that scored a generator or aggregator moved its reputation (oldest first, the latest 1 000)',
    Member,
    ReputationHistoryView,
    async (p) => {
      const q = await queries();
      memberMust(q, p.id);
      return { member: p.id, points: q.reputationHistory(p.id) };
    },
  );

  route('/v1/traces', 'The regulator’s trace audit log', NoParams, TracesView, async () => ({
    traces: toJson((await queries()).traces()),
  }));
}
