/**
 * Checks of the certificates PBFT carries between replicas: a commit certificate (Q commit votes:
 * the block is final) and a prepared certificate (the primary's pre-prepare and Q − 1 prepares:
 * the payload may have been committed in that view, so a new view must re-propose it).
 */
import { bytesEqual } from '../codec/bytes.ts';
import type { ConsensusCrypto } from './consensusCrypto.ts';
import {
  type CommitCertificate,
  commitVoteBytes,
  type PreparedCertificate,
  prePrepareVoteBytes,
  prepareVoteBytes,
  type Vote,
} from './messages.ts';
import { primaryOf, quorum } from './quorum.ts';

/** The validator set as a replica sees it. */
export interface ValidatorSet {
  readonly chainId: string;
  readonly n: number;
}

/** True when `votes` holds at least `needed` valid signatures of distinct validators (other than `exclude`). */
function enoughVotes(
  crypto: ConsensusCrypto,
  set: ValidatorSet,
  votes: readonly Vote[],
  needed: number,
  bytesOf: (validator: number) => Uint8Array,
  exclude = -1,
): boolean {
  const seen = new Set<number>();
  for (const v of votes) {
    if (v.validator < 0 || v.validator >= set.n || v.validator === exclude || seen.has(v.validator))
      return false;
    if (!crypto.verify(v.validator, bytesOf(v.validator), v.signature)) return false;
    seen.add(v.validator);
  }
  return seen.size >= needed;
}

/** [REJECT] unless Q distinct validators signed the commit vote for (view, height, digest). */
export function verifyCommitCertificate(
  crypto: ConsensusCrypto,
  set: ValidatorSet,
  cert: CommitCertificate,
): boolean {
  if (cert.digest.length !== 32) return false;
  const bytes = commitVoteBytes(set.chainId, cert.view, cert.height, cert.digest);
  return enoughVotes(crypto, set, cert.votes, quorum(set.n), () => bytes);
}

/** [REJECT] unless the primary of `view` pre-prepared the digest and Q − 1 other validators prepared it. */
export function verifyPreparedCertificate(
  crypto: ConsensusCrypto,
  set: ValidatorSet,
  cert: PreparedCertificate,
): boolean {
  if (cert.digest.length !== 32) return false;
  const primary = primaryOf(cert.view, set.n);
  const pp = prePrepareVoteBytes(set.chainId, primary, cert.view, cert.height, cert.digest);
  if (!crypto.verify(primary, pp, cert.prePrepareSignature)) return false;
  return enoughVotes(
    crypto,
    set,
    cert.prepares,
    quorum(set.n) - 1,
    (v) => prepareVoteBytes(set.chainId, v, cert.view, cert.height, cert.digest),
    primary,
  );
}

/** True when two certificates name the same digest. */
export function sameDigest(a: { digest: Uint8Array }, b: { digest: Uint8Array }): boolean {
  return bytesEqual(a.digest, b.digest);
}
