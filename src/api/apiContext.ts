/** What every route module receives: the node, the event bus, the metrics and the server's limits. */
import type { ContractQueries } from '../contracts/queries.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import type { ValidatorNode } from '../node/validatorNode.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';
import type { EventBus } from './eventBus.ts';
import type { ApiMetrics } from './prometheus.ts';
import type { SessionStore } from './sessions.ts';

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

/** What the trading centre's node holds to trace (routes/regulator.ts). */
export interface RegulatorService {
  readonly memberId: string;
  readonly keys: RegulatorKeys;
  readonly orgKey: OrgKeyPair;
}

/** The shared state of one API server. */
export interface ApiContext {
  readonly node: ValidatorNode;
  readonly events: EventBus;
  readonly metrics: ApiMetrics;
  readonly limits: ApiLimits;
  /** Contract queries over the committed state. */
  queries(): Promise<ContractQueries>;
  /** Sign-in challenges and sessions (./sessions.ts). */
  readonly sessions: SessionStore;
  /** The regulator's keys, on the trading centre's node only. */
  readonly regulator: RegulatorService | undefined;
  /** The built dashboard's folder, when this node serves it. */
  readonly dashboardDir: string | undefined;
  /** The other validators' API base URLs, where the configuration names them. */
  readonly peerApis: readonly { readonly index: number; readonly url: string | null }[];
}
