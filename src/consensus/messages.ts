/**
 * PBFT messages, their canonical encoding and the bytes each sender signs (docs/consensus.md §2).
 *
 * Wire: u8 version (1) ‖ u8 type ‖ u16 sender ‖ body ‖ 64-byte signature. The signature covers
 * frame("dpp/pbft/<type>/v1", chainId, sender, body), so a message cannot be replayed on another chain
 * or attributed to another sender. A commit's signed bytes are the block's commit vote
 * (`commitVoteBytes`), so the commits a replica collects are the block's commit certificate — the
 * ledger's `CommitCertificate`, carried here with the height and digest it certifies.
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { frame } from '../crypto/hash.ts';
import { type CertifiedDigest, type CommitVote, commitVoteBytes } from '../ledger/certificate.ts';

/** A validator's signature over a prepare (in a prepared certificate): who, and the 64 signature bytes. */
export interface Vote {
  readonly validator: number;
  readonly signature: Uint8Array;
}

/** A committed payload with its commit certificate: what the replica commits and state transfer carries. */
export interface CertifiedPayload extends CertifiedDigest {
  readonly payload: Uint8Array;
}

/** The primary's proposal of `payload` (a block) for `height` in `view`. */
export interface PrePrepare {
  readonly type: 'pre-prepare';
  readonly view: bigint;
  readonly height: bigint;
  readonly digest: Uint8Array;
  readonly payload: Uint8Array;
}

/** A backup's acceptance of the pre-prepare with `digest`. */
export interface Prepare {
  readonly type: 'prepare';
  readonly view: bigint;
  readonly height: bigint;
  readonly digest: Uint8Array;
}

/** A replica's vote to commit `digest` once it has prepared it. */
export interface Commit {
  readonly type: 'commit';
  readonly view: bigint;
  readonly height: bigint;
  readonly digest: Uint8Array;
}

/** A replica's statement that the block at `height` has `digest` (every checkpoint interval). */
export interface Checkpoint {
  readonly type: 'checkpoint';
  readonly height: bigint;
  readonly digest: Uint8Array;
}

/**
 * Proof that a payload was prepared at (view, height): the primary's pre-prepare signature and
 * Q − 1 matching prepares, all over the digest (the payload itself travels once, in the new view).
 */
export interface PreparedCertificate {
  readonly view: bigint;
  readonly height: bigint;
  readonly digest: Uint8Array;
  readonly prePrepareSignature: Uint8Array;
  readonly prepares: readonly Vote[];
}

/** A replica asks to move to `newView`, carrying what it committed last and what it prepared after. */
export interface ViewChange {
  readonly type: 'view-change';
  readonly newView: bigint;
  readonly committedHeight: bigint;
  /** Certificate of the block at committedHeight (absent at height 0, the genesis). */
  readonly committed: CertifiedDigest | null;
  /** The highest-view prepared certificate for committedHeight + 1, if any. */
  readonly prepared: PreparedCertificate | null;
  /**
   * The prepared payload, attached so the new primary can re-propose it. Not signed (it is checked
   * against the certificate's digest) and dropped when the view change is embedded in a new view.
   */
  readonly preparedPayload: Uint8Array | null;
}

/** The new primary's proof that Q replicas moved to `view`, and the proposal they oblige. */
export interface NewView {
  readonly type: 'new-view';
  readonly view: bigint;
  readonly viewChanges: readonly Signed<ViewChange>[];
  /** Re-proposal of the highest prepared payload, or null when none was prepared. */
  readonly prePrepare: Signed<PrePrepare> | null;
}

/** A lagging replica asks for committed blocks from `fromHeight` on. */
export interface FetchBlocks {
  readonly type: 'fetch-blocks';
  readonly fromHeight: bigint;
  readonly count: number;
}

/** Committed blocks with their certificates (state transfer). */
export interface Blocks {
  readonly type: 'blocks';
  readonly blocks: readonly CertifiedPayload[];
}

/** Every consensus message. */
export type Message =
  | PrePrepare
  | Prepare
  | Commit
  | Checkpoint
  | ViewChange
  | NewView
  | FetchBlocks
  | Blocks;

/** A message with its sender and the sender's signature. */
export interface Signed<M extends Message = Message> {
  readonly sender: number;
  readonly message: M;
  readonly signature: Uint8Array;
}

/** Limits every decoder enforces before allocating. */
export interface MessageLimits {
  readonly maxPayloadBytes: number;
  readonly maxMessageBytes: number;
  readonly maxValidators: number;
  readonly maxBlocksPerMessage: number;
}

/** Defaults: 16 MiB blocks, 64 MiB messages, up to 256 validators, 64 blocks per state transfer. */
export const DEFAULT_LIMITS: MessageLimits = {
  maxPayloadBytes: 16 << 20,
  maxMessageBytes: 64 << 20,
  maxValidators: 256,
  maxBlocksPerMessage: 64,
};

