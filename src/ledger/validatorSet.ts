/**
 * The validator set as the chain records it, and how it changes (docs/ledger.md §9).
 *
 * The chain runs in *epochs*. Epoch 0 is the genesis validators; each reconfiguration — a validator
 * added, removed or re-keyed by a committed `validator.change` (../contracts/validators.ts) — starts
 * the next one. A change committed at height h is *pending* until the end of its activation block
 * A = the first multiple of RECONFIGURATION_INTERVAL above h; executing block A applies it (the same
 * writes on every validator: `endOfBlockWrites`), so
 *
 *   the validators that certify block h + 1 are those of the state committed at height h.
 *
 * An epoch's `base` is the last height of the previous epoch (0 for epoch 0): it certifies the
 * heights above its base up to the next epoch's base. Each validator keeps a *slot*, a number that
 * never changes and is never reused (its genesis index for the genesis validators); its *index* in
 * an epoch is its position in that epoch's list, ordered by slot — the index commit votes name.
 * Consensus signs in the epoch's own domain (`consensusDomain`), so a vote of one epoch means
 * nothing in another.
 *
 * State: `epoch/‖u32 number` → epoch record (epochs ≥ 1; epoch 0 is the genesis `validator/‖u16
 * index` records of ./genesis.ts, which never change), `epoch/latest` → u32 (absent: epoch 0),
 * `validator-change/pending` → the pending change.
 *
 *   epoch     = u8 1 ‖ u32 number ‖ u64 base ‖ u16 count ‖ count × (u16 slot ‖ string name ‖ key[32] ‖ string p2p)
 *   pending   = u8 1 ‖ u64 activation ‖ u8 type (1 add, 2 remove, 3 rekey) ‖ u16 slot ‖ string name ‖ key[32] ‖ string p2p
 *               (remove: key all zero, p2p ""; rekey: p2p "")
 */
import { bytesEqual, utf8 } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { ED25519_PUBLIC_KEY_BYTES } from '../crypto/ed25519Strict.ts';
import { frame } from '../crypto/hash.ts';
import { MAX_VALIDATORS, quorumSize } from './certificate.ts';
import { parseHostPort } from './endpoint.ts';
import { LedgerError } from './ledgerError.ts';
import { decodeValidatorRecord, isValidName } from './memberRecord.ts';
import { plainBytes } from './plainBytes.ts';
import { prefixed, validatorKey } from './stateKeys.ts';
import type { StateReader, StateWrite } from './worldState.ts';

/** A change committed at height h takes effect after the first multiple of this above h (the default checkpoint interval). */
export const RECONFIGURATION_INTERVAL = 16n;

/** Longest p2p endpoint text (`host:port`). */
const MAX_P2P_BYTES = 260;

/** One validator of an epoch. */
export interface EpochValidator {
  /** Its permanent number (its genesis index for a genesis validator). */
  readonly slot: number;
  readonly name: string;
  /** The Ed25519 key that signs its consensus messages in this epoch. */
  readonly publicKey: Uint8Array;
  /** Where its transport listens (`host:port`), as its `validator.change` said; "" for genesis validators (their peers' configs say). */
  readonly p2p: string;
}

/** A validator set and the heights it certifies. */
export interface Epoch {
  readonly number: number;
  /** The last height of the previous epoch: this one certifies the heights above it. */
  readonly base: bigint;
  /** Ordered by slot; a validator's index in the epoch is its position here. */
  readonly validators: readonly EpochValidator[];
}

/** A reconfiguration: what a `validator.change` asks for. */
export type ValidatorChange =
  | { readonly type: 'add'; readonly name: string; readonly publicKey: Uint8Array; readonly p2p: string }
  | { readonly type: 'remove'; readonly name: string }
  | { readonly type: 'rekey'; readonly name: string; readonly publicKey: Uint8Array };

/** A committed change waiting for its activation block; `slot` is the validator's (a new one's, for an add). */
export interface PendingChange {
  readonly activation: bigint;
  readonly slot: number;
  readonly change: ValidatorChange;
}

const EPOCH = utf8('epoch/');
const LATEST_EPOCH_KEY = utf8('epoch/latest');
/** `validator-change/pending` → the pending change (absent: none). */
export const PENDING_CHANGE_KEY = utf8('validator-change/pending');
const VERSION = 1;
const CHANGE_TYPES = ['add', 'remove', 'rekey'] as const;

/** `epoch/‖u32 number`. */
function epochKey(n: number): Uint8Array {
  return prefixed(EPOCH, new Writer().u32(n).finish());
}

