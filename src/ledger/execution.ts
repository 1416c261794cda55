/**
 * Deterministic block execution (docs/ledger.md §6). For each transaction, in block order, against
 * the state left by the previous ones:
 *   1. the scheme's replay and permission check (nonce = stored + 1 and a member's key; unused id)
 *   2. the kind's `authorise` hook (mandatory for pseudonym and ring kinds)
 *      → a failure of 1 or 2 (or of the stateless checks of ./verification.ts) makes the
 *        transaction invalid: a proposer must not include it, and a block containing it is invalid
 *   3. the replay token is consumed (nonce/‖sender ← nonce, or used/‖id ← height)
 *   4. the kind's `validate` then `apply`; a DppError there gives a failed receipt with its code and
 *      keeps only the writes of step 3; otherwise the handler's writes are applied
 * A handler that throws anything but a DppError, or writes outside the limits or into `nonce/` or
 * `used/`, is at fault: LEDGER_HANDLER_FAULT, the transaction is invalid. A failure of the state
 * itself (a closed store, an I/O error) is this node's fault, not a verdict: it propagates unchanged
 * (never as a failed receipt or an invalid transaction), even if a handler caught it.
 * The block's write set is every key written (last value wins), sorted; its state root is
 * nextStateRoot(parent.stateRoot, writes) (./worldState.ts).
 * Given the validator's `Verdicts` (./verdictCache.ts), a transaction it verified before — at
 * admission, or in another proposal — is not verified again, nor is a kind's pure cryptographic
 * check (`TxContext.pureVerdict`) on the same inputs; steps 1–4 (nonce, membership, the state the
 * kind reads) always run.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { DppError, isDppError } from '../errors.ts';
import { schemeOf } from './authSchemes.ts';
import { type Block, MAX_BLOCK_TXS, txIdsOf, txRootOf } from './block.ts';
import { type BlockHeader, blockHash } from './blockHeader.ts';
import type { BlockContext, TxContext } from './handler.ts';
import { LedgerError, type LedgerErrorCode } from './ledgerError.ts';
import { isReceiptCode, OK_RECEIPT, type Receipt } from './receipt.ts';
import { isReservedKey } from './stateKeys.ts';
import { endOfBlockWrites } from './validatorSet.ts';
import {
  type LedgerEnv,
  type Verdicts,
  type VerifiedTransaction,
  verifyBlockTransaction,
} from './verification.ts';
import {
  assertWritable,
  nextStateRoot,
  StateOverlay,
  type StateReader,
  type StateWrite,
} from './worldState.ts';

/** The outcome of one transaction: its writes (not yet applied) and its receipt. */
export interface TxOutcome {
  readonly writes: StateWrite[];
  readonly receipt: Receipt;
}

/** What executing a block produces. */
export interface ExecutionResult {
  /** The block's write set, sorted by key. */
  readonly writes: StateWrite[];
  /** One receipt per transaction, in block order. */
  readonly receipts: Receipt[];
  readonly stateRoot: Uint8Array;
  readonly txIds: readonly Uint8Array[];
}

/**
 * Executes one verified transaction on top of `state` (which it does not modify), e.g. for a
 * mempool pre-check against the current state. Throws LedgerError when the transaction is invalid
 * in this state (a block must not contain it).
 */
export function executeTransaction(
  env: LedgerEnv,
  state: StateReader,
  block: BlockContext,
  vt: VerifiedTransaction,
  txIndex: number,
  verdicts?: Verdicts,
): TxOutcome {
  const bs = new BlockState(state, verdicts);
  const receipt = applyTransaction(env, bs, block, vt, txIndex);
  return { writes: bs.overlay.writes(), receipt };
}

/** The state a block executes in: one journaling overlay, and the faults of the state below it. */
class BlockState {
  readonly guard: FaultRecordingReader;
  readonly overlay: StateOverlay;
  /** The read-only face handlers get. */
  readonly reader: StateReader;

  constructor(
    base: StateReader,
    /** The validator's earlier verdicts (none: every check runs). */
    readonly verdicts: Verdicts | undefined,
  ) {
    this.guard = new FaultRecordingReader(base);
    const overlay = new StateOverlay(this.guard);
    this.overlay = overlay;
    this.reader = { get: (key) => overlay.get(key) };
  }
}

/**
 * Applies one transaction to `bs.overlay` and returns its receipt. When it throws (the transaction
 * is invalid, or the node failed), the overlay may hold some of its writes: the caller reverts.
 */