const TYPE_CODES = {
  'pre-prepare': 1,
  prepare: 2,
  commit: 3,
  checkpoint: 4,
  'view-change': 5,
  'new-view': 6,
  'fetch-blocks': 7,
  blocks: 8,
} as const satisfies Record<Message['type'], number>;
const TYPE_NAMES = Object.fromEntries(Object.entries(TYPE_CODES).map(([k, v]) => [v, k])) as Record<
  number,
  Message['type']
>;
const DIGEST_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** The bytes a prepare vote signs (also checked inside prepared certificates). */
export function prepareVoteBytes(
  chainId: string,
  sender: number,
  view: bigint,
  height: bigint,
  digest: Uint8Array,
): Uint8Array {
  return signingBytes(chainId, sender, { type: 'prepare', view, height, digest });
}

/** The bytes the primary signs for a pre-prepare: the digest stands for the payload. */
export function prePrepareVoteBytes(
  chainId: string,
  sender: number,
  view: bigint,
  height: bigint,
  digest: Uint8Array,
): Uint8Array {
  return signingBytes(chainId, sender, { type: 'prepare', view, height, digest }, 'pre-prepare');
}

/** The bytes `sender` signs for `message`. */
export function signingBytes(
  chainId: string,
  sender: number,
  message: Message,
  as: Message['type'] = message.type,
): Uint8Array {
  if (message.type === 'commit')
    return commitVoteBytes(chainId, message.view, message.height, message.digest);
  if (message.type === 'pre-prepare')
    return prePrepareVoteBytes(chainId, sender, message.view, message.height, message.digest);
  const signed = message.type === 'view-change' ? { ...message, preparedPayload: null } : message;
  return frame(`dpp/pbft/${as}/v1`, [utf8(chainId), u16(sender), encodeBody(signed)]);
}

/** The wire bytes of a signed message. */
export function encodeSigned(signed: Signed): Uint8Array {
  return new Writer()
    .u8(1)
    .u8(TYPE_CODES[signed.message.type])
    .u16(signed.sender)
    .bytes(encodeBody(signed.message))
    .fixed(signed.signature, SIGNATURE_BYTES)
    .finish();
}

/** Decodes a signed message strictly (the signature is checked by the replica, not here). */
export function decodeSigned(bytes: Uint8Array, limits: MessageLimits = DEFAULT_LIMITS): Signed {
  const r = new Reader(bytes, 'consensus message');
  const signed = readSigned(r, limits);
  r.end();
  return signed;
}

function readSigned(r: Reader, limits: MessageLimits): Signed {
  const version = r.u8();
  if (version !== 1) throw new DecodeError('DECODE_BAD_VERSION', `consensus message version ${version}`);
  const code = r.u8();
  const type = TYPE_NAMES[code];
  if (type === undefined) throw new DecodeError('DECODE_BAD_TAG', `unknown consensus message type ${code}`);
  const sender = readValidator(r, limits);
  const body = r.bytes(limits.maxMessageBytes);
  const signature = r.fixed(SIGNATURE_BYTES);
  const br = new Reader(body, `${type} body`);
  const message = readBody(type, br, limits);
  br.end();
  return { sender, message, signature };
}

function encodeBody(m: Message): Uint8Array {
  const w = new Writer();
  switch (m.type) {
    case 'pre-prepare':
      w.u64(m.view).u64(m.height).fixed(m.digest, DIGEST_BYTES).bytes(m.payload);
      break;
    case 'prepare':
    case 'commit':
      w.u64(m.view).u64(m.height).fixed(m.digest, DIGEST_BYTES);
      break;
    case 'checkpoint':
      w.u64(m.height).fixed(m.digest, DIGEST_BYTES);
      break;
    case 'view-change':
      w.u64(m.newView).u64(m.committedHeight);
      w.u8(m.committed === null ? 0 : 1);
      if (m.committed !== null) writeCertified(w, m.committed);
      w.u8(m.prepared === null ? 0 : 1);
      if (m.prepared !== null) {
        const p = m.prepared;
        w.u64(p.view)
          .u64(p.height)
          .fixed(p.digest, DIGEST_BYTES)
          .fixed(p.prePrepareSignature, SIGNATURE_BYTES);
        writeVotes(w, p.prepares);
      }
      w.u8(m.preparedPayload === null ? 0 : 1);
      if (m.preparedPayload !== null) w.bytes(m.preparedPayload);
      break;
    case 'new-view':
      w.u64(m.view).u16(m.viewChanges.length);
      for (const vc of m.viewChanges) w.bytes(encodeSigned(vc));
      w.u8(m.prePrepare === null ? 0 : 1);
      if (m.prePrepare !== null) w.bytes(encodeSigned(m.prePrepare));
      break;
    case 'fetch-blocks':
      w.u64(m.fromHeight).u16(m.count);
      break;
    case 'blocks':
      w.u16(m.blocks.length);
      for (const b of m.blocks) {
        w.bytes(b.payload);
        writeCertified(w, b);
      }
      break;
  }
  return w.finish();
}

