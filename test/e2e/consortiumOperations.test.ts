/**
 * Issue 16's acceptance test: "A consortium is created by separate organisations (separate folders,
 * each never reading another's secret files), a generator and an aggregator validator join after
 * genesis, a key is rotated, a validator is removed — all while rounds keep trading — in an
 * end-to-end test." Real processes on loopback (docs/deploy.md "Creating a consortium from separate
 * organisations", "Adding and removing validators", "Backup and restore"):
 *
 * - Seven organisations — the trading centre, an aggregator and two generators each running a
 *   validator, three consumers behind the aggregator — make their keys in their own folders
 *   (`dpp keys new`), each `dpp` step and each validator a process of its own that reads only its
 *   own folder and the public one (../organisationFolders.ts: separate Unix users as root). The
 *   trading centre assembles the genesis from the cards; each validator's organisation installs it
 *   (`dpp genesis install`) and starts its validator from its folder.
 * - Market rounds run in the background from then to the end (`ConsortiumDriver`, the test process
 *   playing every participant with the organisation key it reads from that organisation's own key
 *   store, through the trading centre's and the aggregator's validators).
 * - Meanwhile (a) a generator and an aggregator join: `dpp keys new` in their folders, `dpp member
 *   admit --card` by the trading centre, and each adds a validator — `dpp validator request add
 *   --org`, approvals by a quorum of the current validators' operators (`dpp validator approve`, each
 *   in its own folder, the first newcomer among the approvers of the second), `dpp validator submit`
 *   by the trading centre, then after the activation block `dpp validator install`, `dpp node backup
 *   --api` with its own key, `dpp node restore`, `dpp node`; once it votes, validators are stopped
 *   until just a quorum runs with the newcomer among them (4 of 5, then 4 of 6), and the chain and
 *   the round go on, each block certified by exactly those four; (b) keys are rotated: a generator's
 *   organisation key (`dpp keys rotate`) between two rounds — it offers in the next round with the
 *   new key — and, meanwhile, the joined aggregator's validator consensus key (`dpp validator request
 *   rekey`, `<keyPath>.next`, exit code 75, restarted); (c) a validator is removed (`dpp validator
 *   request remove`, approvals, submit) and its process stops by itself.
 * - At the end: every round settled every bill, rounds ran through each phase, and the five
 *   validators left hold the same state root at a common height.
 *
 * The validators' configurations are tuned by their operators (timing: empty blocks every 250 ms,
 * a 2 s view timeout) so activation blocks — the next multiple of 16 — come within seconds.
 * DPP_E2E_LOGS=<folder> appends each validator's output there.
 * Ports: 12 free consecutive ones in 14000–14959.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readKeyStore } from '../../src/client/keyStore.ts';
import {
  ConsortiumDriver,
  type LocalConsortium,
  localConsortium,
  type RoundSummary,
  type RoundTiming,
} from '../../src/client/localConsortium.ts';
import { keptOrgKey, keptRegulatorKeys } from '../../src/client/memberSecrets.ts';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import type { OrgKeyPair } from '../../src/crypto/ed25519.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { parseValidatorKeyFile } from '../../src/ledger/networkKeys.ts';
import { scenarioFromJson } from '../../src/market/scenarioJson.ts';
import type { Scenario } from '../../src/market/types.ts';
import { type Org, Organisations, type ValidatorProcess } from '../organisationFolders.ts';
import { freeBasePort } from '../ports.ts';

const CHAIN = 'grid-issue16';
/** What each operator puts in its validator's configuration. */
const NODE_TIMING = { viewTimeoutMs: 2_000, emptyBlockMs: 250, retransmitMs: 250 };
/** Short round windows (the driver widens any a loaded machine used more than half of). */
const ROUND_TIMING: RoundTiming = {
  gateClosureMs: 5_000,
  deliveryLeadMs: 4_000,
  deliveryLengthMs: 1_000,
  responseWindowMs: 10_000,
  ackWindowMs: 5_000,
};

// A small market: two of case30's generators, three consumers of its group A1 behind
// aggregator-a1 (member ids as the driver's layout names them, ../../src/client/consortiumLayout.ts).
const case30 = scenarioFromJson(
  JSON.parse(readFileSync(new URL('../../data/scenarios/case30.json', import.meta.url), 'utf8')),
);
const GENERATORS = ['g1.bus1', 'g2.bus2'];
const CONSUMERS = ['c.bus002', 'c.bus003', 'c.bus004'];
const scenario: Scenario = {
  ...case30,
  name: 'issue16',
  generators: case30.generators.filter((g) => GENERATORS.includes(g.id)),
  consumers: case30.consumers.filter((c) => CONSUMERS.includes(c.id)),
};

