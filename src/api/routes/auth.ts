/**
 * Sign-in (docs/dashboard.md §Sign-in, ../sessions.ts) and the member directory the dashboard reads:
 *   GET    /v1/auth/challenge  → a one-time challenge to sign with the member's organisation key
 *   POST   /v1/auth/session    {member, challenge, signature} → a bearer token
 *   GET    /v1/auth/session    → who the bearer token belongs to
 *   DELETE /v1/auth/session    → signs out
 *   GET    /v1/members         → the members (genesis, then joined since) with their role,
 *                                 aggregator, organisation key, whether they are suspended, the
 *                                 height they joined at and their organisation-key changes
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MEMBER_ID } from '../../contracts/records.ts';
import { MembersView } from '../../contracts/views.ts';
import { decodeMemberRecord, type MemberRecord } from '../../ledger/memberRecord.ts';
import { memberKey } from '../../ledger/stateKeys.ts';
import type { ApiContext } from '../apiContext.ts';
import { defineRoute } from '../route.ts';

const Hex = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`), `${bytes} bytes of hex`)
    .transform((s) => s.toLowerCase());

const SessionView = z.object({ member: z.string(), role: z.string(), expiresAtMs: z.string() });

/** The member record `id` in the node's committed state. */
export function memberRecordOf(ctx: ApiContext, id: string): MemberRecord | undefined {
  if (!MEMBER_ID.test(id)) return undefined;
  const bytes = ctx.node.store.get(memberKey(id));
  return bytes === undefined ? undefined : decodeMemberRecord(bytes);
}

/** Registers the sign-in routes and GET /v1/members. */
export function authRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const sessions = ctx.sessions;
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/auth/challenge',
      summary: 'A one-time challenge (valid 60 s) to sign with a member’s organisation key',
      tags: ['auth'],
      response: z.object({ challenge: z.string(), chainId: z.string(), expiresAtMs: z.string() }),
    },
    () => {
      const c = sessions.challenge();
      return {
        challenge: c.challenge,
        chainId: ctx.node.genesis.chainId,
        expiresAtMs: String(c.expiresAtMs),
      };
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/v1/auth/session',
      summary: 'Exchanges a signed challenge for a session token',
      description:
        'signature = Ed25519 over frame("dpp/session/v1", [chainId, challenge, member]) by the member’s organisation key',
      tags: ['auth'],
      body: z
        .object({
          member: z.string().regex(MEMBER_ID, '1..64 characters of [a-z0-9.-]'),
          challenge: Hex(32),
          signature: Hex(64),
        })
        .strict(),
      response: SessionView.extend({ token: z.string() }),
    },
    ({ body }) => {
      const s = sessions.open(body!.member, body!.challenge, body!.signature);
      return { token: s.token, member: s.member, role: s.role, expiresAtMs: String(s.expiresAtMs) };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/auth/session',
      summary: 'The member signed in with the bearer token',
      tags: ['auth'],
      response: SessionView,
    },
    ({ request }) => {
      const s = sessions.session(request.headers.authorization);
      return { member: s.member, role: s.role, expiresAtMs: String(s.expiresAtMs) };
    },
  );

  defineRoute(
    app,
    {
      method: 'DELETE',
      url: '/v1/auth/session',
      summary: 'Signs out (forgets the bearer token)',
      tags: ['auth'],
      response: z.object({ signedOut: z.boolean() }),
    },
    ({ request }) => {
      sessions.close(request.headers.authorization);
      return { signedOut: true };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/members',
      summary:
        'The members — of the genesis, then joined since — as the state holds them now, with when they joined and their key changes',
      tags: ['market'],
      response: MembersView,
    },
    async () => {
      const queries = await ctx.queries();
      // the genesis members, then those joined after genesis (member.register, member.admit), in order
      const ids = [...ctx.node.genesis.members.map((g) => g.id), ...queries.joinedMemberIds()];
      return { members: ids.flatMap((id) => queries.memberDetails(id) ?? []) };
    },
  );
}
