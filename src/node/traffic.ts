/**
 * Traffic accounting: the frames and bytes this validator's transport took, by kind — each consensus
 * message type, `txs` for gossiped transactions — and the copies of re-sent consensus messages the
 * node held back because the link had carried them already (docs/consensus.md §3). The API's
 * metrics read it.
 */
import type { Transport } from '../p2p/transport.ts';

/** Frames and bytes this validator's transport took, by kind (a consensus message type or `txs`). */
export type TrafficByKind = Record<string, { frames: number; bytes: number }>;

/** Sends frames through the transport and counts those it took. */
export class Traffic {
  private readonly counts: TrafficByKind = {};
  private resendsSkipped = 0;

  constructor(private readonly transport: Pick<Transport, 'send'>) {}

  /** Sends one frame to peer `to`; counts it under `kind` when the transport took it. */
  send(kind: string, to: number, frame: Uint8Array): boolean {
    if (!this.transport.send(to, frame)) return false;
    const c = this.counts[kind] ?? { frames: 0, bytes: 0 };
    this.counts[kind] = { frames: c.frames + 1, bytes: c.bytes + frame.length };
    return true;
  }

  /** Counts a copy of a re-sent message that was not sent. */
  skipResend(): void {
    this.resendsSkipped++;
  }

  /** A copy of the counters. */
  snapshot(): { byKind: TrafficByKind; resendsSkipped: number } {
    const byKind: TrafficByKind = {};
    for (const [k, v] of Object.entries(this.counts)) byKind[k] = { ...v };
    return { byKind, resendsSkipped: this.resendsSkipped };
  }
}
