/**
 * Block production for the proposer (docs/ledger.md §6.3): executes candidate transactions in the
 * order given, leaves out those that are invalid in the current state (reported, so the mempool
 * can drop them), stops at the block limits, and returns a block whose txRoot and stateRoot are
 * filled in, with an empty certificate for consensus to complete.
 */
import { type Block, MAX_BLOCK_BYTES, MAX_BLOCK_TXS, txRootOf } from './block.ts';
import { type BlockHeader, blockHash } from './blockHeader.ts';
import { EMPTY_CERTIFICATE, MAX_VALIDATORS } from './certificate.ts';
import { executeTransactions, type RejectedTransaction } from './execution.ts';
import type { BlockContext } from './handler.ts';
import type { Receipt } from './receipt.ts';
import type { LedgerEnv, Verdicts, VerifiedTransaction } from './verification.ts';
import { nextStateRoot, type StateReader, type StateWrite } from './worldState.ts';

/** What the consensus layer decides about the next block. */
export interface BlockProposal {
  readonly view: bigint;
  readonly proposer: number;
  /** Clamped up to the parent's timestamp, so time never goes backwards. */
  readonly timestampMs: bigint;
}

/** Limits for one block (each at most the protocol's). */
export interface BlockLimits {
  readonly maxTxs?: number;
  readonly maxBytes?: number;
}

/** A built block with everything the store commits. */
export interface BuiltBlock {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly writes: StateWrite[];
  readonly receipts: Receipt[];
  readonly included: VerifiedTransaction[];
  readonly rejected: RejectedTransaction[];
}

/** Room kept for the header (≤ 190 B), the transaction count and the largest certificate. */
export const BLOCK_ENVELOPE_BYTES = 256 + 4 + 10 + MAX_VALIDATORS * 66;

/**
 * Builds the block after `parent` from `candidates` on top of `state` (the parent's post-state).
 * `verdicts`: this validator's earlier verdicts, so that a kind's pure check (a ring proof) judged at
 * admission is not run again (./verdictCache.ts). Throws LedgerError (LEDGER_BAD_FIELD) when the
 * proposal's fields are out of range.
 */
export function buildBlock(
  env: LedgerEnv,
  state: StateReader,
  parent: BlockHeader,
  proposal: BlockProposal,
  candidates: Iterable<VerifiedTransaction>,
  limits: BlockLimits = {},
  verdicts?: Verdicts,
): BuiltBlock {
  const maxTxs = Math.min(limits.maxTxs ?? MAX_BLOCK_TXS, MAX_BLOCK_TXS);
  const maxBytes = Math.min(limits.maxBytes ?? MAX_BLOCK_BYTES, MAX_BLOCK_BYTES) - BLOCK_ENVELOPE_BYTES;
  // biome-ignore lint/complexity/useMathMinMax: bigints (Math.max would throw)
  const timestampMs = proposal.timestampMs < parent.timestampMs ? parent.timestampMs : proposal.timestampMs;
  const ctx: BlockContext = {
    chainId: env.chainId,
    height: parent.height + 1n,
    timestampMs,
    proposer: proposal.proposer,
  };
  const result = executeTransactions(
    env,
    state,
    ctx,
    candidates,
    'skip',
    {
      maxTxs,
      maxTxBytes: maxBytes - 4 * maxTxs, // each transaction also takes a u32 length prefix
    },
    verdicts,
  );
  const txs = result.included.map((vt) => vt.bytes);
  const header: BlockHeader = {
    chainId: env.chainId,
    height: ctx.height,
    prevHash: blockHash(parent),
    txRoot: txRootOf(txs),
    stateRoot: nextStateRoot(parent.stateRoot, result.writes),
    view: proposal.view,
    proposer: proposal.proposer,
    timestampMs,
  };
  return {
    block: { header, txs, certificate: EMPTY_CERTIFICATE },
    hash: blockHash(header),
    writes: result.writes,
    receipts: result.receipts,
    included: result.included,
    rejected: result.rejected,
  };
}