/** The organisations that run a validator, in port order: at genesis, then the two that join. */
const VALIDATOR_ORGS: readonly (readonly [id: string, role: string])[] = [
  ['trading-centre', 'trading-centre'],
  ['aggregator-a1', 'aggregator'],
  ['g1.bus1', 'generator'],
  ['g2.bus2', 'generator'],
  ['g3.bus22', 'generator'],
  ['aggregator-a2', 'aggregator'],
];
const validatorName = (id: string) => (id === 'trading-centre' ? 'validator-tc' : `validator-${id}`);

const orgs = new Organisations(
  'dpp-consortium-ops-',
  60_000 + (process.pid % 2_000) * 20,
  process.env.DPP_E2E_LOGS,
);
let basePort = 0;
const port = (id: string, api: boolean) =>
  basePort + 2 * VALIDATOR_ORGS.findIndex(([x]) => x === id) + (api ? 1 : 0);
const api = (id: string) => `http://127.0.0.1:${port(id, true)}`;
const nodes = new Map<string, ValidatorProcess>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function json(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as Record<string, unknown>;
}
const status = (id: string) => json(`${api(id)}/v1/status`).catch(() => null);
const height = async (id: string) => Number((await status(id))?.height ?? -1);

// ---------------------------------------------------------------------------------------------
// the rounds in the background

/** A round the driver ran, with its wall-clock interval. */
interface RoundRun {
  readonly id: bigint;
  readonly startMs: number;
  readonly endMs: number;
  readonly summary: RoundSummary;
}

/** Runs market rounds one after another until stopped; tasks queued with `between` run between two rounds. */
class BackgroundRounds {
  readonly done: RoundRun[] = [];
  readonly progress: string[] = [];
  private failure: unknown;
  private stopAt: number | undefined;
  private readonly tasks: { run: () => Promise<void>; settle: (err?: unknown) => void }[] = [];
  private readonly loop: Promise<void>;

  constructor(private readonly driver: ConsortiumDriver) {
    this.loop = this.run().catch((err: unknown) => {
      this.failure = err;
      for (const t of this.tasks.splice(0)) t.settle(err);
    });
  }

  /** Runs `task` once the round in progress has finished, before the next one opens. */
  between(task: () => Promise<void>): Promise<void> {
    this.check();
    return new Promise((resolve, reject) =>
      this.tasks.push({ run: task, settle: (err) => (err === undefined ? resolve() : reject(err)) }),
    );
  }

  /** Throws the error a round failed with, if one did. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Lets the round in progress finish (or runs one more if none is) and stops; throws a round's failure. */
  async stop(): Promise<void> {
    this.stopAt = Date.now();
    await this.loop;
    this.check();
  }

  private async run(): Promise<void> {
    await this.driver.setUp();
    for (let id = 1n; ; id++) {
      for (const t of this.tasks.splice(0))
        await t.run().then(
          () => t.settle(),
          (err: unknown) => t.settle(err ?? new Error('task failed')),
        );
      const stopAt = this.stopAt;
      if (stopAt !== undefined && this.done.some((r) => r.endMs >= stopAt)) return;
      const startMs = Date.now();
      const summary = await this.driver.runRound(id);
      this.done.push({ id, startMs, endMs: Date.now(), summary });
      this.progress.push(
        `round ${id}: ${summary.bills} bills, ${summary.settled} settled, in ${((Date.now() - startMs) / 1000).toFixed(1)} s`,
      );
    }
  }
}

let rounds: BackgroundRounds;
/** Each member's organisation key as the market's software holds it (reread after a rotation). */
const liveKeys = new Map<string, OrgKeyPair>();
/** Each phase's wall-clock interval. */
const phases = new Map<string, { start: number; end: number }>();
let rotatedAfterRound = 0;

async function phase(name: string, body: () => Promise<void>): Promise<void> {
  const start = Date.now();
  await body();
  phases.set(name, { start, end: Date.now() });
}

