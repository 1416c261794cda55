/**
 * The effect interpreter: carries out what the replica decided, strictly in order — a `persist` is
 * written (synced) before the messages after it are sent, a `commit` is executed and stored, and the
 * commit listeners told, before anything after it. Nothing is carried out once the node stops.
 * The fail points between these steps (./failPoints.ts) are where a crash test kills the process.
 * During a restored validator's silent period (./silentPeriod.ts) only block transfer leaves.
 */
import type { EpochEffect, EpochMembers } from '../consensus/epochReplica.ts';
import type { Message, Signed } from '../consensus/messages.ts';
import type { Block } from '../ledger/block.ts';
import type { Receipt } from '../ledger/receipt.ts';
import type { LedgerStore } from '../ledger/store.ts';
import type { ChainApp } from './chainApp.ts';
import type { ConsensusOutbox } from './consensusOutbox.ts';
import { encodeConsensusState } from './consensusState.ts';
import { consensusStateKey } from './epochs.ts';
import { failPoint } from './failPoints.ts';
import type { Logger } from './logger.ts';
import type { SilentPeriod } from './silentPeriod.ts';

/** Called after each block is durably committed, in height order (see `ValidatorNode.onCommit`). */
export type CommitListener = (block: Block, receipts: readonly Receipt[]) => void;

/** What the interpreter acts on. */
export interface EffectPorts {
  readonly store: LedgerStore;
  readonly app: ChainApp;
  readonly outbox: ConsensusOutbox;
  /** Signs a message as this validator in epoch `epoch` (for the blocks it serves). */
  sign(message: Message, epoch: number): Signed;
  /**
   * A block was committed (and stored): the replica's effects if that block ended its validator set
   * (../consensus/epochReplica.ts `committed`), carried out after the rest of this batch.
   */
  committed(height: bigint): EpochEffect[];
  /** The validator set changed; `member`: whether this validator is in the new one. */
  epochChanged(epoch: EpochMembers, member: boolean): void;
  /** The replica asks for the block at `height` in `view` (./proposer.ts). */
  requestProposal(view: bigint, height: bigint): void;
  /** True once the node is stopping. */
  stopped(): boolean;
  /** After a restore: which messages may leave yet (./silentPeriod.ts). */
  readonly silent: SilentPeriod;
  readonly log: Logger;
}

/** Carries out the replica's effects and tells the commit listeners. */
export class EffectInterpreter {
  private readonly commitListeners = new Set<CommitListener>();

  constructor(private readonly ports: EffectPorts) {}

  /** Adds a commit listener; returns the function that removes it. */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Carries out `effects` in order. */
  async apply(effects: EpochEffect[]): Promise<void> {
    const { store, app, outbox, log } = this.ports;
    const next: EpochEffect[] = [];
    for (const e of effects) {
      if (this.ports.stopped()) return;
      switch (e.type) {
        case 'persist':
          failPoint('persist.before-write');
          // [PERSIST] votes reach disk before the messages that cast them leave
          await store.putMeta(consensusStateKey(e.epoch), encodeConsensusState(e.state));
          failPoint('persist.after-write');
          break;
        case 'send':
          // [SILENT] a restored validator casts no vote until its head passes the restore's height
          if (!this.ports.silent.publishes(e.signed.message)) break;
          outbox.send(e.to, e.epoch, e.signed);
          failPoint('send.after');
          break;
        case 'commit': {
          failPoint('commit.before-store');
          const committed = await app.commit(e.block);
          failPoint('commit.after-store');
          log.info(
            {
              height: e.block.height.toString(),
              txs: committed.ids.length,
              view: e.block.certificate.view.toString(),
            },
            'committed',
          );
          this.ports.silent.committed(e.block.height);
          this.notify(committed.block, committed.receipts);
          next.push(...this.ports.committed(e.block.height));
          break;
        }
        case 'propose':
          this.ports.requestProposal(e.view, e.height);
          break;
        case 'serve-blocks': {
          const blocks = await app.blocksFrom(e.fromHeight, e.count);
          if (blocks.length > 0)
            outbox.send(e.to, e.epoch, this.ports.sign({ type: 'blocks', blocks }, e.epoch));
          break;
        }
        case 'view-changed':
          log.info({ view: e.view.toString() }, 'view changed');
          break;
        case 'alarm':
          log.error({ culprit: e.culprit, reason: e.reason }, 'consensus alarm');
          break;
        case 'epoch':
          this.ports.epochChanged(e.epoch, e.member);
          break;
      }
    }
    if (next.length > 0) await this.apply(next);
  }

  /** Tells every listener; a throwing listener is logged, never fatal. */
  private notify(block: Block, receipts: readonly Receipt[]): void {
    for (const listener of this.commitListeners) {
      try {
        listener(block, receipts);
      } catch (err) {
        this.ports.log.error({ err: String(err) }, 'commit listener failed');
      }
    }
  }
}
