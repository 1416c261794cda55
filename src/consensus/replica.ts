/**
 * A PBFT replica (Castro & Liskov, OSDI '99) as a pure state machine: inputs are a signed message,
 * a timer tick or the node's proposal; outputs are effects — messages to send, state to persist
 * before those messages leave, blocks to commit, proposals to build, blocks to serve. No I/O, no
 * clock, no randomness inside: the node (../node) and the simulator (./sim) drive it.
 *
 * The chain commits one height at a time (height = PBFT sequence number): the primary of view v
 * proposes block h + 1 only after committing h; backups execute the proposal (through
 * `ReplicaApp.validate`) before preparing it, so agreement on the digest is agreement on the
 * state root. Normal case: pre-prepare → Q − 1 prepares (prepared) → Q commits (committed); the
 * Q commit votes are the block's commit certificate. Checkpoints every `checkpointInterval`
 * heights confirm digests and mark where buffered messages are dropped. View change and new view
 * are in ./viewChange.ts; a replica that falls behind fetches certified blocks (state transfer).
 * docs/consensus.md states the rules with their safety argument.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import {
  type CertifiedDigest,
  type CommitVote,
  faultTolerance,
  quorumSize,
  type Voters,
  verifyCommitCertificate,
} from '../ledger/certificate.ts';
import { type ValidatorSet, votersOf } from './certificates.ts';
import type { ConsensusCrypto } from './consensusCrypto.ts';
import {
  type Blocks,
  type CertifiedPayload,
  type Checkpoint,
  type Commit,
  type FetchBlocks,
  type Message,
  type NewView,
  type PrePrepare,
  type Prepare,
  type PreparedCertificate,
  type Signed,
  signingBytes,
  type ViewChange,
  type Vote,
} from './messages.ts';
import { primaryOf } from './primary.ts';
import { checkNewView, checkViewChange, decideNewView, type NewViewDecision } from './viewChange.ts';

/** Static configuration of one replica. */
export interface ReplicaConfig {
  /** The domain votes are signed in: the chain id, or its epoch's domain after a reconfiguration (../ledger/validatorSet.ts). */
  readonly chainId: string;
  /**
   * The height this validator set starts after (0 at genesis; the last height of the previous
   * epoch after a reconfiguration): heights up to it are certified by earlier sets, so a view change
   * at the base carries no commit certificate.
   */
  readonly base?: bigint;
  /** Number of validators. */
  readonly n: number;
  /** This replica's validator index. */
  readonly self: number;
  /** Time without progress before a view change, in ms (doubled after each failed view change). */
  readonly viewTimeoutMs: number;
  /** Largest doubling exponent of the timeout. */
  readonly maxBackoff: number;
  /** How often unanswered votes are sent again, in ms. */
  readonly retransmitMs: number;
  /** Heights between checkpoints. */
  readonly checkpointInterval: bigint;
  /** How many heights ahead messages are kept for later. */
  readonly window: bigint;
  /** Blocks asked for in one state-transfer request. */
  readonly fetchCount: number;
}

/** The application's verdict on a proposal made in `view`, executed on top of the last committed block. */
export interface ReplicaApp {
  validate(view: bigint, height: bigint, payload: Uint8Array): boolean;
}

/** What the replica must persist (synced) before the effects that follow it are carried out. */
export interface PersistedState {
  readonly view: bigint;
  readonly inViewChange: boolean;
  /** Votes cast at `votes.height` in `votes.view`; a restarted replica never votes otherwise. */
  readonly votes: VoteRecord;
  readonly prepared: { cert: PreparedCertificate; payload: Uint8Array } | null;
  /**
   * What the current view's new view decided (see `Floor`). Persisted with the view: a replica
   * restarted in a view without it would accept — as primary, make — a proposal below the floor.
   */
  readonly floor: Floor | null;
}

/**
 * What a new-view message decided: heights below `height` are settled by commit certificates
 * (fetched, never proposed again), and at `height` the primary must re-propose `digest` when one was
 * prepared.
 */
export interface Floor {
  readonly height: bigint;
  readonly digest: Uint8Array | null;
}

/** The digests this replica pre-prepared, prepared and committed to at one (view, height). */
export interface VoteRecord {
  readonly view: bigint;
  readonly height: bigint;
  readonly prePrepare: Uint8Array | null;
  readonly prepare: Uint8Array | null;
  readonly commit: Uint8Array | null;
}