/** Polls `check` until true; fails with the validators' last lines, and at once when a round failed. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    rounds?.check();
    if (await check()) return;
    await sleep(200);
  }
  const tails = [...nodes.values()].map(
    (v) => `--- ${v.org.id}${v.exited ? ` (exited ${v.exitCode})` : ''}\n${v.tail(8)}`,
  );
  assert.fail(
    `timed out waiting for ${what}\n${tails.join('\n')}\n--- rounds\n${rounds?.progress.slice(-5).join('\n')}`,
  );
}

/** The organisation key kept in `o`'s own key store, read as `o` would. */
function keyOf(o: Org): Promise<OrgKeyPair> {
  return orgs.as(o, async () =>
    keptOrgKey(readKeyStore(join(o.dir, 'keystore.json'), { passphrase: o.passphrase })),
  );
}

/** The operator of `o`'s validator tunes its configuration's timing. */
function tune(o: Org): string {
  const path = join(o.dir, 'validator.config.json');
  const config = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, `${JSON.stringify({ ...config, timing: NODE_TIMING }, null, 2)}\n`);
  return path;
}

async function startValidator(o: Org): Promise<void> {
  nodes.set(
    o.id,
    await orgs.startValidator(o, () => waitFor(`${o.id}'s API`, async () => (await status(o.id)) !== null)),
  );
}

/**
 * The request file `file` (in the folder of whoever asked) travels to each of `approvers`' operators, who
 * approve it in their own folders with their validator key files, and on to the trading centre,
 * which submits it; returns the submission's result.
 */
// biome-ignore lint/suspicious/noExplicitAny: JSON from the command, asserted field by field
async function approveAndSubmit(file: string, approvers: readonly Org[], what: string): Promise<any> {
  let travelling = orgs.publish(file, `${what}.json`);
  // biome-ignore lint/suspicious/noExplicitAny: as above
  let approved: any;
  for (const a of approvers) {
    const mine = orgs.deliver(a, travelling, `${what}.json`);
    approved = await orgs.ok(a, [
      'validator',
      'approve',
      mine,
      '--key',
      join(a.dir, 'validator.key.json'),
      '--api',
      api(a.id),
    ]);
    travelling = orgs.publish(mine, `${what}.json`);
  }
  assert.equal(approved.ready, true, `${what}: ${JSON.stringify(approved)}`);
  const tc = orgs.get('trading-centre');
  return orgs.ok(tc, ['validator', 'submit', orgs.deliver(tc, travelling, `${what}.json`), '--org', tc.dir]);
}

/**
 * Generator g2.bus2 rotates its organisation key (`dpp keys rotate` in its folder) once the round in
 * progress has finished; its market software then signs with the key its store holds. The phase
 * lasts until the next round has finished too (the last test sets its end).
 */
async function rotateOrgKey(): Promise<void> {
  const g2 = orgs.get('g2.bus2');
  const before = liveKeys.get(g2.id)!;
  const start = Date.now();
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the command
  let rotated: any;
  await rounds.between(async () => {
    rotated = await orgs.ok(g2, ['keys', 'rotate', '--org', g2.dir]);
    liveKeys.set(g2.id, await keyOf(g2));
    rotatedAfterRound = rounds.done.length;
  });
  const after = liveKeys.get(g2.id)!;
  assert.equal(rotated.oldKey, toHex(before.publicKey));
  assert.equal(rotated.newKey, toHex(after.publicKey));
  const { members } = (await json(`${api('trading-centre')}/v1/members`)) as unknown as {
    members: { id: string; orgKey: string }[];
  };
  assert.equal(members.find((m) => m.id === g2.id)?.orgKey, toHex(after.publicKey));
  phases.set('org key rotation', { start, end: Date.now() });
}

/**
 * The aggregator that joined replaces its validator's consensus key (docs/deploy.md "Adding and
 * removing validators"): its operator makes the new key file at <keyPath>.next (`dpp validator
 * new-key`), asks for the rekey, approves
 * it with the current key and submits it itself (any member may); at the activation block the
 * validator stops with exit code 75, and started again (as systemd's Restart=on-failure would) it
 * votes with the new key.
 */
