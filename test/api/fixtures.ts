/**
 * A validator network in this process, on a temporary LevelDB, for the API and client tests:
 * a fresh genesis with the default members, the validator started with `ValidatorNode.start`, and
 * helpers to sign memo transactions as a member.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { toHex } from '../../src/codec/bytes.ts';
import type { OrgKeyPair } from '../../src/crypto/ed25519.ts';
import { generateGenesis, parseMemberKeyFile, writeNetworkFiles } from '../../src/ledger/networkKeys.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { signOrgTransaction } from '../../src/ledger/txSigning.ts';
import { parseNodeConfig } from '../../src/node/config.ts';
import { DEFAULT_MEMBERS } from '../../src/node/launcher.ts';
import { ValidatorNode } from '../../src/node/validatorNode.ts';

/** A running one-validator chain. */
export interface TestChain {
  readonly node: ValidatorNode;
  readonly nodes: readonly ValidatorNode[];
  readonly dir: string;
  readonly chainId: string;
  /** A member's key with a nonce counter. */
  member(id: string): TestMember;
  stop(): Promise<void>;
}

/** A member that signs memos with increasing nonces. */
export interface TestMember {
  readonly id: string;
  readonly key: OrgKeyPair;
  nonce: bigint;
  /** A signed memo with the next nonce (the counter advances). */
  memo(text: string): { bytes: Uint8Array; id: string };
}

/**
 * Starts a chain of `validators` in-process validators (default 4) and returns validator 0 as
 * `node`. `emptyBlockMs` large (the default) keeps the height still while idle; `timing` overrides
 * any other node timing (docs/consensus.md); `mempool` bounds the mempools (`maxTxs`, `maxBytes`,
 * `clientSharePercent`: src/node/config.ts), for the backpressure and limit tests.
 */
export async function startTestChain(
  opts: {
    validators?: number;
    emptyBlockMs?: number;
    timing?: Record<string, number>;
    mempool?: Record<string, number>;
  } = {},
): Promise<TestChain> {
  const n = opts.validators ?? 4;
  const dir = mkdtempSync(join(tmpdir(), 'dpp-api-'));
  const chainId = 'dppchain-api-test';
  const net = generateGenesis({
    chainId,
    validators: n,
    genesisTimeMs: BigInt(Date.now()),
    members: DEFAULT_MEMBERS,
  });
  writeNetworkFiles(dir, net);
  const ports = await freePorts(n);
  const log = pino({ level: process.env.DPP_TEST_LOG ?? 'silent' });
  const nodes = await Promise.all(
    ports.map((port, i) =>
      ValidatorNode.start(
        parseNodeConfig(
          {
            chainId,
            validatorIndex: i,
            genesisPath: 'genesis.json',
            keyPath: `validator-${i}.key.json`,
            dataDir: `data-${i}`,
            p2p: { host: '127.0.0.1', port },
            api: { host: '127.0.0.1', port: 0 },
            peers: ports.flatMap((p, j) => (j === i ? [] : [{ index: j, host: '127.0.0.1', port: p }])),
            timing: {
              emptyBlockMs: opts.emptyBlockMs ?? 600_000,
              batchMs: 5,
              viewTimeoutMs: 600_000,
              ...opts.timing,
            },
            ...(opts.mempool === undefined ? {} : { mempool: opts.mempool }),
          },
          dir,
        ),
        log.child({ validator: i }),
      ),
    ),
  );
  const node = nodes[0]!;
  await waitFor('the validators to connect', () => nodes.every((v) => v.status().peers.length === n - 1));
  const members = new Map<string, TestMember>();
  return {
    node,
    dir,
    chainId,
    member(id) {
      let m = members.get(id);
      if (m === undefined) {
        const key = parseMemberKeyFile(readFileSync(join(dir, `member-${id}.key.json`), 'utf8')).key;
        const member: TestMember = {
          id,
          key,
          nonce: 0n,
          memo(text) {
            member.nonce++;
            const signed = signOrgTransaction(
              { chainId, kind: 'memo', payload: new TextEncoder().encode(text) },
              member.nonce,
              key,
            );
            return { bytes: signed.bytes, id: toHex(transactionId(signed.bytes)) };
          },
        };
        m = member;
        members.set(id, m);
      }
      return m;
    },
    nodes,
    async stop() {
      await Promise.all(nodes.map((v) => v.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 20 ms until it holds; fails after `ms`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `count` distinct free TCP ports on loopback (bound, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