function applyTransaction(
  env: LedgerEnv,
  bs: BlockState,
  block: BlockContext,
  vt: VerifiedTransaction,
  txIndex: number,
): Receipt {
  // verifyTransaction checked handler.authScheme === tx.auth.scheme and decoded `payload` with this
  // handler, so calling the handler's methods with (tx, payload) below is well-typed at run time.
  const { tx, handler, payload } = vt;
  const { guard, overlay } = bs;
  const scheme = schemeOf(tx.auth);
  const ctx = txContext(env, bs, block, vt, txIndex);
  // A failure of the state itself (closed store, I/O error) is this node's fault, never a verdict on
  // the transaction: it propagates as it is, even if a handler swallowed it.
  try {
    // 1. [INVALID] replay, wrong nonce, or a sender that is not a member
    scheme.check(bs.reader, tx.auth);
  } catch (cause) {
    throw guard.fault ?? cause;
  }
  // 2. [INVALID] the kind's permission check fails
  runAuthorise(bs, vt, ctx);
  // 3. the nonce or unique id is consumed whatever the business outcome
  overlay.writeAll(scheme.consume(tx.auth, block.height));
  // 4. business validation and effects (they read the state, their writes are applied only here)
  const validate = handler.validate.bind(handler) as (c: TxContext, t: typeof tx, p: unknown) => void;
  const apply = handler.apply.bind(handler) as (
    c: TxContext,
    t: typeof tx,
    p: unknown,
  ) => readonly StateWrite[];
  let effects: readonly StateWrite[];
  try {
    validate(ctx, tx, payload);
    effects = apply(ctx, tx, payload);
  } catch (cause) {
    if (guard.fault !== undefined) throw guard.fault;
    if (!isDppError(cause) || !isReceiptCode(cause.code)) throw handlerFault(vt, 'validate/apply', cause);
    return { status: 'failed', code: cause.code };
  }
  if (guard.fault !== undefined) throw guard.fault;
  checkEffects(vt, effects);
  overlay.writeAll(effects);
  return OK_RECEIPT;
}

/**
 * The kind's permission check alone (step 2 of the rules), against `state` at `block`: for the
 * mempool, which refuses at admission what no block could include (a wrong role, a suspended
 * sender, an unregistered pseudonym, a ring proof that fails). Throws LEDGER_UNAUTHORISED.
 */
export function authoriseTransaction(
  env: LedgerEnv,
  state: StateReader,
  block: BlockContext,
  vt: VerifiedTransaction,
  verdicts?: Verdicts,
): void {
  const bs = new BlockState(state, verdicts);
  runAuthorise(bs, vt, txContext(env, bs, block, vt, 0));
}

/** What a handler sees of transaction `vt` at `txIndex` of `block`. */
function txContext(
  env: LedgerEnv,
  bs: BlockState,
  block: BlockContext,
  vt: VerifiedTransaction,
  txIndex: number,
): TxContext {
  const { verdicts } = bs;
  return {
    block,
    state: bs.reader,
    group: env.group,
    txId: vt.id,
    txIndex,
    pureVerdict: (inputs, check) =>
      verdicts === undefined ? check() : verdicts.verdict(vt.idHex, inputs, check),
  };
}

/** Runs the kind's `authorise` hook; a DppError becomes LEDGER_UNAUTHORISED with its code as reason. */
function runAuthorise(bs: BlockState, vt: VerifiedTransaction, ctx: TxContext): void {
  const { tx, handler, payload } = vt;
  if (handler.authorise === undefined) return;
  const { guard } = bs;
  const authorise = handler.authorise.bind(handler) as (c: TxContext, t: typeof tx, p: unknown) => void;
  try {
    authorise(ctx, tx, payload);
  } catch (cause) {
    if (guard.fault !== undefined) throw guard.fault;
    if (!isDppError(cause)) throw handlerFault(vt, 'authorise', cause);
    throw new LedgerError(
      'LEDGER_UNAUTHORISED',
      `${tx.kind}: not authorised: ${cause.message}`,
      { txId: vt.idHex, reason: cause.code },
      { cause },
    );
  }
  if (guard.fault !== undefined) throw guard.fault;
}