async function rekeyValidator(): Promise<void> {
  await phase('validator rekey', async () => {
    const a2 = orgs.get('aggregator-a2');
    const name = validatorName(a2.id);
    const keyPath = join(a2.dir, 'validator.key.json');
    const made = await orgs.ok(a2, [
      'validator',
      'new-key',
      '--config',
      join(a2.dir, 'validator.config.json'),
    ]);
    const next = `${keyPath}.next`;
    assert.equal(made.file, next);
    assert.equal(made.slot, 5);
    const key = { publicKey: fromHex(made.publicKey as string) };
    const old = await orgs.as(a2, async () => readFileSync(keyPath, 'utf8'));
    const request = join(a2.dir, 'rekey-validator.json');
    const asked = await orgs.ok(a2, [
      'validator',
      'request',
      'rekey',
      '--name',
      name,
      '--new-key',
      next,
      '--api',
      api(a2.id),
      '--out',
      request,
    ]);
    assert.equal(asked.slot, 5);
    const approved = await orgs.ok(a2, [
      'validator',
      'approve',
      request,
      '--key',
      keyPath,
      '--api',
      api(a2.id),
    ]);
    assert.equal(approved.ready, true);
    const submitted = await orgs.ok(a2, ['validator', 'submit', request, '--org', a2.dir]);
    const node = nodes.get(a2.id)!;
    await waitFor(`${name} to stop for its new key`, () => node.exited, 90_000);
    assert.equal(node.exitCode, 75, node.tail());
    assert.ok((await height('trading-centre')) >= Number(submitted.activation));
    await startValidator(a2);
    await waitFor(`${name} to vote again`, async () => {
      const [mine, theirs] = await Promise.all([status(a2.id), height('trading-centre')]);
      return mine !== null && Number(mine.height) >= theirs - 1;
    });
    await orgs.as(a2, async () => {
      assert.equal(readFileSync(`${keyPath}.retired`, 'utf8'), old, 'the old key file is kept aside');
      assert.equal(
        toHex(parseValidatorKeyFile(readFileSync(keyPath, 'utf8')).key.publicKey),
        toHex(key.publicKey),
      );
    });
    const slot5 = (await sets()).epochs.at(-1)!.validators.find((v) => v.slot === 5)!;
    assert.equal(slot5.publicKey, toHex(key.publicKey));
    // its key store still keeps the first key: installing again is refused, the new key file kept
    const again = await orgs.run(a2, [
      'validator',
      'install',
      '--dir',
      a2.dir,
      '--genesis',
      join(orgs.publicDir, 'genesis.json'),
      '--peers',
      join(orgs.publicDir, 'peers.json'),
      '--api',
      api('trading-centre'),
      '--json',
    ]);
    assert.equal(again.status, 1, again.stdout);
    assert.equal(JSON.parse(again.stdout).error.code, 'CLI_KEY_MISMATCH');
    await orgs.as(a2, async () =>
      assert.equal(
        toHex(parseValidatorKeyFile(readFileSync(keyPath, 'utf8')).key.publicKey),
        toHex(key.publicKey),
      ),
    );
  });
}

/**
 * Stops the validators of `stopped` so that just a quorum of the current set runs, `newcomer`'s
 * among them (5 validators: one stopped, 4 of 5 run; 6: two stopped, 4 of 6 run): the chain commits
 * on, each block certified by exactly the four that run; then starts them again. None of the
 * validators the market uses is stopped, nor the primary of view 1 (slot 1), and no two stopped
 * slots are next to each other — a view change, should one happen, meets at most one stopped
 * primary before a running one.
 */
async function newcomerNeeded(newcomer: Org, stopped: readonly string[]): Promise<void> {
  await phase(`${newcomer.id}'s votes needed`, async () => {
    const slots = (await sets()).epochs.at(-1)!.validators;
    const slotOf = (id: string) => slots.find((v) => v.name === validatorName(id))!.slot;
    const running = slots.map((v) => v.slot).filter((slot) => !stopped.map(slotOf).includes(slot));
    assert.ok(running.includes(slotOf(newcomer.id)));
    await Promise.all(stopped.map((id) => nodes.get(id)!.stop()));
    const h = await height('trading-centre');
    await waitFor(`commits with ${newcomer.id}'s votes`, async () =>
      (await Promise.all(['trading-centre', newcomer.id].map(height))).every((x) => x >= h + 6),
    );
    // (a block or two above h may carry a vote the stopped ones sent just before they stopped)
    for (let b = h + 3; b <= h + 6; b++) {
      const block = await json(`${api('aggregator-a1')}/v1/blocks/${b}`);
      const signers = (block.certificate as { signers: number[] }).signers;
      assert.deepEqual(
        [...signers].sort((x, y) => x - y),
        running,
        `block ${b} is certified by the validators that run`,
      );
    }
    for (const id of stopped) await startValidator(orgs.get(id));
    await waitFor('the stopped validators back', async () => {
      const top = await height('trading-centre');
      return (await Promise.all(stopped.map(height))).every((x) => x >= top - 1);
    });
  });
}

