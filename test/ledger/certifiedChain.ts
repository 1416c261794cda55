/**
 * A store holding a certified chain of memo blocks, for the snapshot, backup and restore tests:
 * genesis of `net`, then blocks of two memos each, each certified by validators 0–2 in view 0.
 */

import { buildBlock } from '../../src/ledger/blockBuilder.ts';
import { type CommitCertificate, signCommitVote } from '../../src/ledger/certificate.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import type { GeneratedNetwork } from '../../src/ledger/networkKeys.ts';
import { storedNonce } from '../../src/ledger/orgAuth.ts';
import { ensureGenesis, type LedgerStore, openStore } from '../../src/ledger/store.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { makeEnv, member, memoTx } from './fixtures.ts';

const env = makeEnv();

/** Commits `count` certified blocks of memos (`text` varies their content) on the store's head. */
export async function commitCertifiedBlocks(
  store: LedgerStore,
  net: GeneratedNetwork,
  count: number,
  text = 'memo',
): Promise<void> {
  const tc = member(net, 'trading-centre');
  for (let k = 0; k < count; k++) {
    const head = store.head()!;
    const start = storedNonce(store, tc.key.publicKey);
    const vts = [0, 1].map((i) =>
      verifyTransaction(env, memoTx(tc, `${text} ${head.height} ${i}`, start + BigInt(i) + 1n).bytes),
    );
    const built = buildBlock(
      env,
      store,
      head.header,
      { view: 0n, proposer: 0, timestampMs: head.header.timestampMs + 1n },
      vts,
    );
    const certificate: CommitCertificate = {
      view: 0n,
      votes: net.validatorKeys.slice(0, 3).map((v) => signCommitVote(v.key, v.index, built.block.header, 0n)),
    };
    await store.commitBlock({ ...built.block, certificate }, built.writes, built.receipts);
  }
}

/** A new store in `dir` with `net`'s genesis and `blocks` certified blocks (open: close it). */
export async function certifiedChain(
  dir: string,
  net: GeneratedNetwork,
  blocks: number,
): Promise<LedgerStore> {
  const store = await openStore(dir);
  await ensureGenesis(store, genesisState(net.genesis));
  await commitCertifiedBlocks(store, net, blocks);
  return store;
}