/** An instruction to the node (or simulator). */
export type Effect =
  | { readonly type: 'send'; readonly to: number | 'all'; readonly signed: Signed }
  | { readonly type: 'persist'; readonly state: PersistedState }
  | { readonly type: 'commit'; readonly block: CertifiedPayload }
  | { readonly type: 'propose'; readonly view: bigint; readonly height: bigint }
  | {
      readonly type: 'serve-blocks';
      readonly to: number;
      readonly fromHeight: bigint;
      readonly count: number;
    }
  | { readonly type: 'view-changed'; readonly view: bigint }
  /** Evidence of a fault: an equivocation by `culprit`, or (culprit null) this replica's state diverging. */
  | { readonly type: 'alarm'; readonly culprit: number | null; readonly reason: string };

/** Where a restarted replica resumes: its persisted votes and the store's last committed block. */
export interface ReplicaRestore {
  readonly persisted: PersistedState | null;
  readonly committedHeight: bigint;
  readonly lastCommit: CertifiedDigest | null;
}

/** A replica's timing and window: its configuration apart from who it is. */
export type ReplicaTiming = Omit<ReplicaConfig, 'chainId' | 'n' | 'self' | 'base'>;

/**
 * The timing of a validator on a LAN or loopback: the one definition the node starts from (its
 * config may set the view timeout and the retransmission period, node/config.ts).
 */
export const DEFAULT_REPLICA_TIMING: ReplicaTiming = {
  viewTimeoutMs: 4_000,
  maxBackoff: 5,
  retransmitMs: 500,
  checkpointInterval: 16n,
  window: 16n,
  fetchCount: 32,
};

/** The slot of the next height in the current view. */
interface Slot {
  prePrepare: { digest: Uint8Array; payload: Uint8Array; signature: Uint8Array } | null;
  /** prepares[digestHex][validator] */
  prepares: Map<string, Map<number, Vote>>;
  /** Whether this replica has voted to commit in this slot. */
  commitVoted: boolean;
  /** This replica's messages for the slot, sent again until the slot completes. */
  sent: Signed[];
}

const hex = toHex;
/** View changes further ahead than this are ignored (a Byzantine flood cannot grow memory). */
const MAX_VIEWS_AHEAD = 64n;

/** One PBFT replica. */
export class Replica {
  readonly set: ValidatorSet;
  private readonly voters: Voters;
  private readonly f: number;
  private readonly q: number;
  private view = 0n;
  private inViewChange = false;
  private committedHeight: bigint;
  private lastCommit: CertifiedDigest | null;
  private votes: VoteRecord;
  private prepared: { cert: PreparedCertificate; payload: Uint8Array } | null = null;
  private slot: Slot = emptySlot();
  /** Payloads seen in valid pre-prepares for heights not yet committed, by digest. */
  private payloads = new Map<string, { height: bigint; payload: Uint8Array }>();
  /** Commit votes for pending heights, of any view: height → "view:digest" → validator → vote. */
  private commitVotes = new Map<bigint, Map<string, Map<number, CommitVote>>>();
  /** Messages for later heights or views, replayed when they become current. */
  private buffered: Signed[] = [];
  /** View changes by target view, then sender, for views from the current one to MAX_VIEWS_AHEAD above. */
  private viewChanges = new Map<bigint, Map<number, Signed<ViewChange>>>();
  /** What the current view's new-view message decided; null in a view entered without a new view. */
  private floor: Floor | null = null;
  private myNewView: Signed<NewView> | null = null;
  private checkpoints = new Map<bigint, Map<string, Set<number>>>();
  private stableCheckpoint = 0n;
  private now = 0;
  private attempts = 0;
  private deadline = 0;
  private nextRetransmit = 0;
  private nextFetch = 0;
  private proposalRequested = false;
  /** Validators that answered a state-transfer request with a forged block. */
  private readonly forgers = new Set<number>();
  /** Buffered messages wait for the next input after a commit (see `replayAfterCommit`). */
  private replayDue = false;
  private out: Effect[] = [];

  constructor(
    readonly config: ReplicaConfig,
    private readonly crypto: ConsensusCrypto,
    private readonly app: ReplicaApp,
    restore: ReplicaRestore = { persisted: null, committedHeight: 0n, lastCommit: null },
  ) {
    const base = config.base ?? 0n;
    this.set = { chainId: config.chainId, n: config.n, base };
    this.voters = votersOf(crypto, this.set);
    this.f = faultTolerance(config.n);
    this.q = quorumSize(config.n);
    if (restore.committedHeight < base)
      throw new RangeError(
        `a replica of the set based at ${base} cannot resume at ${restore.committedHeight}`,
      );
    this.committedHeight = restore.committedHeight;
    // the base block was certified by the previous set: this set's view changes carry no certificate for it
    this.lastCommit = restore.committedHeight === base ? null : restore.lastCommit;
    this.votes = { view: 0n, height: 0n, prePrepare: null, prepare: null, commit: null };
    const p = restore.persisted;
    if (p !== null) {
      this.view = p.view;
      this.inViewChange = p.inViewChange;
      this.votes = p.votes;
      this.floor = p.floor ?? null;
      if (p.prepared !== null && p.prepared.cert.height === this.committedHeight + 1n)
        this.prepared = p.prepared;
    }
  }

