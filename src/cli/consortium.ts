/**
 * A participant command's view of an initialised consortium folder (`dpp init`): consortium.json,
 * the genesis (for the validator keys that certify commits), the scenario, and each member's key
 * store — opened with its passphrase, or, for a store written with `--insecure`, only when the
 * command is also given `--insecure`. Every mistake (no folder, unknown member, wrong role, wrong
 * passphrase) is a CliError with a hint.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type ConsortiumFile,
  type ConsortiumMember,
  consortiumValidatorKeys,
  readConsortiumFile,
} from '../client/consortiumFile.ts';
import type { ChainParams } from '../client/contractTx.ts';
import { type KeyStoreEntry, type OpenedKeyStore, readKeyStore, writeKeyStore } from '../client/keyStore.ts';
import { MarketReader } from '../client/marketReader.ts';
import { type CommittedTx, NodeClient } from '../client/nodeClient.ts';
import { type SignedTransaction, type SubmitOptions, sendOrgTx, sendTx } from '../client/txSubmitter.ts';
import type { Codec } from '../contracts/schema.ts';
import { type OrgKeyPair, orgKeyPair } from '../crypto/ed25519.ts';
import { decodeScalar, type Group } from '../crypto/group.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { isDppError } from '../errors.ts';
import { scenarioFromJson } from '../market/scenarioJson.ts';
import type { Scenario } from '../market/types.ts';
import type { KeyPair } from '../privacy/keyPair.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';
import { CliError, type Progress, type TxReceipt } from './output.ts';
import { askPassphrase } from './passphrase.ts';

/** The default consortium folder. */
export const DEFAULT_DIR = '.dpp/consortium';

/** Options every participant command takes. */
export interface ParticipantOptions {
  readonly dir: string;
  readonly insecure?: boolean;
  readonly json?: boolean;
}

/** An opened member key store and how to write it back. */
export interface MemberStore {
  readonly member: ConsortiumMember;
  readonly store: OpenedKeyStore;
  readonly orgKey: OrgKeyPair;
  /** Adds or replaces entries and writes the store (same protection). */
  save(entries: readonly KeyStoreEntry[]): void;
}

/** An initialised consortium folder. */
export class Consortium {
  private readonly passphrases = new Map<string, string>();
  private readonly nonces = new Map<string, bigint>();
  /** The highest block this process saw one of its transactions commit in (later ones may depend on it). */
  private committedHeight = 0n;

  private constructor(
    readonly dir: string,
    readonly file: ConsortiumFile,
    readonly validatorKeys: readonly Uint8Array[],
    readonly group: Group,
    private readonly insecure: boolean,
  ) {}

  /** Loads `dir`; CliError when it holds no consortium. */
  static async load(opts: ParticipantOptions): Promise<Consortium> {
    const dir = resolve(opts.dir);
    let file: ConsortiumFile;
    try {
      file = readConsortiumFile(join(dir, 'consortium.json'));
    } catch (err) {
      if (isDppError(err, 'CLIENT_NOT_FOUND'))
        throw new CliError(
          'CLI_NO_CONSORTIUM',
          `no consortium in ${opts.dir}`,
          `create one with \`dpp init --dir ${opts.dir}\`, or pass --dir`,
        );
      throw err;
    }
    return new Consortium(
      dir,
      file,
      consortiumValidatorKeys(dir, file),
      await libsodiumGroup(),
      opts.insecure === true,
    );
  }

  /** The chain's id and group. */
  get chain(): ChainParams {
    return { chainId: this.file.chainId, group: this.group };
  }

  /** The scenario the consortium was made from. */
  scenario(): Scenario {
    return scenarioFromJson(JSON.parse(readFileSync(join(this.dir, this.file.scenarioFile), 'utf8')));
  }

