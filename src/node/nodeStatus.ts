/**
 * What a validator reports about itself and about a transaction: its status snapshot (chain, height,
 * view, primary, mempool, connected peers, a restored validator's silent period) for the status endpoint and the dashboard, and where a
 * transaction stands (pending in the mempool, committed with its location and receipt, or unknown).
 */
import { toHex } from '../codec/bytes.ts';
import type { EpochReplica } from '../consensus/epochReplica.ts';
import type { LedgerStore } from '../ledger/store.ts';
import type { Transport } from '../p2p/transport.ts';
import type { Mempool } from './mempool.ts';
import { NodeError } from './nodeError.ts';
import type { SilentPeriod } from './silentPeriod.ts';

/** A snapshot for the status endpoint and the dashboard. */
export interface NodeStatus {
  readonly chainId: string;
  readonly validator: number;
  readonly height: string;
  readonly headHash: string;
  readonly view: string;
  readonly primary: number;
  readonly inViewChange: boolean;
  readonly mempool: number;
  readonly peers: number[];
  /** After a restore: the height until which this validator follows without voting; null when it votes. */
  readonly silentUntilHeight: string | null;
}

/** Where a transaction stands. */
export interface TxStatus {
  readonly status: 'pending' | 'committed' | 'unknown';
  readonly height?: string;
  readonly index?: number;
  readonly receipt?: unknown;
}

/** The replica's and the store's view of things. */
export function nodeStatus(
  chainId: string,
  validator: number,
  parts: {
    readonly replica: EpochReplica;
    readonly store: LedgerStore;
    readonly mempool: Mempool;
    readonly transport: Transport;
    readonly silent: SilentPeriod;
  },
): NodeStatus {
  const s = parts.replica.status();
  const head = parts.store.head()!;
  return {
    chainId,
    validator,
    height: head.height.toString(),
    headHash: toHex(head.hash),
    view: s.view.toString(),
    primary: s.primary,
    inViewChange: s.inViewChange,
    mempool: parts.mempool.size,
    peers: parts.transport.connectedPeers(),
    silentUntilHeight: parts.silent.untilHeight?.toString() ?? null,
  };
}

/** Where the transaction `idHex` stands; throws NODE_BAD_REQUEST for an id of the wrong length. */
export async function txStatus(store: LedgerStore, mempool: Mempool, idHex: string): Promise<TxStatus> {
  if (mempool.get(idHex) !== undefined) return { status: 'pending' };
  let id: Uint8Array;
  try {
    id = Uint8Array.from(Buffer.from(idHex, 'hex'));
  } catch {
    return { status: 'unknown' };
  }
  if (id.length !== 32) throw new NodeError('NODE_BAD_REQUEST', 'a transaction id is 64 hex characters');
  const loc = await store.getTxLocation(id);
  if (loc === undefined) return { status: 'unknown' };
  return { status: 'committed', height: loc.height.toString(), index: loc.index, receipt: loc.receipt };
}
