/**
 * What the chain remembers of each member beyond its member record (docs/protocol.md §4.1–§4.3):
 * how and at which height it joined, every change of its organisation key (a rotation it signed,
 * or a recovery by the trading centre, with who, when, the old and new key and the reason), the
 * keys no one may use again, and the regulator's certification keys over time.
 *
 *   `memberinfo/‖id`          → member-info {via genesis | register | card, joined height, key changes}
 *                                (absent for a genesis member that never changed its key)
 *   `joined/last`             → counter: members joined after genesis
 *   `joined/‖u64 seq`         → joined-entry {id}, seq 1, 2, … in order of joining
 *   `keychange/‖u32 n‖id`     → key-change: the member's n-th key change (n = 1, 2, …)
 *   `retiredkey/‖key`         → retired-key {member, height}: a former organisation key, refused
 *                                forever as anyone's key (its nonce sequence stays where it ended)
 *   `certkey/last`            → counter: certification-key rotations
 *   `certkey/‖u64 seq`        → cert-key-change {old key, new key, height, time}
 *
 * A key is never used twice: a new organisation key must be a valid Ed25519 key that is no
 * member's current or former key, has never signed a transaction (no `nonce/` entry) and is no
 * validator's key (any epoch, or a pending change). So a new key's nonces start at 1 and nothing
 * signed under an old key can be replayed under it.
 */
import { bytesEqual, concatBytes, toHex, utf8 } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { isValidEd25519PublicKey } from '../crypto/ed25519Strict.ts';
import type { Group } from '../crypto/group.ts';
import type { TxContext } from '../ledger/handler.ts';
import { encodeMemberRecord, type MemberRecord } from '../ledger/memberRecord.ts';
import { memberKey, nonceKey, orgKeyKey, prefixed } from '../ledger/stateKeys.ts';
import { allEpochs, pendingChange } from '../ledger/validatorSet.ts';
import type { StateReader } from '../ledger/worldState.ts';
import { ContractError } from './contractError.ts';
import { type Draft, readRecord } from './draft.ts';
import { counterRecord, memberId, type RecordOf, text } from './records.ts';
import { bool, fixed, oneOf, record, u32, u64 } from './schema.ts';

// ── state keys ─────────────────────────────────────────────────────────────────────────────

/** `memberinfo/‖id` → how and when the member joined, and how many times its key changed. */
export function memberInfoKey(id: string): Uint8Array {
  return prefixed(utf8('memberinfo/'), utf8(id));
}

/** `joined/last` → u64 number of members joined after genesis. */
export const LAST_JOINED_KEY = utf8('joined/last');

/** `joined/‖u64 seq` → the id of the seq-th member joined after genesis (1-based). */
export function joinedKey(seq: bigint): Uint8Array {
  return prefixed(utf8('joined/'), new Writer().u64(seq).finish());
}

/** `keychange/‖u32 n‖id` → the member's n-th organisation-key change (1-based). */
export function keyChangeKey(id: string, n: number): Uint8Array {
  return prefixed(utf8('keychange/'), concatBytes(new Writer().u32(n).finish(), utf8(id)));
}

/** `retiredkey/‖key` → whose organisation key it was, and from which height it is refused. */
export function retiredKeyKey(key: Uint8Array): Uint8Array {
  return prefixed(utf8('retiredkey/'), key);
}

/** `certkey/last` → u64 number of certification-key rotations. */
export const LAST_CERT_KEY_CHANGE_KEY = utf8('certkey/last');

/** `certkey/‖u64 seq` → the seq-th rotation of the regulator's certification key (1-based). */
export function certKeyChangeKey(seq: bigint): Uint8Array {
  return prefixed(utf8('certkey/'), new Writer().u64(seq).finish());
}

// ── records ────────────────────────────────────────────────────────────────────────────────

/** How a member came to be one. */
export const JOIN_WAYS = ['genesis', 'register', 'card'] as const;
export type JoinWay = (typeof JOIN_WAYS)[number];

