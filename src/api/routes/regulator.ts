/**
 * Traces requested through the trading centre's node (docs/dashboard.md §Regulator):
 *   POST /v1/regulator/traces {response, reason}
 * authorised by a signed-in session of the trading centre (../sessions.ts). The node holds the
 * regulator's keys and the trading centre's organisation key (its validator configuration names the
 * key store, read by `dpp node`); the master secret never leaves it. It traces the bill response as
 * `dpp trace` and the local driver do (../../client/actions/traceResponse.ts `traceAndCommit`: the
 * ring member who sent it, with a Chaum–Pedersen proof, and the PID opening that names the
 * organisation), records the audit event `trace.record` with the salted commitment — read and sent
 * from inside the node, signed with the trading centre's organisation key — waits for the commit
 * and returns the opening to the caller — the only party, besides the regulator, that learns who
 * sent the response.
 *
 * A node configured without a regulator key store answers API_NOT_REGULATOR (404).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { certKeysOnChain, traceAndCommit } from '../../client/actions/traceResponse.ts';
import { fromHex, toHex } from '../../codec/bytes.ts';
import { traceRecordPayload } from '../../contracts/disputes.ts';
import { TraceResultView } from '../../contracts/views.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import { isDppError } from '../../errors.ts';
import { nextNonce } from '../../ledger/orgAuth.ts';
import { signOrgTransaction } from '../../ledger/txSigning.ts';
import { encodeIdentityTrace } from '../../privacy/traceCommitment.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { defineRoute } from '../route.ts';
import { Hash32 } from '../schemas.ts';

const COMMIT_WAIT_MS = 30_000;

/** Registers POST /v1/regulator/traces. */
export function regulatorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(
    app,
    {
      method: 'POST',
      url: '/v1/regulator/traces',
      summary: 'The regulator traces a bill response and records the audit event (trading centre session)',
      tags: ['regulator'],
      body: z
        .object({
          response: Hash32,
          reason: z
            .string()
            .min(1)
            .max(200)
            .refine((s) => s.trim().length > 0, 'a reason'),
        })
        .strict(),
      response: TraceResultView,
    },
    async ({ body, request }) => {
      const service = ctx.regulator;
      if (service === undefined)
        throw new ApiError(
          'API_NOT_REGULATOR',
          'this node holds no regulator key store: ask the trading centre’s node',
        );
      const session = ctx.sessions.require(request.headers.authorization, 'trading-centre');
      const q = await ctx.queries();
      const responseId = fromHex(body!.response);
      const response = q.response(responseId);
      if (response === undefined) throw new ApiError('API_NOT_FOUND', 'no such response');
      const traced = traceAndCommit({
        group: await libsodiumGroup(),
        regulator: service.keys,
        responseId,
        response,
        registeredCertificate: (y) => q.pseudonym(y)?.certificate,
        reason: body!.reason,
        certKeys: certKeysOnChain(q.certKeys()),
      });
      const { trace, opening, commitment } = traced;
      const payload = traceRecordPayload.encode(traced.record);
      const chainId = ctx.node.genesis.chainId;
      let nonce = nextNonce(ctx.node.store, service.orgKey.publicKey);
      let txId: string | undefined;
      for (let attempt = 0; txId === undefined; attempt++) {
        const tx = signOrgTransaction({ chainId, kind: 'trace.record', payload }, nonce, service.orgKey);
        try {
          txId = ctx.node.submit(tx.bytes);
        } catch (err) {
          // Another sender of the trading centre's key (the local driver) took this nonce: use the next.
          const expected = isDppError(err) ? err.details.expected : undefined;
          if (attempt >= 5 || typeof expected !== 'string' || !/^\d+$/.test(expected)) throw err;
          nonce = BigInt(expected);
        }
      }
      const committed = await waitCommitted(ctx, txId);
      const record = (await ctx.queries())
        .traces()
        .find((t) => toHex(t.commitment) === toHex(commitment) && toHex(t.response) === body!.response);
      return {
        requestedBy: session.member,
        txId,
        height: committed.height,
        traceSeq: record === undefined ? null : record.seq.toString(),
        commitment: toHex(commitment),
        memberIndex: trace.memberIndex,
        pseudonym: toHex(trace.pseudonym),
        organisation: trace.opening.realIdentity,
        opening: { salt: toHex(opening.salt), trace: toHex(encodeIdentityTrace(trace)) },
      };
    },
  );
}

async function waitCommitted(ctx: ApiContext, id: string): Promise<{ height: string }> {
  const until = Date.now() + COMMIT_WAIT_MS;
  for (;;) {
    const st = await ctx.node.txStatus(id);
    if (st.status === 'committed') {
      const receipt = st.receipt as { status?: string; code?: string } | undefined;
      if (receipt?.status === 'failed')
        throw new ApiError('API_BAD_REQUEST', `trace.record failed: ${receipt.code ?? 'unknown'}`, {
          txId: id,
        });
      return { height: st.height! };
    }
    if (Date.now() > until)
      throw new ApiError('API_UNAVAILABLE', 'trace.record was not committed within 30 s', { txId: id });
    await new Promise((r) => setTimeout(r, 50));
  }
}