interface ValidatorSets {
  epochs: { number: number; base: string; validators: { slot: number; name: string; publicKey: string }[] }[];
  pending: { activation: string; type: string; slot: number; name: string } | null;
}
const sets = async () => (await json(`${api('trading-centre')}/v1/validators`)) as unknown as ValidatorSets;

describe('issue 16: separate organisations run the consortium while rounds trade', {
  timeout: 420_000,
}, () => {
  before(async () => {
    basePort = await freeBasePort(14_000, 80, 12);
  });

  after(async () => {
    // after a failure the round in progress may wait long for validators that are gone: not forever
    await Promise.race([rounds?.stop().catch(() => {}), sleep(45_000)]);
    await orgs.cleanup();
  });

  it('the organisations create the consortium in their own folders; its validators start; rounds begin', async () => {
    const members = [
      ...VALIDATOR_ORGS.slice(0, 4).map(([id, role]) => orgs.add(id, role)),
      ...CONSUMERS.map((id) => orgs.add(id, 'consumer')),
    ];
    const made = await Promise.all(
      members.map((o) =>
        orgs.ok(o, [
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
          ...(o.role === 'consumer'
            ? ['--aggregator', 'aggregator-a1']
            : [
                '--validator',
                validatorName(o.id),
                '--p2p',
                `127.0.0.1:${port(o.id, false)}`,
                '--api',
                api(o.id),
              ]),
        ]),
      ),
    );
    for (const [i, m] of made.entries()) assert.equal(m.card.id, members[i]!.id);
    // the isolation is real: a consumer's step cannot read the trading centre's key store
    const tc = orgs.get('trading-centre');
    const probe = await orgs.run(orgs.get('c.bus002'), ['genesis', 'verify', join(tc.dir, 'keystore.json')]);
    assert.equal(probe.status, 1);
    assert.match(probe.stderr, /^error: cannot read genesis .*trading-centre\/keystore\.json/);

    // the cards travel to the trading centre, which assembles the genesis and publishes it
    for (const o of members) orgs.deliver(tc, join(o.dir, 'card.json'), `card-${o.id}.json`);
    const inbox = members.map((o) => join(tc.dir, `card-${o.id}.json`));
    const assembled = await orgs.ok(tc, [
      'genesis',
      'assemble',
      '--chain-id',
      CHAIN,
      '--cards',
      ...inbox,
      '--out',
      join(tc.dir, 'genesis-out'),
    ]);
    assert.equal(assembled.validators.length, 4);
    const genesis = orgs.publish(join(tc.dir, 'genesis-out', 'genesis.json'));
    const peers = orgs.publish(join(tc.dir, 'genesis-out', 'peers.json'));

    // each validator's organisation installs it in its own folder, tunes its timing and starts it
    const running = members.filter((o) => o.role !== 'consumer');
    const installed = await Promise.all(
      running.map((o) => orgs.ok(o, ['genesis', 'install', genesis, '--dir', o.dir, '--peers', peers])),
    );
    for (const x of installed) assert.equal(x.genesisHash, assembled.genesisHash);
    for (const o of running) tune(o);
    await Promise.all(running.map(startValidator));
    await waitFor('every genesis validator to commit a block', async () =>
      (await Promise.all(running.map((o) => height(o.id)))).every((h) => h >= 1),
    );

    // the market: every participant with the key its own organisation keeps
    const group = await libsodiumGroup();
    const market = [...GENERATORS, 'trading-centre', 'aggregator-a1', ...CONSUMERS].map((id) => orgs.get(id));
    for (const o of market) liveKeys.set(o.id, await keyOf(o));
    const regulator = await orgs.as(tc, async () =>
      keptRegulatorKeys(group, readKeyStore(join(tc.dir, 'keystore.json'), { passphrase: tc.passphrase })),
    );
    const built = localConsortium(
      scenario,
      CHAIN,
      group,
      regulator,
      [...liveKeys].map(([id, key]) => ({ id, key })),
      // the trading centre and the generators use the trading centre's validator, the aggregator
      // and its consumers the aggregator's
      [api('trading-centre'), api('aggregator-a1')],
    );
    // a generator's software signs with the key its store holds now (one rotates below)
    const c: LocalConsortium = {
      ...built,
      generators: built.generators.map((g) => ({
        id: g.id,
        node: g.node,
        get key() {
          return liveKeys.get(g.id)!;
        },
      })),
    };
    rounds = new BackgroundRounds(new ConsortiumDriver(c, ROUND_TIMING, (m) => rounds?.progress.push(m)));
  });

  it('a generator and an aggregator join after genesis, each adding a validator that catches up and whose votes are needed', async () => {
    const tc = orgs.get('trading-centre');
    const genesis = join(orgs.publicDir, 'genesis.json');
    const peers = join(orgs.publicDir, 'peers.json');
    await phase('joins', async () => {
      const joiners = VALIDATOR_ORGS.slice(4).map(([id, role]) => orgs.add(id, role));
      await Promise.all(
        joiners.map((o) =>
          orgs.ok(o, [
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
            '--validator',
            validatorName(o.id),
            '--p2p',
            `127.0.0.1:${port(o.id, false)}`,
            '--api',
            api(o.id),
          ]),
        ),
      );
      // the trading centre admits each from its card (one after the other: its key's nonces)
      for (const o of joiners) {
        const card = orgs.deliver(tc, join(o.dir, 'card.json'), `card-${o.id}.json`);
        const admitted = await orgs.ok(tc, ['member', 'admit', '--card', card, '--org', tc.dir]);
        assert.equal(admitted.member, o.id);
        assert.equal(admitted.validatorNotAdmitted, validatorName(o.id));
      }
      const { members } = (await json(`${api('trading-centre')}/v1/members`)) as unknown as {
        members: { id: string; joinedVia: string }[];
      };
      for (const o of joiners) assert.equal(members.find((m) => m.id === o.id)?.joinedVia, 'card');

      // each adds its validator: 3 of the 4 genesis validators approve the first, 4 of the 5 the
      // second — the first newcomer among them
      const approvers = [
        ['trading-centre', 'aggregator-a1', 'g1.bus1'],
        ['trading-centre', 'aggregator-a1', 'g1.bus1', 'g3.bus22'],
      ];
      for (const [k, o] of joiners.entries()) {
        const request = join(o.dir, 'add-validator.json');
        const asked = await orgs.ok(o, [
          'validator',
          'request',
          'add',
          '--org',
          o.dir,
          '--api',
          api('trading-centre'),
          '--out',
          request,
        ]);
        assert.equal(asked.slot, 4 + k, 'the next slot');
        assert.equal(asked.name, validatorName(o.id));
        const submitted = await approveAndSubmit(
          request,
          approvers[k]!.map((id) => orgs.get(id)),
          `add-${o.id}`,
        );
        assert.equal(submitted.slot, 4 + k);
        const activation = Number(submitted.activation);
        assert.equal(activation % 16, 0);
        await waitFor(
          `the activation of ${validatorName(o.id)}`,
          async () => (await height(tc.id)) > activation,
        );

        // after the activation block: its files, a snapshot taken with its own key, restored, started
        const inst = await orgs.ok(o, [
          'validator',
          'install',
          '--dir',
          o.dir,
          '--genesis',
          genesis,
          '--peers',
          peers,
          '--api',
          api('trading-centre'),
        ]);
        assert.deepEqual([inst.validator.slot, inst.validator.status], [4 + k, 'active']);
        const config = tune(o);
        const backup = join(o.dir, 'backup');
        const taken = await orgs.ok(o, [
          'node',
          'backup',
          '--config',
          config,
          '--api',
          api('trading-centre'),
          '--out',
          backup,
        ]);
        assert.ok(Number(taken.height) > activation, 'a snapshot after the activation block');
        await orgs.ok(o, ['node', 'restore', '--config', config, '--from', backup]);
        await startValidator(o);
        // it votes once connected to every other validator (they dial it: it has the highest slot)
        // and following the chain through them
        const others = [0, 1, 2, 3, 4, 5].slice(0, 4 + k);
        await waitFor(`${o.id}'s validator connected to the others`, async () => {
          const mine = await status(o.id);
          return mine !== null && others.every((slot) => (mine.peers as number[]).includes(slot));
        });
        const then = await height(tc.id);
        await waitFor(`${o.id}'s validator to catch up and vote`, async () => {
          const mine = await status(o.id);
          return mine !== null && mine.silentUntilHeight === null && Number(mine.height) >= then + 2;
        });
        // its votes are needed: just a quorum runs, the newcomer among them
        await newcomerNeeded(o, k === 0 ? ['g2.bus2'] : ['g2.bus2', 'g3.bus22']);
      }
      const now = await sets();
      assert.deepEqual(
        now.epochs.at(-1)!.validators.map((v) => v.slot),
        [0, 1, 2, 3, 4, 5],
      );
    });
  });

  it('keys are rotated: a generator’s organisation key between two rounds, a validator’s consensus key', async () => {
    await Promise.all([rotateOrgKey(), rekeyValidator()]);
  });

  it('a validator is removed, and its process stops by itself', async () => {
    const tc = orgs.get('trading-centre');
    await phase('removal', async () => {
      const request = join(tc.dir, 'remove-validator.json');
      const asked = await orgs.ok(tc, [
        'validator',
        'request',
        'remove',
        '--name',
        validatorName('g1.bus1'),
        '--api',
        api('trading-centre'),
        '--out',
        request,
      ]);
      assert.equal(asked.slot, 1, 'validator-g1.bus1 is the second genesis validator by name');
      // 4 of the 6 approve — both newcomers among them
      const submitted = await approveAndSubmit(
        request,
        ['trading-centre', 'aggregator-a1', 'g3.bus22', 'aggregator-a2'].map((id) => orgs.get(id)),
        'remove-g1',
      );
      const activation = Number(submitted.activation);
      const g1 = nodes.get('g1.bus1')!;
      await waitFor('the removed validator to stop by itself', () => g1.exited, 90_000);
      assert.equal(g1.exitCode, 0, g1.tail());
      assert.ok((await height(tc.id)) >= activation);
      assert.deepEqual(
        (await sets()).epochs.at(-1)!.validators.map((v) => v.slot),
        [0, 2, 3, 4, 5],
      );
      const h = await height(tc.id);
      await waitFor('commits by the five left', async () => (await height('aggregator-a2')) >= h + 5);
    });
  });

  it('rounds traded through every phase, every bill settled; the validators left agree', async (t) => {
    await rounds.stop();
    for (const line of rounds.progress.filter((l) => /bills, .* settled/.test(l))) t.diagnostic(line);
    for (const r of rounds.done) {
      assert.ok(r.summary.bills > 0, `round ${r.id} billed someone`);
      assert.equal(r.summary.settled, r.summary.bills, `round ${r.id}: every bill settled`);
    }
    // the round after the rotation: the rotated generator offered with its new key and was metered
    const next = rounds.done[rotatedAfterRound];
    assert.ok(next !== undefined, 'a round ran after the rotation');
    phases.set('org key rotation', { start: phases.get('org key rotation')!.start, end: next.endMs });
    const sales = (await json(`${api('aggregator-a1')}/v1/rounds/${next.id}/sales`)).sales as {
      generator: string;
    }[];
    assert.ok(
      sales.some((s) => s.generator === 'g2.bus2'),
      'g2.bus2 sold in the round after its rotation',
    );
    for (const [name, p] of phases) {
      const during = rounds.done.filter((r) => r.startMs < p.end && r.endMs > p.start);
      t.diagnostic(
        `${name}: ${((p.end - p.start) / 1000).toFixed(1)} s, rounds ${during.map((r) => r.id).join(', ')}`,
      );
      assert.ok(during.length > 0, `a round traded during ${name}`);
    }

    // the five validators left: one state root at a common height
    const left = ['trading-centre', 'aggregator-a1', 'g2.bus2', 'g3.bus22', 'aggregator-a2'];
    const top = Math.min(...(await Promise.all(left.map(height))));
    const roots = await Promise.all(
      left.map(async (id) => (await json(`${api(id)}/v1/blocks/${top}`)).stateRoot as string),
    );
    assert.equal(new Set(roots).size, 1, `state roots at ${top}: ${roots.join(', ')}`);
    for (const id of left) assert.equal(nodes.get(id)!.exited, false, `${id}'s validator still runs`);
  });
});
