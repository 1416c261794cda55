/**
 * Regression: a validator that failed lingered behind its API. A fatal error on the node's queue
 * (here: its store fails under it) stopped consensus, the transport and the store and set exit
 * code 1, but `dpp node` waited only for SIGTERM or SIGINT, so the process kept answering HTTP —
 * /health said "degraded", nothing committed — and no supervisor saw it die. Now the node says when
 * it has stopped (`whenStopped`) and `dpp node` closes its API then, exiting with code 1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestChain } from '../api/fixtures.ts';

describe('a failed validator', () => {
  it('regression: a failed validator kept running behind its API — it stops and says so, with exit code 1, after a fatal error on its queue', async () => {
    const chain = await startTestChain({ validators: 1, emptyBlockMs: 20 });
    try {
      let stopped = false;
      void chain.node.whenStopped().then(() => {
        stopped = true;
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(stopped, false);
      // The next block's synced write fails: LEDGER_STORE_CLOSED, fatal for the validator.
      await chain.node.store.close();
      await Promise.race([
        chain.node.whenStopped(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('the node did not stop')), 5_000).unref(),
        ),
      ]);
      assert.equal(process.exitCode, 1);
    } finally {
      process.exitCode = 0;
      await chain.stop();
    }
  });

  it('stopped on purpose, resolves whenStopped too', async () => {
    const chain = await startTestChain({ validators: 1 });
    await chain.stop();
    await chain.node.whenStopped();
  });
});
