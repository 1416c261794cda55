/** The deterministic workload of the crash test: which transactions block h holds. */
import type { GeneratedNetwork } from '../../src/ledger/networkKeys.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import type { StateReader } from '../../src/ledger/worldState.ts';
import { memoTx } from './fixtures.ts';

export const CRASH_NETWORK_SEED = 'crash test';
/** Transactions per block: enough that a block is a batch of a few hundred LevelDB operations. */
export const CRASH_TXS_PER_BLOCK = 40;

/** The encoded transactions of block `height`, with nonces read from `state` (the parent's post-state). */
export function crashBlockTxs(net: GeneratedNetwork, state: StateReader, height: bigint): Uint8Array[] {
  const members = net.memberKeys;
  const nonces = new Map(members.map((m) => [m.id, nextNonce(state, m.key.publicKey)]));
  const out: Uint8Array[] = [];
  for (let i = 0; i < CRASH_TXS_PER_BLOCK; i++) {
    const m = members[(Number(height) + i) % members.length]!;
    const n = nonces.get(m.id)!;
    nonces.set(m.id, n + 1n);
    out.push(memoTx(m, `block ${height} tx ${i} ${'x'.repeat(100)}`, n).bytes);
  }
  return out;
}
