/**
 * The validator sets of the chain (docs/api.md "Validators"):
 *   GET /v1/validators
 * every epoch so far — its number, the height it starts after (`base`), its validators by slot with
 * their consensus keys and on-chain p2p endpoints — and the change waiting for its activation block.
 * A client checks a block's commit certificate against the epoch whose base is below the block's
 * height (../../ledger/validatorSet.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toHex } from '../../codec/bytes.ts';
import type { ApiContext } from '../apiContext.ts';
import { defineRoute } from '../route.ts';
import { HexOut, U64Out } from '../schemas.ts';

const ValidatorView = z.object({
  slot: z.number().int(),
  name: z.string(),
  publicKey: HexOut,
  p2p: z.string().describe('host:port from its validator.change; "" for genesis validators'),
});

/** The answer of GET /v1/validators. */
export const ValidatorSetsView = z.object({
  epochs: z.array(z.object({ number: z.number().int(), base: U64Out, validators: z.array(ValidatorView) })),
  pending: z
    .object({
      activation: U64Out.describe('the change applies at the end of this block'),
      type: z.enum(['add', 'remove', 'rekey']),
      slot: z.number().int(),
      name: z.string(),
      publicKey: HexOut.nullable(),
      p2p: z.string(),
    })
    .nullable(),
});

/** Registers GET /v1/validators. */
export function validatorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/v1/validators',
      summary: 'Every validator set so far, and the change waiting for its activation block',
      tags: ['chain'],
      response: ValidatorSetsView,
    },
    (): z.output<typeof ValidatorSetsView> => {
      const { epochs, pending } = ctx.node.validatorSets();
      return {
        epochs: epochs.map((e) => ({
          number: e.number,
          base: e.base.toString(),
          validators: e.validators.map((v) => ({ ...v, publicKey: toHex(v.publicKey) })),
        })),
        pending:
          pending === null
            ? null
            : {
                activation: pending.activation.toString(),
                type: pending.change.type,
                slot: pending.slot,
                name: pending.change.name,
                publicKey: pending.change.type === 'remove' ? null : toHex(pending.change.publicKey),
                p2p: pending.change.type === 'add' ? pending.change.p2p : '',
              },
      };
    },
  );
}
