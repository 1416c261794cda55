/**
 * Transaction gossip: the transactions this validator's clients submit go to every other validator,
 * so that whichever is primary can include them — in one frame per batch, flushed 2 ms after its
 * first transaction. A peer that (re)connects gets every pending transaction: a batch sent while it
 * was away (or while this node restarted) never reached it. Transactions from peers are admitted to
 * the mempool like a client's, except that one ahead of its sender's next nonce is held until the gap
 * fills (./mempool.ts). The frames' layout is the p2p layer's (../p2p/channels.ts).
 */
import { readTxBatch, txBatchFrame, txBatchFrames } from '../p2p/channels.ts';
import type { Logger } from './logger.ts';
import type { Traffic } from './traffic.ts';

/** How long the first transaction of a batch waits for others. */
const BATCH_DELAY_MS = 2;

/** What gossip needs from the node around it. */
export interface GossipPorts {
  readonly traffic: Traffic;
  /** The other validators' indices. */
  readonly peers: readonly number[];
  /** The transactions waiting in the mempool, in arrival order. */
  pending(): Iterable<{ readonly bytes: Uint8Array }>;
  /** Admits a transaction a peer sent; throws when the mempool refuses it. */
  admit(tx: Uint8Array): void;
  readonly log: Logger;
}

/** Sends this validator's client transactions to its peers and admits theirs. */
export class TxGossip {
  private batch: Uint8Array[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly ports: GossipPorts) {}

  /** Queues a transaction admitted from a client for the next batch. */
  add(tx: Uint8Array): void {
    this.batch.push(tx);
    this.timer ??= setTimeout(() => this.flush(), BATCH_DELAY_MS);
  }

  /** Sends peer `to` every pending transaction, in frames of about 1 MiB at most. */
  catchUp(to: number): void {
    if (this.stopped) return;
    const txs = [...this.ports.pending()].map((vt) => vt.bytes);
    for (const frame of txBatchFrames(txs)) this.ports.traffic.send('txs', to, frame);
  }

  /** Admits the transactions of a peer's gossip frame; a malformed frame is logged and dropped. */
  receive(from: number, body: Uint8Array): void {
    try {
      for (const tx of readTxBatch(body)) {
        try {
          this.ports.admit(tx);
        } catch {
          // already known, or invalid: the sender's node refused it to its client too
        }
      }
    } catch {
      this.ports.log.debug({ from }, 'malformed gossip frame');
    }
  }

  /** Stops sending (what is queued is dropped). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private flush(): void {
    this.timer = undefined;
    const txs = this.batch;
    this.batch = [];
    if (this.stopped) return;
    const frame = txBatchFrame(txs);
    for (const to of this.ports.peers) this.ports.traffic.send('txs', to, frame);
  }
}