  /** Current view, whether a view change is under way, and the last committed height. */
  status(): { view: bigint; inViewChange: boolean; committedHeight: bigint; primary: number } {
    return {
      view: this.view,
      inViewChange: this.inViewChange,
      committedHeight: this.committedHeight,
      primary: primaryOf(this.view, this.config.n),
    };
  }

  /** Starts (or restarts) the replica at time `now`. */
  start(now: number): Effect[] {
    this.now = now;
    this.deadline = now + this.timeout();
    this.nextRetransmit = now + this.config.retransmitMs;
    if (this.inViewChange) this.startViewChange(this.view);
    else this.maybeRequestProposal();
    return this.flush();
  }

  /** Time passes: view-change timers and retransmissions. */
  tick(now: number): Effect[] {
    this.now = now;
    this.replayAfterCommit();
    if (now >= this.deadline) {
      // [VIEW CHANGE] no progress within the timeout (or no new view after Q view changes): next view
      this.startViewChange(this.view + 1n);
    } else if (now >= this.nextRetransmit) {
      this.nextRetransmit = now + this.config.retransmitMs;
      for (const s of this.slot.sent) this.send('all', s);
      if (this.inViewChange) {
        const mine = this.viewChanges.get(this.view)?.get(this.config.self);
        if (mine !== undefined) this.send('all', mine);
      }
      if (this.myNewView !== null && this.myNewView.message.view === this.view)
        this.send('all', this.myNewView);
    }
    return this.flush();
  }

  /** The node's proposal for the height this replica asked for (it is the primary). */
  propose(payload: Uint8Array): Effect[] {
    this.replayAfterCommit();
    const height = this.committedHeight + 1n;
    this.proposalRequested = false;
    if (!this.isPrimary() || this.inViewChange || this.slot.prePrepare !== null) return this.flush();
    if (!this.mayPropose(height)) return this.flush();
    const digest = this.crypto.digest(payload);
    if (!this.recordVote('prePrepare', height, digest)) return this.flush();
    const signed = this.sign<PrePrepare>({ type: 'pre-prepare', view: this.view, height, digest, payload });
    this.acceptPrePrepare(signed);
    return this.flush();
  }

  /**
   * The node learnt that validator `peer` is past this replica's validator set (it speaks for a
   * later one): the blocks up to this set's end are to be fetched from it.
   */
  fetchFrom(peer: number): Effect[] {
    this.requestBlocks(peer);
    return this.flush();
  }

  /** A signed message from the network (already decoded). */
  receive(signed: Signed): Effect[] {
    this.replayAfterCommit();
    if (signed.sender < 0 || signed.sender >= this.config.n || signed.sender === this.config.self)
      return this.flush();
    const m = signed.message;
    // View changes and new views are checked in full (signature and certificates) by viewChange.ts.
    if (m.type !== 'view-change' && m.type !== 'new-view' && !this.verifySignature(signed))
      return this.flush();
    switch (m.type) {
      case 'pre-prepare':
        this.onPrePrepare(signed as Signed<PrePrepare>);
        break;
      case 'prepare':
        this.onPrepare(signed as Signed<Prepare>);
        break;
      case 'commit':
        this.onCommit(signed as Signed<Commit>);
        break;
      case 'checkpoint':
        this.onCheckpoint(signed as Signed<Checkpoint>);
        break;
      case 'view-change':
        this.onViewChange(signed as Signed<ViewChange>);
        break;
      case 'new-view':
        this.onNewView(signed as Signed<NewView>);
        break;
      case 'fetch-blocks':
        this.onFetch(signed as Signed<FetchBlocks>);
        break;
      case 'blocks':
        this.onBlocks(signed as Signed<Blocks>);
        break;
    }
    return this.flush();
  }

  // ─── normal case ────────────────────────────────────────────────────────────────────────────