/** The codes that mean "this transaction is invalid here" (so is a block containing it). */
export const INVALID_TRANSACTION_CODES: ReadonlySet<LedgerErrorCode> = new Set<LedgerErrorCode>([
  'LEDGER_BAD_TX',
  'LEDGER_WRONG_CHAIN',
  'LEDGER_UNKNOWN_KIND',
  'LEDGER_WRONG_AUTH_SCHEME',
  'LEDGER_BAD_SIGNATURE',
  'LEDGER_BAD_PAYLOAD',
  'LEDGER_NONCE',
  'LEDGER_REPLAY',
  'LEDGER_UNAUTHORISED',
  'LEDGER_HANDLER_FAULT',
  'LEDGER_STATE_CORRUPT',
]);

/** True when `e` says a transaction is invalid (rather than that this node failed). */
export function isInvalidTransactionError(e: unknown): e is LedgerError {
  return e instanceof LedgerError && INVALID_TRANSACTION_CODES.has(e.code);
}

/** A transaction left out of a block being built, and why. */
export interface RejectedTransaction {
  readonly tx: VerifiedTransaction;
  readonly error: LedgerError;
}

/** The result of executing a list of candidate transactions. */
export interface BatchResult {
  readonly included: VerifiedTransaction[];
  readonly rejected: RejectedTransaction[];
  readonly writes: StateWrite[];
  readonly receipts: Receipt[];
}

/**
 * Executes `txs` in order on top of `state`. In `strict` mode (validating a block) the first invalid
 * transaction throws its LedgerError; in `skip` mode (building a block) it is left out and reported,
 * and execution stops before the first transaction that would exceed `limits` (counted over the
 * included transactions: their number and the sum of their encodings). `verdicts`: see the header.
 */
export function executeTransactions(
  env: LedgerEnv,
  state: StateReader,
  block: BlockContext,
  txs: Iterable<VerifiedTransaction>,
  mode: 'strict' | 'skip',
  limits: { readonly maxTxs: number; readonly maxTxBytes: number } = {
    maxTxs: Infinity,
    maxTxBytes: Infinity,
  },
  verdicts?: Verdicts,
): BatchResult {
  const bs = new BlockState(state, verdicts);
  const included: VerifiedTransaction[] = [];
  const rejected: RejectedTransaction[] = [];
  const receipts: Receipt[] = [];
  let includedBytes = 0;
  for (const vt of txs) {
    // In skip mode, stop at the first transaction that would not fit (later ones keep their order).
    if (
      mode === 'skip' &&
      (included.length >= limits.maxTxs || includedBytes + vt.bytes.length > limits.maxTxBytes)
    ) {
      break;
    }
    const mark = bs.overlay.checkpoint();
    let receipt: Receipt;
    try {
      receipt = applyTransaction(env, bs, block, vt, included.length);
    } catch (e) {
      bs.overlay.revert(mark);
      if (!isInvalidTransactionError(e)) throw e; // a node fault, not a verdict
      if (mode === 'strict') {
        throw new LedgerError(
          e.code,
          `transaction ${included.length}: ${e.message}`,
          { ...e.details, txIndex: included.length, txId: vt.idHex },
          { cause: e },
        );
      }
      rejected.push({ tx: vt, error: e });
      continue;
    }
    bs.overlay.release();
    receipts.push(receipt);
    included.push(vt);
    includedBytes += vt.bytes.length;
  }
  // [EPOCH] the activation block of a pending validator change ends by applying it (./validatorSet.ts)
  bs.overlay.writeAll(endOfBlockWrites(bs.reader, block.height));
  return { included, rejected, writes: bs.overlay.writes(), receipts };
}

/**
 * Validates and executes a block proposed on top of `parent`, whose post-state is `state`:
 * chain id, height, previous hash, timestamp, txRoot, every transaction (taken from `verdicts`
 * when this validator verified it before, verified — and added there — otherwise), and finally
 * the state root. Throws LedgerError when the block is invalid; returns what the store commits.
 */
