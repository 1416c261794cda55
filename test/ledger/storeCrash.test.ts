/**
 * Crash safety of the store, for real: a child process (crashWriter.ts) commits blocks to a LevelDB
 * on disk in a loop and is killed with SIGKILL at random moments, several times over the same
 * directory. After each kill the store must reopen consistent: every block the child reported as
 * committed is there, the head block is present with all of its state writes and tx-index entries,
 * nothing after it exists, and re-executing every stored block from genesis gives exactly the
 * stored state. The seed of the kill schedule is printed; set DPP_CRASH_SEED to replay a schedule
 * (kill timing still depends on the machine's speed).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bytesEqual, toHex } from '../../src/codec/bytes.ts';
import { type BlockHeader, blockHash } from '../../src/ledger/blockHeader.ts';
import { executeBlock } from '../../src/ledger/execution.ts';
import { genesisState } from '../../src/ledger/genesis.ts';
import { openStore } from '../../src/ledger/store.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { MemoryState } from '../../src/ledger/worldState.ts';
import { CRASH_NETWORK_SEED, crashBlockTxs } from './crashModel.ts';
import { makeEnv, makeNetwork, prng } from './fixtures.ts';

const ROUNDS = 8;
const seed = Number(process.env.DPP_CRASH_SEED ?? Date.now() % 2 ** 31);
const env = makeEnv();
const net = makeNetwork(CRASH_NETWORK_SEED);
const genesis = genesisState(net.genesis);
const writer = join(import.meta.dirname, 'crashWriter.ts');

/** What the parent has checked so far: the replayed state and the headers of the checked blocks. */
interface Model {
  readonly state: MemoryState;
  readonly headers: BlockHeader[];
}

/** A running writer and what it has reported. */
interface WriterProcess {
  readonly child: ChildProcess;
  /** The last height it reported committed (or ready at). */
  lastCommitted(): bigint | undefined;
  /** Resolves once it has committed its first block (or exited). */
  readonly committing: Promise<void>;
  /** Resolves when it has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the writer and follows its reports. */
function startWriter(dir: string): WriterProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let last: bigint | undefined;
  let buffer = '';
  let stderr = '';
  let onCommit: () => void = () => {};
  const committing = new Promise<void>((resolve) => {
    onCommit = resolve;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      const [word, n] = line.split(' ');
      if (word === 'ready') last = BigInt(n!);
      else if (word === 'committed') {
        last = BigInt(n!);
        onCommit();
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.once('exit', (code, signal) => {
        onCommit();
        resolve({ code, signal, stderr });
      });
    },
  );
  return { child, lastCommitted: () => last, committing, exited };
}

/** Opens the store after a crash and checks it against the model, extending the model. */
async function checkStore(
  dir: string,
  reported: bigint | undefined,
  model: Model,
  round: string,
): Promise<bigint> {
  const store = await openStore(dir); // itself refuses a head without its block, or a block above the head
  try {
    const head = store.head();
    if (head === undefined) {
      assert.equal(reported, undefined, `${round}: a reported commit was lost`);
      return -1n;
    }
    // [SAFE] no block whose commit had resolved is lost
    if (reported !== undefined)
      assert.ok(head.height >= reported, `${round}: head ${head.height} < reported ${reported}`);
    // blocks checked in earlier rounds are unchanged
    for (const [h, header] of model.headers.entries()) {
      const stored = await store.getBlock(BigInt(h));
      assert.ok(
        stored && bytesEqual(blockHash(stored.header), blockHash(header)),
        `${round}: block ${h} changed`,
      );
    }
    // new blocks: present, linked, and re-executing them gives their state roots and tx index
    for (let h = BigInt(model.headers.length); h <= head.height; h++) {
      const block = await store.getBlock(h);
      assert.ok(block, `${round}: block ${h} below the head is missing`);
      if (h === 0n) {
        assert.equal(toHex(blockHash(block.header)), toHex(genesis.hash));
        model.state.apply(genesis.writes);
      } else {
        const result = executeBlock(env, model.state, model.headers.at(-1)!, block);
        model.state.apply(result.writes);
        for (const [i, id] of result.txIds.entries()) {
          assert.deepEqual(await store.getTxLocation(id), {
            height: h,
            index: i,
            receipt: result.receipts[i],
          });
        }
      }
      model.headers.push(block.header);
    }
    assert.equal(toHex(blockHash(model.headers.at(-1)!)), toHex(head.hash));
    // [ATOMIC] nothing of the next block: no block, no tx index entry
    assert.equal(await store.getBlock(head.height + 1n), undefined, `${round}: a block above the head`);
    for (const tx of crashBlockTxs(net, model.state, head.height + 1n)) {
      assert.equal(
        await store.getTxLocation(transactionId(tx)),
        undefined,
        `${round}: tx index of an uncommitted block`,
      );
    }
    // [ATOMIC] the stored state is exactly the replayed state: every write of the head, none after it
    let entries = 0;
    for await (const [k, v] of store.stateEntries()) {
      entries += 1;
      assert.ok(
        bytesEqual(model.state.get(k) ?? new Uint8Array([1, 2, 3]), v),
        `${round}: state key ${toHex(k)}`,
      );
    }
    assert.equal(entries, model.state.size, `${round}: state entry count`);
    // the vote persisted before a block is for the head or the block after it
    const vote = store.getMeta('vote');
    if (head.height > 0n) {
      assert.ok(
        vote !== undefined &&
          [`commit ${head.height}`, `commit ${head.height + 1n}`].includes(new TextDecoder().decode(vote)),
        `${round}: vote ${vote && new TextDecoder().decode(vote)}`,
      );
    }
    return head.height;
  } finally {
    await store.close();
  }
}

describe('store crash safety under SIGKILL', () => {
  it(`keeps every committed block and never a partial one (seed ${seed})`, async (t) => {
    const random = prng(seed);
    const dir = mkdtempSync(join(tmpdir(), 'dpp-crash-'));
    const model: Model = { state: new MemoryState(), headers: [] };
    let unreported = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const w = startWriter(dir);
        // a third of the kills land anywhere from start-up on; the others while blocks are being
        // committed (after a first commit, so that every such round makes progress however slow the
        // machine is)
        if (round % 3 === 0) await sleep(random() * 1200);
        else {
          await w.committing;
          await sleep(random() * 300);
        }
        w.child.kill('SIGKILL');
        const { signal, code, stderr } = await w.exited;
        assert.equal(signal, 'SIGKILL', `the writer exited by itself (code ${code}): ${stderr}`);
        const reported = w.lastCommitted();
        const height = await checkStore(dir, reported, model, `round ${round} (seed ${seed})`);
        if (reported !== undefined && height > reported) unreported += 1;
        t.diagnostic(`round ${round}: head ${height}, last reported ${reported ?? 'none'}`);
      }
      assert.ok(model.headers.length >= 6, 'the writer committed blocks in every committing round');
      t.diagnostic(`${unreported} of ${ROUNDS} kills fell between a durable commit and its report`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
