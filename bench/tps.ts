/**
 * `npm run bench:tps [-- --json] [-- --quick]`: committed throughput and latency of a 4-validator
 * network of real processes on loopback.
 *
 * This process is the load generator: it signs every transaction before the timed window (so
 * signing does not compete with the validators for the cores), then offers increasing rates in
 * steps, each sender's transactions in nonce order to one validator, in batches through POST /v1/txs.
 * A transaction's latency runs from its submission to the moment a poller first sees the block
 * that holds it (polling every 10 ms). It reports the sustained committed TPS (best step), p50/p99
 * latency at that step, and — measured in this same run — the signature-verification bound of this
 * machine for this network: cores × Ed25519 verifications per second per core (with the verifier the
 * validators use) ÷ validators, since every validator verifies every transaction once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEd25519 } from '../src/crypto/ed25519Strict.ts';
import { LoadGenerator, signMemoLoad } from '../src/experiments/loadGenerator.ts';
import { type MemberSpec, parseMemberKeyFile } from '../src/ledger/networkKeys.ts';
import { type LocalNetwork, launchNetwork } from '../src/node/launcher.ts';
import { machineLine, median } from './machine.ts';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const VALIDATORS = 4;
const SENDERS = 16;
const STEP_SECONDS = quick ? 4 : 8;
const RATES = quick ? [1_000, 3_000] : [1_000, 2_000, 4_000, 6_000, 8_000, 12_000];
const CHAIN = 'dppchain-bench';
const log = (s: string) => process.stderr.write(`${s}\n`);

const members: MemberSpec[] = [
  { id: 'trading-centre', role: 'trading-centre' },
  ...Array.from({ length: SENDERS }, (_, i): MemberSpec => ({ id: `generator-${i}`, role: 'generator' })),
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-tps-'));
  const net: LocalNetwork = launchNetwork({
    validators: VALIDATORS,
    dir,
    basePort: 23_000 + (process.pid % 300) * 10,
    chainId: CHAIN,
    members,
    timing: { viewTimeoutMs: 10_000, emptyBlockMs: 1_000, batchMs: 20, maxBlockTxs: 5_000 },
    logTo: () => {},
  });
  try {
    log(`bench:tps — ${machineLine()}`);
    const keys = members
      .slice(1)
      .map((m) => parseMemberKeyFile(readFileSync(join(dir, `member-${m.id}.key.json`), 'utf8')).key);
    const total = RATES.reduce((a, r) => a + r * STEP_SECONDS, 0);
    const perSender = Math.ceil(total / SENDERS);
    log(`signing ${perSender * SENDERS} transactions before the timed window …`);
    const signed = signMemoLoad(CHAIN, keys, perSender);
    // The verification bound, measured now, on this machine, with the verifier validators use.
    const sample = signed[0]!.slice(0, 2_000);
    const t0 = performance.now();
    for (const st of sample) {
      const auth = st.tx.auth as { sender: Uint8Array; signature: Uint8Array };
      verifyEd25519(auth.sender, st.bytes.subarray(0, st.bytes.length - 64), auth.signature);
    }
    const perCore = sample.length / ((performance.now() - t0) / 1000);
    const verifyBoundTps = (cpus().length * perCore) / VALIDATORS;
    await waitReady(net);

    const submittedAt = new Map<string, number>();
    const committedAt = new Map<string, number>();
    let stop = false;
    const poller = pollCommits(net.validators[0]!.apiUrl, committedAt, () => stop);
    const load = new LoadGenerator(
      signed,
      net.validators.map((v) => v.apiUrl),
    );
    const steps: { rate: number; tps: number; p50Ms: number; p99Ms: number }[] = [];
    for (const rate of RATES) {
      const ids: string[] = [];
      const start = performance.now();
      await load.offer(rate, STEP_SECONDS, (accepted, sentAt) => {
        for (const id of accepted) {
          submittedAt.set(id, sentAt);
          ids.push(id);
        }
      });
      // Let the step drain (at most 5 s), then count what committed.
      const drainUntil = performance.now() + 5_000;
      while (performance.now() < drainUntil && ids.some((id) => !committedAt.has(id)))
        await new Promise((r) => setTimeout(r, 50));
      const done = ids.filter((id) => committedAt.has(id));
      const lastCommit = Math.max(...done.map((id) => committedAt.get(id)!));
      const tps = done.length / ((lastCommit - start) / 1000);
      const lat = done.map((id) => committedAt.get(id)! - submittedAt.get(id)!);
      const sorted = [...lat].sort((a, b) => a - b);
      const step = {
        rate,
        tps: Math.round(tps),
        p50Ms: Math.round(median(lat)),
        p99Ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
      };
      steps.push(step);
      log(
        `  offered ${rate} tx/s: committed ${step.tps} tx/s, p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms, ${ids.length - done.length} not committed`,
      );
      if (done.length < ids.length * 0.9) break; // saturated
    }
    stop = true;
    await poller;
    const best = steps.reduce((a, b) => (b.tps > a.tps ? b : a));
    const result = {
      tps: best.tps,
      p50Ms: best.p50Ms,
      p99Ms: best.p99Ms,
      verifyBoundTps: Math.round(verifyBoundTps),
    };
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      console.log(`bench:tps — ${machineLine()}`);
      console.log(
        `${VALIDATORS} validators (separate processes, loopback), ${SENDERS} senders, steps of ${STEP_SECONDS} s`,
      );
      for (const s of steps)
        console.log(
          `  offered ${s.rate} tx/s → committed ${s.tps} tx/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`,
        );
      console.log(
        `sustained ${result.tps} committed tx/s (p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms); ` +
          `verification bound ${result.verifyBoundTps} tx/s (${cpus().length} cores × ${Math.round(perCore)} verifies/s ÷ ${VALIDATORS}); ` +
          `${((100 * result.tps) / result.verifyBoundTps).toFixed(0)} % of the bound (target ≥ 5,000 tx/s and ≥ 50 %)`,
      );
    }
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitReady(net: LocalNetwork): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const all = await Promise.all(
        net.validators.map(
          async (v) =>
            (await (await fetch(`${v.apiUrl}/v1/status`)).json()) as { height: string; peers: number[] },
        ),
      );
      if (all.every((s) => Number(s.height) >= 1 && s.peers.length === VALIDATORS - 1)) return;
    } catch {}
    if (Date.now() > until) throw new Error('validators did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Records when each committed transaction is first seen, polling validator 0's blocks. */
async function pollCommits(
  api: string,
  committedAt: Map<string, number>,
  stopped: () => boolean,
): Promise<void> {
  let next = 1;
  while (!stopped()) {
    const res = await fetch(`${api}/v1/blocks/${next}`);
    if (res.status === 200) {
      const b = (await res.json()) as { txIds: string[] };
      const now = performance.now();
      for (const id of b.txIds) committedAt.set(id, now);
      next++;
      continue;
    }
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 10));
  }
}

await main();
