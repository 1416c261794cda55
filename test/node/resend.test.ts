import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MEMBERS } from '../../src/node/launcher.ts';
import { ResendFilter } from '../../src/node/resendFilter.ts';
import { startTestChain, waitFor } from '../api/fixtures.ts';

describe('ResendFilter', () => {
  it('passes a message once per link, and again after the link changed', () => {
    const epochs = new Map([
      [1, 0],
      [2, 0],
    ]);
    const f = new ResendFilter(
      (peer) => epochs.get(peer)!,
      1_000,
      () => 0,
    );
    assert.ok(f.due('m', 1) && f.due('m', 2));
    f.record('m', 1);
    assert.equal(f.due('m', 1), false, 'same link, same message');
    assert.ok(f.due('m', 2), 'peer 2 never took it');
    assert.ok(f.due('other', 1), 'another message');
    epochs.set(1, 1); // reconnected, or a frame dropped from its queue
    assert.ok(f.due('m', 1));
    f.record('m', 1);
    assert.equal(f.due('m', 1), false);
  });

  it('passes it again over the same link once resendAfterMs has passed', () => {
    let now = 5_000;
    const f = new ResendFilter(
      () => 0,
      1_000,
      () => now,
    );
    f.record('m', 1);
    now += 999;
    assert.equal(f.due('m', 1), false);
    now += 1;
    assert.ok(f.due('m', 1), 'a receiver may have set the first copy aside');
    f.record('m', 1);
    assert.equal(f.due('m', 1), false, 'and the clock starts again');
  });

  it('forgets the oldest messages beyond its capacity (they are then sent again)', () => {
    const f = new ResendFilter(
      () => 0,
      1_000,
      () => 0,
      2,
    );
    for (const k of ['a', 'b', 'c']) f.record(k, 1);
    assert.ok(f.due('a', 1));
    assert.equal(f.due('b', 1), false);
    assert.equal(f.due('c', 1), false);
  });
});

describe('validator network: re-sent consensus messages', () => {
  it('a primary sends each block to each backup once, however often the replica re-sends it', async () => {
    const n = 4;
    // The replica re-sends its slot's messages every 10 ms: every block is re-sent many times.
    const chain = await startTestChain({ validators: n, timing: { retransmitMs: 10 } });
    const nodes = chain.nodes;
    try {
      const settled = () =>
        nodes.every((v) => v.status().mempool === 0 && v.status().height === nodes[0]!.status().height);
      for (let round = 1; round <= 10; round++) {
        // Member i signs for validator i's clients (each member's nonces stay in order at its node).
        // Blocks of 100 memos take the backups longer than the 10 ms re-send period to validate.
        for (const [i, node] of nodes.entries())
          for (let k = 0; k < 25; k++)
            node.submit(chain.member(DEFAULT_MEMBERS[i]!.id).memo(`memo ${round}.${k} from ${i}`).bytes);
        await waitFor('one block at least per round', settled, 20_000);
      }
      const height = Number(nodes[0]!.status().height);
      assert.ok(height >= 10, `height ${height}`);
      const primary = nodes[0]!.traffic();
      assert.equal(nodes[0]!.status().view, '0', 'no view change');
      // [ONCE PER LINK] one pre-prepare per block and backup: the links never broke, and every block
      // committed long before a copy would go again (half the view timeout)
      assert.equal(primary.byKind['pre-prepare']?.frames, height * (n - 1));
      assert.ok(primary.resendsSkipped > 0, 'the replica did re-send, the node held the copies back');
      for (const v of nodes.slice(1)) assert.equal(v.traffic().byKind['pre-prepare'], undefined);
      // Votes are still re-sent, and each validator gossiped the transactions its clients gave it.
      assert.ok(nodes.every((v) => (v.traffic().byKind.txs?.frames ?? 0) > 0));
    } finally {
      await chain.stop();
    }
  });
});
