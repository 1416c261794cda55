/**
 * The mempool: transactions admitted and waiting for a block, in arrival order. Admission runs every
 * stateless check once (decode, chain, kind, signature — the result is kept, so execution never
 * verifies a signature twice) and the stateful ones that can be judged ahead of execution: a known
 * member as sender, the next nonce in sequence after the sender's pending ones, an unused unique
 * id, no duplicate. The pool is bounded; a refused transaction gets a typed error and changes nothing.
 */
import { toHex } from '../codec/bytes.ts';
import { authoriseTransaction } from '../ledger/execution.ts';
import type { BlockContext } from '../ledger/handler.ts';
import { LedgerError } from '../ledger/ledgerError.ts';
import { nextNonce } from '../ledger/orgAuth.ts';
import { orgKeyKey } from '../ledger/stateKeys.ts';
import { MAX_TX_BYTES } from '../ledger/transaction.ts';
import { isUniqueIdUsed } from '../ledger/uniqueId.ts';
import {
  type LedgerEnv,
  type VerifiedLookup,
  type VerifiedTransaction,
  verifyTransaction,
} from '../ledger/verification.ts';
import type { StateReader } from '../ledger/worldState.ts';
import { NodeError } from './nodeError.ts';

/** Bounds of the pool. */
export interface MempoolLimits {
  readonly maxTxs: number;
  readonly maxBytes: number;
}

/** Waiting transactions, by id, in arrival order. */
export class Mempool implements VerifiedLookup {
  private readonly txs = new Map<string, VerifiedTransaction>();
  /** Nonces waiting per sender (hex key). */
  private readonly pendingBySender = new Map<string, Set<bigint>>();
  private readonly pendingIds = new Set<string>();
  private bytes = 0;

  constructor(
    private readonly env: LedgerEnv,
    private readonly limits: MempoolLimits = { maxTxs: 200_000, maxBytes: 256 << 20 },
  ) {}

  /** Number of waiting transactions. */
  get size(): number {
    return this.txs.size;
  }

  /** A waiting transaction by hex id (execution uses it to skip verification). */
  get(idHex: string): VerifiedTransaction | undefined {
    return this.txs.get(idHex);
  }

  /**
   * Admits an encoded transaction against the committed `state`, as if for `block` (the next height
   * at the node's clock). A transaction already on chain is refused by its nonce or unique id; one
   * its kind would not authorise there (a wrong role, an unregistered pseudonym, a failing ring
   * proof) is refused with LEDGER_UNAUTHORISED instead of being dropped later when a block is
   * built. Throws DecodeError, LedgerError or NodeError.
   */
  admit(bytes: Uint8Array, state: StateReader, block: BlockContext): VerifiedTransaction {
    if (bytes.length > MAX_TX_BYTES) {
      throw new LedgerError(
        'LEDGER_TOO_LARGE',
        `transaction of ${bytes.length} bytes exceeds ${MAX_TX_BYTES}`,
      );
    }
    const vt = verifyTransaction(this.env, bytes);
    if (this.txs.has(vt.idHex))
      throw new NodeError('NODE_DUPLICATE_TX', 'transaction already pending', { txId: vt.idHex });
    if (this.txs.size >= this.limits.maxTxs || this.bytes + vt.bytes.length > this.limits.maxBytes) {
      throw new NodeError('NODE_MEMPOOL_FULL', 'the mempool is full; retry later', {
        pending: this.txs.size,
      });
    }
    const auth = vt.tx.auth;
    if (auth.scheme === 'org' && state.get(orgKeyKey(auth.sender)) === undefined) {
      throw new LedgerError('LEDGER_UNAUTHORISED', 'sender is not a member of the consortium', {
        sender: toHex(auth.sender),
      });
    }
    // [REFUSE] what the kind would not authorise in the next block (judged on the committed state)
    authoriseTransaction(this.env, state, block, vt);
    if (auth.scheme === 'org') {
      const sender = toHex(auth.sender);
      // The next nonce after the committed state and after this sender's waiting transactions. A
      // waiting nonce the state has already passed (committed, not yet removed) does not count.
      let expected = nextNonce(state, auth.sender);
      for (const n of this.pendingBySender.get(sender) ?? []) if (n >= expected) expected = n + 1n;
      if (auth.nonce !== expected) {
        throw new NodeError(
          auth.nonce < expected ? 'NODE_DUPLICATE_TX' : 'NODE_NONCE_GAP',
          `nonce ${auth.nonce}, expected ${expected} (replayed or out of order)`,
          { expected: expected.toString(), got: auth.nonce.toString() },
        );
      }
      let nonces = this.pendingBySender.get(sender);
      if (nonces === undefined) {
        nonces = new Set();
        this.pendingBySender.set(sender, nonces);
      }
      nonces.add(auth.nonce);
    } else {
      const id = toHex(auth.uniqueId);
      if (this.pendingIds.has(id) || isUniqueIdUsed(state, auth.uniqueId)) {
        throw new LedgerError('LEDGER_REPLAY', 'unique id already used', { uniqueId: id });
      }
      this.pendingIds.add(id);
    }
    this.txs.set(vt.idHex, vt);
    this.bytes += vt.bytes.length;
    return vt;
  }

  /** The waiting transactions in arrival order, for the next block. */
  candidates(): IterableIterator<VerifiedTransaction> {
    return this.txs.values();
  }

  /** Drops transactions that were committed or found invalid. */
  remove(idsHex: Iterable<string>): void {
    for (const idHex of idsHex) {
      const vt = this.txs.get(idHex);
      if (vt === undefined) continue;
      this.txs.delete(idHex);
      this.bytes -= vt.bytes.length;
      const auth = vt.tx.auth;
      if (auth.scheme === 'org') {
        const sender = toHex(auth.sender);
        const nonces = this.pendingBySender.get(sender);
        nonces?.delete(auth.nonce);
        if (nonces?.size === 0) this.pendingBySender.delete(sender);
      } else {
        this.pendingIds.delete(toHex(auth.uniqueId));
      }
    }
  }
}
