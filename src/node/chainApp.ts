/**
 * The chain as the consensus replica sees it (`ReplicaApp`) and as the node stores it: builds the
 * primary's proposals from the mempool, validates other proposals by executing them on the
 * committed state (the result is kept, so the commit does not execute twice), names a proposal
 * by its block hash, and commits certified blocks to the store in one synced batch.
 * Each step is done once per block and validator (docs/consensus.md §8): a payload is decoded once
 * (by `digest`, reused by `validate`), its transaction ids and txRoot computed once (../ledger/block.ts
 * `txIdsOf`), and each transaction verified once — execution takes the verdicts of the mempool's
 * verdict cache, a transaction this validator never verified is verified (and cached) there.
 * A consensus payload is a block encoded with an empty certificate; the certificate the replica
 * collected (the ledger's `CommitCertificate`) is attached as is at commit.
 */
import { bytesEqual, concatBytes, toHex } from '../codec/bytes.ts';
import type { CertifiedPayload } from '../consensus/messages.ts';
import { primaryOf } from '../consensus/primary.ts';
import type { ReplicaApp } from '../consensus/replica.ts';
import { sha256 } from '../crypto/hash.ts';
import { type Block, decodeBlock, encodeBlock, txIdsOf, txRootOf } from '../ledger/block.ts';
import { buildBlock } from '../ledger/blockBuilder.ts';
import { blockHash } from '../ledger/blockHeader.ts';
import { certifiedDigestOf, EMPTY_CERTIFICATE } from '../ledger/certificate.ts';
import { type ExecutionResult, executeBlock } from '../ledger/execution.ts';
import type { Receipt } from '../ledger/receipt.ts';
import type { LedgerStore } from '../ledger/store.ts';
import type { LedgerEnv } from '../ledger/verification.ts';
import type { StateWrite } from '../ledger/worldState.ts';
import type { Mempool } from './mempool.ts';
import { NodeError } from './nodeError.ts';

/** How far ahead of this node's clock a proposal's timestamp may be. */
const MAX_CLOCK_DRIFT_MS = 5_000n;

/** A block executed but not yet committed. */
interface Executed {
  readonly block: Block;
  readonly writes: StateWrite[];
  readonly receipts: Receipt[];
}

/** A block as committed (certificate attached) with its receipts and transaction ids (hex). */
export interface CommittedBlock {
  readonly block: Block;
  readonly receipts: readonly Receipt[];
  readonly ids: readonly string[];
}

/** The chain behind one validator. */
export class ChainApp implements ReplicaApp {
  private readonly executed = new Map<string, Executed>();
  private readonly digests = new WeakMap<Uint8Array, Uint8Array>();
  /** Payloads decoded once by `digest`, reused by `validate` (the replica asks in that order). */
  private readonly decoded = new WeakMap<Uint8Array, Block>();

