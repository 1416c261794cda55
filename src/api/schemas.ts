/**
 * zod schemas shared by the routes: inputs (ids, heights, paging) and the JSON shapes the chain and
 * node routes answer (blocks, transactions, status, the event stream's own frames). The market's
 * views — rounds, bills, responses, modes, reputation, traces, members — are declared once in
 * ../contracts/views.ts, where the client and the dashboard read them too. Integers that may exceed
 * 2^53 (heights, views, timestamps) travel as decimal strings; bytes as lower-case hex.
 */
import { z } from 'zod';
import { Decimal, Hex } from '../contracts/views.ts';

/** Every error response. */
export const ErrorBody = z.object({
  code: z.string().describe('stable machine-readable code, e.g. NODE_DUPLICATE_TX'),
  message: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** A u64 as a decimal string (input: at most 19 digits, no sign, no leading zeros). */
export const U64Text = z
  .string()
  .regex(/^(0|[1-9]\d{0,18})$/, 'a whole number of at most 19 digits')
  .transform((s) => BigInt(s))
  .refine((v) => v < 2n ** 64n, 'at most 2^64 − 1');

/** A u64 answered as a decimal string (the views' `Decimal`, ../contracts/views.ts). */
export const U64Out = Decimal;

/** 32 bytes as 64 hex characters (input accepts upper case; output is lower case). */
export const Hash32 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, '64 hex characters')
  .transform((s) => s.toLowerCase());

/** Hex bytes as answered (the views' `Hex`). */
export const HexOut = Hex;

/** A transaction's receipt. */
export const ReceiptView = z.union([
  z.object({ status: z.literal('ok') }),
  z.object({ status: z.literal('failed'), code: z.string() }),
]);

/** A block as answered by /v1/blocks. */
export const BlockView = z.object({
  height: U64Out,
  hash: HexOut,
  prevHash: HexOut,
  txRoot: HexOut,
  stateRoot: HexOut,
  view: U64Out,
  proposer: z.number().int(),
  timestampMs: U64Out,
  txIds: z.array(HexOut),
  receipts: z.array(ReceiptView).optional().describe('with ?receipts=true'),
  certificate: z.object({ view: U64Out, signers: z.array(z.number().int()) }),
  canonical: z
    .object({ header: HexOut, certificate: HexOut })
    .optional()
    .describe(
      'GET /v1/blocks/:height only: the canonical header and commit certificate (docs/ledger.md §3), for a client to check the block without trusting the node',
    ),
});

/** RFC 6962 inclusion proof of a transaction id in a block's txRoot. */
export const InclusionProofView = z.object({
  leafIndex: z.number().int(),
  treeSize: z.number().int(),
  path: z.array(HexOut).describe('sibling hashes, leaf first'),
});

/** GET /v1/tx/:id. */
export const TxStatusView = z.object({
  id: HexOut,
  status: z.enum(['pending', 'committed', 'unknown']),
  height: U64Out.optional(),
  index: z.number().int().optional(),
  receipt: ReceiptView.optional(),
  blockHash: HexOut.optional(),
  proof: InclusionProofView.optional(),
  header: HexOut.optional().describe('the canonical block header (its txRoot anchors the proof)'),
  certificate: HexOut.optional().describe('the canonical commit certificate over the header'),
});

/** GET /v1/status. */
export const StatusView = z.object({
  chainId: z.string(),
  validator: z.number().int(),
  validators: z.number().int(),
  height: U64Out,
  headHash: HexOut,
  headTimestampMs: U64Out.describe('the head block’s agreed timestamp'),
  lastCommitAtMs: z.number().nullable().describe('local time of the last commit this server saw'),
  view: U64Out,
  primary: z.number().int(),
  inViewChange: z.boolean(),
  mempool: z.number().int(),
  peers: z.array(z.number().int()),
  silentUntilHeight: U64Out.nullable().describe(
    'after `dpp node restore`: the height until which this validator follows the chain without voting; null when it votes',
  ),
});

/** GET /v1/network: every validator's status as this node reaches it. */
export const NetworkView = z.object({
  self: z.number().int().describe('this node’s validator index (its slot)'),
  validators: z.array(
    z.object({
      index: z.number().int(),
      api: z
        .string()
        .nullable()
        .describe(
          'the peer’s API as configured; null for this node, or a validator its configuration does not name',
        ),
      status: StatusView.nullable().describe('its GET /v1/status; null when unreachable'),
    }),
  ),
});

/** The first frame of WS /v1/events. */
export const SubscribedFrame = z.object({
  type: z.literal('subscribed'),
  chainId: z.string(),
  height: U64Out,
  types: z.array(z.string()).nullable().describe('the `types` filter, null for every event'),
});

/** The `block` event, published first for each committed block (./eventBus.ts). */
export const BlockEvent = z.object({
  type: z.literal('block'),
  height: U64Out,
  hash: HexOut,
  timestampMs: U64Out,
  view: U64Out,
  proposer: z.number().int(),
  txs: z.number().int(),
  failed: z.number().int().describe('transactions with a failed receipt'),
  txIds: z.array(HexOut),
});
