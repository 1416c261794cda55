/**
 * What the simulator checks while a run goes on: it watches every effect of the honest replicas
 * (validators that are neither Byzantine nor twinned) and records a violation of any of
 *   - agreement: two honest replicas commit different digests at one height;
 *   - a well-formed chain: each replica commits heights in order, every block with a valid commit
 *     certificate, a payload that hashes to its digest and a link to its parent (the simulator's
 *     payloads name their parent);
 *   - no equivocation: an honest validator never casts two different pre-prepares, prepares or
 *     commits at one (view, height) — across its restarts too;
 *   - no vote against a decision: once a digest is committed at height h with a certificate of
 *     view v, no honest validator pre-prepares, prepares or commits another digest at h in a view
 *     above v (PBFT's safety lemma: it is what makes agreement hold in every later view, so a bug
 *     breaks it long before two commits disagree);
 *   - the lock is reported: an honest validator that voted to commit (v, h, d) and has not committed
 *     h sends no view change without a valid prepared certificate for h of view ≥ v (the
 *     certificate the new view's decision relies on);
 *   - sound view changes: every view change an honest validator sends, or relays in a new view, is
 *     signed by its sender and carries certificates that verify (checked here from first principles,
 *     not with the replica's own check);
 *   - no honest alarm: a replica raises no divergence alarm, and no equivocation alarm that names an
 *     honest validator.
 * The checks read only what the replicas emit, never their internals. Across a reconfiguration each
 * message is checked against the validator set it was signed in (its epoch), and each block against
 * the set that certifies its height.
 */
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import { quorumSize, verifyCommitCertificate } from '../../ledger/certificate.ts';
import { type ValidatorSet, verifyPreparedCertificate, votersOf } from '../certificates.ts';
import type { ConsensusCrypto } from '../consensusCrypto.ts';
import type { EpochEffect } from '../epochReplica.ts';
import { type CertifiedPayload, type Signed, signingBytes, type ViewChange } from '../messages.ts';
import { parentOf } from './payload.ts';

/** The validator sets of a run, as the monitor checks against them. */
export interface MonitoredEpochs {
  /** Epoch `epoch`'s set (its signing domain, size and base) and a crypto that verifies its indices. */
  of(epoch: number): { readonly set: Required<ValidatorSet>; readonly crypto: ConsensusCrypto };
  /** The epoch that certifies `height`. */
  atHeight(height: bigint): number;
}

interface Decision {
  readonly digest: Uint8Array;
  readonly view: bigint;
}

interface CastVote {
  readonly validator: number;
  readonly kind: string;
  readonly view: bigint;
  readonly digest: Uint8Array;
}

/** Watches the honest replicas of one run. */
export class SafetyMonitor {
  readonly violations: string[] = [];
  /** height → the first honest commit's digest and certificate view. */
  private readonly decided = new Map<bigint, Decision>();
  /** "validator/kind/view/height" → digest voted. */
  private readonly cast = new Map<string, Uint8Array>();
  /** height → honest votes cast at it (checked against a decision that comes later). */
  private readonly votesAt = new Map<bigint, CastVote[]>();
  /** validator → its highest commit vote at a height it has not committed. */
  private readonly locks = new Map<number, { view: bigint; height: bigint }>();
  private readonly chains = new Map<number, CertifiedPayload[]>();

  constructor(
    private readonly honest: ReadonlySet<number>,
    private readonly epochs: MonitoredEpochs,
  ) {}

  /** Checks one effect carried out by validator `validator` (any instance of it; validators and culprits named by slot). */
  observe(validator: number, effect: EpochEffect): void {
    if (!this.honest.has(validator)) return;
    switch (effect.type) {
      case 'send':
        this.onSend(validator, effect.epoch, effect.signed);
        break;
      case 'commit':
        this.onCommit(validator, effect.block);
        break;
      case 'alarm':
        if (effect.culprit === null) this.fail(`replica ${validator} alarm: ${effect.reason}`);
        else if (this.honest.has(effect.culprit))
          this.fail(`replica ${validator} blames honest ${effect.culprit}: ${effect.reason}`);
        break;
      default:
        break;
    }
  }

  /**
   * Validator `validator` starts from a snapshot: `chain` (an honest replica's committed blocks) is
   * its chain from now on; each of its blocks must be the one decided at its height.
   */
  adopt(validator: number, chain: readonly CertifiedPayload[]): void {
    for (const b of chain) {
      const d = this.decided.get(b.height);
      if (d !== undefined && !bytesEqual(d.digest, b.digest))
        this.fail(`replica ${validator} starts from a snapshot whose block ${b.height} was not decided`);
    }
    this.chains.set(validator, [...chain]);
  }

