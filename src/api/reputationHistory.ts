/**
 * Reputation history for the dashboard (GET /v1/reputation/:id/history): state keeps only a member's
 * current reputation, so the API server records every genesis member's reputation after each
 * committed `round.finalize`, in memory, from the moment it starts (a deriver that publishes
 * nothing; at most 1 000 points per member).
 */
import type { ContractQueries } from '../contracts/queries.ts';
import type { Group } from '../crypto/group.ts';
import { decodeTransaction } from '../ledger/transaction.ts';
import type { CommittedBlock, EventDeriver } from './eventBus.ts';

/** One point of a member's reputation history. */
export interface ReputationPoint {
  readonly round: string;
  readonly height: string;
  readonly reputationPpm: number | null;
  readonly status: string;
}

const MAX_POINTS = 1_000;

/** Records every genesis member's reputation after each committed `round.finalize` (a deriver publishing nothing). */
export class ReputationHistory {
  private readonly points = new Map<string, ReputationPoint[]>();

  constructor(
    private readonly members: readonly string[],
    private readonly queries: () => ContractQueries | undefined,
    private readonly group: () => Group | undefined,
  ) {}

  readonly deriver: EventDeriver = (c: CommittedBlock) => {
    const group = this.group();
    const q = this.queries();
    if (group === undefined || q === undefined) return [];
    c.block.txs.forEach((bytes, i) => {
      if (c.receipts[i]?.status !== 'ok') return;
      const tx = decodeTransaction(group, bytes);
      if (tx.kind !== 'round.finalize') return;
      const round = q.lastRound().toString();
      for (const id of this.members) {
        const r = q.reputation(id);
        if (r === undefined) continue;
        const list = this.points.get(id) ?? [];
        list.push({
          round: r.lastRound.toString() === '0' ? round : r.lastRound.toString(),
          height: c.block.header.height.toString(),
          reputationPpm: r.reputationPpm,
          status: r.status,
        });
        if (list.length > MAX_POINTS) list.shift();
        this.points.set(id, list);
      }
    });
    return [];
  };

  of(id: string): readonly ReputationPoint[] {
    return this.points.get(id) ?? [];
  }
}