  private onPrePrepare(signed: Signed<PrePrepare>): void {
    const m = signed.message;
    // [REJECT] a pre-prepare not from the primary of its view, or whose digest is not its payload's
    if (signed.sender !== primaryOf(m.view, this.config.n)) return;
    if (!bytesEqual(this.crypto.digest(m.payload), m.digest)) return;
    if (m.height <= this.committedHeight) return;
    if (m.height <= this.committedHeight + this.config.window) {
      this.payloads.set(hex(m.digest), { height: m.height, payload: m.payload });
    }
    if (this.isLater(m.view, m.height)) {
      this.keepForLater(signed);
      this.tryCatchUp();
      return;
    }
    // [IGNORE] a pre-prepare of an older view, or while changing views
    if (m.view !== this.view || this.inViewChange) return;
    this.acceptPrePrepare(signed);
  }

  private acceptPrePrepare(signed: Signed<PrePrepare>): void {
    const m = signed.message;
    if (this.slot.prePrepare !== null) {
      if (!bytesEqual(this.slot.prePrepare.digest, m.digest))
        this.alarm(signed.sender, `primary ${signed.sender} equivocated at ${m.height}`);
      return;
    }
    // [REJECT] a proposal below the new view's floor, or other than the one it requires at the floor
    if (this.floor !== null) {
      if (m.height < this.floor.height) return;
      if (
        m.height === this.floor.height &&
        this.floor.digest !== null &&
        !bytesEqual(this.floor.digest, m.digest)
      )
        return;
    }
    const mine = signed.sender === this.config.self;
    // [REJECT] a proposal the application finds invalid (wrong parent, bad transactions, wrong state root)
    if (!mine && !this.app.validate(m.view, m.height, m.payload)) return;
    if (!mine && !this.recordVote('prepare', m.height, m.digest)) return;
    this.slot.prePrepare = { digest: m.digest, payload: m.payload, signature: signed.signature };
    this.payloads.set(hex(m.digest), { height: m.height, payload: m.payload });
    if (mine) {
      this.slot.sent.push(signed);
      this.send('all', signed);
    } else {
      const prepare = this.sign<Prepare>({
        type: 'prepare',
        view: m.view,
        height: m.height,
        digest: m.digest,
      });
      this.addVote(this.slot.prepares, hex(m.digest), this.config.self, {
        validator: this.config.self,
        signature: prepare.signature,
      });
      this.slot.sent.push(prepare);
      this.send('all', prepare);
    }
    this.advance();
  }

  private onPrepare(signed: Signed<Prepare>): void {
    const m = signed.message;
    // [IGNORE] the primary does not prepare its own proposal
    if (signed.sender === primaryOf(m.view, this.config.n) || m.height <= this.committedHeight) return;
    if (this.isLater(m.view, m.height)) {
      this.keepForLater(signed);
      return;
    }
    if (m.view !== this.view || this.inViewChange) return;
    this.addVote(this.slot.prepares, hex(m.digest), signed.sender, {
      validator: signed.sender,
      signature: signed.signature,
    });
    this.advance();
  }

  private onCommit(signed: Signed<Commit>): void {
    const m = signed.message;
    if (m.height <= this.committedHeight || m.height > this.committedHeight + this.config.window) {
      if (m.height > this.committedHeight) this.requestBlocks(signed.sender);
      return;
    }
    // Every commit vote for a pending height counts toward a certificate, whatever its view.
    this.addCommitVote(m, { validatorIndex: signed.sender, signature: signed.signature });
    // [CATCH UP] others are voting beyond our next height: we missed blocks, ask for them
    if (m.height > this.committedHeight + 1n) this.requestBlocks(signed.sender);
    this.advance();
    this.tryCatchUp();
  }

  private addCommitVote(m: { view: bigint; height: bigint; digest: Uint8Array }, vote: CommitVote): void {
    const byKey = getOrCreate(this.commitVotes, m.height, () => new Map());
    this.addVote(byKey, `${m.view}:${hex(m.digest)}`, vote.validatorIndex, vote);
  }

  /** Moves the slot forward: prepared → vote to commit; Q commit votes → commit the block. */
  private advance(): void {
    const pp = this.slot.prePrepare;
    if (pp === null || this.inViewChange) return;
    const height = this.committedHeight + 1n;
    // A network of one needs Q − 1 = 0 prepares: no backup exists to send any, so none may be required.
    const prepares = this.slot.prepares.get(hex(pp.digest)) ?? new Map<number, Vote>();
    if (!this.slot.commitVoted && prepares.size >= this.q - 1) {
      // [PREPARED] pre-prepare and Q − 1 prepares: remember the certificate, then vote to commit
      const cert: PreparedCertificate = {
        view: this.view,
        height,
        digest: pp.digest,
        prePrepareSignature: pp.signature,
        prepares: [...prepares.values()].slice(0, this.q - 1),
      };
      this.prepared = { cert, payload: pp.payload };
      if (!this.recordVote('commit', height, pp.digest)) return;
      this.slot.commitVoted = true;
      const commit = this.sign<Commit>({ type: 'commit', view: this.view, height, digest: pp.digest });
      this.addCommitVote(commit.message, { validatorIndex: this.config.self, signature: commit.signature });
      this.slot.sent.push(commit);
      this.send('all', commit);
    }
    const commits = this.commitVotes.get(height)?.get(`${this.view}:${hex(pp.digest)}`);
    if (this.slot.commitVoted && commits !== undefined && commits.size >= this.q) {
      // [COMMITTED] prepared locally and Q commit votes: the block is final
      const certificate = { view: this.view, votes: [...commits.values()] };
      this.commit({ payload: pp.payload, height, digest: pp.digest, certificate });
    }
  }