/** The domain consensus signs in during epoch `epoch` of chain `chainId` (epoch 0: the chain id itself). */
export function consensusDomain(chainId: string, epoch: number): string {
  return epoch === 0 ? chainId : `${chainId}/epoch/${epoch}`;
}

/** The activation height of a change committed at `height`. */
export function activationHeight(height: bigint): bigint {
  return (height / RECONFIGURATION_INTERVAL + 1n) * RECONFIGURATION_INTERVAL;
}

/** The epoch in force after the state `state` (the one certifying the next height). */
export function currentEpoch(state: StateReader): Epoch {
  const latest = state.get(LATEST_EPOCH_KEY);
  return latest === undefined
    ? epochZero(state)
    : epochNumber(state, new Reader(plainBytes(latest), 'latest epoch').u32());
}

/** Every epoch up to the state's current one, oldest first. */
export function allEpochs(state: StateReader): Epoch[] {
  const current = currentEpoch(state);
  const out = [epochZero(state)];
  for (let n = 1; n < current.number; n++) out.push(epochNumber(state, n));
  if (current.number > 0) out.push(current);
  return out;
}

/** Epoch 0: the genesis validator records, slots 0, 1, … without gaps. */
function epochZero(state: StateReader): Epoch {
  const validators: EpochValidator[] = [];
  for (let slot = 0; slot < MAX_VALIDATORS; slot++) {
    const bytes = state.get(validatorKey(slot));
    if (bytes === undefined) break;
    const v = decodeValidatorRecord(bytes);
    validators.push({ slot, name: v.name, publicKey: v.publicKey, p2p: '' });
  }
  if (validators.length === 0) missing('the genesis validator records');
  return { number: 0, base: 0n, validators };
}

function epochNumber(state: StateReader, n: number): Epoch {
  return decodeEpoch(state.get(epochKey(n)) ?? missing(`epoch ${n}`));
}

/** The epoch of `epochs` (oldest first) that certifies height `height` ≥ 1. */
export function epochOfHeight(epochs: readonly Epoch[], height: bigint): Epoch {
  let found = epochs[0]!;
  for (const e of epochs) if (e.base < height) found = e;
  return found;
}

/** The change waiting for its activation block, if any. */
export function pendingChange(state: StateReader): PendingChange | null {
  const bytes = state.get(PENDING_CHANGE_KEY);
  return bytes === undefined ? null : decodePendingChange(bytes);
}

/** The slot a validator added now gets: one above every slot any epoch used. */
export function nextSlot(state: StateReader): number {
  let next = 0;
  for (const e of allEpochs(state)) for (const v of e.validators) next = Math.max(next, v.slot + 1);
  return next;
}

/** The epoch a change makes of `current`, based at `base`. */
export function applyChange(current: Epoch, pending: PendingChange, base: bigint): Epoch {
  const { change, slot } = pending;
  let validators: EpochValidator[];
  if (change.type === 'add') {
    validators = [
      ...current.validators,
      { slot, name: change.name, publicKey: change.publicKey, p2p: change.p2p },
    ];
  } else if (change.type === 'remove') {
    validators = current.validators.filter((v) => v.slot !== slot);
  } else {
    validators = current.validators.map((v) => (v.slot === slot ? { ...v, publicKey: change.publicKey } : v));
  }
  validators.sort((a, b) => a.slot - b.slot);
  return { number: current.number + 1, base, validators };
}

/**
 * The writes that end block `height`: at a pending change's activation block, the next epoch
 * (its record, the latest number) and the pending change cleared; else none.
 */
export function endOfBlockWrites(state: StateReader, height: bigint): StateWrite[] {
  const pending = pendingChange(state);
  if (pending === null || pending.activation !== height) return [];
  const current = currentEpoch(state);
  const next = applyChange(current, pending, height);
  return [
    { key: epochKey(next.number), value: encodeEpoch(next) },
    { key: LATEST_EPOCH_KEY, value: new Writer().u32(next.number).finish() },
    { key: PENDING_CHANGE_KEY, value: null },
  ];
}

/** The validators' keys by index and the commit quorum of an epoch (for verifyCommitCertificate). */
export function epochVoters(e: Epoch): { readonly keys: Uint8Array[]; readonly quorum: number } {
  return { keys: e.validators.map((v) => v.publicKey), quorum: quorumSize(e.validators.length) };
}

/** The index of the validator holding `publicKey` in `e`, or -1. */
export function indexOfKey(e: Epoch, publicKey: Uint8Array): number {
  return e.validators.findIndex((v) => bytesEqual(v.publicKey, publicKey));
}

/** The canonical bytes of an epoch record. */
export function encodeEpoch(e: Epoch): Uint8Array {
  const w = new Writer().u8(VERSION).u32(e.number).u64(e.base).u16(e.validators.length);
  for (const v of e.validators)
    w.u16(v.slot).string(v.name).fixed(v.publicKey, ED25519_PUBLIC_KEY_BYTES).string(v.p2p);
  return w.finish();
}

