/**
 * The mempool: transactions admitted and waiting for a block, in arrival order. Admission first
 * refuses what is cheap to refuse — too large, a duplicate, no room, a replayed nonce or unique id —
 * then runs every stateless check once (decode, chain, kind, signature) and keeps the verdict in
 * this validator's verdict cache (../ledger/verdictCache.ts), so that neither a second copy nor the
 * block that brings it is verified again; then the stateful checks that can be judged ahead of
 * execution: a known member as sender, the kind's `authorise` (whose pure cryptographic part, a ring
 * proof, is cached too), the next nonce in sequence after the sender's pending ones, an unused
 * unique id. The pool is bounded; a refused transaction gets a typed error and changes nothing.
 *
 * Backpressure: a client's submission is refused with NODE_MEMPOOL_FULL once the pool holds its
 * clients' share of the bound (`clientShare`, 80 % by default), with a retry hint from the rate the
 * pool drained at lately (`retryAfterMs`); gossip may fill the rest, so a transaction one validator
 * accepted is not refused by the others for room first.
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
import { MAX_TX_BYTES, type Transaction, transactionId } from '../ledger/transaction.ts';
import { isUniqueIdUsed } from '../ledger/uniqueId.ts';
import { VerdictCache } from '../ledger/verdictCache.ts';
import {
  decodeForChain,
  type LedgerEnv,
  type Verdicts,
  type VerifiedTransaction,
  verifyDecoded,
} from '../ledger/verification.ts';
import type { StateReader } from '../ledger/worldState.ts';
import { NodeError } from './nodeError.ts';

/** Bounds of the pool. */
export interface MempoolLimits {
  readonly maxTxs: number;
  readonly maxBytes: number;
  /**
   * The share of `maxTxs` and `maxBytes` (0 < share ≤ 1) above which a client's submission is
   * refused (NODE_MEMPOOL_FULL, with a retry hint); gossip from peers may fill the rest, so a
   * transaction a peer already accepted is not lost to backpressure.
   */
  readonly clientShare: number;
  /** Gossiped transactions held for a nonce gap, per sender and in all. */
  readonly maxHeldPerSender: number;
  readonly maxHeld: number;
}

/** The pool's default bounds. */
export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  maxTxs: 200_000,
  maxBytes: 256 << 20,
  clientShare: 0.8,
  maxHeldPerSender: 1_024,
  maxHeld: 50_000,
};

/** How a transaction reached the node. */
export type Arrival = 'client' | 'gossip';

/** The retry hint of a full pool: at least this long … */
const MIN_RETRY_MS = 100;
/** … and at most this long. */
const MAX_RETRY_MS = 10_000;
/** Over how long the pool's drain rate is measured. */
const DRAIN_WINDOW_MS = 5_000;

/** The pending nonces of one org sender and the highest of them. */
interface SenderNonces {
  readonly nonces: Set<bigint>;
  max: bigint;
}

/** Waiting transactions, by id, in arrival order. */
export class Mempool implements Verdicts {
  private readonly txs = new Map<string, VerifiedTransaction>();
  /** Nonces waiting per sender (hex key). */
  private readonly pendingBySender = new Map<string, SenderNonces>();
  private readonly pendingIds = new Set<string>();
  /** Gossiped org transactions ahead of their sender's next nonce: sender (hex) → nonce → transaction. */
  private readonly held = new Map<string, Map<bigint, VerifiedTransaction>>();
  /** The same, by hex id. */
  private readonly heldById = new Map<string, VerifiedTransaction>();
  private bytes = 0;
  private readonly limits: MempoolLimits;
  /** Transactions that left the pool (committed or dropped) recently: [time, count]. */
  private readonly drained: [number, number][] = [];

