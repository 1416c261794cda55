/**
 * Validators on four hosts (docs/deploy.md "Many hosts"; issue 16): four Linux network namespaces
 * on one bridge stand for four machines, each with its own address in 10.77.x.0/24 (test/netns.ts).
 * Four organisations make their keys and cards with those addresses (`dpp keys new --p2p
 * 10.77.x.i:7400 --api http://10.77.x.i:7401`), the trading centre assembles the genesis, each
 * installs it (`dpp genesis install`; one binds to 0.0.0.0), and each validator runs inside its own
 * namespace (`ip netns exec … dpp node --config …`), naming the others by their hosts' addresses.
 * The test process, in the root namespace, reaches every API over the bridge. Then:
 *
 * 1. transactions commit on all four, certified against the genesis keys;
 * 2. with 50 ms of delay on every link they still commit, each no sooner than three message
 *    delays after it was sent (so the delay is really there);
 * 3. the primary's host is cut off (its link down): the other three change views and commit; it
 *    does not move; reconnected, it catches up to their head hash, joins their view and commits;
 * 4. a 2+2 partition (blackhole routes between the halves): no block is committed on either side
 *    and no two heads differ; healed, commits resume and the transactions sent meanwhile commit.
 * At the end every block hash and state root is the same on all four.
 *
 * The delay is netem's (`tc qdisc add dev <link> root netem delay 50ms`); on a kernel built without
 * sch_netem, a relay inside each host in front of its validator's p2p port holds every chunk of both
 * directions for 50 ms instead (the validator listens on port 7410, its card says 7400, where the
 * relay listens) — the test says which in its output. It needs root and iproute2: where the kernel
 * refuses namespaces, every step is skipped with the reason. Names carry the pid; `after` removes
 * the namespaces, the links and the bridge even when a step failed. Each host has its own ports, so
 * the fixed 7400/7401 collide with no other test. About 25 s on 2 cores.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { readKeyStore } from '../../src/client/keyStore.ts';
import { keptOrgKey } from '../../src/client/memberSecrets.ts';
import { NodeClient } from '../../src/client/nodeClient.ts';
import type { OrgKeyPair } from '../../src/crypto/ed25519.ts';
import { parseGenesis } from '../../src/ledger/genesis.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { stopProcess } from '../../src/node/launcher.ts';
import { dppBin } from '../dppProcess.ts';
import { createLab, type DelayRelay, type Lab, LabUnavailable, startDelayRelay } from '../netns.ts';

const CHAIN = 'grid-hosts';
const N = 4;
/** The p2p port the cards publish, the API port, and where the validator listens behind a relay. */
const P2P = 7400;
const API = 7401;
const P2P_BEHIND_RELAY = 7410;
const DELAY_MS = 50;
/** Short enough for a quick test, long enough for 50 ms links (a deployment keeps the defaults, src/node/config.ts). */
const TIMING = { viewTimeoutMs: 1_500, retransmitMs: 200, emptyBlockMs: 300 };

const root = mkdtempSync(join(tmpdir(), 'dpp-hosts-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Org {
  readonly index: number;
  readonly id: string;
  readonly role: string;
  readonly dir: string;
  readonly passphrase: string;
  key?: OrgKeyPair;
  nonce: bigint;
}

/** Host i runs organisation i's validator, named so that genesis order (by name) is host order. */
const orgs: Org[] = [
  ['tc', 'trading-centre'],
  ['gen-a', 'generator'],
  ['gen-b', 'generator'],
  ['agg-a', 'aggregator'],
].map(([id, role], index) => ({
  index,
  id: id!,
  role: role!,
  dir: join(root, id!),
  passphrase: `${id} passphrase, its own`,
  nonce: 0n,
}));
/** The validator that binds to every address of its host (0.0.0.0) rather than to one. */
const WILDCARD = 2;

let lab: Lab | undefined;
let skip: string | undefined;
let mode: 'netem' | 'relay' = 'netem';
const relays: DelayRelay[] = [];
const validators: { process: ChildProcess; log: string[] }[] = [];
let clients: NodeClient[] = [];

/** `dpp args…` in the root namespace (the ceremony touches files only). */
function dpp(args: readonly string[], env: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [dppBin, ...args, '--json'],
      { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        err === null
          ? resolve(JSON.parse(stdout))
          : reject(new Error(`dpp ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`)),
    );
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    const dead = validators.findIndex((v) => v.process.exitCode !== null || v.process.signalCode !== null);
    if (dead >= 0) assert.fail(`validator ${dead} exited while waiting for ${what}\n${logTails()}`);
    await sleep(100);
  }
  assert.fail(`timed out after ${ms / 1000} s waiting for ${what}\n${logTails()}`);
}