/** Decodes an epoch record; throws DecodeError. */
export function decodeEpoch(bytes: Uint8Array): Epoch {
  const r = new Reader(plainBytes(bytes), 'epoch record');
  version(r);
  const number = r.u32();
  const base = r.u64();
  const count = r.u16();
  if (count < 1 || count > MAX_VALIDATORS)
    throw new DecodeError('DECODE_OUT_OF_RANGE', `epoch of ${count} validators`);
  const validators: EpochValidator[] = [];
  for (let i = 0; i < count; i++) {
    const slot = r.u16();
    if (i > 0 && slot <= validators[i - 1]!.slot)
      throw new DecodeError('DECODE_OUT_OF_RANGE', 'epoch record: slots not ascending');
    validators.push({ slot, name: name(r), publicKey: r.fixed(ED25519_PUBLIC_KEY_BYTES), p2p: p2p(r) });
  }
  r.end();
  return { number, base, validators };
}

/** The canonical bytes of a pending change. */
export function encodePendingChange(p: PendingChange): Uint8Array {
  const c = p.change;
  return new Writer()
    .u8(VERSION)
    .u64(p.activation)
    .u8(CHANGE_TYPES.indexOf(c.type) + 1)
    .u16(p.slot)
    .string(c.name)
    .fixed(c.type === 'remove' ? new Uint8Array(32) : c.publicKey, ED25519_PUBLIC_KEY_BYTES)
    .string(c.type === 'add' ? c.p2p : '')
    .finish();
}

/** Decodes a pending change; throws DecodeError. */
export function decodePendingChange(bytes: Uint8Array): PendingChange {
  const r = new Reader(plainBytes(bytes), 'pending validator change');
  version(r);
  const activation = r.u64();
  const code = r.u8();
  const type = CHANGE_TYPES[code - 1];
  if (type === undefined) throw new DecodeError('DECODE_BAD_TAG', `validator change type ${code}`);
  const slot = r.u16();
  const n = name(r);
  const publicKey = r.fixed(ED25519_PUBLIC_KEY_BYTES);
  const endpoint = p2p(r);
  r.end();
  // [REJECT] the parts a type does not carry must be empty: one change, one encoding
  if ((type === 'remove' && publicKey.some((b) => b !== 0)) || (type !== 'add' && endpoint !== ''))
    throw new DecodeError(
      'DECODE_NON_CANONICAL',
      `a ${type} carries no ${type === 'remove' ? 'key or ' : ''}endpoint`,
    );
  const change: ValidatorChange =
    type === 'add'
      ? { type, name: n, publicKey, p2p: endpoint }
      : type === 'remove'
        ? { type, name: n }
        : { type, name: n, publicKey };
  return { activation, slot, change };
}

function version(r: Reader): void {
  const v = r.u8();
  if (v !== VERSION) throw new DecodeError('DECODE_BAD_VERSION', `record version ${v}`);
}

function name(r: Reader): string {
  const s = r.string(64);
  if (!isValidName(s)) throw new DecodeError('DECODE_OUT_OF_RANGE', 'invalid validator name');
  return s;
}

function p2p(r: Reader): string {
  const s = r.string(MAX_P2P_BYTES);
  if (s !== '' && parseHostPort(s) === null)
    throw new DecodeError('DECODE_OUT_OF_RANGE', 'invalid p2p endpoint');
  return s;
}

function missing(what: string): never {
  throw new LedgerError('LEDGER_STATE_CORRUPT', `the state lacks ${what}`);
}

/** What the current validators sign to approve `change` in epoch `epoch` of chain `chainId` (bound to that epoch: stale once any change applies). */
export function changeApprovalBytes(chainId: string, epoch: number, change: ValidatorChange): Uint8Array {
  return frame('dpp/validator-change/v1', changeParts(chainId, epoch, change));
}

/** What the new key of an add or rekey signs, proving that whoever asks holds it. */
export function changeKeyProofBytes(chainId: string, epoch: number, change: ValidatorChange): Uint8Array {
  return frame('dpp/validator-key-proof/v1', changeParts(chainId, epoch, change));
}

function changeParts(chainId: string, epoch: number, c: ValidatorChange): Uint8Array[] {
  return [
    utf8(chainId),
    new Writer().u32(epoch).finish(),
    utf8(c.type),
    utf8(c.name),
    c.type === 'remove' ? new Uint8Array(0) : c.publicKey,
    utf8(c.type === 'add' ? c.p2p : ''),
  ];
}
