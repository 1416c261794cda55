/**
 * View change (Castro & Liskov §4.4), for a chain that commits one height at a time: a view change
 * carries the sender's last commit certificate (height H) and its highest prepared certificate for
 * H + 1. The new primary gathers Q of them; H* = the highest certified height among them, and if any
 * of them prepared H* + 1, the new view must re-propose the payload of the highest-view prepared
 * certificate — any payload committed at H* + 1 was prepared by Q replicas, so at least one honest
 * member of every Q set reports it, with the highest view of any prepared certificate for it.
 */
import { bytesEqual } from '../codec/bytes.ts';
import { quorumSize, verifyCommitCertificate } from '../ledger/certificate.ts';
import { type ValidatorSet, verifyPreparedCertificate, votersOf } from './certificates.ts';
import type { ConsensusCrypto } from './consensusCrypto.ts';
import type { NewView, PreparedCertificate, Signed, ViewChange } from './messages.ts';
import { signingBytes } from './messages.ts';
import { primaryOf } from './primary.ts';

/** What a new view obliges: the last certified height, and the payload (digest) to re-propose at H + 1. */
export interface NewViewDecision {
  readonly committedHeight: bigint;
  readonly required: PreparedCertificate | null;
}

/**
 * The view change if its signature and certificates hold, else null. An attached payload that does
 * not match the prepared digest is dropped (the certificate itself still counts).
 */
export function checkViewChange(
  crypto: ConsensusCrypto,
  set: ValidatorSet,
  signed: Signed<ViewChange>,
): Signed<ViewChange> | null {
  const vc = signed.message;
  if (signed.sender >= set.n || vc.newView === 0n) return null;
  if (!crypto.verify(signed.sender, signingBytes(set.chainId, signed.sender, vc), signed.signature))
    return null;
  // [REJECT] a claimed commit height without a certificate for exactly that height (none at the set's
  // base, certified by the set before), or below the base
  const base = set.base ?? 0n;
  if (vc.committedHeight < base) return null;
  if (vc.committedHeight === base ? vc.committed !== null : vc.committed === null) return null;
  if (vc.committed !== null) {
    const voters = votersOf(crypto, set);
    if (
      vc.committed.height !== vc.committedHeight ||
      !verifyCommitCertificate(vc.committed, set.chainId, voters, quorumSize(set.n))
    )
      return null;
  }
  // [REJECT] a prepared certificate for another height, from a later view, or not valid
  if (vc.prepared !== null) {
    const p = vc.prepared;
    if (p.height !== vc.committedHeight + 1n || p.view >= vc.newView) return null;
    if (!verifyPreparedCertificate(crypto, set, p)) return null;
  }
  const payloadOk =
    vc.preparedPayload !== null &&
    vc.prepared !== null &&
    bytesEqual(crypto.digest(vc.preparedPayload), vc.prepared.digest);
  return payloadOk || vc.preparedPayload === null
    ? signed
    : { ...signed, message: { ...vc, preparedPayload: null } };
}

/** What Q valid view changes oblige the new view to do. */
export function decideNewView(viewChanges: readonly ViewChange[]): NewViewDecision {
  let committedHeight = 0n;
  for (const vc of viewChanges)
    if (vc.committedHeight > committedHeight) committedHeight = vc.committedHeight;
  let required: PreparedCertificate | null = null;
  for (const vc of viewChanges) {
    const p = vc.prepared;
    if (p === null || p.height !== committedHeight + 1n) continue;
    if (required === null || p.view > required.view) required = p;
  }
  return { committedHeight, required };
}

/**
 * The decision a new-view message proves, or null when it is not a valid new view: sent by the
 * primary of its view, Q valid view changes for that view from distinct validators, and a
 * re-proposal exactly when and as the view changes require.
 */
export function checkNewView(
  crypto: ConsensusCrypto,
  set: ValidatorSet,
  signed: Signed<NewView>,
): NewViewDecision | null {
  const nv = signed.message;
  // [REJECT] a new view not sent by that view's primary, or not signed by it
  if (signed.sender !== primaryOf(nv.view, set.n)) return null;
  if (!crypto.verify(signed.sender, signingBytes(set.chainId, signed.sender, nv), signed.signature))
    return null;
  const senders = new Set<number>();
  const vcs: ViewChange[] = [];
  for (const s of nv.viewChanges) {
    if (s.message.newView !== nv.view || senders.has(s.sender)) return null;
    const ok = checkViewChange(crypto, set, s);
    if (ok === null) return null;
    senders.add(s.sender);
    vcs.push(ok.message);
  }
  if (senders.size < quorumSize(set.n)) return null;
  const decision = decideNewView(vcs);
  const pp = nv.prePrepare;
  if (decision.required === null) return pp === null ? decision : null;
  // [REJECT] a re-proposal that is not the required payload at H + 1 in this view, signed by the primary
  if (pp === null || pp.sender !== signed.sender) return null;
  const m = pp.message;
  if (m.view !== nv.view || m.height !== decision.committedHeight + 1n) return null;
  if (!bytesEqual(m.digest, decision.required.digest) || !bytesEqual(crypto.digest(m.payload), m.digest))
    return null;
  if (!crypto.verify(pp.sender, signingBytes(set.chainId, pp.sender, m), pp.signature)) return null;
  return decision;
}
