/**
 * The key stores of the local demo (`npm start`): one per member in `<dir>/keys/<id>.json`, the
 * layout `dpp init` uses (./consortiumSetup.ts) and the same file format (./keyStore.ts), written in
 * INSECURE mode (`kdf: "none"`, plaintext, flagged in the file): local demo only. They exist so
 * that one can sign in to the dashboard as any participant of the running demo, and so that the
 * trading centre's validator can trace on the regulator's behalf. The trading centre's store holds
 * its organisation seed, the regulator's master secret and certificate-key seed; a generator's its
 * receiving key as soon as the driver creates it; a consumer's each one-time pseudonym's secret as
 * it is issued (`pseudonym-r<round>`). Each file is rewritten atomically on every change.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { orgKeyPair } from '../crypto/ed25519.ts';
import type { Group, Scalar } from '../crypto/group.ts';
import { randomScalar, systemRandom } from '../crypto/scalars.ts';
import type { GeneratedNetwork } from '../ledger/networkKeys.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';
import { type KeyStoreEntry, writeKeyStore } from './keyStore.ts';
import { orgSeedEntry, regulatorEntries } from './memberSecrets.ts';

/** Where the trading centre's key store is, relative to the demo's folder. */
export const DEMO_REGULATOR_KEY_STORE = 'keys/trading-centre.json';

/** The demo's key stores, kept in memory and mirrored to disk. */
export class DemoKeyStores {
  private readonly entries = new Map<string, Map<string, KeyStoreEntry>>();
  private readonly roles = new Map<string, string>();

  private constructor(
    private readonly dir: string,
    private readonly chainId: string,
  ) {}

  /** Writes every member's store (org seeds; the regulator's keys for the trading centre). */
  static create(
    dir: string,
    network: GeneratedNetwork,
    regulator: { readonly masterSecret: Scalar; readonly certSeed: Uint8Array },
  ): DemoKeyStores {
    mkdirSync(join(dir, 'keys'), { recursive: true });
    const stores = new DemoKeyStores(dir, network.genesis.chainId);
    for (const m of network.memberKeys) {
      stores.roles.set(m.id, m.role);
      const entries: KeyStoreEntry[] = [orgSeedEntry(m.seed)];
      if (m.role === 'trading-centre')
        entries.push(...regulatorEntries(regulator.masterSecret, regulator.certSeed));
      stores.add(m.id, ...entries);
    }
    return stores;
  }

  /** Adds (or replaces) entries of `member`'s store and rewrites the file. */
  add(member: string, ...entries: readonly KeyStoreEntry[]): void {
    const mine = this.entries.get(member) ?? new Map<string, KeyStoreEntry>();
    for (const e of entries) mine.set(e.name, e);
    this.entries.set(member, mine);
    writeKeyStore(
      this.pathOf(member),
      {
        metadata: { memberId: member, role: this.roles.get(member) ?? 'consumer', chainId: this.chainId },
        entries: [...mine.values()],
      },
      { kdf: 'none', acknowledgeInsecure: true },
    );
  }

  /** The file of `member`'s store. */
  pathOf(member: string): string {
    return join(this.dir, 'keys', `${member}.json`);
  }
}

/** Fresh regulator keys whose certificate-key seed is kept (to write it to the key store). */
export function demoRegulator(group: Group): RegulatorKeys & { readonly certSeed: Uint8Array } {
  const masterSecret = randomScalar(group);
  const certSeed = systemRandom(32);
  const certKey = orgKeyPair(certSeed);
  return {
    masterSecret,
    masterPublic: group.mulBase(masterSecret),
    certKey,
    certPublicKey: certKey.publicKey,
    certSeed,
  };
}
