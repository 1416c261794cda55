/**
 * A consistent snapshot of this validator's chain, for its operator (`dpp node backup`, docs/deploy.md
 * "Backup and restore"):
 *   POST /v1/snapshot {challenge, signature}
 *   POST /v1/snapshot {challenge, signature, validator?}
 * `challenge` comes from GET /v1/auth/challenge; `signature` is Ed25519 over
 * frame("dpp/snapshot/v1", [chainId, challenge, u16 validator]) by the key of validator `validator`
 * (a slot; default this validator's own) in the current validator set — or of the validator whose
 * addition is pending, which needs the chain to start from — so only validator operators can take
 * one (a snapshot is the whole chain: heavy to serve, and not for every client). The answer streams the
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
        'signature = Ed25519 over frame("dpp/snapshot/v1", [chainId, challenge, u16 validator]) by the key of validator `validator` (default: this one) in the current set, or of the validator being added; the body streams the snapshot format of docs/ledger.md §5.1',
      tags: ['node'],
      body: z
        .object({
          challenge: Hash32,
          signature: Signature,
          validator: z.number().int().min(0).max(0xffff).optional(),
        })
        .strict(),
      produces: 'application/octet-stream',
    },
    ({ body, reply }) => {
      const signer = body!.validator ?? node.config.validatorIndex;
      const challenge = ctx.sessions.take(body!.challenge);
      const { epochs, pending } = node.validatorSets();
      const key =
        epochs.at(-1)!.validators.find((v) => v.slot === signer)?.publicKey ??
        (pending?.slot === signer && pending.change.type === 'add' ? pending.change.publicKey : undefined);
      // [REFUSE] anyone but a validator's operator: the signature must be by a validator's key
      if (
        key === undefined ||
        !verifyEd25519(
          key,
          snapshotChallengeBytes(node.genesis.chainId, challenge, signer),
          fromHex(body!.signature),
        )
      )
        throw new ApiError('API_AUTH_BAD_SIGNATURE', `not signed with validator ${signer}'s key`);
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
