/**
 * Writing a new local consortium's files (`dpp init`): from a market scenario laid out by
 * ./consortiumLayout.ts, the genesis (the trading centre, one aggregator per consumer group, the
 * generators and the large consumers) and each validator's key file — validator 0 is the trading
 * centre's, validator i the i-th aggregator's, on loopback ports base + 2i (p2p) and base + 2i + 1 (API; the caller writes the
 * validators' configurations, ../node/config.ts `loopbackConfig`) — then one key
 * store per member (its organisation seed; for the trading centre the regulator's master secret and
 * certificate-key seed; for a generator its receiving key), the scenario's copy and consortium.json.
 * Member secrets are never written outside their key stores.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { generateGenesis, writeNetworkFiles } from '../ledger/networkKeys.ts';
import { scenarioToJson } from '../market/scenarioJson.ts';
import type { Scenario } from '../market/types.ts';
import { type ConsortiumFile, consortiumFileText } from './consortiumFile.ts';
import { consortiumLayout, defaultValidators } from './consortiumLayout.ts';
import { type KeyStoreProtection, writeKeyStore } from './keyStore.ts';
import { newMemberEntries } from './memberSecrets.ts';

/** What to create. */
export interface ConsortiumSetup {
  /** Absolute folder (emptied first when `replace`). */
  readonly dir: string;
  readonly scenario: Scenario;
  readonly chainId: string;
  /** Default: max(4, 1 + aggregators). */
  readonly validators?: number;
  readonly basePort: number;
  readonly protection: KeyStoreProtection;
  readonly replace: boolean;
  readonly onProgress?: (message: string) => void;
}

/** Writes every file of a new consortium and returns its consortium.json. */
export async function createConsortium(opts: ConsortiumSetup): Promise<ConsortiumFile> {
  const { dir, scenario } = opts;
  const validators = opts.validators ?? defaultValidators(scenario);
  const layout = consortiumLayout(scenario, validators);
  const protection = opts.protection;
  const p = { update: opts.onProgress ?? (() => {}) };
  if (opts.replace) rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'keys'), { recursive: true });
  const net = generateGenesis({
    chainId: opts.chainId,
    validators,
    genesisTimeMs: BigInt(Date.now()),
    members: layout.members,
  });
  // Genesis and validator keys only: member secrets go into their key stores, below.
  writeNetworkFiles(dir, { ...net, memberKeys: [] });
  const endpoint = (i: number) => ({ p2p: opts.basePort + 2 * i, api: opts.basePort + 2 * i + 1 });

  const group = await libsodiumGroup();
  net.memberKeys.forEach((m, k) => {
    p.update(`key store ${k + 1}/${net.memberKeys.length}: ${m.id}`);
    const entries = newMemberEntries(group, m.role, m.seed);
    writeKeyStore(
      join(dir, 'keys', `${m.id}.json`),
      { metadata: { memberId: m.id, role: m.role, chainId: opts.chainId }, entries },
      protection,
    );
  });
  writeFileSync(join(dir, 'scenario.json'), `${JSON.stringify(scenarioToJson(scenario), null, 2)}\n`);
  const file: ConsortiumFile = {
    type: 'dpp-consortium',
    version: 1,
    chainId: opts.chainId,
    scenario: scenario.name,
    scenarioFile: 'scenario.json',
    genesis: 'genesis.json',
    insecure: !('passphrase' in protection),
    validators: Array.from({ length: validators }, (_, i) => ({
      index: i,
      name: `validator-${i}`,
      api: `http://127.0.0.1:${endpoint(i).api}`,
      p2pPort: endpoint(i).p2p,
      config: `validator-${i}.config.json`,
      operator: layout.operatorOf(i),
    })),
    members: layout.members.map((m) => ({
      id: m.id,
      role: m.role,
      ...(m.aggregator === undefined ? {} : { aggregator: m.aggregator }),
      node: layout.nodeOf(m),
      keyStore: `keys/${m.id}.json`,
    })),
  };
  writeFileSync(join(dir, 'consortium.json'), consortiumFileText(file));
  return file;
}
