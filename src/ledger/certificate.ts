/**
 * Commit certificates (docs/ledger.md §3.2): the PBFT commit votes of at least a quorum of distinct
 * validators for one block hash. Each validator signs, with its Ed25519 validator key,
 *
 *   commitVoteBytes = frame("dpp/pbft/commit/v1", [chainId (UTF-8), u64 view, u64 height, blockHash])
 *
 * Encoding: u64 view ‖ u16 n ‖ n × (u16 validatorIndex ‖ 64-byte signature), indices strictly
 * ascending (so each certificate has one encoding and names each validator once).
 * Quorum for n validators: f = ⌊(n − 1)/3⌋ faults tolerated, q = ⌊(n + f)/2⌋ + 1 (= 2f + 1 when
 * n = 3f + 1), so that any two quorums share at least f + 1 validators, one of them honest.
 * This is the one model of a commit certificate: blocks store it, light clients verify it, and the
 * PBFT replica (../consensus) collects, carries and verifies it, naming the block by its digest.
 */
import { utf8 } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { type OrgKeyPair, orgSign } from '../crypto/ed25519.ts';
import { ED25519_SIGNATURE_BYTES, verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { frame } from '../crypto/hash.ts';
import { type BlockHeader, blockHash, HASH_BYTES } from './blockHeader.ts';
import { LedgerError } from './ledgerError.ts';
import { plainBytes } from './plainBytes.ts';

/** The domain tag of PBFT commit votes. */
export const COMMIT_TAG = 'dpp/pbft/commit/v1';
/** Most validators a chain may have (and votes a certificate may hold). */
export const MAX_VALIDATORS = 1024;

/** One validator's commit vote. */
export interface CommitVote {
  readonly validatorIndex: number;
  readonly signature: Uint8Array;
}

/** The votes that committed a block, in the view where they were cast. */
export interface CommitCertificate {
  readonly view: bigint;
  readonly votes: readonly CommitVote[];
}

/** The certificate of a block that was not (or need not be) committed by votes, e.g. genesis. */
export const EMPTY_CERTIFICATE: CommitCertificate = Object.freeze({ view: 0n, votes: Object.freeze([]) });

/** f: the validators that may be faulty among n. */
export function faultTolerance(n: number): number {
  return Math.floor((n - 1) / 3);
}

/** The quorum among n validators: ⌊(n + f)/2⌋ + 1. */
export function quorumSize(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`validator count ${n}`);
  return Math.floor((n + faultTolerance(n)) / 2) + 1;
}

/** The bytes a validator signs in its PBFT commit for block `hash` at `height` in `view`. */
export function commitVoteBytes(chainId: string, view: bigint, height: bigint, hash: Uint8Array): Uint8Array {
  const u64 = (v: bigint) => new Writer().u64(v).finish();
  return frame(COMMIT_TAG, [utf8(chainId), u64(view), u64(height), hash]);
}

/** A commit vote for `header` in `view` by the validator at `validatorIndex`. */
export function signCommitVote(
  key: OrgKeyPair,
  validatorIndex: number,
  header: BlockHeader,
  view: bigint,
): CommitVote {
  const bytes = commitVoteBytes(header.chainId, view, header.height, blockHash(header));
  return { validatorIndex, signature: orgSign(key, bytes) };
}

/** A certificate with the block it certifies (a `Block` is one). */
export interface CertifiedBlock {
  readonly header: BlockHeader;
  readonly certificate: CommitCertificate;
}

/**
 * A certificate with the block it certifies named by height and hash — its digest — as consensus,
 * which sees blocks as opaque payloads, holds one.
 */
export interface CertifiedDigest {
  readonly height: bigint;
  readonly digest: Uint8Array;
  readonly certificate: CommitCertificate;
}

/**
 * Validators known by their number, each vote checked by `verify` — what consensus passes: its
 * signatures are injected (Ed25519 in the node, a stand-in in the simulator).
 */
export interface Voters {
  readonly count: number;
  verify(validatorIndex: number, bytes: Uint8Array, signature: Uint8Array): boolean;
}

/** A block's certificate as consensus holds it: named by the block's height and hash. */
export function certifiedDigestOf(block: CertifiedBlock): CertifiedDigest {
  return { height: block.header.height, digest: blockHash(block.header), certificate: block.certificate };
}

