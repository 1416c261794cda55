/**
 * The mempool: transactions admitted and waiting for a block, in arrival order. Admission runs every
 * stateless check once (decode, chain, kind, signature — the result is kept, so execution never
 * verifies a signature twice) and the stateful ones that can be judged ahead of execution: a known
 * member as sender, the next nonce in sequence after the sender's pending ones, an unused unique
 * id, no duplicate. The pool is bounded; a refused transaction gets a typed error and changes nothing.
 *
 * A transaction a **peer** gossips ahead of its sender's next nonce — its predecessor travels over
 * another link — is held (bounded per sender and in all) instead of dropped, and joins the pool as
 * soon as the gap fills: when the predecessor is admitted here, or when a committed block passes it
 * (`refresh`). A peer admitted it in order for its client, so the gap does fill. Before, gossip
 * silently dropped it, and when the primary did, that transaction and every later nonce of its
 * sender stayed pending on the backups for ever, though a validator had answered 202. A client's
 * own submission out of order is still refused (NODE_NONCE_GAP, with the expected nonce): only the
 * client knows whether its predecessor is on its way.
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
  /** Gossiped transactions held for a nonce gap, per sender and in all. */
  readonly maxHeldPerSender: number;
  readonly maxHeld: number;
}

const DEFAULT_LIMITS: MempoolLimits = {
  maxTxs: 200_000,
  maxBytes: 256 << 20,
  maxHeldPerSender: 1_024,
  maxHeld: 50_000,
};

/** How a transaction reached the node. */
export type Arrival = 'client' | 'gossip';

/** Waiting transactions, by id, in arrival order. */
export class Mempool implements VerifiedLookup {
  private readonly txs = new Map<string, VerifiedTransaction>();
  /** Nonces waiting per sender (hex key). */
  private readonly pendingBySender = new Map<string, Set<bigint>>();
  private readonly pendingIds = new Set<string>();
  /** Gossiped org transactions ahead of their sender's next nonce: sender (hex) → nonce → transaction. */
  private readonly held = new Map<string, Map<bigint, VerifiedTransaction>>();
  private heldCount = 0;
  private bytes = 0;
  private readonly limits: MempoolLimits;

  constructor(
    private readonly env: LedgerEnv,
    limits: Partial<MempoolLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Number of gossiped transactions held for a nonce gap. */
  get heldSize(): number {
    return this.heldCount;
  }

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
   * built. An org transaction gossiped ahead of its sender's next nonce is held (see above).
   * Throws DecodeError, LedgerError or NodeError.
   */
  admit(
    bytes: Uint8Array,
    state: StateReader,
    block: BlockContext,
    arrival: Arrival = 'client',
  ): VerifiedTransaction {
    if (bytes.length > MAX_TX_BYTES) {
      throw new LedgerError(
        'LEDGER_TOO_LARGE',
        `transaction of ${bytes.length} bytes exceeds ${MAX_TX_BYTES}`,
      );
    }
    return this.admitVerified(verifyTransaction(this.env, bytes), state, block, arrival);
  }

  /** `admit` after the stateless checks (a held transaction joins through here, not verified twice). */
  private admitVerified(
    vt: VerifiedTransaction,
    state: StateReader,
    block: BlockContext,
    arrival: Arrival,
  ): VerifiedTransaction {
    if (this.txs.has(vt.idHex) || this.isHeld(vt))
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
      const expected = this.expectedNonce(state, auth.sender);
      // [HOLD] gossiped ahead of the next nonce: it joins when the gap fills
      if (arrival === 'gossip' && auth.nonce > expected && this.hold(vt)) return vt;
      if (auth.nonce !== expected) {
        throw new NodeError(
          auth.nonce < expected ? 'NODE_DUPLICATE_TX' : 'NODE_NONCE_GAP',
          `nonce ${auth.nonce}, expected ${expected} (replayed or out of order)`,
          { expected: expected.toString(), got: auth.nonce.toString() },
        );
      }
      const sender = toHex(auth.sender);
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
    if (auth.scheme === 'org') this.promote(auth.sender, state, block);
    return vt;
  }

  /**
   * After a block committed: drops held transactions whose nonce the state has passed and admits
   * the held ones now next in sequence (their predecessor came in a block proposed elsewhere).
   */
  refresh(state: StateReader, block: BlockContext): void {
    for (const [key, bySender] of [...this.held]) {
      const sender = (bySender.values().next().value!.tx.auth as { sender: Uint8Array }).sender;
      const committed = nextNonce(state, sender);
      for (const n of [...bySender.keys()]) if (n < committed) this.unhold(key, n);
      this.promote(sender, state, block);
    }
  }

  /** The next nonce of `sender`: after the committed state and its waiting transactions. */
  private expectedNonce(state: StateReader, sender: Uint8Array): bigint {
    // A waiting nonce the state has already passed (committed, not yet removed) does not count.
    let expected = nextNonce(state, sender);
    for (const n of this.pendingBySender.get(toHex(sender)) ?? []) if (n >= expected) expected = n + 1n;
    return expected;
  }

  /** Holds a gossiped org transaction for its nonce gap; false when the bounds leave no room. */
  private hold(vt: VerifiedTransaction): boolean {
    const auth = vt.tx.auth as { sender: Uint8Array; nonce: bigint };
    const key = toHex(auth.sender);
    const bySender = this.held.get(key) ?? new Map<bigint, VerifiedTransaction>();
    if (
      bySender.has(auth.nonce) ||
      bySender.size >= this.limits.maxHeldPerSender ||
      this.heldCount >= this.limits.maxHeld
    )
      return false;
    bySender.set(auth.nonce, vt);
    this.held.set(key, bySender);
    this.heldCount++;
    return true;
  }

  private unhold(key: string, nonce: bigint): VerifiedTransaction | undefined {
    const bySender = this.held.get(key);
    const vt = bySender?.get(nonce);
    if (vt === undefined) return undefined;
    bySender!.delete(nonce);
    this.heldCount--;
    if (bySender!.size === 0) this.held.delete(key);
    return vt;
  }

  /** Admits `sender`'s held transactions that are now next in sequence, each checked again. */
  private promote(sender: Uint8Array, state: StateReader, block: BlockContext): void {
    const key = toHex(sender);
    const vt = this.held.has(key) ? this.unhold(key, this.expectedNonce(state, sender)) : undefined;
    if (vt === undefined) return;
    try {
      this.admitVerified(vt, state, block, 'gossip'); // admits it, then promotes the next one
    } catch {
      // refused now (the pool is full, or its kind no longer authorises it): dropped, as gossip was
    }
  }

  /** True when `vt` is held for its nonce gap. */
  private isHeld(vt: VerifiedTransaction): boolean {
    const auth = vt.tx.auth;
    return auth.scheme === 'org' && this.held.get(toHex(auth.sender))?.get(auth.nonce)?.idHex === vt.idHex;
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
