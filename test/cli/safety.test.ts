/**
 * Issue 12, "what a new user hit", as a user runs the commands (real processes, `node bin/dpp.mjs`):
 * nothing is deleted without asking, and errors name what really happened. One `dpp start` demo
 * runs while a second `dpp start`, a `dpp start` on its ports and `dpp init --force` are refused
 * without touching it; Ctrl-C stops it with a line saying how many rounds ran and where the files
 * are. The stopped demo is refused by `dpp init` without --force, and the participant commands'
 * hint no longer leads to overwriting it; `dpp init --force` then replaces it, saying what it
 * deletes. On that consortium: `dpp start` never replaces it; a killed validator is started again by
 * `dpp network up`, and one that cannot start reports its log's first error (a locked store); without
 * a quorum a transaction times out with its full id and "safe to resend", and `dpp tx resend`
 * sends the same bytes, which the node refuses as a duplicate once committed (and the client's
 * `resendTx` sends a new one once, then answers a copy with the one commit). `--json` errors are
 * JSON; receipts print full ids; durations of zero are "not positive".
 * Ports: blocks of 8 free ones in 10000–11599 (below the ephemeral range, apart from other tests).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { duration } from '../../src/cli/parse.ts';
import { orgContractTx } from '../../src/client/contractTx.ts';
import { readKeyStore } from '../../src/client/keyStore.ts';
import { NodeClient } from '../../src/client/nodeClient.ts';
import { resendTx } from '../../src/client/txSubmitter.ts';
import { memberSuspendPayload } from '../../src/contracts/membership.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { dppBin, runDpp } from '../dppProcess.ts';
import { freeBasePort, isFree } from '../ports.ts';

const root = mkdtempSync(join(tmpdir(), 'dpp-safety-'));
const dir = join(root, 'start');
const ROOT = resolve(import.meta.dirname, '../..');

function dpp(args: readonly string[], env: Record<string, string> = {}) {
  return runDpp(args, { timeoutMs: 120_000, env });
}

/** A refusal: exit 1, `error: …` and one hint line on stderr, no stack trace, nothing on stdout. */
function refused(r: ReturnType<typeof dpp>, message: RegExp): string {
  assert.equal(r.status, 1, `should fail: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, message);
  assert.ok(lines.length <= 2, `a message and a hint, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r.stderr;
}

const read = (path: string) => readFileSync(path, 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('values and words', () => {
  it('a zero or negative duration is refused as not positive, not as "not a duration"', () => {
    assert.throws(() => duration('0s', '--response-window'), /--response-window must be positive, got "0s"/);
    assert.throws(() => duration('-5m', '--ack-window'), /--ack-window must be positive/);
    assert.throws(() => duration('5 parsecs', '--ack-window'), /must be a duration like 30s/);
    assert.throws(() => duration('400d', '--ack-window'), /at most a year/);
    assert.equal(duration('2m', '--ack-window'), 120_000n);
  });

  it('the CLI’s hints say `dpp …`, and the docs say how to run `dpp` from anywhere', () => {
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)],
      );
    for (const f of files(join(ROOT, 'src/cli')))
      assert.doesNotMatch(
        read(f),
        /npx dpp/,
        `${f} prints \`npx dpp\`, which outside the clone is another package`,
      );
    for (const doc of ['README.md', 'docs/cli.md']) {
      const text = read(join(ROOT, doc));
      assert.ok(text.includes('npm link'), `${doc} says how to put \`dpp\` on the PATH`);
      assert.ok(text.includes('/bin/dpp.mjs'), `${doc} says how to call it by its path`);
      assert.ok(text.includes('unrelated npm package'), `${doc} warns about \`npx dpp\` outside the clone`);
    }
  });
});

