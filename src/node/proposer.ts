/**
 * When this validator, as primary, builds the next block. The replica asks for a proposal (a
 * `propose` effect); the block is built `batchMs` after transactions are waiting — on a timer, not
 * at the next tick — or after `emptyBlockMs` without any (an empty block keeps the view alive), and
 * only while the replica still awaits it (same view, next height, no view change).
 */
import type { EpochEffect, EpochReplica } from '../consensus/epochReplica.ts';
import type { ChainApp } from './chainApp.ts';
import type { NodeTiming } from './config.ts';
import type { Logger } from './logger.ts';
import type { Mempool } from './mempool.ts';

/** What the proposer needs from the node around it. */
export interface ProposerPorts {
  readonly replica: EpochReplica;
  readonly app: ChainApp;
  readonly mempool: Mempool;

  readonly timing: NodeTiming;
  readonly log: Logger;
  /** Runs a task on the node's queue (one event at a time). */
  enqueue(task: () => Promise<void>): void;
  /** Carries out the replica's effects. */
  apply(effects: EpochEffect[]): Promise<void>;
}

/** Builds the primary's blocks when it is time. */
export class Proposer {
  private pending: { view: bigint; height: bigint; since: number } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly ports: ProposerPorts) {}

  /** The replica asks for the block at `height` in `view`. */
  request(view: bigint, height: bigint): void {
    this.pending = { view, height, since: Date.now() };
    if (this.ports.mempool.size > 0) this.schedule();
  }

  /** Transactions are waiting: build the awaited block `batchMs` from now (not at the next tick). */
  schedule(): void {
    if (this.pending === null || this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ports.enqueue(() => this.maybePropose());
    }, this.ports.timing.batchMs);
  }

  /** Builds and proposes the awaited block once transactions waited `batchMs` or the chain idled. */
  async maybePropose(): Promise<void> {
    const p = this.pending;
    if (p === null) return;
    const { replica, app, mempool, timing } = this.ports;
    const s = replica.status();
    if (s.view !== p.view || s.committedHeight + 1n !== p.height || s.inViewChange) {
      this.pending = null;
      return;
    }
    const waited = Date.now() - p.since;
    if (mempool.size === 0 ? waited < timing.emptyBlockMs : waited < timing.batchMs) return;
    this.pending = null;
    // the header names the proposer by its index in the current validator set
    const { payload, rejected } = app.propose(p.view, replica.index(), timing.maxBlockTxs);
    for (const r of rejected)
      this.ports.log.warn({ txId: r.id, code: r.code }, 'transaction dropped from the mempool');
    await this.ports.apply(replica.propose(payload));
  }

  /** Stops scheduling: no timer is set after this. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