  /**
   * Commits the next block; its certificate proves it. The certificate keeps Q of the votes, in
   * validator order (the order a block stores them in).
   */
  private commit(block: CertifiedPayload): void {
    const { height, digest } = block;
    const votes = block.certificate.votes
      .slice(0, this.q)
      .sort((a, b) => a.validatorIndex - b.validatorIndex);
    const certificate = { view: block.certificate.view, votes };
    this.out.push({ type: 'commit', block: { payload: block.payload, height, digest, certificate } });
    this.committedHeight = height;
    this.lastCommit = { height, digest, certificate };
    this.prepared = null;
    this.slot = emptySlot();
    if (!this.inViewChange) {
      this.attempts = 0;
      this.deadline = this.now + this.timeout();
    }
    for (const h of [...this.commitVotes.keys()]) if (h <= height) this.commitVotes.delete(h);
    for (const [d, p] of [...this.payloads]) if (p.height <= height) this.payloads.delete(d);
    if (height % this.config.checkpointInterval === 0n) {
      const cp = this.sign<Checkpoint>({ type: 'checkpoint', height, digest });
      this.recordCheckpoint(this.config.self, cp.message);
      this.send('all', cp);
    }
    this.persist();
    this.replayDue = true;
    this.maybeRequestProposal();
  }

  /**
   * Replays the messages kept for later once a commit made them current — at the next input, not
   * within the call that committed: the `commit` effect has then been carried out, so the
   * application validates the next proposal on top of its parent. (Replayed at once, a buffered
   * pre-prepare met a store one block behind, was refused, and waited for the primary to re-send it.)
   */
  private replayAfterCommit(): void {
    if (!this.replayDue) return;
    this.replayDue = false;
    this.replayBuffered();
  }

  /** Commits the next height from Q commit votes of any view, when the payload is known (catch-up). */
  private tryCatchUp(): void {
    for (;;) {
      const height = this.committedHeight + 1n;
      const byKey = this.commitVotes.get(height);
      if (byKey === undefined) return;
      let done = false;
      for (const [key, votes] of byKey) {
        if (votes.size < this.q) continue;
        const [viewText, digestHex] = key.split(':') as [string, string];
        const known = this.payloads.get(digestHex);
        if (known === undefined) {
          this.requestBlocks(votes.keys().next().value!);
          return;
        }
        // Votes were checked one by one on receipt; a certificate from Q distinct validators is final,
        // whatever view it was cast in. The view itself is joined only through its new-view message.
        const certificate = { view: BigInt(viewText), votes: [...votes.values()] };
        this.commit({ payload: known.payload, height, digest: fromHexDigest(digestHex), certificate });
        done = true;
        break;
      }
      if (!done) return;
    }
  }

  /**
   * [CATCH UP] a view change carries the commit certificate of our next height (checked with the view
   * change) and we hold the payload it names: the block is final, commit it — without waiting for
   * blocks from a validator that may withhold them.
   */
  private commitCertified(cert: CertifiedDigest | null): void {
    if (cert === null || cert.height !== this.committedHeight + 1n) return;
    const known = this.payloads.get(hex(cert.digest));
    if (known === undefined || known.height !== cert.height) return;
    this.commit({
      payload: known.payload,
      height: cert.height,
      digest: cert.digest,
      certificate: cert.certificate,
    });
  }

  // ─── checkpoints ────────────────────────────────────────────────────────────────────────────

  private onCheckpoint(signed: Signed<Checkpoint>): void {
    const m = signed.message;
    if (m.height <= this.stableCheckpoint) return;
    if (m.height > this.committedHeight + this.config.window) this.requestBlocks(signed.sender);
    this.recordCheckpoint(signed.sender, m);
  }