/**
 * True when the certificate holds valid commit votes, over the block's hash on chain `chainId`, by at
 * least `quorum` distinct validators. `certified` is a block (then it must be of chain `chainId`, and
 * the votes cast in a view no earlier than its header's) or a block's digest as consensus knows it.
 * `validators` are the Ed25519 public keys by index, or `Voters` with their own signature check.
 * Every vote must be valid: one bad signature rejects the certificate. The votes are signed in
 * `domain`: the chain id in epoch 0, the epoch's consensus domain after a reconfiguration
 * (./validatorSet.ts `consensusDomain`).
 */
export function verifyCommitCertificate(
  certified: CertifiedBlock | CertifiedDigest,
  chainId: string,
  validators: readonly Uint8Array[] | Voters,
  quorum: number,
  domain: string = chainId,
): boolean {
  const voters = 'count' in validators ? validators : ed25519Voters(validators);
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > voters.count) {
    throw new RangeError(`quorum ${quorum} for ${voters.count} validators`);
  }
  const { certificate } = certified;
  let height: bigint;
  let hash: Uint8Array;
  if ('header' in certified) {
    const { header } = certified;
    // [REJECT] a block of another chain (say a staging chain run by the same validator keys)
    if (header.chainId !== chainId) return false;
    // [REJECT] votes from a view before the block was proposed
    if (certificate.view < header.view) return false;
    height = header.height;
    hash = blockHash(header);
  } else {
    // [REJECT] a digest that is no block hash
    if (certified.digest.length !== HASH_BYTES) return false;
    height = certified.height;
    hash = certified.digest;
  }
  // [REJECT] fewer votes than a quorum
  if (certificate.votes.length < quorum || certificate.votes.length > voters.count) return false;
  const message = commitVoteBytes(domain, certificate.view, height, hash);
  const seen = new Set<number>();
  for (const { validatorIndex, signature } of certificate.votes) {
    // [REJECT] an unknown validator, or one counted twice
    if (!Number.isInteger(validatorIndex) || validatorIndex < 0 || validatorIndex >= voters.count)
      return false;
    if (seen.has(validatorIndex)) return false;
    seen.add(validatorIndex);
    // [REJECT] a signature that is not this validator's over this block's commit bytes
    if (!voters.verify(validatorIndex, message, signature)) return false;
  }
  return true;
}

/** Validators checked by Ed25519 under their public keys. */
function ed25519Voters(keys: readonly Uint8Array[]): Voters {
  return { count: keys.length, verify: (i, bytes, signature) => verifyEd25519(keys[i]!, bytes, signature) };
}

/** Writes a certificate (votes sorted by validator index); throws LedgerError on a repeated index. */
export function writeCertificate(w: Writer, cert: CommitCertificate): Writer {
  const votes = [...cert.votes].sort((a, b) => a.validatorIndex - b.validatorIndex);
  if (votes.length > MAX_VALIDATORS) throw new LedgerError('LEDGER_BAD_FIELD', 'certificate: too many votes');
  try {
    w.u64(cert.view).u16(votes.length);
    votes.forEach((v, i) => {
      if (i > 0 && votes[i - 1]!.validatorIndex === v.validatorIndex)
        throw new RangeError('repeated validator');
      w.u16(v.validatorIndex).fixed(v.signature, ED25519_SIGNATURE_BYTES);
    });
  } catch (cause) {
    throw new LedgerError(
      'LEDGER_BAD_FIELD',
      'certificate: field out of range or repeated validator',
      {},
      { cause },
    );
  }
  return w;
}

/** The canonical bytes of a certificate. */
export function encodeCertificate(cert: CommitCertificate): Uint8Array {
  return writeCertificate(new Writer(), cert).finish();
}

/** Reads a certificate; throws DecodeError (unsorted or repeated indices included). */
export function readCertificate(r: Reader): CommitCertificate {
  const view = r.u64();
  const n = r.u16();
  if (n > MAX_VALIDATORS) {
    throw new DecodeError('DECODE_BAD_LENGTH', `certificate: ${n} votes exceed ${MAX_VALIDATORS}`);
  }
  const votes: CommitVote[] = [];
  for (let i = 0; i < n; i++) {
    const validatorIndex = r.u16();
    if (i > 0 && validatorIndex <= votes[i - 1]!.validatorIndex) {
      throw new DecodeError('DECODE_NON_CANONICAL', 'certificate: validator indices not strictly ascending');
    }
    votes.push({ validatorIndex, signature: r.fixed(ED25519_SIGNATURE_BYTES) });
  }
  return { view, votes };
}

/** Decodes a certificate alone; throws DecodeError. */
export function decodeCommitCertificate(bytes: Uint8Array): CommitCertificate {
  const r = new Reader(plainBytes(bytes), 'commit certificate');
  const cert = readCertificate(r);
  r.end();
  return cert;
}
