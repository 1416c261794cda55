/**
 * The rings of a round (docs/privacy.md §3.6): the anonymity set of a bill response.
 *
 * At clearing, each aggregator's billed pseudonyms of the round (n of them) are partitioned into
 * m = max(1, ⌊n / k⌋) rings, k the round's `ringSize`, by a rule anyone recomputes from chain data:
 *
 *   seed    = SHA-256( frame("dpp/rings/v1") ‖ chain id ‖ u64 round ‖ aggregator ‖ u32 n ‖ Y_1 ‖ … ‖ Y_n )
 *             (the members sorted by encoding)
 *   rank(Y) = SHA-256( seed ‖ Y ),  members ordered by rank (then by encoding)
 *   ring i  = the members at positions p ≡ i (mod m) of that order, sorted by encoding
 *
 * so every ring has between k and 2k − 1 members (all n when n < k). The rule depends only on the
 * set of billed pseudonyms, never on who will send: every member of a ring answers with the same
 * ring, so a response names its ring and nothing finer, and since each pseudonym is in exactly one
 * ring for the whole round, several responses cannot be intersected to narrow it down. Each ring is
 * stored (`ring/‖round‖index‖aggregator`), each bill names its ring, and `bill.respond` is verified
 * against the stored ring's active members — O(k) per response instead of O(n).
 */
import { compareBytes } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import type { Point } from '../crypto/group.ts';
import { sha256 } from '../crypto/hash.ts';
import type { TxContext } from '../ledger/handler.ts';
import { readRecord } from './draft.ts';
import { pseudonymKey, ringKey } from './keys.ts';
import { pseudonymRecord, ringRecord } from './records.ts';

/** Partitions an aggregator's billed pseudonyms of a round into its rings (the rule above). */
export function partitionRings(
  chainId: string,
  round: bigint,
  aggregator: string,
  members: readonly Point[],
  ringSize: number,
): Point[][] {
  const sorted = [...members].sort(compareBytes);
  const w = new Writer()
    .string('dpp/rings/v1')
    .string(chainId)
    .u64(round)
    .string(aggregator)
    .u32(sorted.length);
  for (const y of sorted) w.fixed(y, 32);
  const seed = sha256(w.finish());
  const ranked = sorted
    .map((y) => ({ y, rank: sha256(new Writer().fixed(seed, 32).fixed(y, 32).finish()) }))
    .sort((a, b) => compareBytes(a.rank, b.rank) || compareBytes(a.y, b.y));
  const m = Math.max(1, Math.floor(sorted.length / ringSize));
  const rings: Point[][] = Array.from({ length: m }, () => []);
  for (const [position, { y }] of ranked.entries()) rings[position % m]!.push(y);
  return rings.map((ring) => ring.sort(compareBytes));
}

/**
 * Ring `index` of (round, aggregator) at the block's time: its members that are still registered,
 * unrevoked and unexpired, sorted. Empty when the ring does not exist.
 */
export function activeRing(
  ctx: Pick<TxContext, 'state' | 'group' | 'block'>,
  round: bigint,
  aggregator: string,
  index: number,
): Point[] {
  const members =
    readRecord(ctx.state, ctx.group, ringKey(round, aggregator, index), ringRecord)?.members ?? [];
  return members.filter((y) => {
    const reg = readRecord(ctx.state, ctx.group, pseudonymKey(y), pseudonymRecord);
    return reg !== undefined && !reg.revoked && ctx.block.timestampMs < reg.expiresAtMs;
  });
}
