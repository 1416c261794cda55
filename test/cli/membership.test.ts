/**
 * Membership after genesis through the `dpp` command, with real processes and a real four-validator
 * network (`dpp init`, `dpp network up`): an organisation makes its keys and card in its own folder
 * (`dpp keys new`), the trading centre admits it from the card (`dpp member admit`) and it shows in
 * GET /v1/members with the height it joined; it rotates its organisation key from its own folder
 * (`dpp keys rotate --org`, the genesis and a node given) — after which a transaction signed by the
 * old key is refused and the new key's first transaction, nonce 1, commits; a member of the
 * consortium folder rotates too (`--as`), and a rotation interrupted before or after its commit is
 * finished by running the command again, with the same pending key; the trading centre recovers the organisation's key from
 * its new card (`dpp member recover-key`), and `dpp member history` shows the audit records; the
 * trading centre rotates the certification key (`dpp keys rotate --cert`). Mistakes — the same card
 * twice, a card of another chain, a recovery by a generator, a key already used — are one-line
 * errors with a hint that change nothing.
 * Ports: 8 free consecutive ones in 33000–33799.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rotationPayload } from '../../src/client/actions/rotateOrgKey.ts';
import { orgContractTx } from '../../src/client/contractTx.ts';
import { readKeyStore, writeKeyStore } from '../../src/client/keyStore.ts';
import { NodeClient } from '../../src/client/nodeClient.ts';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { rotateKeyPayload } from '../../src/contracts/orgKeys.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { isDppError } from '../../src/errors.ts';
import { parseGenesis } from '../../src/ledger/genesis.ts';
import { parseMemberCard } from '../../src/ledger/memberCard.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { runDpp } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const root = mkdtempSync(join(tmpdir(), 'dpp-membership-'));
const dir = join(root, 'consortium');
const PASS = 'the consortium’s passphrase';
const ORG_PASS = 'gen-new keeps its own passphrase';
const org = join(root, 'gen-new');
const org2 = join(root, 'gen-new-again');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function dpp(args: readonly string[], passphrase = PASS): Run {
  const r = runDpp(args, { timeoutMs: 180_000, env: { DPP_PASSPHRASE: passphrase } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the command, asserted field by field
function ok(args: readonly string[], passphrase = PASS): any {
  const r = dpp([...args, '--json'], passphrase);
  assert.equal(r.status, 0, `dpp ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

function refused(args: readonly string[], message: RegExp, passphrase = PASS): void {
  const r = dpp(args, passphrase);
  assert.equal(r.status, 1, `dpp ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length <= 2, `a message and a hint, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const inConsortium = ['--dir', dir];
let api = '';
let chainId = '';
let client: NodeClient;

/** The organisation seed and key kept in `folder`'s key store, and the names of its entries. */
function keptKey(folder: string, passphrase: string) {
  const store = readKeyStore(join(folder, 'keystore.json'), { passphrase });
  const seed = store.entry('org').bytes;
  return { seed, key: orgKeyPair(seed), names: store.entries.map((e) => e.name).sort() };
}

/** A memo signed by `seed`'s key with `nonce`, submitted and waited for: 'committed', or the refusal's code. */
async function memo(seed: Uint8Array, nonce: bigint): Promise<string> {
  const tx = signOrgTransaction(
    { chainId, kind: 'memo', payload: new TextEncoder().encode('hello') },
    nonce,
    orgKeyPair(seed),
  );
  try {
    await client.submitAndWait(tx.bytes, 30_000);
    return 'committed';
  } catch (err) {
    return isDppError(err) ? err.code : String(err);
  }
}

