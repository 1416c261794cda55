/**
 * The execution interface that contracts plug into (docs/ledger.md §6): one handler per transaction
 * kind, registered in a `HandlerRegistry`. A handler is deterministic: it reads state only through
 * `ctx.state` and time only through `ctx.block.timestampMs`, never the wall clock or Math.random,
 * and it returns its writes instead of performing them.
 *
 *   decodePayload  stateless, at admission: a DecodeError makes the transaction invalid
 *   authorise      stateful permission (mandatory for `pseudonym` and `ring` kinds: a certified,
 *                  unexpired pseudonym; a ring proof bound to the unique id): a throw makes the
 *                  transaction invalid, so a block containing it is invalid; an expensive pure
 *                  check in it (a ring proof) goes through `ctx.pureVerdict`, which runs it once
 *   validate       business rules: a DppError gives a failed receipt with its code
 *   apply          the state writes of a valid transaction (a DppError also gives a failed receipt)
 */
import type { Group } from '../crypto/group.ts';
import type {
  Authorisation,
  AuthSchemeName,
  OrgAuthorisation,
  PseudonymAuthorisation,
  RingAuthorisation,
} from './authorisation.ts';
import { LedgerError } from './ledgerError.ts';
import { isValidKind, type Transaction } from './transaction.ts';
import type { StateReader, StateWrite } from './worldState.ts';

/** What a block tells its transactions: the only clock and identity of the moment. */
export interface BlockContext {
  readonly chainId: string;
  readonly height: bigint;
  /** The block's agreed timestamp: the only clock contracts may read. */
  readonly timestampMs: bigint;
  /** Index of the proposing validator. */
  readonly proposer: number;
}

/** What a handler sees while executing one transaction. */
export interface TxContext {
  readonly block: BlockContext;
  /** State as left by the previous transactions of the block (read-only). */
  readonly state: StateReader;
  readonly group: Group;
  readonly txId: Uint8Array;
  /** Position of the transaction in its block. */
  readonly txIndex: number;
  /**
   * The verdict of `check`, a **pure** cryptographic check of this transaction against `inputs`
   * (e.g. its ring proof against the ring and the regulator's key read from state): computed once
   * per validator and reused wherever the same transaction meets the same input bytes again —
   * admission, building, validation (./verdictCache.ts). `check` must depend on nothing but the
   * transaction and `inputs`: the state reads that produce `inputs` (and every stateful condition)
   * run each time, outside `check`.
   */
  pureVerdict(inputs: readonly Uint8Array[], check: () => boolean): boolean;
}

/** A transaction whose authorisation is of one scheme. */
export type TransactionWith<A extends Authorisation> = Transaction & { readonly auth: A };

interface HandlerBase<A extends Authorisation, P> {
  /** The kind this handler executes: 1..32 characters of [a-z0-9.-]. */
  readonly kind: string;
  /** Decodes and validates the payload (stateless); throws DecodeError. */
  decodePayload(bytes: Uint8Array, group: Group): P;
  /** Business validation; throw a DppError to fail the transaction with its code. */
  validate(ctx: TxContext, tx: TransactionWith<A>, payload: P): void;
  /** The writes of a valid transaction (keys outside `nonce/` and `used/`). */
  apply(ctx: TxContext, tx: TransactionWith<A>, payload: P): readonly StateWrite[];
}

/** A kind authorised by an organisation key (membership and nonce are checked by the ledger). */
export interface OrgTxHandler<P = unknown> extends HandlerBase<OrgAuthorisation, P> {
  readonly authScheme: 'org';
  /** Optional extra permission check; a throw makes the transaction invalid. */
  authorise?(ctx: TxContext, tx: TransactionWith<OrgAuthorisation>, payload: P): void;
}

/** A kind authorised by a pseudonym key. */
export interface PseudonymTxHandler<P = unknown> extends HandlerBase<PseudonymAuthorisation, P> {
  readonly authScheme: 'pseudonym';
  /** Must check that the pseudonym is certified and unexpired at `ctx.block.timestampMs`. */
  authorise(ctx: TxContext, tx: TransactionWith<PseudonymAuthorisation>, payload: P): void;
}

/** A kind authorised by a ring signcryption in its payload. */
export interface RingTxHandler<P = unknown> extends HandlerBase<RingAuthorisation, P> {
  readonly authScheme: 'ring';
  /** Must verify the signcryption against the ring in state and `matchesRingTxContext` (./ringAuth.ts). */
  authorise(ctx: TxContext, tx: TransactionWith<RingAuthorisation>, payload: P): void;
}

/** Any handler. */
export type TxHandler<P = unknown> = OrgTxHandler<P> | PseudonymTxHandler<P> | RingTxHandler<P>;

/** The handlers a chain executes, by kind. */
export class HandlerRegistry {
  private readonly byKind = new Map<string, TxHandler>();

  constructor(handlers: readonly TxHandler[] = []) {
    for (const h of handlers) this.register(h);
  }

  /** Adds a handler; throws LEDGER_DUPLICATE_KIND or LEDGER_BAD_FIELD. */
  register(handler: TxHandler): this {
    if (!isValidKind(handler.kind)) {
      throw new LedgerError(
        'LEDGER_BAD_FIELD',
        `invalid kind “${handler.kind}”: 1..32 characters of [a-z0-9.-]`,
      );
    }
    if (this.byKind.has(handler.kind)) {
      throw new LedgerError('LEDGER_DUPLICATE_KIND', `kind “${handler.kind}” is registered twice`, {
        kind: handler.kind,
      });
    }
    const schemes: readonly AuthSchemeName[] = ['org', 'pseudonym', 'ring'];
    if (!schemes.includes(handler.authScheme))
      throw new LedgerError('LEDGER_BAD_FIELD', 'unknown authScheme');
    this.byKind.set(handler.kind, handler);
    return this;
  }

  /** The handler of `kind`, or undefined. */
  get(kind: string): TxHandler | undefined {
    return this.byKind.get(kind);
  }

  /** Every registered kind, sorted. */
  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }
}
