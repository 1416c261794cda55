/**
 * Contract queries (docs/api.md "Market"): the regulator's public keys, rounds with offers,
 * pseudonymous demand and clearing, bills, rings, bill responses (ciphertext only), balances,
 * reputation, receiving keys and the trace audit log. Everything answered is what every validator
 * stores: consumers appear only under their one-time pseudonyms, responses only as ciphertext.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fromHex, toHex } from '../../codec/bytes.ts';
import { ContractQueries, toJson } from '../../contracts/queries.ts';
import { billRecord, MEMBER_ID, responseRecord } from '../../contracts/records.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { defineRoute } from '../route.ts';
import { Hash32, U64Text } from '../schemas.ts';

const MemberId = z.string().regex(MEMBER_ID, '1..64 characters of [a-z0-9.-]');
const Account = z
  .string()
  .regex(/^([a-z0-9][a-z0-9.-]{0,63}|p:[0-9a-f]{64})$/, 'a member id, grid, or p:<pseudonym hex>');
const Json = z.unknown();

/** Registers the contract query routes. */
export function marketRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const group = libsodiumGroup();
  const queries = async () => new ContractQueries(ctx.node.store, await group);
  const route = (url: string, summary: string, params: z.ZodType, handler: (p: never) => Promise<unknown>) =>
    defineRoute(
      app,
      { method: 'GET', url, summary, tags: ['market'], params, response: Json },
      ({ params: p }) => handler(p as never),
    );

  route(
    '/v1/regulator',
    'The regulator’s public keys (null before setup)',
    z.object({}).strict(),
    async () => ({
      regulator: (await queries()).regulator(),
    }),
  );

  route('/v1/rounds', 'The latest round’s id (0 before any)', z.object({}).strict(), async () => ({
    latest: (await queries()).lastRound().toString(),
  }));

  route(
    '/v1/rounds/:id',
    'A round: terms, offers, pseudonymous demand, clearing',
    z.object({ id: U64Text }).strict(),
    async (p: { id: bigint }) => {
      const round = (await queries()).round(p.id);
      if (round === undefined) throw new ApiError('API_NOT_FOUND', `no round ${p.id}`);
      return round;
    },
  );

  route(
    '/v1/rounds/:id/bills',
    'The energy contracts and bills of a round',
    z.object({ id: U64Text }).strict(),
    async (p: { id: bigint }) => ({
      // `record` carries the canonical bytes, which a client decodes strictly with the same schema.
      bills: (await queries())
        .bills(p.id)
        .map((b) => ({ ...(toJson(b) as object), record: toHex(billRecord.encode(b)) })),
    }),
  );

  route(
    '/v1/rounds/:id/modes',
    'A cleared round under each trading mode (catalog, bilateral, centralised) beside the equilibrium, from on-chain data',
    z.object({ id: U64Text }).strict(),
    async (p: { id: bigint }) => {
      const modes = (await queries()).tradingModes(p.id);
      if (modes === undefined) throw new ApiError('API_NOT_FOUND', `round ${p.id} is not cleared`);
      return toJson(modes);
    },
  );

  route(
    '/v1/rounds/:id/rings/:aggregator',
    'The pseudonyms behind an aggregator in a round (its ring)',
    z.object({ id: U64Text, aggregator: MemberId }).strict(),
    async (p: { id: bigint; aggregator: string }) => ({
      members: (await queries()).ring(p.id, p.aggregator).map(toHex),
    }),
  );

  route(
    '/v1/pseudonyms/:key',
    'A pseudonym’s registration',
    z.object({ key: Hash32 }).strict(),
    async (p: { key: string }) => {
      const reg = (await queries()).pseudonym(fromHex(p.key));
      if (reg === undefined) throw new ApiError('API_NOT_FOUND', 'no such pseudonym');
      return toJson(reg);
    },
  );

  route(
    '/v1/rounds/:id/responses',
    'The bill responses of a round, in order of arrival: addressee, ring, status — never sender or content',
    z.object({ id: U64Text }).strict(),
    async (p: { id: bigint }) => {
      const q = await queries();
      return {
        responses: q.responseIds(p.id).map((id) => {
          const r = q.response(id)!;
          return {
            id: toHex(id),
            aggregator: r.aggregator,
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
    async (p: { id: string }) => {
      const r = (await queries()).response(fromHex(p.id));
      if (r === undefined) throw new ApiError('API_NOT_FOUND', 'no such response');
      return { ...(toJson(r) as object), record: toHex(responseRecord.encode(r)) };
    },
  );

  route(
    '/v1/members/:id/receiving-key',
    'A generator’s receiving key',
    z.object({ id: MemberId }).strict(),
    async (p: { id: string }) => {
      const key = (await queries()).receivingKey(p.id);
      if (key === undefined) throw new ApiError('API_NOT_FOUND', `${p.id} has no receiving key`);
      return { key: toHex(key) };
    },
  );

  route(
    '/v1/balances/:account',
    'An account’s balance in µ¥',
    z.object({ account: Account }).strict(),
    async (p: { account: string }) => ({
      account: p.account,
      microYuan: (await queries()).balance(p.account).toString(),
    }),
  );

  route(
    '/v1/reputation/:id',
    'A member’s reputation and standing',
    z.object({ id: MemberId }).strict(),
    async (p: { id: string }) => {
      const r = (await queries()).reputation(p.id);
      return r === undefined ? { reputationPpm: null, status: 'newcomer' } : toJson(r);
    },
  );

  route(
    '/v1/reputation/:id/history',
    'How each round that scored a generator or aggregator moved its reputation (oldest first, the latest 1 000)',
    z.object({ id: MemberId }).strict(),
    async (p: { id: string }) => ({ member: p.id, points: (await queries()).reputationHistory(p.id) }),
  );

  route('/v1/traces', 'The regulator’s trace audit log', z.object({}).strict(), async () => ({
    traces: toJson((await queries()).traces()),
  }));
}
