/**
 * Stateless transaction verification — decode, chain id, kind, scheme, signature, payload — done once
 * per transaction (docs/ledger.md §6.1). The node runs it at mempool admission and keeps the result;
 * `executeBlock` takes those results (any `VerifiedLookup`, e.g. a `VerifiedTxCache`) and only
 * verifies transactions it has not seen, so no signature is checked twice.
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

/** Where execution looks for transactions verified earlier, by hex id. */
export interface VerifiedLookup {
  get(idHex: string): VerifiedTransaction | undefined;
}

/**
 * Runs every stateless check on an encoded transaction. Throws DecodeError (malformed) or
 * LedgerError: LEDGER_WRONG_CHAIN, LEDGER_UNKNOWN_KIND, LEDGER_WRONG_AUTH_SCHEME,
 * LEDGER_BAD_SIGNATURE, LEDGER_BAD_PAYLOAD.
 */
export function verifyTransaction(env: LedgerEnv, input: Uint8Array): VerifiedTransaction {
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

/** A bounded set of verified transactions by id (oldest evicted first), for the mempool and execution. */
export class VerifiedTxCache implements VerifiedLookup {
  private readonly entries = new Map<string, VerifiedTransaction>();

  constructor(private readonly limit = 100_000) {}

  get(idHex: string): VerifiedTransaction | undefined {
    return this.entries.get(idHex);
  }

  /** Remembers a verified transaction. */
  add(vt: VerifiedTransaction): void {
    if (this.entries.has(vt.idHex)) return;
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(vt.idHex, vt);
  }

  /** Forgets a transaction (e.g. once committed). */
  delete(idHex: string): void {
    this.entries.delete(idHex);
  }

  get size(): number {
    return this.entries.size;
  }
}
