/**
 * Quorum arithmetic of PBFT (Castro & Liskov, OSDI '99) for n validators: f = ⌊(n − 1)/3⌋ faulty
 * tolerated, quorum q = ⌊(n + f)/2⌋ + 1 (= 2f + 1 when n = 3f + 1): the smallest q with
 * 2q − n ≥ f + 1, so any two quorums share an honest validator, and q ≤ n − f, so the honest
 * validators alone form one. The primary of view v is validator v mod n.
 */
import { faultTolerance, quorumSize } from '../ledger/certificate.ts';

/** Faults tolerated by n validators (the ledger's rule, which certificates are checked against). */
export const faultsTolerated: (n: number) => number = faultTolerance;

/** Votes needed for a quorum. */
export const quorum: (n: number) => number = quorumSize;

/** The primary (proposer) of view `view`. */
export function primaryOf(view: bigint, n: number): number {
  return Number(view % BigInt(n));
}