/** How and when a member joined, and how many times its organisation key changed since. */
export const memberInfoRecord = record('member-info', 1, {
  via: oneOf(JOIN_WAYS),
  /** The height of the block that admitted it (0 for genesis). */
  joinedHeight: u64(),
  /** Its key changes: keychange/‖1..keyChanges‖id. */
  keyChanges: u32(),
});
export type MemberInfoRecord = RecordOf<typeof memberInfoRecord>;

/** One entry of the list of members joined after genesis. */
export const joinedEntryRecord = record('joined-entry', 1, { id: memberId });

/** How an organisation key changed. */
export const KEY_CHANGE_WAYS = ['rotate', 'recover'] as const;
export type KeyChangeWay = (typeof KEY_CHANGE_WAYS)[number];

/** The audit record of one organisation-key change. */
export const keyChangeRecord = record('key-change', 1, {
  /** Its number among the member's changes (1-based). */
  n: u32(),
  how: oneOf(KEY_CHANGE_WAYS),
  /** Who sent it: the member itself (rotate) or the trading centre (recover). */
  by: memberId,
  height: u64(),
  atMs: u64(),
  oldKey: fixed(32),
  newKey: fixed(32),
  /** Why (a recovery's reason; "" for a rotation). */
  reason: text,
  /** True when the new key's holder proved possession of it on chain (a rotation always does). */
  possessionProven: bool,
});
export type KeyChangeRecord = RecordOf<typeof keyChangeRecord>;

/** A former organisation key: whose it was, and the height from which it is refused. */
export const retiredKeyRecord = record('retired-key', 1, { member: memberId, height: u64() });

/** One rotation of the regulator's pseudonym-certification key. */
export const certKeyChangeRecord = record('cert-key-change', 1, {
  seq: u64(),
  oldKey: fixed(32),
  newKey: fixed(32),
  height: u64(),
  atMs: u64(),
});
export type CertKeyChangeRecord = RecordOf<typeof certKeyChangeRecord>;

// ── reading ────────────────────────────────────────────────────────────────────────────────

/** How `id` joined and its number of key changes; a member without a record joined at genesis. */
export function memberInfo(state: StateReader, group: Group, id: string): MemberInfoRecord {
  return (
    readRecord(state, group, memberInfoKey(id), memberInfoRecord) ?? {
      via: 'genesis',
      joinedHeight: 0n,
      keyChanges: 0,
    }
  );
}

/** The ids of the members joined after genesis, in order of joining. */
export function joinedMembers(state: StateReader, group: Group): string[] {
  const n = readRecord(state, group, LAST_JOINED_KEY, counterRecord)?.value ?? 0n;
  const out: string[] = [];
  for (let seq = 1n; seq <= n; seq++) {
    const e = readRecord(state, group, joinedKey(seq), joinedEntryRecord);
    if (e !== undefined) out.push(e.id);
  }
  return out;
}