  private recordCheckpoint(sender: number, m: Checkpoint): void {
    if (m.height > this.committedHeight + this.config.window) return;
    const byDigest = getOrCreate(this.checkpoints, m.height, () => new Map());
    const key = hex(m.digest);
    const senders = getOrCreate(byDigest, key, () => new Set());
    senders.add(sender);
    if (senders.size >= this.q && m.height > this.stableCheckpoint) {
      // [STABLE CHECKPOINT] Q replicas agree on the block at this height: drop everything at or below it
      this.stableCheckpoint = m.height;
      for (const h of [...this.checkpoints.keys()]) if (h <= m.height) this.checkpoints.delete(h);
      if (
        this.lastCommit !== null &&
        this.lastCommit.height === m.height &&
        !bytesEqual(this.lastCommit.digest, m.digest)
      ) {
        this.alarm(null, `checkpoint ${m.height} disagrees with this replica's block`);
      }
    }
  }

  // ─── view change ────────────────────────────────────────────────────────────────────────────

  private startViewChange(target: bigint): void {
    if (target < this.view || (target === this.view && !this.inViewChange)) return;
    this.view = target;
    this.inViewChange = true;
    this.attempts = Math.min(this.attempts + 1, this.config.maxBackoff);
    // [LIVENESS] the timer toward the next view starts only once Q view changes for this one are in
    this.deadline = Number.POSITIVE_INFINITY;
    this.slot = emptySlot();
    this.floor = null;
    this.myNewView = null;
    this.proposalRequested = false;
    for (const v of [...this.viewChanges.keys()]) if (v < target) this.viewChanges.delete(v);
    this.persist();
    const vc = this.sign<ViewChange>({
      type: 'view-change',
      newView: target,
      committedHeight: this.committedHeight,
      committed: this.lastCommit,
      prepared: this.prepared?.cert ?? null,
      preparedPayload: this.prepared?.payload ?? null,
    });
    this.storeViewChange(vc);
    this.send('all', vc);
    this.out.push({ type: 'view-changed', view: target });
    this.tryNewView();
  }