  constructor(
    private readonly env: LedgerEnv,
    limits: Partial<MempoolLimits> = {},
    /** This validator's verification verdicts (./../ledger/verdictCache.ts). */
    readonly verdicts: VerdictCache = new VerdictCache(),
    private readonly clock: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_MEMPOOL_LIMITS, ...limits };
    const { clientShare } = this.limits;
    if (!(clientShare > 0 && clientShare <= 1))
      throw new NodeError('NODE_BAD_CONFIG', `mempool clientShare ${clientShare} is not in (0, 1]`);
  }

  /** Number of gossiped transactions held for a nonce gap. */
  get heldSize(): number {
    return this.heldById.size;
  }

  /** Number of waiting transactions. */
  get size(): number {
    return this.txs.size;
  }

  /**
   * A transaction this validator verified, by hex id — waiting, held, or in its verdict cache
   * (execution takes it from here instead of verifying it again).
   */
  get(idHex: string): VerifiedTransaction | undefined {
    return this.txs.get(idHex) ?? this.heldById.get(idHex) ?? this.verdicts.get(idHex);
  }

  /** Keeps a transaction execution verified (one a block brought before gossip did). */
  add(vt: VerifiedTransaction): void {
    this.verdicts.add(vt);
  }

  /** A kind's pure verdict on transaction `idHex`, computed once (./../ledger/verdictCache.ts). */
  verdict(idHex: string, inputs: readonly Uint8Array[], check: () => boolean): boolean {
    return this.verdicts.verdict(idHex, inputs, check);
  }

  /**
   * Admits an encoded transaction against the committed `state`, as if for `block` (the next height
   * at the node's clock). A transaction already on chain is refused by its nonce or unique id; one
   * its kind would not authorise there (a wrong role, an unregistered pseudonym, a failing ring
   * proof) is refused with LEDGER_UNAUTHORISED instead of being dropped later when a block is
   * built. An org transaction gossiped ahead of its sender's next nonce is held (see above).
   * What can be refused cheaply — too large, a duplicate, no room, a replay — is refused before the
   * signature is verified; a transaction verified before (its verdict cached) is not verified again.
   * Throws DecodeError, LedgerError or NodeError.
   */
  admit(
    bytes: Uint8Array,
    state: StateReader,
    block: BlockContext,
    arrival: Arrival = 'client',
  ): VerifiedTransaction {
    // [REFUSE] larger than the ledger's limit (named, so the sender knows which limit)
    if (bytes.length > MAX_TX_BYTES) {
      throw new LedgerError(
        'LEDGER_TOO_LARGE',
        `transaction of ${bytes.length} bytes exceeds the limit of ${MAX_TX_BYTES} bytes (MAX_TX_BYTES)`,
        { size: bytes.length, limit: MAX_TX_BYTES, limitName: 'MAX_TX_BYTES' },
      );
    }
    const idHex = toHex(transactionId(bytes));
    if (this.txs.has(idHex) || this.heldById.has(idHex))
      throw new NodeError('NODE_DUPLICATE_TX', 'transaction already pending', { txId: idHex });
    this.checkRoom(bytes.length, arrival);
    let vt = this.verdicts.get(idHex);
    if (vt === undefined) {
      const decoded = decodeForChain(this.env, bytes);
      this.refuseReplay(decoded.tx, state, idHex);
      vt = verifyDecoded(this.env, decoded);
      this.verdicts.add(vt);
    }
    return this.admitVerified(vt, state, block, arrival);
  }

  /**
   * The hint a refusal for room carries: about how long the pool takes to drain below the
   * clients' share, at the rate transactions left it over the last seconds (1 s when unknown).
   */
  retryAfterMs(): number {
    const now = this.clock();
    while (this.drained.length > 0 && this.drained[0]![0] < now - DRAIN_WINDOW_MS) this.drained.shift();
    const left = this.drained.reduce((a, [, n]) => a + n, 0);
    if (left === 0) return 1_000;
    // over the time since the first drain in the window (at least half a second)
    const perMs = left / Math.max(500, now - this.drained[0]![0]);
    const over = this.txs.size - Math.floor(this.limits.maxTxs * this.limits.clientShare * 0.9);
    return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.ceil(Math.max(over, 1) / perMs)));
  }

  /** [REFUSE] no room: a client's submission above the clients' share, anything above the whole pool. */
  private checkRoom(size: number, arrival: Arrival): void {
    const share = arrival === 'client' ? this.limits.clientShare : 1;
    const maxTxs = Math.floor(this.limits.maxTxs * share);
    const maxBytes = Math.floor(this.limits.maxBytes * share);
    if (this.txs.size >= maxTxs || this.bytes + size > maxBytes) {
      const retryAfterMs = this.retryAfterMs();
      throw new NodeError(
        'NODE_MEMPOOL_FULL',
        `the mempool is full (${this.txs.size} transactions, ${this.bytes} bytes; ` +
          `limit ${maxTxs} transactions, ${maxBytes} bytes); retry in ${retryAfterMs} ms`,
        { pending: this.txs.size, maxTxs, maxBytes, retryAfterMs },
      );
    }
  }

  /** [REFUSE] an org nonce already used or pending, a unique id already used — before verifying. */
  private refuseReplay(tx: Transaction, state: StateReader, idHex: string): void {
    const auth = tx.auth;
    if (auth.scheme === 'org') {
      const expected = this.expectedNonce(state, auth.sender);
      if (auth.nonce < expected) {
        throw new NodeError('NODE_DUPLICATE_TX', `nonce ${auth.nonce}, expected ${expected} (replayed)`, {
          expected: expected.toString(),
          got: auth.nonce.toString(),
          txId: idHex,
        });
      }
    } else if (isUniqueIdUsed(state, auth.uniqueId)) {
      throw new LedgerError('LEDGER_REPLAY', 'unique id already used', { uniqueId: toHex(auth.uniqueId) });
    }
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
    this.checkRoom(vt.bytes.length, arrival);
    const auth = vt.tx.auth;
    if (auth.scheme === 'org' && state.get(orgKeyKey(auth.sender)) === undefined) {
      throw new LedgerError('LEDGER_UNAUTHORISED', 'sender is not a member of the consortium', {
        sender: toHex(auth.sender),
      });
    }
    // [REFUSE] what the kind would not authorise in the next block (judged on the committed state)
    authoriseTransaction(this.env, state, block, vt, this.verdicts);
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
      let pending = this.pendingBySender.get(sender);
      if (pending === undefined) {
        pending = { nonces: new Set(), max: auth.nonce };
        this.pendingBySender.set(sender, pending);
      }
      pending.nonces.add(auth.nonce);
      if (auth.nonce > pending.max) pending.max = auth.nonce;
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
    const committed = nextNonce(state, sender);
    const max = this.pendingBySender.get(toHex(sender))?.max;
    return max !== undefined && max >= committed ? max + 1n : committed;
  }

  /** Holds a gossiped org transaction for its nonce gap; false when the bounds leave no room. */
  private hold(vt: VerifiedTransaction): boolean {
    const auth = vt.tx.auth as { sender: Uint8Array; nonce: bigint };
    const key = toHex(auth.sender);
    const bySender = this.held.get(key) ?? new Map<bigint, VerifiedTransaction>();
    if (
      bySender.has(auth.nonce) ||
      bySender.size >= this.limits.maxHeldPerSender ||
      this.heldById.size >= this.limits.maxHeld
    )
      return false;
    bySender.set(auth.nonce, vt);
    this.held.set(key, bySender);
    this.heldById.set(vt.idHex, vt);
    return true;
  }

  private unhold(key: string, nonce: bigint): VerifiedTransaction | undefined {
    const bySender = this.held.get(key);
    const vt = bySender?.get(nonce);
    if (vt === undefined) return undefined;
    bySender!.delete(nonce);
    this.heldById.delete(vt.idHex);
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

  /**
   * Drops transactions that were committed or found invalid, and forgets their verdicts: they can
   * be neither admitted nor executed again.
   */
  remove(idsHex: Iterable<string>): void {
    let count = 0;
    const ids = [...idsHex];
    for (const idHex of ids) {
      const vt = this.txs.get(idHex);
      if (vt === undefined) continue;
      count++;
      this.txs.delete(idHex);
      this.bytes -= vt.bytes.length;
      const auth = vt.tx.auth;
      if (auth.scheme === 'org') {
        const sender = toHex(auth.sender);
        const pending = this.pendingBySender.get(sender);
        if (pending === undefined) continue;
        pending.nonces.delete(auth.nonce);
        if (pending.nonces.size === 0) this.pendingBySender.delete(sender);
        else if (auth.nonce === pending.max)
          // biome-ignore lint/complexity/useMathMinMax: bigints (Math.max would throw)
          pending.max = [...pending.nonces].reduce((a, b) => (b > a ? b : a));
      } else {
        this.pendingIds.delete(toHex(auth.uniqueId));
      }
    }
    this.verdicts.forget(ids);
    if (count > 0) this.drained.push([this.clock(), count]);
    if (this.drained.length > 1_000) this.drained.shift();
  }
}