/** `id`'s organisation-key changes, oldest first. */
export function keyChanges(state: StateReader, group: Group, id: string): KeyChangeRecord[] {
  const { keyChanges: n } = memberInfo(state, group, id);
  const out: KeyChangeRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const c = readRecord(state, group, keyChangeKey(id, i), keyChangeRecord);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/** The rotations of the regulator's certification key, oldest first. */
export function certKeyChanges(state: StateReader, group: Group): CertKeyChangeRecord[] {
  const n = readRecord(state, group, LAST_CERT_KEY_CHANGE_KEY, counterRecord)?.value ?? 0n;
  const out: CertKeyChangeRecord[] = [];
  for (let seq = 1n; seq <= n; seq++) {
    const c = readRecord(state, group, certKeyChangeKey(seq), certKeyChangeRecord);
    if (c !== undefined) out.push(c);
  }
  return out;
}

// ── writing ────────────────────────────────────────────────────────────────────────────────

/**
 * [FAIL] unless `key` may become an organisation key: a valid Ed25519 key (CONTRACT_BAD_PROOF) that
 * is no member's current or former key, never signed a transaction and is no validator's key of
 * any epoch or of a pending change (CONTRACT_EXISTS, naming which).
 */
export function assertFreshOrgKey(draft: Draft, key: Uint8Array): void {
  if (!isValidEd25519PublicKey(key))
    throw new ContractError('CONTRACT_BAD_PROOF', 'invalid organisation key: not a valid Ed25519 public key');
  const short = `${toHex(key).slice(0, 16)}…`;
  const holder = draft.get(orgKeyKey(key));
  if (holder !== undefined)
    throw new ContractError(
      'CONTRACT_EXISTS',
      `key ${short} is the organisation key of ${new TextDecoder().decode(holder)}`,
      { key: toHex(key) },
    );
  const retired = draft.read(retiredKeyKey(key), retiredKeyRecord);
  if (retired !== undefined)
    throw new ContractError(
      'CONTRACT_EXISTS',
      `key ${short} was ${retired.member}'s organisation key until height ${retired.height}: a key is never used twice`,
      { key: toHex(key), member: retired.member },
    );
  if (draft.get(nonceKey(key)) !== undefined)
    throw new ContractError('CONTRACT_EXISTS', `key ${short} has signed transactions before`, {
      key: toHex(key),
    });
  const validator = allEpochs(draft)
    .flatMap((e) => e.validators)
    .find((v) => bytesEqual(v.publicKey, key));
  const pending = pendingChange(draft)?.change;
  if (
    validator !== undefined ||
    (pending !== undefined && pending.type !== 'remove' && bytesEqual(pending.publicKey, key))
  )
    throw new ContractError(
      'CONTRACT_EXISTS',
      `key ${short} is validator ${validator?.name ?? pending?.name}'s key: a validator key signs consensus votes, never transactions`,
      { key: toHex(key) },
    );
}

/** Records that `id` joined at this block (`via` register or card): member-info and the joined list. */
export function recordJoin(ctx: TxContext, draft: Draft, id: string, via: Exclude<JoinWay, 'genesis'>): void {
  draft.put(memberInfoKey(id), memberInfoRecord, { via, joinedHeight: ctx.block.height, keyChanges: 0 });
  const seq = (draft.read(LAST_JOINED_KEY, counterRecord)?.value ?? 0n) + 1n;
  draft.put(LAST_JOINED_KEY, counterRecord, { value: seq });
  draft.put(joinedKey(seq), joinedEntryRecord, { id });
}

/** What a key change records besides the keys. */
export interface KeyChangeFacts {
  readonly how: KeyChangeWay;
  readonly by: string;
  readonly reason: string;
  readonly possessionProven: boolean;
}

/**
 * Replaces `member`'s organisation key with `newKey` (checked fresh by the caller) in its member
 * record and the key index, retires the old key and appends the audit record.
 */
export function changeOrgKey(
  ctx: TxContext,
  draft: Draft,
  member: MemberRecord,
  newKey: Uint8Array,
  facts: KeyChangeFacts,
): KeyChangeRecord {
  const { id, orgKey: oldKey } = member;
  const info = memberInfo(draft, ctx.group, id);
  const n = info.keyChanges + 1;
  draft.putBytes(memberKey(id), encodeMemberRecord({ ...member, orgKey: newKey }));
  draft.putBytes(orgKeyKey(oldKey), null);
  draft.putBytes(orgKeyKey(newKey), utf8(id));
  draft.put(retiredKeyKey(oldKey), retiredKeyRecord, { member: id, height: ctx.block.height });
  draft.put(memberInfoKey(id), memberInfoRecord, { ...info, keyChanges: n });
  const change: KeyChangeRecord = {
    n,
    ...facts,
    height: ctx.block.height,
    atMs: ctx.block.timestampMs,
    oldKey,
    newKey,
  };
  draft.put(keyChangeKey(id, n), keyChangeRecord, change);
  return change;
}