function logTails(): string {
  return validators.map((v, i) => `--- validator ${i} (last lines)\n${v.log.slice(-8).join('')}`).join('\n');
}

/** `/v1/status` of validator i from the root namespace (null when unreachable). */
async function status(i: number) {
  return clients[i]!.status().catch(() => null);
}

/** `/v1/status` of validator i asked from inside its own host: it answers while the host's link is down. */
function statusInside(i: number): Promise<{ height: string; headHash: string; view: string }> {
  const host = lab!.hosts[i]!;
  const url = `http://${host.ip}:${API}/v1/status`;
  return new Promise((resolve, reject) => {
    const child = lab!.spawnIn(host, process.execPath, [
      '-e',
      `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); })`,
    ]);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out))
        : reject(new Error(`status of validator ${i} from inside its host`)),
    );
  });
}

/** A signed memo from `org`, its next nonce. */
function memo(org: Org, text: string): Uint8Array {
  org.nonce++;
  const payload = new TextEncoder().encode(`${org.id}: ${text}`);
  return signOrgTransaction({ chainId: CHAIN, kind: 'memo', payload }, org.nonce, org.key!).bytes;
}

/** Waits until `id` is committed (its certificate verified) on each of `on`; the height. */
async function committedOn(id: string, on: readonly number[], ms = 30_000): Promise<bigint> {
  const heights = await Promise.all(on.map((i) => clients[i]!.waitForCommit(id, ms)));
  for (const c of heights) assert.ok(c.certified, 'commit certificate checked against the genesis keys');
  assert.equal(new Set(heights.map((c) => c.height)).size, 1, 'the same height everywhere');
  return heights[0]!.height;
}

/** Sends a memo from `org` through validator `via` and waits for it on its node: the ms it took. */
async function commitLatency(org: Org, via: number, text: string): Promise<{ id: string; ms: number }> {
  const started = performance.now();
  const id = await clients[via]!.submit(memo(org, text));
  for (;;) {
    if ((await clients[via]!.tx(id)).status === 'committed') return { id, ms: performance.now() - started };
    assert.ok(performance.now() - started < 30_000, `${id} not committed within 30 s\n${logTails()}`);
    await sleep(5);
  }
}

/** Every block's hash and state root from 1 to `height` on validator i. */
async function chainOf(i: number, height: number): Promise<string[]> {
  const out: string[] = [];
  for (let from = 1; from <= height; from += 100) {
    const page = await clients[i]!.blocks({ from, limit: 100 });
    for (const b of page.blocks)
      if (Number(b.height) <= height) out.push(`${b.height} ${b.hash} ${b.stateRoot}`);
  }
  return out;
}

/** Skips the step with the reason the lab could not be made; true when skipped. */
function skipped(t: TestContext): boolean {
  if (skip === undefined) return false;
  t.skip(skip);
  return true;
}

