/**
 * A consistent snapshot of this validator's chain, for its operator (`dpp node backup`, docs/deploy.md
 * "Backup and restore"):
 *   POST /v1/snapshot {challenge, signature}
 * `challenge` comes from GET /v1/auth/challenge; `signature` is Ed25519 over
 * frame("dpp/snapshot/v1", [chainId, challenge, u16 validator]) by this validator's OWN key — the one
 * genesis lists at its index — so only whoever holds its key file, i.e. its operator, can take one
 * (a snapshot is the whole chain: heavy to serve, and not for every client). The answer streams the
 * snapshot (application/octet-stream, docs/ledger.md §5.1), read through one LevelDB iterator while
 * the validator keeps committing; it never contains a key or this validator's votes. One snapshot
 * at a time: another request meanwhile is API_UNAVAILABLE (503).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fromHex } from '../../codec/bytes.ts';
import { verifyEd25519 } from '../../crypto/ed25519Strict.ts';
import { snapshotChallengeBytes } from '../../ledger/sessionChallenge.ts';
import type { ApiContext } from '../apiContext.ts';
import { ApiError } from '../apiError.ts';
import { defineRoute } from '../route.ts';
import { Hash32 } from '../schemas.ts';

const Signature = z
  .string()
  .regex(/^[0-9a-fA-F]{128}$/, '64 bytes of hex')
  .transform((s) => s.toLowerCase());

/** Registers POST /v1/snapshot. */
export function snapshotRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { node } = ctx;
  let streaming = false;
  defineRoute(
    app,
    {
      method: 'POST',
      url: '/v1/snapshot',
      summary: 'A consistent snapshot of this validator’s chain, for its operator (dpp node backup)',
      description:
        'signature = Ed25519 over frame("dpp/snapshot/v1", [chainId, challenge, u16 validator]) by this validator’s own key; the body streams the snapshot format of docs/ledger.md §5.1',
      tags: ['node'],
      body: z.object({ challenge: Hash32, signature: Signature }).strict(),
      produces: 'application/octet-stream',
    },
    ({ body, reply }) => {
      const self = node.config.validatorIndex;
      const challenge = ctx.sessions.take(body!.challenge);
      const key = node.genesis.validators[self]!.publicKey;
      // [REFUSE] anyone but this validator's operator: the signature must be by its own key
      if (
        !verifyEd25519(
          key,
          snapshotChallengeBytes(node.genesis.chainId, challenge, self),
          fromHex(body!.signature),
        )
      )
        throw new ApiError('API_AUTH_BAD_SIGNATURE', `not signed with validator ${self}'s key`);
      if (streaming)
        throw new ApiError(
          'API_UNAVAILABLE',
          'a snapshot of this validator is being taken: try again when it is done',
          {
            retryAfterMs: 5_000,
          },
        );
      streaming = true;
      const stream = Readable.from(node.snapshot(), { objectMode: false });
      stream.once('close', () => {
        streaming = false;
      });
      reply.type('application/octet-stream').header('cache-control', 'no-store');
      return stream;
    },
  );
}
