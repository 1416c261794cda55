/**
 * A validator across reconfigurations of the validator set (docs/consensus.md §9): one PBFT
 * `Replica` per epoch. The committed state says which validators certify the next height
 * (../ledger/validatorSet.ts); when a commit ends an epoch, this replica of the old set is dropped
 * and one of the new set starts at the new base — in view 0, with no votes, its messages signed in
 * the new epoch's domain. A validator outside the new set keeps none (it was removed, or joins
 * later).
 *
 * Validators are named by their *slot* here (a number that never changes); inside an epoch the
 * replica knows them by index (their position in the epoch). Messages travel tagged with the
 * epoch they were signed in: one of this epoch goes to the replica; one of a later epoch means this
 * validator fell behind a reconfiguration, so it fetches the blocks up to its epoch's end from the
 * sender (the blocks after it are certified by validators it cannot check yet); one of an earlier
 * epoch is the node's to answer (it serves old blocks, ../node/epochs.ts), never the replica's.
 *
 * Safety across the change: the last block of an epoch is committed by the old set's quorum like any
 * other, and the new set builds only on top of it — every honest validator switches after
 * committing that very block, and no honest validator of the old set votes above it.
 */
import type { Signed } from './messages.ts';
import type { Effect, PersistedState, Replica, ReplicaRestore } from './replica.ts';

/** The validators of one epoch. */
export interface EpochMembers {
  readonly number: number;
  /** The last height of the previous epoch: this one certifies the heights above it. */
  readonly base: bigint;
  /** The validators' slots, ascending: a validator's index in the epoch is its position here. */
  readonly slots: readonly number[];
}

/** What the node (or the simulator) provides. */
export interface EpochHost {
  /** The epoch that certifies height `height + 1`, as the state committed at `height` says. */
  epochAfter(height: bigint): EpochMembers;
  /** A replica of `epoch`, in which this validator is index `self`, resuming at `restore`. */
  replica(epoch: EpochMembers, self: number, restore: ReplicaRestore): Replica;
}

/** A replica's effect with validators named by slot, and each message and persisted state tagged with its epoch. */
export type EpochEffect =
  | Exclude<Effect, { type: 'send' } | { type: 'serve-blocks' } | { type: 'persist' }>
  | { readonly type: 'persist'; readonly epoch: number; readonly state: PersistedState }
  | { readonly type: 'send'; readonly epoch: number; readonly to: number | 'all'; readonly signed: Signed }
  | {
      readonly type: 'serve-blocks';
      readonly epoch: number;
      readonly to: number;
      readonly fromHeight: bigint;
      readonly count: number;
    }
  /** The validator set changed after a commit; `member`: whether this validator is in it. */
  | { readonly type: 'epoch'; readonly epoch: EpochMembers; readonly member: boolean };

/** The current replica's status, or that of a validator outside the current set. */
export interface EpochStatus {
  readonly epoch: number;
  readonly member: boolean;
  readonly view: bigint;
  readonly inViewChange: boolean;
  readonly committedHeight: bigint;
  /** The primary's slot (-1 outside the set). */
  readonly primary: number;
}

/** One validator's replicas, epoch after epoch. */
export class EpochReplica {
  private epoch: EpochMembers;
  private replica: Replica | null;
  private committedHeight: bigint;

  constructor(
    private readonly host: EpochHost,
    /** This validator's slot. */
    readonly slot: number,
    restore: ReplicaRestore,
  ) {
    this.committedHeight = restore.committedHeight;
    this.epoch = host.epochAfter(restore.committedHeight);
    this.replica = this.replicaFor(restore);
  }

  /** The epoch in force. */
  current(): EpochMembers {
    return this.epoch;
  }

  /** This validator's index in the current epoch (-1 outside it). */
  index(): number {
    return this.epoch.slots.indexOf(this.slot);
  }

  status(): EpochStatus {
    const r = this.replica;
    if (r === null) {
      return {
        epoch: this.epoch.number,
        member: false,
        view: 0n,
        inViewChange: false,
        committedHeight: this.committedHeight,
        primary: -1,
      };
    }
    const s = r.status();
    return { ...s, epoch: this.epoch.number, member: true, primary: this.epoch.slots[s.primary]! };
  }

  start(now: number): EpochEffect[] {
    return this.wrap(this.replica?.start(now) ?? []);
  }

  tick(now: number): EpochEffect[] {
    return this.wrap(this.replica?.tick(now) ?? []);
  }

  propose(payload: Uint8Array): EpochEffect[] {
    return this.wrap(this.replica?.propose(payload) ?? []);
  }

  /** A message signed in epoch `epoch`, from the validator at slot `from` (as the link authenticated it). */
  receive(epoch: number, from: number, signed: Signed): EpochEffect[] {
    const r = this.replica;
    if (r === null) return [];
    if (epoch === this.epoch.number) return this.wrap(r.receive(signed));
    // [CATCH UP] a validator speaks for a later set: fetch this set's remaining blocks from it
    const peer = this.epoch.slots.indexOf(from);
    if (epoch > this.epoch.number && peer >= 0) return this.wrap(r.fetchFrom(peer));
    return [];
  }

  /**
   * The node carried out a commit of `height` (the block and its state are stored): when that block
   * ended the epoch, the next epoch's replica takes over at once, before any other input.
   */
  committed(height: bigint, now: number): EpochEffect[] {
    this.committedHeight = height;
    const next = this.host.epochAfter(height);
    if (next.number === this.epoch.number) return [];
    this.epoch = next;
    this.replica = this.replicaFor({ persisted: null, committedHeight: height, lastCommit: null });
    const member = this.replica !== null;
    return [{ type: 'epoch', epoch: next, member }, ...this.start(now)];
  }

  private replicaFor(restore: ReplicaRestore): Replica | null {
    const self = this.index();
    return self < 0 ? null : this.host.replica(this.epoch, self, restore);
  }

  /** Names validators by slot and tags messages with the epoch. */
  private wrap(effects: Effect[]): EpochEffect[] {
    const { slots, number } = this.epoch;
    return effects.map((e): EpochEffect => {
      if (e.type === 'persist') return { ...e, epoch: number };
      if (e.type === 'send') return { ...e, epoch: number, to: e.to === 'all' ? 'all' : slots[e.to]! };
      if (e.type === 'serve-blocks') return { ...e, epoch: number, to: slots[e.to]! };
      if (e.type === 'alarm' && e.culprit !== null) return { ...e, culprit: slots[e.culprit]! };
      return e;
    });
  }
}
