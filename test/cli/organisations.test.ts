/**
 * A consortium created by separate organisations, each in its own folder, with real `dpp`
 * processes (docs/deploy.md "Creating a consortium from separate organisations"): the trading
 * centre, two generators and an aggregator, each running a validator, and a consumer without one,
 * each make their keys and card (`dpp keys new`); the trading centre assembles the genesis from
 * the cards (`dpp genesis assemble`); every organisation verifies it against its own card and the
 * peers file (`dpp genesis verify`) and installs it (`dpp genesis install`); the four validators
 * start from their own folders (`dpp node --config`) and a transaction the consumer signs commits
 * on all four, its inclusion proof and commit certificate checked against the genesis keys in the
 * consumer's own folder. Bad cards — a tampered signature, another chain id, a duplicate id, two
 * trading centres, a consumer whose aggregator has no card — are refused with their code and
 * write nothing; a genesis that leaves an organisation out fails its verification.
 *
 * Isolation, checked rather than assumed: the cards, genesis.json and peers.json travel through
 * a `public/` folder the test copies them into. Run as root (CI), each organisation is its own
 * Unix user — its folder owned by it with mode 0700 — and every one of its steps, its validator
 * included, runs under that user, so reading another organisation's folder fails with EACCES.
 * Otherwise (no root to switch users) each step runs alone while every other organisation's
 * folder is chmod 000.
 * Ports: 8 free consecutive ones in 26000–26799.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readKeyStore } from '../../src/client/keyStore.ts';
import { keptOrgKey } from '../../src/client/memberSecrets.ts';
import { NodeClient } from '../../src/client/nodeClient.ts';
import { parseGenesis } from '../../src/ledger/genesis.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { dppBin } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const CHAIN = 'grid-east';
const root = mkdtempSync(join(tmpdir(), 'dpp-orgs-'));
const publicDir = join(root, 'public');
const asRoot = process.getuid?.() === 0;
const uidBase = 40_000 + (process.pid % 2_000) * 10;

interface Org {
  readonly id: string;
  readonly role: string;
  readonly uid: number;
  readonly dir: string;
  readonly tmp: string;
  readonly passphrase: string;
  readonly args: string[];
  /** Part of the consortium (the others make the bad cards). */
  readonly member: boolean;
}

let basePort = 0;
const orgs: Org[] = [];
const org = (id: string) => orgs.find((o) => o.id === id)!;

