/**
 * POST /v1/snapshot (src/api/routes/snapshot.ts) on a running chain: the validator's own key gets a
 * snapshot stream that decodes to the node's head and carries no metadata, while transactions keep
 * committing; another validator's key, a replayed challenge and a malformed body are refused with
 * their codes (and stream nothing).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { downloadSnapshot } from '../../src/client/snapshotDownload.ts';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { orgSign } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import { blockHash } from '../../src/ledger/blockHeader.ts';
import { parseValidatorKeyFile } from '../../src/ledger/networkKeys.ts';
import { snapshotChallengeBytes } from '../../src/ledger/sessionChallenge.ts';
import { decodeSnapshot, SnapshotWatcher } from '../../src/ledger/snapshot.ts';
import { startTestChain, type TestChain, waitFor } from './fixtures.ts';

let chain: TestChain;
let api: RunningApiServer;
const keyOf = (i: number) =>
  parseValidatorKeyFile(readFileSync(join(chain.dir, `validator-${i}.key.json`), 'utf8')).key;

before(async () => {
  chain = await startTestChain();
  api = await startApiServer(chain.node, { host: '127.0.0.1', port: 0 }, { processMetrics: false });
});
after(async () => {
  await api?.close();
  await chain?.stop();
});

async function challenge(): Promise<string> {
  return ((await (await fetch(`${api.url}/v1/auth/challenge`)).json()) as { challenge: string }).challenge;
}

async function post(body: unknown): Promise<{ status: number; json: { code?: string } }> {
  const res = await fetch(`${api.url}/v1/snapshot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { code?: string } };
}

describe('POST /v1/snapshot', () => {
  it('streams a snapshot of the chain to the validator’s own key, while commits go on', async () => {
    const tc = chain.member('trading-centre');
    for (let i = 0; i < 5; i++) await chain.node.submit(tc.memo(`before ${i}`).bytes);
    await waitFor(
      '5 memos committed',
      () => chain.node.status().mempool === 0 && Number(chain.node.status().height) >= 1,
    );
    const chunks = await downloadSnapshot({
      apiUrl: api.url,
      chainId: chain.chainId,
      validator: 0,
      key: keyOf(0),
    });
    const heightThen = chain.node.store.head()!.height;
    await chain.node.submit(tc.memo('during').bytes);
    const watcher = new SnapshotWatcher();
    let entries = 0;
    for await (const [k, v] of decodeSnapshot(chunks)) {
      assert.notEqual(k[0], 'm'.charCodeAt(0), 'no metadata in a snapshot');
      watcher.observe(k, v);
      entries++;
    }
    const head = watcher.result()!;
    assert.ok(head.height >= heightThen, `${head.height} ≥ ${heightThen}`);
    const stored = (await chain.node.store.getBlock(head.height))!;
    assert.equal(toHex(head.hash), toHex(blockHash(stored.header)), 'the node’s own block at that height');
    assert.ok(entries > 10);
  });

  it('refuses another validator’s key, a replayed challenge, a malformed body', async () => {
    const c = await challenge();
    const bytes = snapshotChallengeBytes(chain.chainId, fromHex(c), 0);
    const wrongKey = await post({ challenge: c, signature: toHex(orgSign(keyOf(1), bytes)) });
    assert.equal(wrongKey.status, 401);
    assert.equal(wrongKey.json.code, 'API_AUTH_BAD_SIGNATURE');
    // the challenge was consumed by that attempt: the right signature over it is refused now
    const replay = await post({ challenge: c, signature: toHex(orgSign(keyOf(0), bytes)) });
    assert.equal(replay.json.code, 'API_AUTH_CHALLENGE_UNKNOWN');
    const c2 = await challenge();
    const asOther = await post({
      challenge: c2,
      signature: toHex(orgSign(keyOf(0), snapshotChallengeBytes(chain.chainId, fromHex(c2), 1))),
    });
    assert.equal(asOther.json.code, 'API_AUTH_BAD_SIGNATURE', 'signed for validator 1, sent to validator 0');
    const malformed = await post({ challenge: 'zz', signature: '00' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.code, 'API_BAD_REQUEST');
    await assert.rejects(
      downloadSnapshot({ apiUrl: api.url, chainId: chain.chainId, validator: 0, key: keyOf(2) }),
      (err) => isDppError(err, 'API_AUTH_BAD_SIGNATURE'),
    );
  });
});
