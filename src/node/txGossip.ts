/**
 * Transaction gossip: the transactions this validator's clients submit go to every other validator,
 * so that whichever is primary can include them — batched into frames of up to about 1 MiB of
 * transactions (../p2p/channels.ts), flushed 2 ms after a batch's first transaction or at once when
 * it reaches a frame's worth. A peer that (re)connects gets every pending transaction: a batch sent
 * while it was away (or while this node restarted) never reached it. Transactions from peers are
 * admitted to the mempool like a client's, except that one ahead of its sender's next nonce is held
 * until the gap fills (./mempool.ts).
 *
 * Admitting a peer's batch verifies every transaction in it, which for a large batch of expensive
 * ones (ring proofs) takes seconds: the batch is admitted in slices of at most `SLICE_MS`, yielding
 * to the event loop between them, so that the node keeps answering its clients and its consensus
 * messages meanwhile (a client's POST once waited more than 10 s behind a batch).
 */
import { decodeTxBatch, GOSSIP_FRAME_BYTES, txBatchFrames } from '../p2p/channels.ts';
import type { Logger } from './logger.ts';
import type { Traffic } from './traffic.ts';

/** How long the first transaction of a batch waits for others. */
const BATCH_DELAY_MS = 2;
/** How long one slice of admitting peers' transactions may run before yielding. */
const SLICE_MS = 10;
/** Bytes of peers' transactions waiting for admission above which a further frame is dropped. */
const MAX_INBOX_BYTES = 256 << 20;

/** What gossip needs from the node around it. */
export interface GossipPorts {
  readonly traffic: Traffic;
  /** The other validators of the current set, by slot. */
  peers(): readonly number[];
  /** The transactions waiting in the mempool, in arrival order. */
  pending(): Iterable<{ readonly bytes: Uint8Array }>;
  /** Admits a transaction a peer sent; throws when the mempool refuses it. */
  admit(tx: Uint8Array): void;
  readonly log: Logger;
}

/** Sends this validator's client transactions to its peers and admits theirs. */
export class TxGossip {
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Peers' transactions waiting for admission, in arrival order (`inboxAt`: the next one). */
  private inbox: Uint8Array[] = [];
  private inboxAt = 0;
  private inboxBytes = 0;
  private draining: NodeJS.Immediate | undefined;

  constructor(private readonly ports: GossipPorts) {}

  /** Peers' transactions received and not yet admitted (or refused). */
  get backlog(): number {
    return this.inbox.length - this.inboxAt;
  }

  /** Queues a transaction admitted from a client for the next batch. */
  add(tx: Uint8Array): void {
    this.batch.push(tx);
    this.batchBytes += tx.length;
    if (this.batchBytes >= GOSSIP_FRAME_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_DELAY_MS);
  }

  /** Sends peer `to` every pending transaction, in frames of about 1 MiB at most. */
  catchUp(to: number): void {
    if (this.stopped) return;
    const txs = [...this.ports.pending()].map((vt) => vt.bytes);
    for (const frame of txBatchFrames(txs)) this.ports.traffic.send('txs', to, frame);
  }

  /**
   * Takes a peer's gossip frame body for admission (in slices, in arrival order); a malformed
   * batch is refused whole, logged and dropped.
   */
  receive(from: number, body: Uint8Array): void {
    if (this.stopped) return;
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(body);
    } catch (err) {
      this.ports.log.debug({ from, err: String(err) }, 'malformed gossip frame');
      return;
    }
    if (this.inboxBytes + body.length > MAX_INBOX_BYTES) {
      this.ports.log.warn({ from, waiting: this.backlog }, 'gossip admission is behind: frame dropped');
      return;
    }
    for (const tx of txs) this.inbox.push(tx);
    this.inboxBytes += body.length;
    this.draining ??= setImmediate(() => this.drain());
  }

  /** Stops sending and admitting (what is queued is dropped). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearImmediate(this.draining);
    this.inbox = [];
  }

  /** Admits peers' transactions for at most SLICE_MS, then yields until the next slice. */
  private drain(): void {
    this.draining = undefined;
    const until = performance.now() + SLICE_MS;
    while (!this.stopped && this.inboxAt < this.inbox.length) {
      const tx = this.inbox[this.inboxAt++]!;
      this.inboxBytes -= tx.length + 4;
      try {
        this.ports.admit(tx);
      } catch {
        // already known, or invalid: the sender's node refused it to its client too
      }
      if (performance.now() >= until) break;
    }
    if (this.inboxAt < this.inbox.length && !this.stopped) {
      if (this.inboxAt >= 4_096) {
        this.inbox = this.inbox.slice(this.inboxAt);
        this.inboxAt = 0;
      }
      this.draining = setImmediate(() => this.drain());
      return;
    }
    this.inbox = [];
    this.inboxAt = 0;
    this.inboxBytes = 0;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const txs = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.stopped || txs.length === 0) return;
    for (const frame of txBatchFrames(txs))
      for (const to of this.ports.peers()) this.ports.traffic.send('txs', to, frame);
  }
}
