/** What every route module receives: the node, the event bus, the metrics and the server's limits. */
import type { ValidatorNode } from '../node/validatorNode.ts';
import type { EventBus } from './eventBus.ts';
import type { ApiMetrics } from './metrics.ts';

/** Limits a route module may need. */
export interface ApiLimits {
  /** Largest POST /v1/txs body. */
  readonly batchBytes: number;
  /** Most blocks one GET /v1/blocks returns. */
  readonly blocksPerPage: number;
  /** Most concurrent WebSocket subscribers. */
  readonly maxSubscribers: number;
  /** A subscriber whose unsent data exceeds this many bytes is disconnected. */
  readonly maxSubscriberBufferBytes: number;
}

/** The shared state of one API server. */
export interface ApiContext {
  readonly node: ValidatorNode;
  readonly events: EventBus;
  readonly metrics: ApiMetrics;
  readonly limits: ApiLimits;
}
