/**
 * A per-peer FIFO of frames bounded by total bytes. When a frame does not fit, the oldest frames are
 * dropped to make room (consensus retransmits what matters, and newer messages supersede older
 * ones); a frame larger than the whole bound is itself dropped. Memory never exceeds the bound.
 */

/** What a push cost: frames and bytes dropped (possibly including the pushed frame). */
export interface PushResult {
  readonly accepted: boolean;
  readonly droppedFrames: number;
  readonly droppedBytes: number;
}

/** Bounded byte queue with drop-oldest. */
export class SendQueue {
  private items: Uint8Array[] = [];
  private head = 0;
  private total = 0;

  constructor(readonly maxBytes: number) {}

  /** Frames waiting. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Bytes waiting (≤ maxBytes). */
  get bytes(): number {
    return this.total;
  }

  /** Appends `frame`, dropping the oldest frames until it fits. */
  push(frame: Uint8Array): PushResult {
    if (frame.length > this.maxBytes)
      return { accepted: false, droppedFrames: 1, droppedBytes: frame.length };
    let droppedFrames = 0;
    let droppedBytes = 0;
    while (this.total + frame.length > this.maxBytes) {
      const old = this.shift()!;
      droppedFrames++;
      droppedBytes += old.length;
    }
    this.items.push(frame);
    this.total += frame.length;
    return { accepted: true, droppedFrames, droppedBytes };
  }

  /** The oldest frame, removed; undefined when empty. */
  shift(): Uint8Array | undefined {
    if (this.head === this.items.length) return undefined;
    const frame = this.items[this.head]!;
    this.items[this.head++] = EMPTY;
    this.total -= frame.length;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /** Empties the queue; returns what was discarded. */
  clear(): { frames: number; bytes: number } {
    const out = { frames: this.length, bytes: this.total };
    this.items = [];
    this.head = 0;
    this.total = 0;
    return out;
  }
}

const EMPTY = new Uint8Array(0);