describe('membership after genesis through the CLI', { timeout: 300_000 }, () => {
  before(async () => {
    const base = await freeBasePort(33_000, 100, 8);
    const init = ok(['init', '--scenario', 'case30', '--base-port', String(base), ...inConsortium]);
    chainId = init.chainId;
    api = init.validators[1].api;
    const up = ok(['network', 'up', ...inConsortium]);
    assert.equal(up.validators.length, 4);
    const genesis = parseGenesis(readFileSync(join(dir, 'genesis.json'), 'utf8'));
    client = new NodeClient(api, {
      genesis: { chainId, validatorKeys: genesis.validators.map((v) => v.publicKey) },
    });
  });

  after(() => {
    dpp(['network', 'down', ...inConsortium]);
    rmSync(root, { recursive: true, force: true });
  });

  let firstKey: Uint8Array = new Uint8Array();

  it('the trading centre admits an organisation from its card; it is listed with the height it joined', async () => {
    const made = ok(
      [
        'keys',
        'new',
        '--role',
        'generator',
        '--id',
        'gen-new',
        '--chain-id',
        chainId,
        '--dir',
        org,
        '--validator',
        'validator-gen-new',
        '--p2p',
        '127.0.0.1:1',
      ],
      ORG_PASS,
    );
    firstKey = fromHex(made.card.orgKey);
    const admitted = ok(['member', 'admit', '--card', join(org, 'card.json'), ...inConsortium]);
    assert.equal(admitted.member, 'gen-new');
    assert.equal(admitted.validatorNotAdmitted, 'validator-gen-new');
    const joinedAt = String(admitted.receipt.height);
    const { members } = (await (await fetch(`${api}/v1/members`)).json()) as {
      members: { id: string; joinedHeight: string; joinedVia: string; orgKey: string }[];
    };
    const m = members.find((x) => x.id === 'gen-new')!;
    assert.deepEqual([m.joinedHeight, m.joinedVia, m.orgKey], [joinedAt, 'card', made.card.orgKey]);
    assert.equal(members.find((x) => x.id === 'g1.bus1')?.joinedVia, 'genesis');

    refused(
      ['member', 'admit', '--card', join(org, 'card.json'), ...inConsortium],
      /gen-new is a member already/,
    );
    const foreign = JSON.parse(readFileSync(join(org, 'card.json'), 'utf8'));
    foreign.chainId = 'grid-west';
    writeFileSync(join(root, 'foreign.json'), JSON.stringify(foreign));
    // its signature no longer verifies (the chain id is signed): refused before anything is sent
    refused(
      ['member', 'admit', '--card', join(root, 'foreign.json'), ...inConsortium],
      /LEDGER_BAD_CARD_SIGNATURE/,
    );
  });

  it('it rotates its key from its own folder: the old key is refused, the new one starts at nonce 1', async () => {
    const before = keptKey(org, ORG_PASS);
    assert.deepEqual(before.key.publicKey, firstKey);
    const rotated = ok(
      ['keys', 'rotate', '--org', org, '--genesis', join(dir, 'genesis.json'), '--node', api],
      ORG_PASS,
    );
    const after = keptKey(org, ORG_PASS);
    assert.equal(rotated.newKey, toHex(after.key.publicKey));
    assert.equal(rotated.oldKey, toHex(firstKey));
    assert.ok(!after.names.includes('org-next'), 'no pending key left');
    assert.equal(rotated.note, 'card.json re-signed with the new key');
    assert.deepEqual(
      parseMemberCard(readFileSync(join(org, 'card.json'), 'utf8')).orgKey,
      after.key.publicKey,
    );
    // the old key: its next nonce is refused as no member's key, its used one as a replay; the new key: nonce 1 commits
    assert.equal(await memo(before.seed, 2n), 'LEDGER_UNAUTHORISED');
    assert.equal(await memo(before.seed, 1n), 'NODE_DUPLICATE_TX');
    assert.equal(await memo(after.seed, 1n), 'committed');
  });

  it('a member of the consortium folder rotates its key too, and an interrupted rotation is finished with its pending key', async () => {
    const r = ok(['keys', 'rotate', '--as', 'g1.bus1', ...inConsortium]);
    const path = join(dir, 'keys', 'g1.bus1.json');
    const store = readKeyStore(path, { passphrase: PASS });
    assert.equal(toHex(orgKeyPair(store.entry('org').bytes).publicKey), r.newKey);

    // interrupted after the new secret was kept: the next run sends the same pending key
    const pending = new Uint8Array(32).fill(0x42);
    const keep = (entries: typeof store.entries) =>
      writeKeyStore(path, { metadata: store.metadata, entries }, { passphrase: PASS, scrypt: store.scrypt! });
    keep([...store.entries, { name: 'org-next', type: 'org-seed-pending', bytes: pending }]);
    const resumed = ok(['keys', 'rotate', '--as', 'g1.bus1', ...inConsortium]);
    assert.equal(resumed.newKey, toHex(orgKeyPair(pending).publicKey));

    // interrupted after the commit, before the store was updated: the next run only updates the store
    const now = readKeyStore(path, { passphrase: PASS });
    const next = new Uint8Array(32).fill(0x43);
    const tx = orgContractTx(
      { chainId, group: await libsodiumGroup() },
      'member.rotate-key',
      rotateKeyPayload,
      rotationPayload(chainId, 'g1.bus1', orgKeyPair(pending).publicKey, orgKeyPair(next)),
      orgKeyPair(pending),
      1n,
    );
    await client.submitAndWait(tx.bytes, 30_000);
    writeKeyStore(
      path,
      {
        metadata: now.metadata,
        entries: [...now.entries, { name: 'org-next', type: 'org-seed-pending', bytes: next }],
      },
      { passphrase: PASS, scrypt: now.scrypt! },
    );
    const finished = ok(['keys', 'rotate', '--as', 'g1.bus1', ...inConsortium]);
    assert.equal(finished.receipt, null, 'nothing sent');
    assert.equal(finished.newKey, toHex(orgKeyPair(next).publicKey));
    const last = readKeyStore(path, { passphrase: PASS });
    assert.deepEqual(last.entry('org').bytes, next);
    assert.ok(!last.entries.some((e) => e.name === 'org-next'));
    const history = ok(['member', 'history', 'g1.bus1', ...inConsortium]);
    assert.equal(history.members[0].keyChanges.length, 3);
  });

  it('the trading centre recovers a lost key from the member’s new card; history shows the audit records', () => {
    ok(
      ['keys', 'new', '--role', 'generator', '--id', 'gen-new', '--chain-id', chainId, '--dir', org2],
      ORG_PASS,
    );
    refused(
      [
        'member',
        'recover-key',
        'gen-new',
        '--card',
        join(org2, 'card.json'),
        '--reason',
        'lost',
        '--as',
        'g2.bus2',
        ...inConsortium,
      ],
      /g2\.bus2 is a generator; only the trading centre may recover/,
    );
    refused(
      ['member', 'recover-key', 'gen-new', '--new-key', toHex(firstKey), '--reason', 'lost', ...inConsortium],
      /was gen-new's organisation key: nothing was sent/,
    );
    const recovered = ok([
      'member',
      'recover-key',
      'gen-new',
      '--card',
      join(org2, 'card.json'),
      '--reason',
      'key store lost with a failed disk',
      ...inConsortium,
    ]);
    assert.equal(recovered.possessionProven, true);
    const history = ok(['member', 'history', 'gen-new', ...inConsortium]);
    const changes = history.members[0].keyChanges;
    assert.deepEqual(
      changes.map((k: { how: string; by: string; reason: string }) => [k.how, k.by, k.reason]),
      [
        ['rotate', 'gen-new', ''],
        ['recover', 'trading-centre', 'key store lost with a failed disk'],
      ],
    );
    assert.equal(changes[1].newKey, toHex(keptKey(org2, ORG_PASS).key.publicKey));
    // the same history, read from the organisation's own folder
    const own = ok([
      'member',
      'history',
      'gen-new',
      '--org',
      org2,
      '--genesis',
      join(dir, 'genesis.json'),
      '--node',
      api,
    ]);
    assert.deepEqual(own.members, history.members);
  });

  it('the trading centre rotates the certification key once the regulator’s keys are on chain', () => {
    refused(['keys', 'rotate', '--cert', ...inConsortium], /the regulator’s keys are not on chain yet/);
    ok(['round', 'open', ...inConsortium]);
    const r = ok(['keys', 'rotate', '--cert', ...inConsortium]);
    const history = ok(['member', 'history', '--cert', ...inConsortium]);
    assert.equal(history.current, r.newKey);
    assert.deepEqual(
      history.changes.map((c: { oldKey: string; newKey: string }) => [c.oldKey, c.newKey]),
      [[r.oldKey, r.newKey]],
    );
  });
});
