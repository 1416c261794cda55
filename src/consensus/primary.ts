/**
 * Who proposes: the primary of view v is validator v mod n (Castro & Liskov, OSDI '99). The quorum
 * arithmetic is the ledger's (`faultTolerance`, `quorumSize` in ../ledger/certificate.ts), since
 * commit certificates are checked against it.
 */

/** The primary (proposer) of view `view` among `n` validators. */
export function primaryOf(view: bigint, n: number): number {
  return Number(view % BigInt(n));
}