  private onViewChange(signed: Signed<ViewChange>): void {
    const w = signed.message.newView;
    // [IGNORE] view changes for views we left, or implausibly far ahead (bounded memory)
    if (w < this.view || w > this.view + MAX_VIEWS_AHEAD || this.viewChanges.get(w)?.has(signed.sender))
      return;
    const vc = checkViewChange(this.crypto, this.set, signed);
    if (vc === null) return;
    this.commitCertified(vc.message.committed);
    this.storeViewChange(vc);
    if (vc.message.committedHeight > this.committedHeight) this.requestBlocks(signed.sender);
    // [JOIN] f + 1 validators ask for views above ours: one of them is honest, so follow them
    const highest = new Map<number, bigint>();
    for (const [view, bySender] of this.viewChanges) {
      if (view <= this.view) continue;
      for (const sender of bySender.keys()) {
        if (sender !== this.config.self && view > (highest.get(sender) ?? -1n)) highest.set(sender, view);
      }
    }
    if (highest.size >= this.f + 1) {
      const views = [...highest.values()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
      this.startViewChange(views[this.f]!);
    }
    this.tryNewView();
  }

  private storeViewChange(vc: Signed<ViewChange>): void {
    const w = vc.message.newView;
    const bySender = getOrCreate(this.viewChanges, w, () => new Map());
    bySender.set(vc.sender, vc);
    if (
      this.inViewChange &&
      w === this.view &&
      bySender.size >= this.q &&
      this.deadline === Number.POSITIVE_INFINITY
    ) {
      this.deadline = this.now + this.timeout();
    }
  }

  /** As primary of the view being changed to, announce the new view once Q view changes are in. */
  private tryNewView(): void {
    if (!this.inViewChange || !this.isPrimary() || this.myNewView !== null) return;
    const vcs = [...(this.viewChanges.get(this.view)?.values() ?? [])]
      .sort((a, b) => a.sender - b.sender)
      .slice(0, this.q);
    if (vcs.length < this.q) return;
    const decision = decideNewView(vcs.map((v) => v.message));
    let prePrepare: Signed<PrePrepare> | null = null;
    if (decision.required !== null) {
      const digest = decision.required.digest;
      const payload =
        vcs.find((v) => v.message.preparedPayload !== null && bytesEqual(v.message.prepared!.digest, digest))
          ?.message.preparedPayload ?? this.payloads.get(hex(digest))?.payload;
      if (payload === undefined) return; // wait for a view change that carries the payload
      if (!this.recordVote('prePrepare', decision.committedHeight + 1n, digest)) return;
      prePrepare = this.sign<PrePrepare>({
        type: 'pre-prepare',
        view: this.view,
        height: decision.committedHeight + 1n,
        digest,
        payload,
      });
    }
    const stripped = vcs.map((v) => ({ ...v, message: { ...v.message, preparedPayload: null } }));
    this.myNewView = this.sign<NewView>({
      type: 'new-view',
      view: this.view,
      viewChanges: stripped,
      prePrepare,
    });
    this.send('all', this.myNewView);
    this.enterView(this.view, floorOf(decision));
    this.adoptNewView(decision.committedHeight, prePrepare);
  }

  private onNewView(signed: Signed<NewView>): void {
    const nv = signed.message;
    if (nv.view < this.view || (nv.view === this.view && !this.inViewChange)) return;
    const decision = checkNewView(this.crypto, this.set, signed);
    if (decision === null) return;
    for (const vc of nv.viewChanges) this.commitCertified(vc.message.committed);
    this.enterView(nv.view, floorOf(decision));
    this.adoptNewView(decision.committedHeight, nv.prePrepare);
  }

  /** Leaves the view change (or an older view) for `view` in normal operation, under its new view's floor. */
  private enterView(view: bigint, floor: Floor): void {
    this.floor = floor;
    this.view = view;
    for (const v of [...this.viewChanges.keys()]) if (v < view) this.viewChanges.delete(v);
    this.inViewChange = false;
    this.slot = emptySlot();
    this.deadline = this.now + this.timeout();
    this.out.push({ type: 'view-changed', view });
    this.persist();
  }

  /** Catches up to the new view's floor and takes its re-proposal, once the view is entered. */
  private adoptNewView(committedHeight: bigint, prePrepare: Signed<PrePrepare> | null): void {
    if (this.committedHeight < committedHeight) {
      const source = [...(this.viewChanges.get(this.view)?.values() ?? [])].find(
        (v) => v.message.committedHeight >= committedHeight,
      );
      if (source !== undefined) this.requestBlocks(source.sender);
    }
    if (prePrepare !== null) {
      if (prePrepare.message.height === this.committedHeight + 1n) this.acceptPrePrepare(prePrepare);
      else if (prePrepare.message.height > this.committedHeight) this.keepForLater(prePrepare);
    }
    this.replayBuffered();
    this.maybeRequestProposal();
  }

  // ─── state transfer ─────────────────────────────────────────────────────────────────────────

  private onFetch(signed: Signed<FetchBlocks>): void {
    const m = signed.message;
    if (m.fromHeight < 1n || m.fromHeight > this.committedHeight) return;
    this.out.push({ type: 'serve-blocks', to: signed.sender, fromHeight: m.fromHeight, count: m.count });
  }

  private onBlocks(signed: Signed<Blocks>): void {
    let committed = 0;
    for (const b of signed.message.blocks) {
      if (b.height !== this.committedHeight + 1n) continue;
      // [REJECT] a block whose payload is not the certified digest, or whose certificate lacks a quorum
      // — signed proof that its sender is faulty: never fetch from it again
      if (
        !bytesEqual(this.crypto.digest(b.payload), b.digest) ||
        !verifyCommitCertificate(b, this.set.chainId, this.voters, this.q)
      ) {
        this.forgers.add(signed.sender);
        break;
      }
      this.commit(b);
      committed++;
    }
    if (committed > 0) this.nextFetch = 0;
  }

  /** Asks `peer` — or, if it served forged blocks before, the next validator that has not — for blocks. */
  private requestBlocks(peer: number): void {
    for (let k = 0; k < this.config.n && this.forgers.has(peer); k++) peer = (peer + 1) % this.config.n;
    if (this.now < this.nextFetch || peer === this.config.self || this.forgers.has(peer)) return;
    this.nextFetch = this.now + this.config.retransmitMs;
    const fetch = this.sign<FetchBlocks>({
      type: 'fetch-blocks',
      fromHeight: this.committedHeight + 1n,
      count: this.config.fetchCount,
    });
    this.send(peer, fetch);
  }

  // ─── helpers ────────────────────────────────────────────────────────────────────────────────

  private isPrimary(): boolean {
    return primaryOf(this.view, this.config.n) === this.config.self;
  }

  private maybeRequestProposal(): void {
    if (!this.isPrimary() || this.inViewChange || this.proposalRequested || this.slot.prePrepare !== null)
      return;
    const height = this.committedHeight + 1n;
    if (!this.mayPropose(height)) return;
    this.proposalRequested = true;
    this.out.push({ type: 'propose', view: this.view, height });
  }

  /** False below the new view's floor (catch up first) and at a floor that carries a re-proposal. */
  private mayPropose(height: bigint): boolean {
    if (this.floor === null) return true;
    return height > this.floor.height || (height === this.floor.height && this.floor.digest === null);
  }

  /** True for a message of a later view or height than the current slot. */
  private isLater(view: bigint, height: bigint): boolean {
    return view > this.view || height > this.committedHeight + 1n;
  }

  /**
   * Keeps a message of a later view or height for when it becomes current. Each sender has its own
   * quota and views too far ahead are refused, so a faulty validator flooding later-view messages
   * fills only its own share and cannot evict an honest proposal kept here.
   */
  private keepForLater(signed: Signed): void {
    const m = signed.message as { height?: bigint; view?: bigint };
    if (m.height !== undefined && m.height > this.committedHeight + this.config.window) {
      this.requestBlocks(signed.sender);
      return;
    }
    // [CATCH UP] a proposal or vote beyond our next height: its sender has committed blocks we have
    // not — fetch them now rather than wait for their commits (missed) or a view change
    if (m.height !== undefined && m.height > this.committedHeight + 1n) this.requestBlocks(signed.sender);
    if (m.view !== undefined && m.view > this.view + MAX_VIEWS_AHEAD) return;
    const quota = 8 * Number(this.config.window);
    if (this.buffered.filter((s) => s.sender === signed.sender).length >= quota) return;
    this.buffered.push(signed);
  }

  private replayBuffered(): void {
    const pending = this.buffered;
    this.buffered = [];
    const height = this.committedHeight;
    for (const [i, s] of pending.entries()) {
      // A commit during the replay makes the rest current only once the node has stored that block:
      // they wait for the next input (the commit asked for a replay then).
      if (this.committedHeight !== height) {
        this.buffered.push(...pending.slice(i));
        return;
      }
      const m = s.message as { height?: bigint; view?: bigint };
      if (m.height !== undefined && m.height <= this.committedHeight) continue;
      if (m.view !== undefined && m.view < this.view) continue;
      if (m.view !== undefined && m.view > this.view) {
        this.buffered.push(s);
        continue;
      }
      if (m.height !== undefined && m.height > this.committedHeight + 1n) {
        this.buffered.push(s);
        continue;
      }
      if (s.message.type === 'pre-prepare') this.onPrePrepare(s as Signed<PrePrepare>);
      else if (s.message.type === 'prepare') this.onPrepare(s as Signed<Prepare>);
    }
  }

  /**
   * Records a vote before it is cast; refuses a second, different vote for the same (view, height).
   * The record is persisted (a `persist` effect precedes the message), so a restart cannot equivocate.
   */
  private recordVote(kind: 'prePrepare' | 'prepare' | 'commit', height: bigint, digest: Uint8Array): boolean {
    const v = this.votes;
    const same = v.view === this.view && v.height === height;
    const prior = same ? v[kind] : null;
    if (prior !== null) return bytesEqual(prior, digest);
    this.votes = same
      ? { ...v, [kind]: digest }
      : { view: this.view, height, prePrepare: null, prepare: null, commit: null, [kind]: digest };
    this.persist();
    return true;
  }

  private addVote<V>(map: Map<string, Map<number, V>>, key: string, validator: number, vote: V): void {
    const votes = getOrCreate(map, key, () => new Map());
    votes.set(validator, vote);
  }

  private verifySignature(signed: Signed): boolean {
    return this.crypto.verify(
      signed.sender,
      signingBytes(this.set.chainId, signed.sender, signed.message),
      signed.signature,
    );
  }

  private sign<M extends Message>(message: M): Signed<M> {
    const sender = this.config.self;
    return { sender, message, signature: this.crypto.sign(signingBytes(this.set.chainId, sender, message)) };
  }

  private send(to: number | 'all', signed: Signed): void {
    this.out.push({ type: 'send', to, signed });
  }

  private persist(): void {
    this.out.push({
      type: 'persist',
      state: {
        view: this.view,
        inViewChange: this.inViewChange,
        votes: this.votes,
        prepared: this.prepared,
        floor: this.floor,
      },
    });
  }

  private alarm(culprit: number | null, reason: string): void {
    this.out.push({ type: 'alarm', culprit, reason });
  }

  private timeout(): number {
    return this.config.viewTimeoutMs * 2 ** this.attempts;
  }

  private flush(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** The value at `key`, created with `make` when absent. */
function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** The floor a new view's decision sets. */
function floorOf(decision: NewViewDecision): Floor {
  return { height: decision.committedHeight + 1n, digest: decision.required?.digest ?? null };
}

function emptySlot(): Slot {
  return { prePrepare: null, prepares: new Map(), commitVoted: false, sent: [] };
}

function fromHexDigest(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}