  constructor(
    private readonly env: LedgerEnv,
    private readonly store: LedgerStore,
    private readonly mempool: Mempool,
    /** The number of validators certifying the next block. */
    private readonly validators: () => number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The hash that names a payload: its block hash when the payload is a well-formed block. */
  digest(payload: Uint8Array): Uint8Array {
    const known = this.digests.get(payload);
    if (known !== undefined) return known;
    let digest: Uint8Array;
    try {
      const block = decodeBlock(payload);
      // A header whose txRoot does not match the transactions names no block: any other digest.
      // Nor does a payload carrying a certificate: the block hash does not cover it, so one hash
      // would name several payloads (a consensus payload is the block with an empty certificate).
      const { certificate } = block;
      const wellFormed =
        certificate.view === 0n &&
        certificate.votes.length === 0 &&
        bytesEqual(txRootOf(block.txs), block.header.txRoot);
      digest = wellFormed ? blockHash(block.header) : junkDigest(payload);
      if (wellFormed) this.decoded.set(payload, block);
    } catch {
      digest = junkDigest(payload);
    }
    this.digests.set(payload, digest);
    return digest;
  }

  /** Executes a proposal for `height` on the committed state; true when it is a valid next block. */
  validate(view: bigint, height: bigint, payload: Uint8Array): boolean {
    const parent = this.store.head();
    if (parent === undefined || parent.height + 1n !== height) return false;
    let block: Block;
    try {
      block = this.decoded.get(payload) ?? decodeBlock(payload);
    } catch {
      return false;
    }
    const h = block.header;
    // [REJECT] a header not proposed by its view's primary, or stamped with a view after the one it
    // is proposed in (its commit certificate, cast in the proposal's view, would then never verify);
    // a block re-proposed after a view change keeps its earlier view
    if (h.proposer !== primaryOf(h.view, this.validators())) return false;
    if (h.view > view) return false;
    if (h.timestampMs > BigInt(this.clock()) + MAX_CLOCK_DRIFT_MS) return false;
    let result: ExecutionResult;
    try {
      result = executeBlock(this.env, this.store, parent.header, block, this.mempool);
    } catch {
      return false;
    }
    this.executed.set(toHex(blockHash(h)), { block, writes: result.writes, receipts: result.receipts });
    return true;
  }

  /**
   * Builds the next block from the mempool as primary of `view`; returns the consensus payload and
   * the transactions dropped from the pool because they can no longer be included.
   */
  propose(
    view: bigint,
    proposer: number,
    maxTxs: number,
  ): { payload: Uint8Array; rejected: { id: string; code: string }[] } {
    const parent = this.store.head();
    if (parent === undefined) throw new NodeError('NODE_BAD_CONFIG', 'the store has no genesis');
    const built = buildBlock(
      this.env,
      this.store,
      parent.header,
      { view, proposer, timestampMs: BigInt(this.clock()) },
      this.mempool.candidates(),
      { maxTxs },
      this.mempool,
    );
    // Transactions that can never be included any more (stale nonce, non-member…) leave the pool.
    this.mempool.remove(built.rejected.map((r) => r.tx.idHex));
    this.executed.set(toHex(built.hash), {
      block: built.block,
      writes: built.writes,
      receipts: built.receipts,
    });
    const payload = encodeBlock(built.block);
    this.digests.set(payload, built.hash);
    return { payload, rejected: built.rejected.map((r) => ({ id: r.tx.idHex, code: r.error.code })) };
  }

  /**
   * Commits a certified block: executes it if this node has not (state transfer), attaches the
   * certificate and writes block, state and index in one synced batch. Returns what was committed.
   */
  async commit(certified: CertifiedPayload): Promise<CommittedBlock> {
    let executed = this.executed.get(toHex(certified.digest));
    if (executed === undefined) {
      const block = decodeBlock(certified.payload);
      const parent = this.store.head()!;
      try {
        const r = executeBlock(this.env, this.store, parent.header, block, this.mempool);
        executed = { block, writes: r.writes, receipts: r.receipts };
      } catch (cause) {
        // A certified block that does not execute here means this node's state diverged.
        throw new NodeError(
          'NODE_DIVERGED',
          `certified block ${certified.height} does not execute: ${(cause as Error).message}`,
        );
      }
    }
    this.executed.clear();
    const block: Block = { ...executed.block, certificate: certified.certificate };
    await this.store.commitBlock(block, executed.writes, executed.receipts);
    const ids = txIdsOf(executed.block.txs).map(toHex);
    this.mempool.remove(ids);
    // gossiped transactions held for a nonce gap this block filled join the pool
    this.mempool.refresh(this.store, {
      chainId: this.env.chainId,
      height: block.header.height + 1n,
      timestampMs: BigInt(this.clock()),
      proposer: 0,
    });
    return { block, receipts: executed.receipts, ids };
  }

  /** Committed blocks from `fromHeight` (at most `count`), as consensus payloads with certificates. */
  async blocksFrom(fromHeight: bigint, count: number): Promise<CertifiedPayload[]> {
    const out: CertifiedPayload[] = [];
    let bytes = 0;
    for (let h = fromHeight; h < fromHeight + BigInt(count); h++) {
      const block = await this.store.getBlock(h);
      if (block === undefined) break;
      const payload = encodeBlock({ ...block, certificate: EMPTY_CERTIFICATE });
      bytes += payload.length;
      out.push({ payload, ...certifiedDigestOf(block) });
      if (bytes > 8 << 20) break; // keep a state-transfer message well under the frame limit
    }
    return out;
  }
}

function junkDigest(payload: Uint8Array): Uint8Array {
  return sha256(concatBytes(new TextEncoder().encode('dpp/not-a-block'), payload));
}