  /** The member `id`; CliError naming a few members when unknown. */
  member(id: string): ConsortiumMember {
    const m = this.file.members.find((x) => x.id === id);
    if (m === undefined) {
      const near = this.file.members.filter((x) => x.id.startsWith(id.slice(0, 2))).map((x) => x.id);
      const list = (near.length > 0 ? near : this.file.members.map((x) => x.id)).slice(0, 6).join(', ');
      throw new CliError(
        'CLI_UNKNOWN_MEMBER',
        `no member "${id}" in this consortium`,
        `members include ${list} (\`dpp members\` lists them all)`,
      );
    }
    return m;
  }

  /** The member `id`, which must have one of `roles` to `doWhat`. */
  memberAs(
    id: string | undefined,
    roles: readonly ConsortiumMember['role'][],
    doWhat: string,
  ): ConsortiumMember {
    if (id === undefined) {
      const only = this.file.members.filter((m) => roles.includes(m.role));
      if (only.length === 1) return only[0]!;
      throw new CliError(
        'CLI_NO_MEMBER',
        `say which ${roles.join(' or ')} is to ${doWhat}`,
        `add --as <member>, e.g. --as ${only[0]?.id ?? 'member-id'}`,
      );
    }
    const m = this.member(id);
    if (!roles.includes(m.role)) {
      const example = this.file.members.find((x) => roles.includes(x.role))?.id;
      throw new CliError(
        'CLI_WRONG_ROLE',
        `${m.id} is a ${m.role}; only ${roles.map((r) => (r === 'trading-centre' ? 'the trading centre' : `a ${r}`)).join(' or ')} may ${doWhat}`,
        example === undefined ? 'see `dpp members`' : `try --as ${example}`,
      );
    }
    return m;
  }

  /** The trading centre. */
  tradingCentre(): ConsortiumMember {
    return this.file.members.find((m) => m.role === 'trading-centre')!;
  }

  /** The API URL of the validator `member` uses. */
  nodeUrl(member: ConsortiumMember): string {
    return this.file.validators[member.node]!.api;
  }

  /** A client of `member`'s node that verifies inclusion proofs and commit certificates. */
  client(member: ConsortiumMember): NodeClient {
    return new NodeClient(this.nodeUrl(member), {
      genesis: { chainId: this.file.chainId, validatorKeys: this.validatorKeys },
    });
  }

  /** Contract reads through `member`'s node. */
  reader(member: ConsortiumMember): MarketReader {
    return new MarketReader(this.nodeUrl(member), this.group);
  }

  /** The passphrase `member`'s store was opened with here (undefined before, or for a plaintext store). */
  passphraseOf(member: ConsortiumMember): string | undefined {
    return this.passphrases.get(member.id);
  }

  /** Opens `member`'s key store (asking for its passphrase; `why` says what it is needed for). */
  async open(member: ConsortiumMember, why?: string): Promise<MemberStore> {
    const path = join(this.dir, member.keyStore);
    const insecureFile = this.file.insecure;
    if (insecureFile && !this.insecure) {
      throw new CliError(
        'CLI_INSECURE_STORE',
        `${member.id}'s key store is NOT encrypted (made with \`dpp init --insecure\`)`,
        'add --insecure to use it (local demo only), or re-create the consortium without --insecure',
      );
    }
    let passphrase: string | undefined;
    if (!insecureFile) {
      passphrase =
        this.passphrases.get(member.id) ??
        (await askPassphrase(`${member.id}'s key store${why === undefined ? '' : ` (${why})`}`));
    }
    let store: OpenedKeyStore;
    try {
      store = readKeyStore(path, {
        ...(passphrase === undefined ? {} : { passphrase }),
        allowInsecure: true,
      });
    } catch (err) {
      if (isDppError(err, 'CLIENT_BAD_PASSPHRASE'))
        throw new CliError(
          'CLI_BAD_PASSPHRASE',
          `wrong passphrase for ${member.id}'s key store (or the file was altered)`,
          'check DPP_PASSPHRASE, or type the passphrase given to `dpp init`',
        );
      if (isDppError(err, 'CLIENT_KEYSTORE_IO'))
        throw new CliError(
          'CLI_NO_KEY_STORE',
          `cannot read ${member.id}'s key store ${member.keyStore}`,
          'key stores are made by `dpp init`; check --dir',
        );
      throw err;
    }
    if (store.metadata.memberId !== member.id || store.metadata.chainId !== this.file.chainId)
      throw new CliError(
        'CLI_WRONG_KEY_STORE',
        `${member.keyStore} is not ${member.id}'s key store for chain ${this.file.chainId}`,
        'the consortium folder was altered; re-create it with `dpp init`',
      );
    if (passphrase !== undefined) this.passphrases.set(member.id, passphrase);
    const seed = store.entry('org').bytes;
    return {
      member,
      store,
      orgKey: orgKeyPair(seed),
      save: (entries) => {
        const names = new Set(entries.map((e) => e.name));
        const all = [...store.entries.filter((e) => !names.has(e.name)), ...entries];
        writeKeyStore(
          path,
          { metadata: store.metadata, entries: all },
          passphrase === undefined
            ? { kdf: 'none', acknowledgeInsecure: true }
            : { passphrase, ...(store.scrypt === null ? {} : { scrypt: store.scrypt }) },
        );
      },
    };
  }

