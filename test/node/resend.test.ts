import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { generateGenesis, parseMemberKeyFile, writeNetworkFiles } from '../../src/ledger/networkKeys.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { parseNodeConfig } from '../../src/node/config.ts';
import { DEFAULT_MEMBERS } from '../../src/node/launcher.ts';
import { ResendFilter } from '../../src/node/resendFilter.ts';
import { ValidatorNode } from '../../src/node/validatorNode.ts';
import { freeBasePort } from '../ports.ts';

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
    const dir = mkdtempSync(join(tmpdir(), 'dpp-resend-'));
    const chainId = 'dppchain-resend-test';
    writeNetworkFiles(
      dir,
      generateGenesis({
        chainId,
        validators: n,
        genesisTimeMs: BigInt(Date.now()),
        members: DEFAULT_MEMBERS,
      }),
    );
    const base = await freeBasePort(21_000, 100, n);
    const log = pino({ level: process.env.DPP_TEST_LOG ?? 'silent' });
    const nodes = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        ValidatorNode.start(
          parseNodeConfig(
            {
              chainId,
              validatorIndex: i,
              genesisPath: 'genesis.json',
              keyPath: `validator-${i}.key.json`,
              dataDir: `data-${i}`,
              p2p: { host: '127.0.0.1', port: base + i },
              api: { host: '127.0.0.1', port: 0 },
              peers: Array.from({ length: n }, (_, j) => j)
                .filter((j) => j !== i)
                .map((j) => ({ index: j, host: '127.0.0.1', port: base + j })),
              // The replica re-sends its slot's messages every 10 ms: every block is re-sent many times.
              timing: { retransmitMs: 10, batchMs: 5, viewTimeoutMs: 600_000, emptyBlockMs: 600_000 },
            },
            dir,
          ),
          log.child({ validator: i }),
        ),
      ),
    );
    try {
      await until(() => nodes.every((v) => v.status().peers.length === n - 1));
      // Member i signs for validator i's clients (each member's nonces stay in order at its node).
      const keys = nodes.map(
        (_, i) =>
          parseMemberKeyFile(readFileSync(join(dir, `member-${DEFAULT_MEMBERS[i]!.id}.key.json`), 'utf8'))
            .key,
      );
      const settled = () =>
        nodes.every((v) => v.status().mempool === 0 && v.status().height === nodes[0]!.status().height);
      for (let nonce = 1n; nonce <= 10n; nonce++) {
        for (const [i, node] of nodes.entries()) {
          const memo = new TextEncoder().encode(`memo ${nonce} from ${i}`);
          node.submit(signOrgTransaction({ chainId, kind: 'memo', payload: memo }, nonce, keys[i]!).bytes);
        }
        await until(settled); // one block at least per round
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
      await Promise.all(nodes.map((v) => v.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
