/**
 * Stateless transaction verification — decode, chain id, kind, scheme, signature, payload — done once
 * per transaction and validator (docs/ledger.md §6.1). The node runs it at mempool admission and
 * keeps the verdict (./verdictCache.ts); `executeBlock` and `buildBlock` take those verdicts (any
 * `Verdicts`) and verify only transactions this validator has not verified itself, so no signature
 * is checked twice. The cheap part (decode, chain, kind, scheme: `decodeForChain`) is separate from
 * the expensive one (`verifyDecoded`), so that the mempool can refuse a replay before verifying it.
 */
import { toHex } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import type { Group } from '../crypto/group.ts';
import { isDppError } from '../errors.ts';
import { schemeOf } from './authSchemes.ts';
import type { HandlerRegistry, TxHandler } from './handler.ts';
import { LedgerError } from './ledgerError.ts';
import { decodeTransaction, signingBytesOfEncoded, type Transaction, transactionId } from './transaction.ts';

/** What verification and execution need to know about the chain. */
export interface LedgerEnv {
  readonly chainId: string;
  /** The prime-order group (`libsodiumGroup()` in production). */
  readonly group: Group;
  readonly handlers: HandlerRegistry;
}

const VERIFIED: unique symbol = Symbol('VerifiedTransaction');
const DECODED: unique symbol = Symbol('DecodedTransaction');

/** A transaction that passed every stateless check; only `verifyTransaction` makes one. */
export interface VerifiedTransaction {
  readonly [VERIFIED]: true;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly bytes: Uint8Array;
  readonly tx: Transaction;
  /** The payload as decoded by `handler`. */
  readonly payload: unknown;
  readonly handler: TxHandler;
}

/**
 * The verdicts this validator computed before, where execution looks them up and keeps the ones it
 * computes (./verdictCache.ts): transactions that passed the stateless checks, by hex id, and the
 * pure cryptographic verdicts of kinds' `authorise` hooks (`TxContext.pureVerdict`).
 */
export interface Verdicts {
  get(idHex: string): VerifiedTransaction | undefined;
  add(vt: VerifiedTransaction): void;
  /** `check`'s verdict for transaction `idHex` and these exact `inputs`, computed at most once. */
  verdict(idHex: string, inputs: readonly Uint8Array[], check: () => boolean): boolean;
}

/**
 * A transaction decoded and checked for chain, kind and scheme, its signature and payload not yet
 * verified; only `decodeForChain` makes one.
 */
export interface DecodedTransaction {
  readonly [DECODED]: true;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly bytes: Uint8Array;
  readonly tx: Transaction;
  readonly handler: TxHandler;
}

/**
 * Runs every stateless check on an encoded transaction. Throws DecodeError (malformed) or
 * LedgerError: LEDGER_WRONG_CHAIN, LEDGER_UNKNOWN_KIND, LEDGER_WRONG_AUTH_SCHEME,
 * LEDGER_BAD_SIGNATURE, LEDGER_BAD_PAYLOAD.
 */
export function verifyTransaction(env: LedgerEnv, input: Uint8Array): VerifiedTransaction {
  return verifyDecoded(env, decodeForChain(env, input));
}

/**
 * The cheap stateless checks: decode, chain id, kind, scheme. Throws DecodeError or LedgerError
 * (LEDGER_WRONG_CHAIN, LEDGER_UNKNOWN_KIND, LEDGER_WRONG_AUTH_SCHEME).
 */
export function decodeForChain(env: LedgerEnv, input: Uint8Array): DecodedTransaction {
  const bytes = new Uint8Array(input); // our own copy: the caller's buffer may be reused
  const tx = decodeTransaction(env.group, bytes);
  const id = transactionId(bytes);
  const idHex = toHex(id);
  // [INVALID] a transaction of another chain
  if (tx.chainId !== env.chainId) {
    throw new LedgerError(
      'LEDGER_WRONG_CHAIN',
      `transaction for chain “${tx.chainId}”, this is “${env.chainId}”`,
      {
        txId: idHex,
      },
    );
  }
  // [INVALID] a kind no handler executes, or an authorisation the kind does not accept
  const handler = env.handlers.get(tx.kind);
  if (handler === undefined) {
    throw new LedgerError('LEDGER_UNKNOWN_KIND', `unknown transaction kind “${tx.kind}”`, {
      txId: idHex,
      kind: tx.kind,
    });
  }
  if (handler.authScheme !== tx.auth.scheme) {
    throw new LedgerError(
      'LEDGER_WRONG_AUTH_SCHEME',
      `kind “${tx.kind}” needs ${handler.authScheme} authorisation`,
      {
        txId: idHex,
        scheme: tx.auth.scheme,
      },
    );
  }
  return { [DECODED]: true, id, idHex, bytes, tx, handler };
}

/** The expensive stateless checks of a decoded transaction: signature and payload (see `verifyTransaction`). */
export function verifyDecoded(env: LedgerEnv, decoded: DecodedTransaction): VerifiedTransaction {
  const { id, idHex, bytes, tx, handler } = decoded;
  // [INVALID] a signature that does not verify over the signing bytes
  const scheme = schemeOf(tx.auth);
  if (!scheme.verify(env.group, signingBytesOfEncoded(bytes, scheme.signatureBytes), tx.auth)) {
    throw new LedgerError('LEDGER_BAD_SIGNATURE', 'transaction signature does not verify', { txId: idHex });
  }
  // [INVALID] a payload the kind cannot decode
  let payload: unknown;
  try {
    payload = handler.decodePayload(tx.payload, env.group);
  } catch (cause) {
    throw new LedgerError(
      'LEDGER_BAD_PAYLOAD',
      `malformed ${tx.kind} payload: ${isDppError(cause) ? cause.message : 'decoder failed'}`,
      { txId: idHex, cause: isDppError(cause) ? cause.code : null },
      { cause },
    );
  }
  return { [VERIFIED]: true, id, idHex, bytes, tx, payload, handler };
}

/** verifyTransaction, with a DecodeError turned into LEDGER_BAD_TX (for block validation). */
export function verifyBlockTransaction(
  env: LedgerEnv,
  bytes: Uint8Array,
  index: number,
): VerifiedTransaction {
  try {
    return verifyTransaction(env, bytes);
  } catch (e) {
    if (e instanceof LedgerError) {
      throw new LedgerError(
        e.code,
        `transaction ${index}: ${e.message}`,
        { ...e.details, txIndex: index },
        { cause: e },
      );
    }
    if (e instanceof DecodeError) {
      throw new LedgerError('LEDGER_BAD_TX', `transaction ${index} is malformed: ${e.message}`, {
        txIndex: index,
        cause: e.code,
      });
    }
    throw e;
  }
}
