/**
 * What this validator has verified, so that it verifies each transaction once (docs/ledger.md §6.1,
 * docs/consensus.md §8):
 *   - the stateless verdict of every transaction it checked — at admission or found in a block —
 *     kept as its `VerifiedTransaction`, by id (SHA-256 of the transaction's exact bytes);
 *   - the verdicts of the pure cryptographic checks a kind runs in its `authorise` hook (a ring
 *     proof against the ring read from state), by id and the exact bytes of the check's other
 *     inputs (`TxContext.pureVerdict`, ./handler.ts).
 * Only verdicts this validator computed itself enter, so a transaction it never saw — in a
 * Byzantine primary's block, say — is verified in full wherever it turns up. Stateful checks
 * (nonce, membership, the ring at the block's state) are never cached: they run at execution, and
 * a pure verdict is reused only when the inputs they produce are byte for byte those it was
 * computed on. Bounded in entries and in transaction bytes, oldest first; the node forgets a
 * block's transactions once it committed them.
 */
import { toHex } from '../codec/bytes.ts';
import { taggedSha256 } from '../crypto/hash.ts';
import type { Verdicts, VerifiedTransaction } from './verification.ts';

/** Bounds of the cache. */
export interface VerdictCacheLimits {
  readonly maxEntries: number;
  /** Sum of the cached transactions' encodings. */
  readonly maxBytes: number;
}

const DEFAULT_LIMITS: VerdictCacheLimits = { maxEntries: 250_000, maxBytes: 256 << 20 };

/** The domain tag of a pure verdict's key. */
const VERDICT_TAG = 'dpp/verdict/v1';

interface Entry {
  vt: VerifiedTransaction | undefined;
  /** Pure verdicts of this transaction: hex key of their inputs → verdict. */
  verdicts: Map<string, boolean> | undefined;
}

/** A bounded cache of this validator's own verification verdicts, by transaction id (hex). */
export class VerdictCache implements Verdicts {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly limits: VerdictCacheLimits;

  constructor(limits: Partial<VerdictCacheLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Transactions with a cached verdict. */
  get size(): number {
    return this.entries.size;
  }

  /** A transaction this validator verified, by hex id. */
  get(idHex: string): VerifiedTransaction | undefined {
    return this.entries.get(idHex)?.vt;
  }

  /** Remembers a transaction that passed the stateless checks. */
  add(vt: VerifiedTransaction): void {
    const entry = this.entries.get(vt.idHex);
    if (entry?.vt !== undefined) return;
    if (entry === undefined) this.entries.set(vt.idHex, { vt, verdicts: undefined });
    else entry.vt = vt;
    this.bytes += vt.bytes.length;
    this.evict();
  }

  /**
   * The verdict of `check`, a pure function of the transaction `idHex` and `inputs`: computed
   * once, then remembered for these exact input bytes.
   */
  verdict(idHex: string, inputs: readonly Uint8Array[], check: () => boolean): boolean {
    const key = toHex(taggedSha256(VERDICT_TAG, ...inputs));
    let entry = this.entries.get(idHex);
    const known = entry?.verdicts?.get(key);
    if (known !== undefined) return known;
    const ok = check();
    if (entry === undefined) {
      entry = { vt: undefined, verdicts: undefined };
      this.entries.set(idHex, entry);
    }
    // a handful per transaction at most (one per distinct ring it was checked against)
    entry.verdicts ??= new Map();
    if (entry.verdicts.size < 8) entry.verdicts.set(key, ok);
    this.evict();
    return ok;
  }

  /** Forgets transactions (once committed: they cannot be admitted or executed again). */
  forget(idsHex: Iterable<string>): void {
    for (const id of idsHex) this.drop(id);
  }

  private drop(idHex: string): void {
    const entry = this.entries.get(idHex);
    if (entry === undefined) return;
    this.entries.delete(idHex);
    if (entry.vt !== undefined) this.bytes -= entry.vt.bytes.length;
  }

  private evict(): void {
    while (this.entries.size > this.limits.maxEntries || this.bytes > this.limits.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.drop(oldest.value);
    }
  }
}
