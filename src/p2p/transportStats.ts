/** Counters a transport keeps per peer and in total, for logs and metrics (docs/p2p.md §5). */

/** Counters of one peer, kept across its connections. */
export interface PeerStats {
  readonly index: number;
  readonly connected: boolean;
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly framesOut: number;
  readonly bytesOut: number;
  /** Frames (and bytes) waiting in the send queue now. */
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  /** Frames dropped from a full send queue, or discarded with it when the connection closed. */
  readonly drops: number;
  readonly dropBytes: number;
  /** Frames not sent because the peer was not connected. */
  readonly unroutable: number;
  /** Completed handshakes. */
  readonly connects: number;
  /** Dial attempts after a failed or closed connection (dialers only). */
  readonly reconnects: number;
}

/** Totals over all peers, the per-peer counters, and refused handshakes. */
export interface TransportStats {
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly framesOut: number;
  readonly bytesOut: number;
  readonly drops: number;
  readonly dropBytes: number;
  readonly unroutable: number;
  readonly connects: number;
  readonly reconnects: number;
  /** Connections refused or closed with a P2pError before or after the handshake. */
  readonly refused: number;
  readonly peers: readonly PeerStats[];
}

/** Mutable counters of one peer (the transport fills in `connected` and the queue). */
export type PeerCounters = {
  -readonly [K in Exclude<keyof PeerStats, 'index' | 'connected' | 'queuedFrames' | 'queuedBytes'>]: number;
};

/** Zeroed counters. */
export function newPeerCounters(): PeerCounters {
  return {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    drops: 0,
    dropBytes: 0,
    unroutable: 0,
    connects: 0,
    reconnects: 0,
  };
}
