/**
 * The certificates PBFT carries between replicas. A commit certificate (Q commit votes: the block is
 * final) is the ledger's, checked by its `verifyCommitCertificate` with this replica's injected
 * signature check (`votersOf`). A prepared certificate (the primary's pre-prepare and Q − 1
 * prepares: the payload may have been committed in that view, so a new view must re-propose it) is
 * consensus's own, checked here.
 */
import { quorumSize, type Voters } from '../ledger/certificate.ts';
import type { ConsensusCrypto } from './consensusCrypto.ts';
import { type PreparedCertificate, prePrepareVoteBytes, prepareVoteBytes, type Vote } from './messages.ts';
import { primaryOf } from './primary.ts';

/** The validator set as a replica sees it. */
export interface ValidatorSet {
  /** The domain its votes are signed in (the chain id, or an epoch's domain). */
  readonly chainId: string;
  readonly n: number;
  /** The height the set starts after (absent: 0, the genesis set). */
  readonly base?: bigint;
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

/** The validator set as the ledger's certificate check takes it: n validators, votes checked by `crypto`. */
export function votersOf(crypto: ConsensusCrypto, set: ValidatorSet): Voters {
  return {
    count: set.n,
    verify: (validator, bytes, signature) => crypto.verify(validator, bytes, signature),
  };
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
    quorumSize(set.n) - 1,
    (v) => prepareVoteBytes(set.chainId, v, cert.view, cert.height, cert.digest),
    primary,
  );
}