  private onSend(validator: number, epoch: number, signed: Signed): void {
    const m = signed.message;
    switch (m.type) {
      case 'pre-prepare':
      case 'prepare':
      case 'commit':
        this.onVote(validator, m.type, m.view, m.height, m.digest);
        if (m.type === 'commit') {
          const lock = this.locks.get(validator);
          if (
            lock === undefined ||
            m.height > lock.height ||
            (m.height === lock.height && m.view > lock.view)
          )
            this.locks.set(validator, { view: m.view, height: m.height });
        }
        break;
      case 'new-view':
        // Every view change it rests on must hold up: signed by its sender, certificates valid.
        for (const vc of m.viewChanges) {
          const problem = this.unsound(epoch, vc);
          if (problem !== null)
            this.fail(
              `replica ${validator}'s new view ${m.view} relays a view change by ${vc.sender} with ${problem}`,
            );
        }
        if (m.prePrepare !== null) {
          const p = m.prePrepare.message;
          this.onVote(validator, 'pre-prepare', p.view, p.height, p.digest);
        }
        break;
      case 'view-change': {
        const problem = this.unsound(epoch, signed as Signed<ViewChange>);
        if (problem !== null) this.fail(`replica ${validator}'s view change to ${m.newView} has ${problem}`);
        const lock = this.locks.get(validator);
        if (lock === undefined || m.committedHeight >= lock.height) break;
        const p = m.prepared;
        const { set, crypto } = this.epochs.of(epoch);
        if (
          p === null ||
          p.height !== lock.height ||
          p.view < lock.view ||
          !verifyPreparedCertificate(crypto, set, p)
        ) {
          this.fail(
            `replica ${validator} voted to commit at (view ${lock.view}, height ${lock.height}) but its view change ` +
              `to ${m.newView} reports ${p === null ? 'no prepared certificate' : `one of view ${p.view}, height ${p.height}${verifyPreparedCertificate(crypto, set, p) ? '' : ' that does not verify'}`}`,
          );
        }
        break;
      }
      default:
        break;
    }
  }

  /** What is wrong with a view change's signature or certificates, or null (checked from first principles). */
  private unsound(epoch: number, vc: Signed<ViewChange>): string | null {
    const { set, crypto } = this.epochs.of(epoch);
    const m = vc.message;
    if (!crypto.verify(vc.sender, signingBytes(set.chainId, vc.sender, m), vc.signature))
      return 'a bad signature';
    if (m.prepared !== null && !verifyPreparedCertificate(crypto, set, m.prepared))
      return 'a prepared certificate that does not verify';
    // the base block was certified by the set before: a view change there carries none
    if (m.committedHeight < set.base || (m.committedHeight === set.base) !== (m.committed === null))
      return `a commit certificate that does not match its height ${m.committedHeight} (the set's base is ${set.base})`;
    if (
      m.committed !== null &&
      !verifyCommitCertificate(m.committed, set.chainId, votersOf(crypto, set), quorumSize(set.n))
    )
      return 'a commit certificate that does not verify';
    return null;
  }

  private onVote(validator: number, kind: string, view: bigint, height: bigint, digest: Uint8Array): void {
    const key = `${validator}/${kind}/${view}/${height}`;
    const prior = this.cast.get(key);
    if (prior !== undefined) {
      if (!bytesEqual(prior, digest))
        this.fail(`replica ${validator} equivocated: two ${kind}s at (view ${view}, height ${height})`);
      return;
    }
    this.cast.set(key, digest);
    const vote = { validator, kind, view, digest };
    const votes = this.votesAt.get(height);
    if (votes === undefined) this.votesAt.set(height, [vote]);
    else votes.push(vote);
    const decision = this.decided.get(height);
    if (decision !== undefined) this.checkAgainstDecision(height, decision, vote);
  }

  private checkAgainstDecision(height: bigint, decision: Decision, vote: CastVote): void {
    if (vote.view > decision.view && !bytesEqual(vote.digest, decision.digest)) {
      this.fail(
        `replica ${vote.validator} cast a ${vote.kind} for ${short(vote.digest)} at (view ${vote.view}, height ${height}) ` +
          `though ${short(decision.digest)} was committed there in view ${decision.view}`,
      );
    }
  }

  private onCommit(validator: number, block: CertifiedPayload): void {
    const chain = this.chains.get(validator) ?? [];
    this.chains.set(validator, chain);
    const { height, digest } = block;
    if (height !== BigInt(chain.length + 1))
      this.fail(`replica ${validator} committed ${height} after ${chain.length}`);
    const { set, crypto } = this.epochs.of(this.epochs.atHeight(height));
    if (!verifyCommitCertificate(block, set.chainId, votersOf(crypto, set), quorumSize(set.n)))
      this.fail(`replica ${validator} committed ${height} without a valid certificate of its validator set`);
    if (!bytesEqual(crypto.digest(block.payload), digest))
      this.fail(`replica ${validator} committed ${height} with a payload that is not its digest`);
    const parent = parentOf(block.payload);
    const expected = chain.at(-1)?.digest ?? new Uint8Array(32);
    if (parent === null || !bytesEqual(parent, expected))
      this.fail(`replica ${validator} committed ${height} on top of another parent`);
    chain.push(block);
    const lock = this.locks.get(validator);
    if (lock !== undefined && lock.height <= height) this.locks.delete(validator);

    const view = block.certificate.view;
    const prior = this.decided.get(height);
    if (prior !== undefined && !bytesEqual(prior.digest, digest)) {
      this.fail(
        `height ${height}: replica ${validator} committed ${short(digest)}, another ${short(prior.digest)}`,
      );
      return;
    }
    if (prior !== undefined && prior.view <= view) return;
    const decision = { digest, view };
    this.decided.set(height, decision);
    for (const vote of this.votesAt.get(height) ?? []) this.checkAgainstDecision(height, decision, vote);
  }

  private fail(reason: string): void {
    if (this.violations.length < 20) this.violations.push(reason);
  }
}

function short(digest: Uint8Array): string {
  return toHex(digest).slice(0, 12);
}
