/**
 * Child process of the SIGKILL crash test (storeCrash.test.ts): opens the store in argv[2], commits
 * genesis if the store is empty, then commits blocks of memo transactions forever, printing
 * `committed <height>` after each commit has resolved, and persisting a "vote" (synced meta write)
 * before each block, as a consensus replica does. The parent kills it at random moments.
 */
import { utf8 } from '../../src/codec/bytes.ts';
import { buildBlock } from '../../src/ledger/blockBuilder.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import { ensureGenesis, openStore } from '../../src/ledger/store.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { CRASH_NETWORK_SEED, crashBlockTxs } from './crashModel.ts';
import { makeEnv, makeNetwork } from './fixtures.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crashWriter.ts <dir>');
const env = makeEnv();
const net = makeNetwork(CRASH_NETWORK_SEED);
const store = await openStore(dir);
await ensureGenesis(store, genesisState(net.genesis));
process.stdout.write(`ready ${store.head()!.height}\n`);
for (;;) {
  const head = store.head()!;
  const height = head.height + 1n;
  await store.putMeta('vote', utf8(`commit ${height}`));
  const vts = crashBlockTxs(net, store, height).map((b) => verifyTransaction(env, b));
  const built = buildBlock(
    env,
    store,
    head.header,
    { view: 0n, proposer: 0, timestampMs: head.header.timestampMs + 1n },
    vts,
  );
  if (built.rejected.length > 0) throw new Error(`rejected: ${built.rejected[0]!.error.message}`);
  await store.commitBlock(built.block, built.writes, built.receipts);
  process.stdout.write(`committed ${height}\n`);
}