describe('validators on four hosts (network namespaces)', { timeout: 180_000 }, () => {
  before(async () => {
    try {
      lab = createLab(N, 'dmh');
    } catch (err) {
      if (!(err instanceof LabUnavailable)) throw err;
      skip = `no network namespaces here: ${err.message}`;
      return;
    }
    mode = lab.hasNetem() ? 'netem' : 'relay';
    const hosts = lab.hosts;

    // the ceremony of docs/deploy.md, each organisation in its own folder, with its host's address
    await Promise.all(
      orgs.map((o) =>
        dpp(
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
            '--validator',
            `v${o.index}-${o.id}`,
            '--p2p',
            `${hosts[o.index]!.ip}:${P2P}`,
            '--api',
            `http://${hosts[o.index]!.ip}:${API}`,
          ],
          { DPP_PASSPHRASE: o.passphrase },
        ),
      ),
    );
    const cards = join(root, 'public', 'cards');
    mkdirSync(cards, { recursive: true });
    for (const o of orgs) writeFileSync(join(cards, `${o.id}.json`), readFileSync(join(o.dir, 'card.json')));
    const out = join(root, 'public');
    const assembled = (await dpp([
      'genesis',
      'assemble',
      '--chain-id',
      CHAIN,
      '--cards',
      cards,
      '--out',
      out,
    ])) as { validators: { name: string }[] };
    assert.deepEqual(
      assembled.validators.map((v) => v.name),
      orgs.map((o) => `v${o.index}-${o.id}`),
    );
    await Promise.all(
      orgs.map((o) => {
        const bind = o.index === WILDCARD ? '0.0.0.0' : hosts[o.index]!.ip;
        const p2pListen =
          mode === 'relay' ? [`${bind}:${P2P_BEHIND_RELAY}`] : o.index === WILDCARD ? [`${bind}:${P2P}`] : [];
        return dpp(
          [
            'genesis',
            'install',
            join(out, 'genesis.json'),
            '--dir',
            o.dir,
            '--peers',
            join(out, 'peers.json'),
            ...(p2pListen.length === 0 ? [] : ['--p2p-listen', ...p2pListen]),
            ...(o.index === WILDCARD ? ['--api-listen', `0.0.0.0:${API}`] : []),
          ],
          { DPP_PASSPHRASE: o.passphrase },
        );
      }),
    );
    for (const o of orgs) {
      const path = join(o.dir, 'validator.config.json');
      const config = JSON.parse(readFileSync(path, 'utf8')) as {
        peers: { index: number; host: string; port: number }[];
      };
      // the configuration names every other validator by its host's address, never loopback
      assert.deepEqual(
        config.peers.map((p) => `${p.index} ${p.host}:${p.port}`),
        hosts.filter((h) => h.index !== o.index).map((h) => `${h.index} ${h.ip}:${P2P}`),
      );
      writeFileSync(path, `${JSON.stringify({ ...config, timing: TIMING }, null, 2)}\n`);
      o.key = keptOrgKey(readKeyStore(join(o.dir, 'keystore.json'), { passphrase: o.passphrase }));
    }

    if (mode === 'relay')
      for (const h of hosts)
        relays.push(
          await startDelayRelay(lab, h, { host: h.ip, port: P2P }, { host: h.ip, port: P2P_BEHIND_RELAY }),
        );
    for (const o of orgs) {
      const log: string[] = [];
      const child = lab.spawnIn(
        hosts[o.index]!,
        process.execPath,
        [dppBin, 'node', '--config', join(o.dir, 'validator.config.json')],
        {
          env: {
            ...process.env,
            NO_COLOR: '1',
            DPP_EXIT_WITH_PARENT: '1',
            // the trading centre's validator opens its key store (it traces for the regulator)
            ...(o.role === 'trading-centre' ? { DPP_PASSPHRASE: o.passphrase } : {}),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      for (const s of [child.stdout!, child.stderr!])
        s.on('data', (d) => {
          log.push(String(d));
          if (log.length > 200) log.shift();
        });
      validators.push({ process: child, log });
    }
    const genesis = parseGenesis(readFileSync(join(orgs[0]!.dir, 'genesis.json'), 'utf8'));
    const chain = { chainId: CHAIN, validatorKeys: genesis.validators.map((v) => v.publicKey) };
    clients = hosts.map(
      (h) => new NodeClient(`http://${h.ip}:${API}`, { genesis: chain, timeoutMs: 3_000, busyTimeoutMs: 0 }),
    );
    await waitFor(
      'all four validators to connect and commit a block',
      async () => {
        const s = await Promise.all(orgs.map((o) => status(o.index)));
        return s.every((x) => x !== null && Number(x.height) >= 1 && x.peers.length === N - 1);
      },
      60_000,
    );
  });

  after(async () => {
    await Promise.all(validators.map((v) => stopProcess(v.process)));
    for (const r of relays) r.stop();
    await Promise.all(
      relays.map((r) =>
        r.process.exitCode !== null || r.process.signalCode !== null
          ? undefined
          : new Promise((done) => r.process.once('exit', done)),
      ),
    );
    const left = lab?.destroy() ?? [];
    rmSync(root, { recursive: true, force: true });
    assert.deepEqual(left, [], 'everything the lab made is removed');
  });

  it('four validators on four hosts commit transactions sent to any of them', async (t) => {
    if (skipped(t)) return;
    t.diagnostic(
      `hosts ${lab!.hosts.map((h) => `${h.ns}=${h.ip}`).join(', ')}; delay by ${mode === 'netem' ? 'tc netem on each link' : 'a relay in each host (this kernel has no sch_netem)'}`,
    );
    const ids = await Promise.all(orgs.map((o) => clients[o.index]!.submit(memo(o, 'hello from my host'))));
    for (const id of ids) await committedOn(id, [0, 1, 2, 3]);
    const latencies: number[] = [];
    for (const o of orgs) latencies.push((await commitLatency(o, o.index, 'no delay')).ms);
    t.diagnostic(`commit latency without delay: ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  });

  it(`with ${DELAY_MS} ms of delay on every link, transactions still commit`, async (t) => {
    if (skipped(t)) return;
    if (mode === 'netem') lab!.delay(DELAY_MS);
    else await Promise.all(relays.map((r) => r.setDelay(DELAY_MS)));
    try {
      const latencies: number[] = [];
      const ids: string[] = [];
      for (const o of orgs) {
        const { id, ms } = await commitLatency(o, (o.index + 1) % N, 'over a slow link');
        latencies.push(ms);
        ids.push(id);
      }
      t.diagnostic(
        `commit latency with ${DELAY_MS} ms links: ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms`,
      );
      // pre-prepare, prepare and commit each cross a link: no commit sooner than three delays
      for (const ms of latencies) assert.ok(ms >= 3 * DELAY_MS, `committed after ${ms} ms: is the delay on?`);
      for (const id of ids) await committedOn(id, [0, 1, 2, 3]);
    } finally {
      if (mode === 'netem') lab!.delay(0);
      else await Promise.all(relays.map((r) => r.setDelay(0)));
    }
  });

  it('the primary’s host cut off: the other three commit; reconnected, it catches up to their head', async (t) => {
    if (skipped(t)) return;
    const primary = (await status(0))!.primary;
    const others = [0, 1, 2, 3].filter((i) => i !== primary);
    lab!.cutOff(primary, true);
    const cutAt = Number((await statusInside(primary)).height);
    try {
      // its link is down: the root namespace no longer reaches it
      assert.equal(await status(primary), null);
      const ids = await Promise.all(
        orgs.map((o) =>
          clients[o.index === primary ? others[0]! : o.index]!.submit(memo(o, 'while cut off')),
        ),
      );
      for (const id of ids) await committedOn(id, others);
      await waitFor('the other three to commit three blocks more', async () => {
        const s = await Promise.all(others.map(status));
        return s.every((x) => x !== null && Number(x.height) >= cutAt + 3);
      });
      const alone = await statusInside(primary);
      assert.ok(Number(alone.height) <= cutAt + 1, `cut off at ${cutAt}, it reached ${alone.height}`);
      assert.notEqual((await status(others[0]!))!.primary, primary, 'the others changed views');
    } finally {
      lab!.cutOff(primary, false);
    }
    const target = Math.max(...(await Promise.all(others.map(status))).map((s) => Number(s!.height)));
    await waitFor(
      `validator ${primary} to catch up to height ${target} in the others' view`,
      async () => {
        const [back, other] = await Promise.all([status(primary), status(others[0]!)]);
        return (
          back !== null &&
          other !== null &&
          Number(back.height) >= target &&
          back.view === other.view &&
          !back.inViewChange
        );
      },
      30_000,
    );
    const back = (await status(primary))!;
    for (const i of others)
      assert.equal(
        (await clients[i]!.block(BigInt(back.height))).hash,
        back.headHash,
        `validator ${primary}'s head is validator ${i}'s block at height ${back.height}`,
      );
    const id = await clients[primary]!.submit(memo(orgs[primary]!, 'back on the network'));
    await committedOn(id, [0, 1, 2, 3]);
  });

  it('a 2+2 partition commits nothing on either side; healed, commits resume', async (t) => {
    if (skipped(t)) return;
    const halves = [
      [0, 1],
      [2, 3],
    ];
    lab!.partition(halves);
    let ids: string[] = [];
    try {
      await sleep(1_500); // what was in flight when the routes went in lands (or is lost)
      const heights = async () =>
        (await Promise.all([0, 1, 2, 3].map(status))).map((s) => {
          assert.ok(s !== null, 'every host stays reachable from the root namespace');
          return s;
        });
      const first = await heights();
      const top = Math.max(...first.map((s) => Number(s.height)));
      // one transaction on each side, accepted there, committed nowhere while the partition lasts
      ids = await Promise.all([
        clients[0]!.submit(memo(orgs[0]!, 'left side of the partition')),
        clients[2]!.submit(memo(orgs[2]!, 'right side of the partition')),
      ]);
      const until = Date.now() + 4 * TIMING.viewTimeoutMs;
      while (Date.now() < until) {
        const now = await heights();
        for (const s of now)
          assert.ok(
            Number(s.height) <= top,
            `validator ${s.validator} committed height ${s.height} > ${top}`,
          );
        await sleep(250);
      }
      for (const id of ids)
        for (const i of [0, 1, 2, 3]) assert.notEqual((await clients[i]!.tx(id)).status, 'committed');
      // no divergent heads: each head is every other validator's block at that height
      for (const s of await heights())
        for (const i of [0, 1, 2, 3]) {
          const other = await status(i);
          if (Number(other!.height) < Number(s.height)) continue;
          assert.equal((await clients[i]!.block(BigInt(s.height))).hash, s.headHash);
        }
      t.diagnostic(
        `partitioned ${JSON.stringify(halves)} for ${(1.5 + (4 * TIMING.viewTimeoutMs) / 1000).toFixed(1)} s: heights stayed ≤ ${top}`,
      );
    } finally {
      lab!.partition([]);
    }
    for (const id of ids) await committedOn(id, [0, 1, 2, 3], 45_000);
    const [again] = await Promise.all([clients[3]!.submit(memo(orgs[3]!, 'after the partition'))]);
    await committedOn(again!, [0, 1, 2, 3]);

    // the same chain everywhere: every block hash and state root up to a common height
    const height = Math.min(...(await Promise.all([0, 1, 2, 3].map(status))).map((s) => Number(s!.height)));
    const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(i, height)));
    assert.equal(chains[0]!.length, height);
    for (const i of [1, 2, 3]) assert.deepEqual(chains[i], chains[0], `validator ${i} against validator 0`);
  });
});