describe('nothing is deleted without asking', () => {
  let base = 0;
  let demo: ChildProcess | undefined;
  let demoOut = '';
  let demoErr = '';
  let demoExit: Promise<number | null>;
  let consortiumBase = 0;

  before(async () => {
    base = await freeBasePort(10_000, 100, 8);
    consortiumBase = base;
    const { FORCE_COLOR: _f, ...env } = process.env;
    demo = spawn(process.execPath, [dppBin, 'start', '--dir', dir, '--base-port', String(base)], {
      env: { ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (b: Buffer) => {
      demoOut += b.toString();
    });
    demo.stderr!.on('data', (b: Buffer) => {
      demoErr += b.toString();
    });
    demoExit = new Promise((done) => demo!.once('exit', (code) => done(code)));
    // the first run may build the dashboard first
    await until(
      'dpp start to report its validators up',
      () => {
        if (demo!.exitCode !== null) assert.fail(`dpp start exited: ${demoOut}${demoErr}`);
        return /dashboard http:/.test(demoOut);
      },
      240_000,
    );
  });

  after(() => {
    if (demo !== undefined && demo.exitCode === null) demo.kill('SIGKILL');
    dpp(['network', 'down', '--dir', dir]);
    rmSync(root, { recursive: true, force: true });
  });

  it('a second `dpp start` in the running demo’s folder is refused and changes nothing', async () => {
    const genesis = read(join(dir, 'genesis.json'));
    const other = await freeBasePort(10_800, 100, 8);
    const err = refused(
      dpp(['start', '--dir', dir, '--base-port', String(other), '--rounds', '1']),
      /a network is running in .* \(pid \d+(, \d+)*\): nothing was changed/,
    );
    assert.match(err, /Ctrl-C where it runs|kill \d+/);
    assert.equal(read(join(dir, 'genesis.json')), genesis, 'the genesis was not rewritten');
    for (const i of [0, 1, 2, 3]) assert.ok(existsSync(join(dir, `data-${i}`)), `data-${i} is still there`);
    const status = await fetch(`http://127.0.0.1:${base + 1}/v1/status`);
    assert.equal(status.status, 200, 'the first run’s validators still answer');
  });

  it('`dpp start` and `dpp network up` elsewhere on its ports are refused, naming the port', () => {
    const elsewhere = join(root, 'elsewhere');
    refused(
      dpp(['start', '--dir', elsewhere, '--base-port', String(base), '--rounds', '1']),
      new RegExp(`port ${base} \\(validator-0's p2p\\) and 7 more of its ports in use by another process`),
    );
    refused(
      dpp(['network', 'up', '--dir', elsewhere, '--base-port', String(base)]),
      new RegExp(`port ${base} \\(validator-0's p2p\\)`),
    );
    assert.ok(!existsSync(elsewhere), 'nothing was created');
  });

  it('`dpp init --force` refuses the running demo’s folder', () => {
    const genesis = read(join(dir, 'genesis.json'));
    refused(
      dpp(['init', '--insecure', '--force', '--dir', dir, '--base-port', String(base)]),
      /a network is running in/,
    );
    assert.equal(read(join(dir, 'genesis.json')), genesis);
    assert.ok(!existsSync(join(dir, 'consortium.json')));
  });

  it('Ctrl-C stops the demo and says after how many rounds, and where its files are', async () => {
    demo!.kill('SIGINT');
    assert.equal(await demoExit, 0, demoErr);
    assert.match(demoOut, new RegExp(`stopped after \\d+ rounds?; files in ${dir}\\n`));
    await until('its ports to be free', async () => (await isFree(base)) && (await isFree(base + 7)));
  });

  it('the stopped demo: `dpp init` asks for --force, the participant commands do not lead there', () => {
    const stores = readFileSync(join(dir, 'keys', 'trading-centre.json'));
    refused(
      dpp(['init', '--insecure', '--dir', dir, '--base-port', String(base)]),
      /already holds the demo of `dpp start` .*\d+ key files\): nothing was changed/,
    );
    assert.deepEqual(readFileSync(join(dir, 'keys', 'trading-centre.json')), stores);

    const err = refused(dpp(['members', '--dir', dir]), /holds the demo of `dpp start`/);
    assert.doesNotMatch(err, new RegExp(`init --dir ${dir}`), 'no hint to init over the demo');

    // --json: the same error as one JSON document on stdout, exit code unchanged
    const json = dpp(['members', '--dir', dir, '--json']);
    assert.equal(json.status, 1);
    const { error } = JSON.parse(json.stdout);
    assert.equal(error.code, 'CLI_NO_CONSORTIUM');
    assert.match(error.message, /holds the demo of `dpp start`/);
    assert.match(error.hint, /dpp init/);
    const usage = dpp(['members', '--dir', dir, '--json', '--no-such-option']);
    assert.equal(usage.status, 1);
    assert.equal(JSON.parse(usage.stdout).error.code, 'CLI_USAGE');
  });

  it('`dpp init --force` replaces the stopped demo and says what it deletes', () => {
    const r = dpp(['init', '--insecure', '--force', '--dir', dir, '--base-port', String(consortiumBase)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /replacing .*: deleting the demo of `dpp start` .*the chain data of 4 validators and \d+ key files/,
    );
    assert.ok(existsSync(join(dir, 'consortium.json')));
    assert.ok(!existsSync(join(dir, 'data-0')), 'the demo’s chain is gone');
  });

  it('`dpp start` never replaces a `dpp init` consortium, even with --force', async () => {
    const file = read(join(dir, 'consortium.json'));
    refused(
      dpp(['start', '--dir', dir, '--force', '--base-port', String(await freeBasePort(10_800, 100, 8))]),
      /holds a consortium made by `dpp init` .*: dpp start never replaces it/,
    );
    assert.equal(read(join(dir, 'consortium.json')), file);
  });

  describe('recovery on the consortium', () => {
    const pids = (): number[] => JSON.parse(read(join(dir, 'network.json'))).pids;
    const api = (i: number) => `http://127.0.0.1:${consortiumBase + 2 * i + 1}`;
    async function kill(...indices: number[]): Promise<void> {
      const all = pids();
      for (const i of indices) process.kill(all[i]!, 'SIGKILL');
      await until('the validators to die', () => indices.every((i) => !alive(all[i]!)));
    }

    before(() => {
      const r = dpp(['network', 'up', '--dir', dir, '--json']);
      assert.equal(r.status, 0, r.stderr);
    });

    it('a killed validator: the hints name `dpp network up`, which starts only it', async () => {
      await kill(3);
      const onNode3 = JSON.parse(read(join(dir, 'consortium.json'))).members.find(
        (m: { node: number }) => m.node === 3,
      ).id;
      const err = refused(
        dpp(['tx', 'show', '00'.repeat(32), '--as', onNode3, '--insecure', '--dir', dir]),
        /\[CLIENT_NETWORK\]/,
      );
      assert.match(err, new RegExp(`dpp network up --dir ${dir}\` starts those that are down`));
      const status = dpp(['network', 'status', '--dir', dir]);
      assert.match(status.stdout, /3\/4 validators up/);
      assert.match(
        status.stdout,
        new RegExp(`1 validator down: \`dpp network up --dir ${dir}\` starts it again`),
      );

      const before3 = pids();
      const up = dpp(['network', 'up', '--dir', dir, '--json']);
      assert.equal(up.status, 0, up.stderr);
      const result = JSON.parse(up.stdout);
      assert.deepEqual(result.started, [3]);
      assert.deepEqual(pids().slice(0, 3), before3.slice(0, 3), 'the running validators were left alone');
      assert.match(dpp(['network', 'status', '--dir', dir]).stdout, /4\/4 validators up/);
      refused(dpp(['network', 'up', '--dir', dir]), /all 4 validators of .* are already up/);
    });

    it('a validator that cannot start: the error is the first error line of its log', async () => {
      await kill(3);
      const lock = new ClassicLevel(join(dir, 'data-3')); // another process holds its store
      await lock.open();
      try {
        const err = refused(
          dpp(['network', 'up', '--dir', dir]),
          /validator-3 exited during start-up: cannot open the store in .*data-3 \[LEDGER_STORE_UNAVAILABLE\]/,
        );
        assert.doesNotMatch(err, /a port in use\?/, 'no guessing');
      } finally {
        await lock.close();
      }
      assert.equal(dpp(['network', 'up', '--dir', dir]).status, 0);
    });

    it('without a quorum a transaction times out with its id, safe to resend; `dpp tx resend` sends it once', async () => {
      await kill(2, 3);
      const r = dpp(['member', 'suspend', 'g1.bus1', '--insecure', '--dir', dir], {
        DPP_COMMIT_TIMEOUT: '2s',
      });
      const err = refused(
        r,
        /member\.suspend [0-9a-f]{64} not committed within 2 s; safe to resend: it has the same id and is refused as a duplicate if it was already committed \[CLIENT_TIMEOUT\]/,
      );
      const id = /member\.suspend ([0-9a-f]{64})/.exec(err)![1]!;
      assert.match(err, new RegExp(`dpp tx resend ${id} --dir ${dir}`));
      const kept = join(dir, 'outbox', `${id}.json`);
      assert.ok(existsSync(kept), 'the signed transaction is kept for the resend');

      assert.equal(dpp(['network', 'up', '--dir', dir]).status, 0);
      let height = '';
      await until('the transaction to commit once the quorum is back', async () => {
        const st = (await (await fetch(`${api(0)}/v1/tx/${id}`)).json()) as {
          status: string;
          height?: string;
        };
        height = st.height ?? '';
        return st.status === 'committed';
      });
      // the node itself refuses the same bytes again: the claim "refused as a duplicate" holds
      const copy = await fetch(`${api(1)}/v1/tx`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tx: JSON.parse(read(kept)).tx }),
      });
      assert.equal(copy.status, 409);
      assert.equal(((await copy.json()) as { code: string }).code, 'NODE_DUPLICATE_TX');

      const resent = dpp(['tx', 'resend', id, '--insecure', '--dir', dir, '--json']);
      assert.equal(resent.status, 0, resent.stderr);
      const receipt = JSON.parse(resent.stdout);
      assert.equal(receipt.txId, id);
      assert.equal(receipt.height, height, 'the one commit, not a second one');
      assert.equal(receipt.alreadySent, true);
      assert.ok(!existsSync(kept), 'forgotten once committed');
      refused(dpp(['tx', 'resend', id, '--insecure', '--dir', dir]), /no unsent transaction/);
    });

    it('receipts print the full id `dpp tx show` takes; one transaction is “1 transaction”', () => {
      const r = dpp(['member', 'reinstate', 'g1.bus1', '--insecure', '--dir', dir]);
      assert.equal(r.status, 0, r.stderr);
      const m = /member\.suspend committed in block (\d+) \(tx ([0-9a-f]{64}),/.exec(r.stdout);
      assert.ok(m, `a receipt with the full id: ${r.stdout}`);
      assert.equal(dpp(['tx', 'show', m[2]!, '--insecure', '--dir', dir]).status, 0);
      const block = JSON.parse(dpp(['block', 'show', m[1]!, '--insecure', '--dir', dir, '--json']).stdout);
      assert.equal(block.txIds.length, 1);
      assert.match(dpp(['block', 'show', m[1]!, '--insecure', '--dir', dir]).stdout, /\n {2}1 transaction\n/);
    });

    it('the client’s resend is idempotent: sent once, then answered by the one commit', async () => {
      const store = readKeyStore(join(dir, 'keys', 'trading-centre.json'), { allowInsecure: true });
      const chain = {
        chainId: JSON.parse(read(join(dir, 'consortium.json'))).chainId,
        group: await libsodiumGroup(),
      };
      // the trading centre's third transaction (suspend and reinstate above were its first two)
      const tx = orgContractTx(
        chain,
        'member.suspend',
        memberSuspendPayload,
        { id: 'g2.bus2', suspended: true },
        orgKeyPair(store.entry('org').bytes),
        3n,
      );
      const client = new NodeClient(api(2));
      const first = await resendTx(client, tx.bytes, 'member.suspend', { timeoutMs: 30_000 });
      assert.equal(first.alreadySent, false, 'the node did not have it: it was sent');
      assert.equal(first.committed.receipt.status, 'ok');
      const again = await resendTx(new NodeClient(api(0)), tx.bytes, 'member.suspend');
      assert.equal(again.alreadySent, true, 'the copy was refused');
      assert.equal(again.committed.id, first.committed.id);
      assert.equal(again.committed.height, first.committed.height, 'committed once');
    });
  });
});