  /** The regulator's keys from the trading centre's store. */
  regulatorKeys(tc: MemberStore): RegulatorKeys {
    const masterSecret = decodeScalar(tc.store.entry('regulator-master').bytes);
    const certKey = orgKeyPair(tc.store.entry('regulator-cert').bytes);
    return {
      masterSecret,
      masterPublic: this.group.mulBase(masterSecret),
      certKey,
      certPublicKey: certKey.publicKey,
    };
  }

  /** A scalar key pair stored under `name`, or undefined. */
  keyPair(s: MemberStore, name: string): KeyPair | undefined {
    const e = s.store.entries.find((x) => x.name === name);
    if (e === undefined) return undefined;
    const secret = decodeScalar(e.bytes);
    return { secret, publicKey: this.group.mulBase(secret) };
  }

  /** Sends an org transaction of `s`'s member through its node and waits for the commit. */
  async sendOrg<T>(
    s: MemberStore,
    kind: string,
    codec: Codec<T>,
    value: T,
    p?: Progress,
  ): Promise<TxReceipt> {
    const hint = this.nonces.get(s.member.id);
    const opts: SubmitOptions & { nonceHint?: bigint } = {
      ...this.submitOptions(p),
      ...(hint === undefined ? {} : { nonceHint: hint }),
    };
    const r = await sendOrgTx(this.client(s.member), this.chain, s.orgKey, kind, codec, value, opts);
    this.nonces.set(s.member.id, r.nonce + 1n);
    return this.committed(kind, r.committed);
  }

  /** Submits a pseudonym or ring transaction through `via`'s node and waits for the commit. */
  async send(via: ConsortiumMember, tx: SignedTransaction, p?: Progress): Promise<TxReceipt> {
    const r = await sendTx(this.client(via), tx, this.submitOptions(p));
    return this.committed(tx.tx.kind, r.committed);
  }

  /** Each submission waits until its node has what this process committed before (another node, maybe). */
  private submitOptions(p: Progress | undefined): SubmitOptions {
    return {
      ...(this.committedHeight === 0n ? {} : { afterHeight: this.committedHeight }),
      ...(p === undefined ? {} : { onWait: (m: string) => p.update(m) }),
    };
  }

  private committed(kind: string, c: CommittedTx): TxReceipt {
    if (c.height > this.committedHeight) this.committedHeight = c.height;
    return receiptOf(kind, c);
  }

  /** Waits until the chain's time reaches `t` (blocks carry the agreed time). */
  async waitForChainTime(via: ConsortiumMember, t: bigint, p: Progress, what: string): Promise<void> {
    const reader = this.reader(via);
    for (;;) {
      const now = await reader.chainTimeMs();
      if (now >= t) return;
      p.update(`${what}: ${Math.ceil(Number(t - now) / 1000)} s to go (chain time)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function receiptOf(
  kind: string,
  c: { id: string; height: bigint; blockHash: string; certified: boolean },
): TxReceipt {
  return { kind, txId: c.id, height: c.height.toString(), blockHash: c.blockHash, certified: c.certified };
}