function readBody(type: Message['type'], r: Reader, limits: MessageLimits): Message {
  switch (type) {
    case 'pre-prepare': {
      const view = r.u64();
      const height = r.u64();
      const digest = r.fixed(DIGEST_BYTES);
      return { type, view, height, digest, payload: r.bytes(limits.maxPayloadBytes) };
    }
    case 'prepare':
    case 'commit':
      return { type, view: r.u64(), height: r.u64(), digest: r.fixed(DIGEST_BYTES) };
    case 'checkpoint':
      return { type, height: r.u64(), digest: r.fixed(DIGEST_BYTES) };
    case 'view-change': {
      const newView = r.u64();
      const committedHeight = r.u64();
      const committed = readFlag(r) ? readCertified(r, limits) : null;
      let prepared: PreparedCertificate | null = null;
      if (readFlag(r)) {
        prepared = {
          view: r.u64(),
          height: r.u64(),
          digest: r.fixed(DIGEST_BYTES),
          prePrepareSignature: r.fixed(SIGNATURE_BYTES),
          prepares: readVotes(r, limits),
        };
      }
      const preparedPayload = readFlag(r) ? r.bytes(limits.maxPayloadBytes) : null;
      return { type, newView, committedHeight, committed, prepared, preparedPayload };
    }
    case 'new-view': {
      const view = r.u64();
      const count = r.u16();
      if (count > limits.maxValidators) throw new DecodeError('DECODE_OUT_OF_RANGE', `${count} view changes`);
      const viewChanges = Array.from({ length: count }, () => decodeNested(r, limits, 'view-change'));
      const prePrepare = readFlag(r) ? decodeNested(r, limits, 'pre-prepare') : null;
      return { type, view, viewChanges, prePrepare };
    }
    case 'fetch-blocks': {
      const fromHeight = r.u64();
      const count = r.u16();
      if (count < 1 || count > limits.maxBlocksPerMessage)
        throw new DecodeError('DECODE_OUT_OF_RANGE', `fetch of ${count} blocks`);
      return { type, fromHeight, count };
    }
    case 'blocks': {
      const count = r.u16();
      if (count > limits.maxBlocksPerMessage) throw new DecodeError('DECODE_OUT_OF_RANGE', `${count} blocks`);
      const blocks = Array.from({ length: count }, () => {
        const payload = r.bytes(limits.maxPayloadBytes);
        return { payload, ...readCertified(r, limits) };
      });
      return { type, blocks };
    }
  }
}

function decodeNested<T extends Message['type']>(
  r: Reader,
  limits: MessageLimits,
  type: T,
): Signed<Extract<Message, { type: T }>> {
  const inner = new Reader(r.bytes(limits.maxMessageBytes), `nested ${type}`);
  const signed = readSigned(inner, limits);
  inner.end();
  if (signed.message.type !== type) throw new DecodeError('DECODE_BAD_TAG', `expected a nested ${type}`);
  return signed as Signed<Extract<Message, { type: T }>>;
}

/** A commit certificate on the wire: u64 view ‖ u64 height ‖ digest ‖ u16 k ‖ k × (u16 validator ‖ signature). */
function writeCertified(w: Writer, c: CertifiedDigest): void {
  const { view, votes } = c.certificate;
  w.u64(view).u64(c.height).fixed(c.digest, DIGEST_BYTES).u16(votes.length);
  for (const v of votes) w.u16(v.validatorIndex).fixed(v.signature, SIGNATURE_BYTES);
}

function readCertified(r: Reader, limits: MessageLimits): CertifiedDigest {
  const view = r.u64();
  const height = r.u64();
  const digest = r.fixed(DIGEST_BYTES);
  const votes = readList(
    r,
    limits,
    (): CommitVote => ({
      validatorIndex: readValidator(r, limits),
      signature: r.fixed(SIGNATURE_BYTES),
    }),
  );
  return { height, digest, certificate: { view, votes } };
}

/** Prepares on the wire: u16 k ‖ k × (u16 validator ‖ signature). */
function writeVotes(w: Writer, votes: readonly Vote[]): void {
  w.u16(votes.length);
  for (const v of votes) w.u16(v.validator).fixed(v.signature, SIGNATURE_BYTES);
}

function readVotes(r: Reader, limits: MessageLimits): Vote[] {
  return readList(r, limits, () => ({
    validator: readValidator(r, limits),
    signature: r.fixed(SIGNATURE_BYTES),
  }));
}

/** u16 k ‖ k entries, at most one per validator. */
function readList<T>(r: Reader, limits: MessageLimits, read: () => T): T[] {
  const count = r.u16();
  if (count > limits.maxValidators) throw new DecodeError('DECODE_OUT_OF_RANGE', `${count} votes`);
  return Array.from({ length: count }, read);
}

function readValidator(r: Reader, limits: MessageLimits): number {
  const v = r.u16();
  if (v >= limits.maxValidators) throw new DecodeError('DECODE_OUT_OF_RANGE', `validator index ${v}`);
  return v;
}

function readFlag(r: Reader): boolean {
  const f = r.u8();
  if (f > 1) throw new DecodeError('DECODE_NON_CANONICAL', `flag byte ${f}`);
  return f === 1;
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function u16(v: number): Uint8Array {
  return Uint8Array.of(v >>> 8, v & 0xff);
}
