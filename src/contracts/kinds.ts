/**
 * How a contract kind is declared (docs/protocol.md §3): its name, the roles that may send it, its
 * payload schema and one `execute` function that checks the business rules against a Draft of the
 * state and stages its writes. The factories turn that into a ledger handler (../ledger/handler.ts):
 *   - `orgKind`: signed by a member's organisation key; the sender must be a member of one of the
 *     kind's roles and not suspended, otherwise the transaction is invalid (never enters a block);
 *   - `pseudonymKind`: signed by a consumer's one-time pseudonym, registered, unrevoked and
 *     unexpired at the block's time, otherwise invalid;
 *   - ring kinds are written directly against the ledger interface (./billResponses.ts).
 * A ContractError thrown by `execute` gives a failed receipt and changes nothing.
 */
import type { Point } from '../crypto/group.ts';
import type { OrgTxHandler, PseudonymTxHandler, TxContext } from '../ledger/handler.ts';
import { LedgerError } from '../ledger/ledgerError.ts';
import { decodeMemberRecord, type MemberRecord, type MemberRole } from '../ledger/memberRecord.ts';
import { memberKey, orgKeyKey } from '../ledger/stateKeys.ts';
import { ContractError } from './contractError.ts';
import { Draft, readRecord } from './draft.ts';
import { pseudonymKey, suspendedKey } from './keys.ts';
import { type PseudonymRecord, pseudonymRecord } from './records.ts';
import type { Codec } from './schema.ts';

/** What an org kind's `execute` receives. */
export interface OrgCall<P> {
  readonly ctx: TxContext;
  readonly payload: P;
  readonly sender: MemberRecord;
  readonly draft: Draft;
}

/** What a pseudonym kind's `execute` receives. */
export interface PseudonymCall<P> {
  readonly ctx: TxContext;
  readonly payload: P;
  readonly pseudonym: Point;
  readonly registration: PseudonymRecord;
  readonly draft: Draft;
}

/** The member that owns organisation key `orgKey`, or undefined. */
export function memberOfKey(ctx: TxContext, orgKey: Uint8Array): MemberRecord | undefined {
  const id = ctx.state.get(orgKeyKey(orgKey));
  if (id === undefined) return undefined;
  return memberById(ctx, new TextDecoder().decode(id));
}

/** The member with `id`, or undefined. */
export function memberById(
  ctx: { readonly state: TxContext['state'] },
  id: string,
): MemberRecord | undefined {
  const bytes = ctx.state.get(memberKey(id));
  if (bytes === undefined) return undefined;
  try {
    return decodeMemberRecord(bytes);
  } catch (cause) {
    throw new LedgerError('LEDGER_STATE_CORRUPT', 'stored member record does not decode', { id }, { cause });
  }
}

/** True while `id` is suspended. */
export function isSuspended(ctx: { readonly state: TxContext['state'] }, id: string): boolean {
  return ctx.state.get(suspendedKey(id)) !== undefined;
}

/** A kind signed by an organisation key of one of `roles`. */
export function orgKind<P>(spec: {
  readonly kind: string;
  readonly roles: readonly MemberRole[];
  readonly payload: Codec<P>;
  execute(call: OrgCall<P>): void;
}): OrgTxHandler<P> {
  const senderOf = (ctx: TxContext, key: Uint8Array): MemberRecord => {
    const m = memberOfKey(ctx, key);
    if (m === undefined) throw new ContractError('CONTRACT_NOT_MEMBER', 'the sender is not a member');
    return m;
  };
  return {
    kind: spec.kind,
    authScheme: 'org',
    decodePayload: (bytes, group) => spec.payload.decode(bytes, group),
    authorise(ctx, tx) {
      const sender = senderOf(ctx, tx.auth.sender);
      // [INVALID] a role that may not send this kind
      if (!spec.roles.includes(sender.role)) {
        throw new ContractError('CONTRACT_WRONG_ROLE', `a ${sender.role} may not send ${spec.kind}`, {
          role: sender.role,
          kind: spec.kind,
        });
      }
      // [INVALID] a suspended member
      if (isSuspended(ctx, sender.id)) {
        throw new ContractError('CONTRACT_SUSPENDED', `member ${sender.id} is suspended`, { id: sender.id });
      }
    },
    validate() {},
    apply(ctx, tx, payload) {
      const draft = new Draft(ctx.state, ctx.group);
      spec.execute({ ctx, payload, sender: senderOf(ctx, tx.auth.sender), draft });
      return draft.writes();
    },
  };
}

/**
 * A ledger kind signed by an organisation key (such as the ledger's `memo`) opened to every member
 * that is not suspended: `orgKind`'s membership and suspension checks in front of its own.
 */
export function membersOnly<P>(handler: OrgTxHandler<P>): OrgTxHandler<P> {
  return {
    ...handler,
    authorise(ctx, tx, payload) {
      const sender = memberOfKey(ctx, tx.auth.sender);
      if (sender === undefined) throw new ContractError('CONTRACT_NOT_MEMBER', 'the sender is not a member');
      // [INVALID] a suspended member
      if (isSuspended(ctx, sender.id)) {
        throw new ContractError('CONTRACT_SUSPENDED', `member ${sender.id} is suspended`, { id: sender.id });
      }
      handler.authorise?.(ctx, tx, payload);
    },
  };
}

/** The registration of pseudonym `y`, usable at the block's time, or a ContractError. */
export function usablePseudonym(ctx: TxContext, y: Uint8Array): PseudonymRecord {
  const reg = readRecord(ctx.state, ctx.group, pseudonymKey(y), pseudonymRecord);
  if (reg === undefined) throw new ContractError('CONTRACT_BAD_PSEUDONYM', 'the pseudonym is not registered');
  if (reg.revoked) throw new ContractError('CONTRACT_BAD_PSEUDONYM', 'the pseudonym was revoked');
  if (ctx.block.timestampMs >= reg.expiresAtMs) {
    throw new ContractError('CONTRACT_BAD_PSEUDONYM', 'the pseudonym has expired', {
      expiresAtMs: reg.expiresAtMs.toString(),
    });
  }
  return reg;
}

/** A kind signed by a consumer's registered, unrevoked, unexpired one-time pseudonym. */
export function pseudonymKind<P>(spec: {
  readonly kind: string;
  readonly payload: Codec<P>;
  execute(call: PseudonymCall<P>): void;
}): PseudonymTxHandler<P> {
  return {
    kind: spec.kind,
    authScheme: 'pseudonym',
    decodePayload: (bytes, group) => spec.payload.decode(bytes, group),
    authorise(ctx, tx) {
      // [INVALID] a key the regulator did not register, or one revoked or expired
      usablePseudonym(ctx, tx.auth.pseudonym);
    },
    validate() {},
    apply(ctx, tx, payload) {
      const draft = new Draft(ctx.state, ctx.group);
      const registration = usablePseudonym(ctx, tx.auth.pseudonym);
      spec.execute({ ctx, payload, pseudonym: tx.auth.pseudonym, registration, draft });
      return draft.writes();
    },
  };
}

/** Throws CONTRACT_NOT_FOUND naming what is missing. */
export function notFound(what: string, details: Record<string, string> = {}): never {
  throw new ContractError('CONTRACT_NOT_FOUND', `${what} not found`, details);
}