export function executeBlock(
  env: LedgerEnv,
  state: StateReader,
  parent: BlockHeader,
  block: Block,
  verdicts?: Verdicts,
): ExecutionResult {
  const { header } = block;
  checkHeaderLinks(env, parent, header);
  // [INVALID] more transactions than a block may hold
  if (block.txs.length > MAX_BLOCK_TXS) {
    throw new LedgerError(
      'LEDGER_TOO_LARGE',
      `block of ${block.txs.length} transactions exceeds the limit of ${MAX_BLOCK_TXS} (MAX_BLOCK_TXS)`,
      { height: header.height.toString(), limit: MAX_BLOCK_TXS, limitName: 'MAX_BLOCK_TXS' },
    );
  }
  const txIds = txIdsOf(block.txs);
  // [INVALID] txRoot is not the Merkle tree hash of the transaction ids
  if (!bytesEqual(txRootOf(block.txs), header.txRoot)) {
    throw new LedgerError('LEDGER_BAD_TX_ROOT', 'txRoot does not match the transactions', {
      height: header.height.toString(),
    });
  }
  const vts = block.txs.map((bytes, i) => {
    // [REUSE] only a verdict this validator computed itself, for these exact bytes (id = their hash)
    const cached = verdicts?.get(toHex(txIds[i]!));
    if (cached !== undefined && env.handlers.get(cached.tx.kind) === cached.handler) return cached;
    const vt = verifyBlockTransaction(env, bytes, i);
    verdicts?.add(vt);
    return vt;
  });
  const { writes, receipts } = executeTransactions(
    env,
    state,
    blockContext(header),
    vts,
    'strict',
    undefined,
    verdicts,
  );
  const stateRoot = nextStateRoot(parent.stateRoot, writes);
  // [INVALID] the proposer's state root differs from ours
  if (!bytesEqual(stateRoot, header.stateRoot)) {
    throw new LedgerError(
      'LEDGER_STATE_ROOT_MISMATCH',
      'state root after execution differs from the header',
      {
        height: header.height.toString(),
        expected: toHex(stateRoot),
        got: toHex(header.stateRoot),
      },
    );
  }
  return { writes, receipts, stateRoot, txIds };
}

/** The block context of a header. */
export function blockContext(header: BlockHeader): BlockContext {
  return {
    chainId: header.chainId,
    height: header.height,
    timestampMs: header.timestampMs,
    proposer: header.proposer,
  };
}

/** Throws LedgerError unless `header` extends `parent` on this chain. */
export function checkHeaderLinks(env: LedgerEnv, parent: BlockHeader, header: BlockHeader): void {
  const details = { height: header.height.toString() };
  // [INVALID] a block of another chain
  if (header.chainId !== env.chainId || parent.chainId !== env.chainId) {
    throw new LedgerError('LEDGER_WRONG_CHAIN', `block for chain “${header.chainId}”`, details);
  }
  // [INVALID] not the next height, or not on top of the parent
  if (header.height !== parent.height + 1n) {
    throw new LedgerError('LEDGER_BAD_BLOCK', `height ${header.height} after ${parent.height}`, details);
  }
  if (!bytesEqual(header.prevHash, blockHash(parent))) {
    throw new LedgerError('LEDGER_BAD_BLOCK', 'prevHash is not the parent’s hash', details);
  }
  // [INVALID] time going backwards
  if (header.timestampMs < parent.timestampMs) {
    throw new LedgerError('LEDGER_BAD_BLOCK', 'timestamp before the parent’s', details);
  }
}

function checkEffects(vt: VerifiedTransaction, effects: readonly StateWrite[]): void {
  if (!Array.isArray(effects)) throw handlerFault(vt, 'apply', new TypeError('apply must return an array'));
  for (const w of effects) {
    const wellTyped =
      typeof w === 'object' &&
      w !== null &&
      w.key instanceof Uint8Array &&
      (w.value === null || w.value instanceof Uint8Array);
    if (!wellTyped)
      throw handlerFault(vt, 'apply', new TypeError('a write is not { key: bytes, value: bytes | null }'));
    try {
      assertWritable(w.key, w.value);
    } catch (cause) {
      throw handlerFault(vt, 'apply', cause);
    }
    if (isReservedKey(w.key)) {
      throw handlerFault(vt, 'apply', new DppError('LEDGER_BAD_WRITE', 'write into a reserved namespace'));
    }
  }
}

function handlerFault(vt: VerifiedTransaction, step: string, cause: unknown): LedgerError {
  const reason = isDppError(cause) ? cause.code : cause instanceof Error ? cause.name : typeof cause;
  return new LedgerError(
    'LEDGER_HANDLER_FAULT',
    `${vt.tx.kind} handler failed in ${step}`,
    { txId: vt.idHex, kind: vt.tx.kind, reason },
    { cause },
  );
}

/** Passes reads through, remembering the first failure of the underlying state. */
class FaultRecordingReader implements StateReader {
  fault: unknown;

  constructor(private readonly base: StateReader) {}

  get(key: Uint8Array): Uint8Array | undefined {
    try {
      return this.base.get(key);
    } catch (e) {
      this.fault ??= e;
      throw e;
    }
  }
}
