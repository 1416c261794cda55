/**
 * The typed node client against the real API server of an in-process validator network: submit and
 * wait, proof and certificate checks (a lying node is caught), batches, blocks, status, the event
 * subscription, and server refusals surfacing as ClientError with the server's code. Then the
 * client following the validator set as it changes: on a real chain that removes a validator (the
 * next blocks certified by the new set, in its epoch's domain), and against a fake node whose
 * every answer is built here, honest and lying (a forged set, a set of two changes, an activation
 * block the previous set did not certify or certified in another domain, …).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { ClientError } from '../../src/client/clientError.ts';
import { NodeClient, type NodeEvent } from '../../src/client/nodeClient.ts';
import { approveChange, changePayload, requestChange } from '../../src/client/validatorChange.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { validatorChangePayload } from '../../src/contracts/validators.ts';
import { type OrgKeyPair, orgKeyPair, orgSign } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import { type BlockHeader, blockHash, encodeHeader } from '../../src/ledger/blockHeader.ts';
import { type CommitCertificate, commitVoteBytes, encodeCertificate } from '../../src/ledger/certificate.ts';
import { merkleRoot } from '../../src/ledger/merkle.ts';
import { parseValidatorKeyFile } from '../../src/ledger/networkKeys.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { activationHeight, consensusDomain } from '../../src/ledger/validatorSet.ts';
import { startTestChain, type TestChain, waitFor } from '../api/fixtures.ts';

let chain: TestChain;
let api: RunningApiServer;
let client: NodeClient;

const refused = (code: string) => (e: unknown) => e instanceof ClientError && isDppError(e, code);

/** A fake node answering `body` to every request, to test the client's own checks. */
async function fakeNode(body: (path: string) => unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const text = JSON.stringify(body(req.url ?? '/'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('node client', { timeout: 60_000 }, () => {
  before(async () => {
    chain = await startTestChain();
    api = await startApiServer(chain.node, { host: '127.0.0.1', port: 0 }, { processMetrics: false });
    client = new NodeClient(api.url, {
      genesis: {
        chainId: chain.node.genesis.chainId,
        validatorKeys: chain.node.genesis.validators.map((v) => v.publicKey),
      },
    });
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
  });

  it('submitAndWait returns the committed transaction, proof and certificate verified', async () => {
    const tx = chain.member('generator-a').memo('via client');
    const done = await client.submitAndWait(tx.bytes, 10_000);
    assert.equal(done.id, tx.id);
    assert.equal(done.certified, true);
    assert.deepEqual(done.receipt, { status: 'ok' });
    const block = await client.block(done.height, true);
    assert.equal(block.hash, done.blockHash);
    assert.equal(block.txIds[done.index], tx.id);
    assert.deepEqual(block.receipts?.[done.index], { status: 'ok' });
    const uncertified = await new NodeClient(api.url).tx(tx.id);
    assert.equal(uncertified.status === 'committed' && uncertified.certified, false);
  });

  it('batches, pages of blocks, status and health are typed', async () => {
    const m = chain.member('generator-b');
    const a = m.memo('a');
    const b = m.memo('b');
    const r = await client.submitBatch([a.bytes, b.bytes, a.bytes]);
    assert.deepEqual(r.ids, [a.id, b.id]);
    assert.equal(r.errors[0]!.code, 'NODE_DUPLICATE_TX');
    await client.waitForCommit(b.id, 10_000);
    const page = await client.blocks({ from: 0, limit: 2 });
    assert.deepEqual(
      page.blocks.map((x) => x.height),
      ['0', '1'],
    );
    const s = await client.status();
    assert.equal(s.chainId, chain.chainId);
    assert.equal((await client.health()).status, 'ok');
  });

  it('a node refusal is a ClientError with the node’s code and HTTP status', async () => {
    const tx = chain.member('consumer-1').memo('twice');
    await client.submit(tx.bytes);
    await assert.rejects(
      client.submit(tx.bytes),
      (e) => refused('NODE_DUPLICATE_TX')(e) && (e as ClientError).details.status === 409,
    );
    await assert.rejects(
      client.submit(new Uint8Array([1, 2, 3])),
      (e) => e instanceof ClientError && e.code.startsWith('DECODE_'),
    );
    await assert.rejects(client.block(10n ** 9n), refused('API_NOT_FOUND'));
    await assert.rejects(client.tx('zz'), refused('CLIENT_BAD_ARGUMENT'));
    assert.throws(() => new NodeClient('ftp://x'), refused('CLIENT_BAD_ARGUMENT'));
    await assert.rejects(client.waitForCommit('00'.repeat(32), 200), refused('CLIENT_TIMEOUT'));
    await assert.rejects(new NodeClient('http://127.0.0.1:1').status(), refused('CLIENT_NETWORK'));
  });

  it('subscribe delivers block events after the subscription is confirmed', async () => {
    const events: NodeEvent[] = [];
    let closedWith = '';
    const sub = client.subscribe((e) => events.push(e), {
      types: ['block'],
      onClose: (r) => (closedWith = r),
    });
    await sub.ready;
    const tx = chain.member('consumer-2').memo('streamed');
    await client.submit(tx.bytes);
    await waitFor('the block event', () => events.some((e) => (e.txIds as string[]).includes(tx.id)));
    assert.ok(events.every((e) => e.type === 'block'));
    sub.close();
    assert.equal(closedWith, 'closed by client');
    const bad = client.subscribe(() => {}, { types: ['Not A Type'] });
    await assert.rejects(bad.ready, refused('CLIENT_NETWORK'));
  });

  it('catches a node that lies: forged proof, wrong header, bad certificate, malformed answers', async () => {
    const tx = chain.member('consumer-3').memo('audited');
    const done = await client.submitAndWait(tx.bytes, 10_000);
    const real = (await (await fetch(`${api.url}/v1/tx/${done.id}`)).json()) as {
      index: number;
      proof: Record<string, unknown>;
      certificate: string;
    } & Record<string, unknown>;
    const other = chain.member('consumer-3').memo('never sent');
    const lies: [string, (path: string) => unknown, string][] = [
      ['another id', () => ({ ...real, id: other.id }), 'CLIENT_BAD_RESPONSE'],
      [
        'wrong index',
        () => ({ ...real, index: real.index + 1, proof: { ...real.proof, leafIndex: real.index + 1 } }),
        'CLIENT_PROOF_INVALID',
      ],
      [
        'forged path',
        () => ({ ...real, proof: { ...real.proof, path: ['00'.repeat(32)] } }),
        'CLIENT_PROOF_INVALID',
      ],
      ['header of another block', () => ({ ...real, blockHash: '11'.repeat(32) }), 'CLIENT_PROOF_INVALID'],
      ['no proof', () => ({ ...real, proof: undefined }), 'CLIENT_PROOF_INVALID'],
      [
        'bad certificate',
        // one bit of the last signature flipped (writing 00 over it changed nothing when it was 00)
        () => {
          const last = (Number.parseInt(real.certificate.slice(-2), 16) ^ 1).toString(16).padStart(2, '0');
          return { ...real, certificate: `${real.certificate.slice(0, -2)}${last}` };
        },
        'CLIENT_PROOF_INVALID',
      ],
      ['garbage header', () => ({ ...real, header: 'abcd' }), 'CLIENT_PROOF_INVALID'],
      ['not the schema', () => ({ status: 'maybe' }), 'CLIENT_BAD_RESPONSE'],
    ];
    for (const [label, answer, code] of lies) {
      const fake = await fakeNode((path) => (path.startsWith('/v1/tx/') ? answer(path) : {}));
      try {
        const liar = new NodeClient(fake.url, {
          genesis: {
            chainId: chain.node.genesis.chainId,
            validatorKeys: chain.node.genesis.validators.map((v) => v.publicKey),
          },
        });
        await assert.rejects(liar.tx(done.id), refused(code), label);
      } finally {
        fake.server.close();
      }
    }
  });
});

describe('node client following the validator set of a real chain', { timeout: 60_000 }, () => {
  let c: TestChain;
  let server: RunningApiServer;

  before(async () => {
    c = await startTestChain();
    server = await startApiServer(c.node, { host: '127.0.0.1', port: 0 }, { processMetrics: false });
  });
  after(async () => {
    await server?.close();
    await c?.stop();
  });

  it('after validator 3 is removed, blocks certified by the three left verify; a fresh client proves the epoch too', async () => {
    const genesis = {
      chainId: c.chainId,
      validatorKeys: c.node.genesis.validators.map((v) => v.publicKey),
    };
    const client = new NodeClient(server.url, { genesis });
    const first = await client.submitAndWait(c.member('generator-a').memo('before').bytes, 10_000);
    assert.equal(first.certified, true);
    const validatorKey = (i: number) =>
      parseValidatorKeyFile(readFileSync(join(c.dir, `validator-${i}.key.json`), 'utf8')).key;
    let remove = requestChange(c.chainId, 0, { type: 'remove', name: 'validator-3' });
    for (const i of [0, 1, 2]) remove = approveChange(remove, i, validatorKey(i));
    const tc = c.member('trading-centre');
    tc.nonce++;
    const change = signOrgTransaction(
      {
        chainId: c.chainId,
        kind: 'validator.change',
        payload: validatorChangePayload.encode(changePayload(remove)),
      },
      tc.nonce,
      tc.key,
    );
    const sent = await client.submitAndWait(change.bytes, 10_000);
    assert.deepEqual(sent.receipt, { status: 'ok' });
    const sets = await client.validatorSets();
    assert.equal(sets.pending?.change.type, 'remove');
    assert.equal(sets.pending?.slot, 3);
    const activation = activationHeight(sent.height);
    assert.equal(sets.pending?.activation, activation);

    // blocks only hold transactions here (no empty blocks): the activation block holds a memo
    let last = sent;
    for (let k = 0; last.height <= activation + 1n; k++) {
      last = await client.submitAndWait(
        c.member('generator-b').memo(`towards the activation ${k}`).bytes,
        10_000,
      );
      assert.equal(last.certified, true, `block ${last.height}`);
    }
    const after = await client.validatorSets();
    assert.equal(after.epochs.length, 2);
    assert.equal(after.epochs[1]!.base, activation);
    assert.deepEqual(
      after.epochs[1]!.validators.map((v) => v.slot),
      [0, 1, 2],
    );
    // a client that has seen nothing proves epoch 1 from the activation block's certificate
    const fresh = new NodeClient(server.url, { genesis });
    const st = await fresh.tx(last.id);
    assert.equal(st.status === 'committed' && st.certified, true);
    assert.deepEqual(
      (await fresh.certifiedEpochs()).map((e) => [e.number, e.base]),
      [
        [0, 0n],
        [1, activation],
      ],
    );
    // the genesis keys alone do not verify a block of epoch 1 (another set, another domain): a
    // client whose node hides epoch 1 refuses it
    const hiding = await proxy(server.url, (path) =>
      path === '/v1/validators' ? { epochs: [jsonEpoch(after.epochs[0]!)], pending: null } : undefined,
    );
    try {
      await assert.rejects(
        new NodeClient(hiding.url, { genesis }).tx(last.id),
        refused('CLIENT_PROOF_INVALID'),
      );
    } finally {
      hiding.server.close();
    }
  });
});

/** An epoch as GET /v1/validators answers it. */
function jsonEpoch(e: {
  number: number;
  base: bigint;
  validators: readonly { slot: number; name: string; publicKey: Uint8Array; p2p: string }[];
}) {
  return {
    number: e.number,
    base: e.base.toString(),
    validators: e.validators.map((v) => ({ ...v, publicKey: toHex(v.publicKey) })),
  };
}

/** A node that answers what `override` gives for a path, and everything else as `real` does. */
async function proxy(
  real: string,
  override: (path: string) => unknown,
): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    const own = override(path);
    if (own !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(own));
      return;
    }
    const answer = await fetch(`${real}${path}`);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('node client following the validator set: a node that lies about it', () => {
  const CHAIN = 'dpp-epochs-fake';
  const keys = Array.from({ length: 6 }, () => orgKeyPair());
  const genesis = { chainId: CHAIN, validatorKeys: keys.slice(0, 4).map((k) => k.publicKey) };
  const txId = '7a'.repeat(32);

  function header(height: bigint, txIds: readonly string[] = []): BlockHeader {
    return {
      chainId: CHAIN,
      height,
      prevHash: new Uint8Array(32).fill(1),
      txRoot: merkleRoot(txIds.map((id) => Buffer.from(id, 'hex'))),
      stateRoot: new Uint8Array(32).fill(2),
      view: 0n,
      proposer: 0,
      timestampMs: 1_700_000_000_000n + height,
    };
  }
  /** Votes by `signers` ([index in the set, key]) in `domain`. */
  function certify(
    h: BlockHeader,
    domain: string,
    signers: readonly [number, OrgKeyPair][],
  ): CommitCertificate {
    const bytes = commitVoteBytes(domain, 0n, h.height, blockHash(h));
    return {
      view: 0n,
      votes: signers.map(([validatorIndex, k]) => ({ validatorIndex, signature: orgSign(k, bytes) })),
    };
  }
  const set = (slots: readonly number[], keyOf = (slot: number) => keys[slot]!) =>
    slots.map((slot) => ({
      slot,
      name: `validator-${slot}`,
      publicKey: toHex(keyOf(slot).publicKey),
      p2p: '',
    }));
  const epoch0 = { number: 0, base: '0', validators: set([0, 1, 2, 3]) };
  /** Epoch 1 from height 16: validator 4 added. */
  const epoch1 = { number: 1, base: '16', validators: set([0, 1, 2, 3, 4]) };
  const byOld = (h: BlockHeader) =>
    certify(h, CHAIN, [
      [0, keys[0]!],
      [1, keys[1]!],
      [2, keys[2]!],
    ]);
  const byNew = (h: BlockHeader, domain = consensusDomain(CHAIN, 1)) =>
    certify(h, domain, [
      [1, keys[1]!],
      [2, keys[2]!],
      [3, keys[3]!],
      [4, keys[4]!],
    ]);

  interface Chain {
    epochs: unknown[];
    /** Block 16 (or what the node serves as block 16): its header, certificate, how it is served. */
    activation?: { header: BlockHeader; certificate: CommitCertificate; serve: 'canonical' | 'tx' | 'none' };
    tx?: { header: BlockHeader; certificate: CommitCertificate };
  }
  function blockView(h: BlockHeader, c: CommitCertificate, txIds: string[], canonical: boolean) {
    return {
      height: h.height.toString(),
      hash: toHex(blockHash(h)),
      prevHash: toHex(h.prevHash),
      txRoot: toHex(h.txRoot),
      stateRoot: toHex(h.stateRoot),
      view: '0',
      proposer: 0,
      timestampMs: h.timestampMs.toString(),
      txIds,
      certificate: { view: '0', signers: c.votes.map((v) => v.validatorIndex) },
      ...(canonical
        ? { canonical: { header: toHex(encodeHeader(h)), certificate: toHex(encodeCertificate(c)) } }
        : {}),
    };
  }
  function txAnswer(id: string, h: BlockHeader, c: CommitCertificate) {
    return {
      id,
      status: 'committed',
      height: h.height.toString(),
      index: 0,
      receipt: { status: 'ok' },
      blockHash: toHex(blockHash(h)),
      proof: { leafIndex: 0, treeSize: 1, path: [] },
      header: toHex(encodeHeader(h)),
      certificate: toHex(encodeCertificate(c)),
    };
  }
  /** A fake node of `chain`; counts its GET /v1/validators. */
  async function liar(chain: Chain) {
    const counts = { validators: 0 };
    const activationTx = 'ac'.repeat(32);
    const a = chain.activation;
    const node = await fakeNode((path) => {
      if (path === '/v1/validators') {
        counts.validators++;
        return { epochs: chain.epochs, pending: null };
      }
      if (a !== undefined && path === '/v1/blocks/16')
        return blockView(
          a.header,
          a.certificate,
          a.serve === 'tx' ? [activationTx] : [],
          a.serve === 'canonical',
        );
      if (a !== undefined && path === `/v1/tx/${activationTx}`)
        return txAnswer(activationTx, a.header, a.certificate);
      if (chain.tx !== undefined && path === `/v1/tx/${txId}`)
        return txAnswer(txId, chain.tx.header, chain.tx.certificate);
      return undefined;
    });
    return { ...node, counts, client: new NodeClient(node.url, { genesis, busyTimeoutMs: 0 }) };
  }
  const a16 = header(16n);
  const a16tx = header(16n, ['ac'.repeat(32)]);
  const b20 = header(20n, [txId]);
  const honest = (): Chain => ({
    epochs: [epoch0, epoch1],
    activation: { header: a16, certificate: byOld(a16), serve: 'canonical' },
    tx: { header: b20, certificate: byNew(b20) },
  });

  it('accepts epoch 1 once block 16 is certified by epoch 0, then blocks certified by epoch 1 in its domain', async () => {
    for (const serve of ['canonical', 'tx'] as const) {
      const chain = honest();
      chain.activation = {
        header: serve === 'tx' ? a16tx : a16,
        certificate: byOld(serve === 'tx' ? a16tx : a16),
        serve,
      };
      const n = await liar(chain);
      try {
        const st = await n.client.tx(txId);
        assert.equal(st.status === 'committed' && st.certified, true, serve);
        // epoch 1 now known to certify up to the next checkpoint: no second request for the sets
        await n.client.tx(txId);
        assert.equal(n.counts.validators, 1);
      } finally {
        n.server.close();
      }
    }
  });

  it('refuses a forged or unprovable set, and certificates of the wrong set or domain', async () => {
    const forged = orgKeyPair();
    const cases: [string, (c: Chain) => void, RegExp][] = [
      [
        'block 16 certified by the new set instead of the old one',
        (c) => {
          c.activation!.certificate = certify(a16, CHAIN, [
            [1, keys[1]!],
            [2, keys[2]!],
            [4, keys[4]!],
          ]);
        },
        /not certified by a quorum of epoch 0/,
      ],
      [
        'block 16 certified by the old set in the new epoch’s domain',
        (c) => {
          c.activation!.certificate = certify(a16, consensusDomain(CHAIN, 1), [
            [0, keys[0]!],
            [1, keys[1]!],
            [2, keys[2]!],
          ]);
        },
        /not certified by a quorum of epoch 0/,
      ],
      [
        'a header that is not block 16’s',
        (c) => {
          c.activation = { ...c.activation!, header: header(17n), certificate: byOld(header(17n)) };
        },
        /the header is not that block/,
      ],
      [
        'epoch 0 that is not the genesis',
        (c) => {
          c.epochs = [
            { ...epoch0, validators: set([0, 1, 2, 3], (s) => (s === 3 ? forged : keys[s]!)) },
            epoch1,
          ];
        },
        /epoch 0 is not the set of the genesis/,
      ],
      [
        'two validators changed at once',
        (c) => {
          c.epochs = [
            epoch0,
            { ...epoch1, validators: set([0, 1, 2, 3, 4], (s) => (s === 3 ? keys[5]! : keys[s]!)) },
          ];
        },
        /not one validator added/,
      ],
      [
        'a base off the checkpoints',
        (c) => {
          c.epochs = [epoch0, { ...epoch1, base: '15' }];
        },
        /not a checkpoint/,
      ],
      [
        'an activation block with no transaction, its certificate not served',
        (c) => {
          c.activation!.serve = 'none';
        },
        /block 16 holds no transaction/,
      ],
      [
        'block 20 certified by the new set in the old domain',
        (c) => {
          c.tx!.certificate = byNew(b20, CHAIN);
        },
        /does not verify/,
      ],
      [
        'block 20 certified by the old set, which epoch 1 replaced',
        (c) => {
          c.tx!.certificate = byOld(b20);
        },
        /does not verify/,
      ],
      [
        'block 20 certified by a set the node hides (epoch 1 not reported)',
        (c) => {
          c.epochs = [epoch0];
        },
        /does not verify/,
      ],
    ];
    for (const [label, lie, message] of cases) {
      const chain = honest();
      lie(chain);
      const n = await liar(chain);
      try {
        await assert.rejects(
          n.client.tx(txId),
          (e) => refused('CLIENT_PROOF_INVALID')(e) && message.test((e as Error).message),
          label,
        );
      } finally {
        n.server.close();
      }
    }
  });

  it('validatorSets gives the node’s word; certifiedEpochs proves it or throws', async () => {
    const n = await liar(honest());
    try {
      const sets = await n.client.validatorSets();
      assert.deepEqual(
        sets.epochs.map((e) => [e.number, e.base, e.validators.length]),
        [
          [0, 0n, 4],
          [1, 16n, 5],
        ],
      );
      await assert.rejects(new NodeClient(n.url).certifiedEpochs(), refused('CLIENT_BAD_ARGUMENT'));
    } finally {
      n.server.close();
    }
  });
});