function addOrg(id: string, role: string, args: string[], member = true): void {
  const dir = join(root, id);
  orgs.push({
    id,
    role,
    uid: uidBase + orgs.length,
    dir,
    tmp: join(root, `tmp-${id}`),
    passphrase: `${id} passphrase, its own`,
    args,
    member,
  });
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dpp args…` as organisation `o`: its own user (as root) and its own passphrase. */
function runAs(o: Org, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [dppBin, ...args], {
      cwd: root,
      env: { ...cleanEnv(), ...home(o), DPP_PASSPHRASE: o.passphrase, NO_COLOR: '1' },
      ...(asRoot ? { uid: o.uid, gid: o.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The organisation's home and temporary folders (tsx's cache goes there, and goes with the test's folder). */
function home(o: Org): Record<string, string> {
  return { HOME: o.dir, TMPDIR: o.tmp };
}

function cleanEnv(): Record<string, string | undefined> {
  const { FORCE_COLOR: _f, DPP_PASSPHRASE: _p, ...env } = process.env;
  return env;
}

/**
 * Runs each step as its organisation. As root they run at once (the users keep them apart);
 * otherwise one at a time, every other organisation's folder unreadable (mode 000) meanwhile.
 */
async function steps(list: readonly [Org, string[]][]): Promise<Run[]> {
  if (asRoot) return Promise.all(list.map(([o, args]) => runAs(o, args)));
  const out: Run[] = [];
  for (const [o, args] of list) {
    const others = orgs.filter((x) => x !== o);
    for (const x of others) chmodSync(x.dir, 0o000);
    try {
      out.push(await runAs(o, args));
    } finally {
      for (const x of others) chmodSync(x.dir, 0o700);
    }
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the command, asserted field by field
function json(r: Run, what: string): any {
  assert.equal(r.status, 0, `${what} failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

/** The organisation's card, "sent" to the trading centre: copied into public/cards (or `folder`). */
function publishCard(o: Org, folder = join(publicDir, 'cards')): string {
  mkdirSync(folder, { recursive: true });
  const to = join(folder, `${o.id}.json`);
  copyFileSync(join(o.dir, 'card.json'), to);
  chmodSync(to, 0o644);
  return to;
}

const validators: { org: Org; process: ChildProcess; log: string[] }[] = [];

describe('a consortium created by separate organisations', { timeout: 240_000 }, () => {
  before(async () => {
    basePort = await freeBasePort(26_000, 100, 8);
    const v = (i: number, api = true) => [
      '--p2p',
      `127.0.0.1:${basePort + 2 * i}`,
      ...(api ? ['--api', `http://127.0.0.1:${basePort + 2 * i + 1}`] : []),
    ];
    addOrg('tc', 'trading-centre', ['--validator', 'validator-tc', ...v(0)]);
    addOrg('gen-a', 'generator', ['--validator', 'validator-gen-a', ...v(1)]);
    addOrg('agg-a', 'aggregator', ['--validator', 'validator-agg-a', ...v(2)]);
    addOrg('gen-b', 'generator', ['--validator', 'validator-gen-b', ...v(3, false)]);
    addOrg('steel-1', 'consumer', ['--aggregator', 'agg-a']);
    // two more, for bad cards only: a second trading centre, a consumer of an aggregator with no card
    addOrg('tc-2', 'trading-centre', [], false);
    addOrg('steel-9', 'consumer', ['--aggregator', 'agg-z'], false);
    chmodSync(root, 0o755);
    mkdirSync(publicDir, { mode: 0o755 });
    for (const o of orgs) {
      for (const d of [o.dir, o.tmp]) {
        mkdirSync(d, { mode: 0o700 });
        if (asRoot) chownSync(d, o.uid, o.uid);
      }
    }
  });

  after(async () => {
    await Promise.all(
      validators.map(
        (v) =>
          new Promise<void>((resolve) => {
            if (v.process.exitCode !== null || v.process.signalCode !== null) return resolve();
            const kill = setTimeout(() => v.process.kill('SIGKILL'), 10_000);
            v.process.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            v.process.kill('SIGTERM');
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  });

  it('each organisation makes its own keys and card; the folders are its own', async () => {
    const runs = await steps(
      orgs.map((o) => [
        o,
        [
          'keys',
          'new',
          '--role',
          o.role,
          '--id',
          o.id,
          '--chain-id',
          CHAIN,
          '--dir',
          o.dir,
          ...o.args,
          '--json',
        ],
      ]),
    );
    runs.forEach((r, i) => {
      const out = json(r, `keys new for ${orgs[i]!.id}`);
      assert.equal(out.card.id, orgs[i]!.id);
      assert.equal(out.card.signatures.validator !== undefined, orgs[i]!.args.includes('--validator'));
    });
    assert.deepEqual(
      [...JSON.parse(runs[0]!.stdout).secrets].sort(),
      ['org', 'regulator-cert', 'regulator-master', 'validator'],
      'the trading centre keeps the regulator’s keys and its validator key',
    );
    for (const o of orgs) {
      const store = JSON.parse(readFileSync(join(o.dir, 'keystore.json'), 'utf8'));
      assert.equal(store.kdf, 'scrypt');
      assert.equal(store.entries, undefined, 'no secret in the clear');
    }
    // the isolation is real: another organisation cannot read this one's folder, not even its public card
    const [probe] = await steps([[org('gen-a'), ['genesis', 'verify', join(org('tc').dir, 'card.json')]]]);
    assert.equal(probe!.status, 1);
    assert.match(probe!.stderr, /^error: cannot read genesis .*tc\/card\.json/);
    if (asRoot)
      for (const o of orgs)
        assert.equal(statSync(join(o.dir, 'keystore.json')).uid, o.uid, 'made by its own user');
    // a second `keys new` in the same folder is refused, changing nothing
    const card = readFileSync(join(org('gen-a').dir, 'card.json'), 'utf8');
    const [again] = await steps([
      [
        org('gen-a'),
        [
          'keys',
          'new',
          '--role',
          'generator',
          '--id',
          'gen-a',
          '--chain-id',
          CHAIN,
          '--dir',
          org('gen-a').dir,
        ],
      ],
    ]);
    assert.equal(again!.status, 1);
    assert.match(again!.stderr, /already holds an organisation's keys/);
    assert.equal(readFileSync(join(org('gen-a').dir, 'card.json'), 'utf8'), card);
  });

  it('bad cards are refused with their code, and nothing is written', async () => {
    for (const o of orgs.filter((x) => x.member)) publishCard(o);
    const bad = (name: string) => join(publicDir, `bad-${name}`);
    // a tampered card: gen-a's validator moved after gen-a signed it
    for (const o of orgs.filter((x) => x.member)) publishCard(o, bad('signature'));
    const tampered = join(bad('signature'), 'gen-a.json');
    const t = JSON.parse(readFileSync(tampered, 'utf8'));
    t.validator.p2p = '10.6.6.6:7400';
    writeFileSync(tampered, JSON.stringify(t, null, 2));
    // a duplicate id: gen-a's card twice
    for (const o of orgs.filter((x) => x.member)) publishCard(o, bad('duplicate'));
    copyFileSync(join(publicDir, 'cards', 'gen-a.json'), join(bad('duplicate'), 'gen-a-again.json'));
    // two trading centres; a consumer whose aggregator has no card
    for (const o of orgs.filter((x) => x.member)) publishCard(o, bad('centres'));
    publishCard(org('tc-2'), bad('centres'));
    for (const o of orgs.filter((x) => x.member)) publishCard(o, bad('aggregator'));
    publishCard(org('steel-9'), bad('aggregator'));
    const cases: [string, string, string, RegExp][] = [
      [
        'signature',
        CHAIN,
        'LEDGER_BAD_CARD_SIGNATURE',
        /gen-a\.json: card: the organisation key's signature of gen-a's card does not verify/,
      ],
      ['wrong chain', 'grid-west', 'LEDGER_CARD_WRONG_CHAIN', /is for chain grid-east, not grid-west/],
      ['duplicate', CHAIN, 'LEDGER_CARD_CONFLICT', /same member id gen-a/],
      [
        'centres',
        CHAIN,
        'LEDGER_CARD_CONFLICT',
        /exactly one trading centre is needed, and .*tc-2\.json \(tc-2\) and .*tc\.json \(tc\) both are/,
      ],
      [
        'aggregator',
        CHAIN,
        'LEDGER_CARD_CONFLICT',
        /consumer steel-9 .* names aggregator agg-z, and no card is that aggregator’s/,
      ],
    ];
    const tc = org('tc');
    const runs = await steps(
      cases.map(([name, chain]) => [
        tc,
        [
          'genesis',
          'assemble',
          '--chain-id',
          chain,
          '--cards',
          name === 'wrong chain' ? join(publicDir, 'cards') : bad(name),
          '--out',
          join(tc.dir, `out-${name.replace(' ', '-')}`),
          '--json',
        ],
      ]),
    );
    runs.forEach((r, i) => {
      const [name, , code, message] = cases[i]!;
      assert.equal(r.status, 1, `${name}: ${r.stdout}${r.stderr}`);
      const error = JSON.parse(r.stdout).error;
      assert.equal(error.code, code, name);
      assert.match(error.message, message, name);
      assert.ok(!existsSync(join(tc.dir, `out-${name.replace(' ', '-')}`)), `${name}: nothing written`);
    });
    // the same refusal as a person sees it: one line and a hint, no stack trace
    const [human] = await steps([
      [
        tc,
        ['genesis', 'assemble', '--chain-id', CHAIN, '--cards', bad('signature'), '--out', join(tc.dir, 'x')],
      ],
    ]);
    const lines = human!.stderr.trim().split('\n');
    assert.equal(lines.length, 2, human!.stderr);
    assert.match(lines[0]!, /^error: .*\[LEDGER_BAD_CARD_SIGNATURE\]$/);
    assert.doesNotMatch(human!.stderr, /\n\s+at /);
  });

  let hash = '';

  it('the trading centre assembles the genesis; every organisation verifies the same hash against its card', async () => {
    const tc = org('tc');
    const out = join(tc.dir, 'out');
    const [assembled] = await steps([
      [
        tc,
        [
          'genesis',
          'assemble',
          '--chain-id',
          CHAIN,
          '--cards',
          join(publicDir, 'cards'),
          '--out',
          out,
          '--json',
        ],
      ],
    ]);
    const a = json(assembled!, 'genesis assemble');
    hash = a.genesisHash;
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      a.validators.map((v: { name: string; operator: string }) => [v.name, v.operator]),
      [
        ['validator-agg-a', 'agg-a'],
        ['validator-gen-a', 'gen-a'],
        ['validator-gen-b', 'gen-b'],
        ['validator-tc', 'tc'],
      ],
      'validators in name order',
    );
    assert.equal(a.members.length, 5);
    // the trading centre publishes both files, and a genesis without gen-b (a mistake, or worse)
    for (const f of ['genesis.json', 'peers.json']) copyFileSync(join(out, f), join(publicDir, f));
    mkdirSync(join(publicDir, 'without-gen-b', 'cards'), { recursive: true });
    for (const o of orgs.filter((x) => x.member && x.id !== 'gen-b'))
      publishCard(o, join(publicDir, 'without-gen-b', 'cards'));
    const [short] = await steps([
      [
        tc,
        [
          'genesis',
          'assemble',
          '--chain-id',
          CHAIN,
          '--cards',
          join(publicDir, 'without-gen-b', 'cards'),
          '--out',
          join(tc.dir, 'short'),
        ],
      ],
    ]);
    assert.equal(short!.status, 0, short!.stderr);
    copyFileSync(join(tc.dir, 'short', 'genesis.json'), join(publicDir, 'without-gen-b', 'genesis.json'));

    const members = orgs.filter((o) => o.member);
    const runs = await steps(
      members.map((o) => [
        o,
        [
          'genesis',
          'verify',
          join(publicDir, 'genesis.json'),
          '--card',
          join(o.dir, 'card.json'),
          '--peers',
          join(publicDir, 'peers.json'),
          '--json',
        ],
      ]),
    );
    runs.forEach((r, i) => {
      const v = json(r, `genesis verify by ${members[i]!.id}`);
      assert.equal(v.genesisHash, hash, 'every organisation computes the same hash');
      assert.deepEqual(v.cardsChecked, [{ file: join(members[i]!.dir, 'card.json'), id: members[i]!.id }]);
    });
    const [left] = await steps([
      [
        org('gen-b'),
        [
          'genesis',
          'verify',
          join(publicDir, 'without-gen-b', 'genesis.json'),
          '--card',
          join(org('gen-b').dir, 'card.json'),
        ],
      ],
    ]);
    assert.equal(left!.status, 1);
    assert.match(
      left!.stderr,
      /does not hold gen-b as .* says: member gen-b is not in the genesis; validator validator-gen-b is not in the genesis/,
    );
  });

  it('each organisation installs it from its own folder; the validators start and commit the consumer’s transaction', async () => {
    const members = orgs.filter((o) => o.member);
    const runs = await steps(
      members.map((o) => [
        o,
        [
          'genesis',
          'install',
          join(publicDir, 'genesis.json'),
          '--dir',
          o.dir,
          '--peers',
          join(publicDir, 'peers.json'),
          // gen-b's card publishes no API address
          ...(o.id === 'gen-b' ? ['--api-listen', `127.0.0.1:${basePort + 7}`] : []),
          '--json',
        ],
      ]),
    );
    const installed = runs.map((r, i) => json(r, `genesis install by ${members[i]!.id}`));
    for (const x of installed) assert.equal(x.genesisHash, hash);
    assert.equal(installed[4].validator, null, 'the consumer runs no validator');
    const tcConfig = JSON.parse(readFileSync(join(org('tc').dir, 'validator.config.json'), 'utf8'));
    assert.deepEqual(tcConfig.regulatorKeyStore, { path: 'keystore.json', insecure: false });

    for (const o of members.slice(0, 4)) {
      const log: string[] = [];
      const child = spawn(
        process.execPath,
        [dppBin, 'node', '--config', join(o.dir, 'validator.config.json')],
        {
          cwd: root,
          // only the trading centre's validator opens its key store (it traces for the regulator)
          env: {
            ...cleanEnv(),
            ...home(o),
            DPP_EXIT_WITH_PARENT: '1',
            ...(o.id === 'tc' ? { DPP_PASSPHRASE: o.passphrase } : {}),
          },
          ...(asRoot ? { uid: o.uid, gid: o.uid } : {}),
        },
      );
      child.stdout!.on('data', (d) => log.push(String(d)));
      child.stderr!.on('data', (d) => log.push(String(d)));
      validators.push({ org: o, process: child, log });
    }
    const apis = installed.slice(0, 4).map((x) => `http://${x.validator.apiListen}`);

    // the consumer, from its own folder: its key store and its copy of the genesis
    const steel = org('steel-1');
    const genesis = parseGenesis(readFileSync(join(steel.dir, 'genesis.json'), 'utf8'));
    const chain = { genesis: { chainId: CHAIN, validatorKeys: genesis.validators.map((v) => v.publicKey) } };
    const clients = apis.map((url) => new NodeClient(url, chain));
    const until = Date.now() + 60_000;
    for (;;) {
      const heights = await Promise.all(
        clients.map((c) =>
          c.status().then(
            (s) => Number(s.height),
            () => -1,
          ),
        ),
      );
      if (heights.every((h) => h >= 1)) break;
      assert.ok(
        Date.now() < until,
        `validators did not all commit a block: heights ${heights.join(', ')}\n${validators.map((v) => `${v.org.id}: ${v.log.join('').slice(-600)}`).join('\n')}`,
      );
      await new Promise((r) => setTimeout(r, 300));
    }
    const key = keptOrgKey(readKeyStore(join(steel.dir, 'keystore.json'), { passphrase: steel.passphrase }));
    const tx = signOrgTransaction(
      { chainId: CHAIN, kind: 'memo', payload: new TextEncoder().encode('steel-1 joined') },
      1n,
      key,
    );
    // through its aggregator's validator
    const committed = await clients[installed.findIndex((x) => x.member === 'agg-a')]!.submitAndWait(
      tx.bytes,
      30_000,
    );
    assert.ok(committed.certified);
    for (const [i, c] of clients.entries()) {
      const st = await c.waitForCommit(committed.id, 30_000);
      assert.equal(st.status, 'committed', `on ${members[i]!.id}'s validator`);
      assert.ok(st.certified, 'commit certificate verified against the genesis keys');
      assert.equal(st.height, committed.height);
      assert.deepEqual(st.receipt, { status: 'ok' });
    }
  });
});
