/**
 * `dpp validator` with real processes against a real four-validator network (`dpp init`, `dpp
 * network up`), as separate organisations would pass a request file around: the joining
 * validator's operator writes the request with its own key file (`request add`), three validators'
 * operators approve it, each with its own key file (`approve`), and the trading centre submits it
 * from the consortium folder (`submit`); `list` then shows the pending change with its activation
 * height. The refusals change nothing and say why: a key file of another slot, a name in use, too
 * few approvals, an altered request, a second change while one is pending. The validators make no
 * empty blocks here, so the change stays pending while the test looks at it.
 * Ports: 10 free consecutive ones in 34000–34999.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../src/codec/bytes.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { writeValidatorKeyFile } from '../../src/ledger/networkKeys.ts';
import { runDpp } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const root = mkdtempSync(join(tmpdir(), 'dpp-validator-cli-'));
const dir = join(root, 'consortium');
const request = join(root, 'add-validator-4.json');
const joinerKeyFile = join(root, 'validator-4.key.json');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function dpp(args: readonly string[]): Run {
  const r = runDpp(args, { timeoutMs: 60_000, env: { DPP_PASSPHRASE: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the command, asserted field by field
function ok(args: readonly string[]): any {
  const r = dpp([...args, '--json']);
  assert.equal(r.status, 0, `dpp ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

/** The command fails with one line and a hint on stderr, no stack trace, the line matching `message`. */
function refused(args: readonly string[], message: RegExp): string {
  const r = dpp(args);
  assert.equal(r.status, 1, `dpp ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, `a message and a hint, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r.stderr;
}

let api = '';
let chainId = '';
let base = 0;
const validatorKey = (i: number) => join(dir, `validator-${i}.key.json`);

describe('dpp validator: request, approve, submit, list', { timeout: 120_000 }, () => {
  before(async () => {
    // validators 0–3 on base … base + 7; base + 8 is the joining validator's p2p port
    base = await freeBasePort(34_000, 100, 10);
    const init = ok([
      'init',
      '--scenario',
      'case30',
      '--insecure',
      '--base-port',
      String(base),
      '--dir',
      dir,
    ]);
    chainId = init.chainId;
    api = init.validators[1].api;
    // no empty blocks: the chain moves only with the test's transactions, so the change submitted
    // stays pending (its activation block, a checkpoint away, never comes) while the test reads it
    for (let i = 0; i < 4; i++) {
      const path = join(dir, `validator-${i}.config.json`);
      const config = JSON.parse(readFileSync(path, 'utf8'));
      writeFileSync(
        path,
        JSON.stringify({ ...config, timing: { ...config.timing, emptyBlockMs: 600_000 } }, null, 2),
      );
    }
    const up = ok(['network', 'up', '--dir', dir]);
    assert.equal(up.validators.length, 4);
  });

  after(() => {
    dpp(['network', 'down', '--dir', dir]);
    rmSync(root, { recursive: true, force: true });
  });

  it('adds a validator: its request, three approvals, the trading centre’s submission, the pending change', () => {
    // the joining organisation's operator makes its validator key: it will be slot 4
    const seed = randomBytes(32);
    const key = orgKeyPair(seed);
    writeValidatorKeyFile(joinerKeyFile, chainId, { index: 4, name: 'validator-4', key, seed });
    const wrongSlot = join(root, 'validator-5.key.json');
    const seed5 = randomBytes(32);
    writeValidatorKeyFile(wrongSlot, chainId, {
      index: 5,
      name: 'validator-5',
      key: orgKeyPair(seed5),
      seed: seed5,
    });
    const p2p = `127.0.0.1:${base + 8}`;
    const add = [
      'validator',
      'request',
      'add',
      '--name',
      'validator-4',
      '--p2p',
      p2p,
      '--api',
      api,
      '--out',
      request,
    ];
    refused([...add, '--key', wrongSlot], /validator 5's key file; validator-4 will have slot 4/);
    refused(
      [
        'validator',
        'request',
        'add',
        '--name',
        'validator-2',
        '--p2p',
        p2p,
        '--api',
        api,
        '--out',
        request,
        '--key',
        joinerKeyFile,
      ],
      /validator validator-2 exists/,
    );
    const made = ok([...add, '--key', joinerKeyFile]);
    assert.equal(made.chainId, chainId);
    assert.equal(made.epoch, 0);
    assert.equal(made.change, 'add');
    assert.equal(made.slot, 4);
    assert.equal(made.publicKey, toHex(key.publicKey));
    assert.equal(made.approvalsNeeded, 3);
    const file = JSON.parse(readFileSync(request, 'utf8'));
    assert.deepEqual(file.approvals, []);
    assert.match(file.proof, /^[0-9a-f]{128}$/);
    refused([...add, '--key', joinerKeyFile], /exists: nothing was written/);

    // two validators' operators approve, each with its own key file
    const first = ok(['validator', 'approve', request, '--key', validatorKey(0), '--api', api]);
    assert.deepEqual([first.slot, first.valid, first.ready], [0, [0], false]);
    const second = ok(['validator', 'approve', request, '--key', validatorKey(1), '--api', api]);
    assert.deepEqual([second.valid, second.needed, second.ready], [[0, 1], 3, false]);
    // two of four is not a quorum: refused before anything is signed, nothing pending
    refused(
      ['validator', 'submit', request, '--dir', dir, '--insecure'],
      /2 valid approvals \(slots 0, 1\); adding a validator needs 3 of the 4 validators of epoch 0: nothing was sent/,
    );
    assert.equal(ok(['validator', 'list', '--api', api]).pending, null);

    // the third (without --api: signed, not counted against the set)
    const third = ok(['validator', 'approve', request, '--key', validatorKey(2)]);
    assert.deepEqual([third.approvals, third.checked], [[0, 1, 2], false]);

    // an altered request (another endpoint) breaks every approval: refused, nothing sent
    const altered = join(root, 'altered.json');
    writeFileSync(
      altered,
      JSON.stringify({ ...JSON.parse(readFileSync(request, 'utf8')), p2p: '127.0.0.1:1' }),
    );
    refused(
      ['validator', 'submit', altered, '--dir', dir, '--insecure'],
      /slots 0, 1, 2 do not verify against epoch 0/,
    );

    const sent = ok(['validator', 'submit', request, '--dir', dir, '--insecure']);
    assert.equal(sent.receipt.kind, 'validator.change');
    assert.equal(sent.receipt.certified, true);
    assert.equal(sent.slot, 4);
    const activation = BigInt(sent.activation);
    assert.equal(activation % 16n, 0n, 'a change takes effect at a checkpoint');
    assert.ok(activation > BigInt(sent.receipt.height));
    assert.equal(sent.quorumAfter, 4);
    assert.ok(sent.next.some((l: string) => l.startsWith('dpp node backup --config')));
    assert.ok(sent.next.some((l: string) => l.startsWith('dpp node restore --config')));

    // the list (from the consortium folder: proven from the genesis keys) shows it pending
    const listed = ok(['validator', 'list', '--dir', dir]);
    assert.equal(listed.proven, true);
    assert.equal(listed.epochs.length, 1);
    assert.deepEqual(listed.pending, {
      activation: sent.activation,
      type: 'add',
      slot: 4,
      name: 'validator-4',
      publicKey: toHex(key.publicKey),
      p2p,
    });
    const text = dpp(['validator', 'list', '--api', api]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`pending  add validator-4 \\(slot 4, .*\\): takes effect at the end of block ${activation}`),
    );

    // the same request again is not sent twice; nor is another change while one is pending
    refused(['validator', 'submit', request, '--dir', dir, '--insecure'], /this change is committed already/);
    refused(
      [
        'validator',
        'request',
        'remove',
        '--name',
        'validator-3',
        '--api',
        api,
        '--out',
        join(root, 'remove.json'),
      ],
      new RegExp(
        `a validator change is pending \\(add validator-4 .*\\) until the end of block ${activation}`,
      ),
    );
  });
});
