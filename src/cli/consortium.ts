/**
 * A participant command's view of an initialised consortium folder (`dpp init`): consortium.json,
 * the genesis (for the validator keys that certify commits), the scenario, and each member's key
 * store — opened with its passphrase, or, for a store written with `--insecure`, only when the
 * command is also given `--insecure`. Every mistake (no folder, unknown member, wrong role, wrong
 * passphrase) is a CliError with a hint. A member acts through its own node (`as`: the participant
 * client the protocol's actions take, ../client/sender.ts), one Sender per command, which keeps a
 * transaction it sent but did not see committed in the outbox (./outbox.ts) for `dpp tx resend`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  type ConsortiumFile,
  type ConsortiumMember,
  consortiumValidatorKeys,
  readConsortiumFile,
} from '../client/consortiumFile.ts';
import type { ChainParams } from '../client/contractTx.ts';
import { type KeyStoreEntry, type OpenedKeyStore, readKeyStore, writeKeyStore } from '../client/keyStore.ts';
import { MarketReader } from '../client/marketReader.ts';
import { keptOrgKey, keptRegulatorKeys } from '../client/memberSecrets.ts';
import { NodeClient } from '../client/nodeClient.ts';
import type { ParticipantClient } from '../client/participantClient.ts';
import { Sender } from '../client/sender.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { decodeScalar, type Group } from '../crypto/group.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { isDppError } from '../errors.ts';
import { scenarioFromJson } from '../market/scenarioJson.ts';
import type { Scenario } from '../market/types.ts';
import type { KeyPair } from '../privacy/keyPair.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';
import { Outbox } from './outbox.ts';
import { CliError, type Progress, type TxReceipt } from './output.ts';
import { duration } from './parse.ts';
import { askPassphrase } from './passphrase.ts';
import { folderKind } from './workFolder.ts';

/** The default consortium folder. */
export const DEFAULT_DIR = '.dpp/consortium';

/** Options every participant command takes. */
export interface ParticipantOptions {
  readonly dir: string;
  readonly insecure?: boolean;
  readonly json?: boolean;
}

/** …with the member to act as and the round, as given on the command line. */
export interface AsOptions extends ParticipantOptions {
  readonly as?: string;
  readonly round?: string;
}

/** Adds the options every participant command takes to `cmd` (and `--round` when `withRound`). */
export function participantCommand(cmd: Command, withRound = false): Command {
  cmd
    .option('-d, --dir <dir>', 'consortium folder (made by `dpp init`)', DEFAULT_DIR)
    .option('--as <member>', 'act as this member (its key store signs)')
    .option('--insecure', 'allow plaintext key stores (made by `dpp init --insecure`)')
    .option('--json', 'print the result as JSON');
  if (withRound) cmd.option('-r, --round <id>', 'round (default: the latest)');
  return cmd;
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
  private sending: Sender | undefined;

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
      if (isDppError(err, 'CLIENT_NOT_FOUND')) throw noConsortium(dir, opts.dir);
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
    return {
      member,
      store,
      orgKey: keptOrgKey(store),
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
    return keptRegulatorKeys(this.group, tc.store);
  }

  /** A scalar key pair stored under `name`, or undefined. */
  keyPair(s: MemberStore, name: string): KeyPair | undefined {
    const e = s.store.entries.find((x) => x.name === name);
    if (e === undefined) return undefined;
    const secret = decodeScalar(e.bytes);
    return { secret, publicKey: this.group.mulBase(secret) };
  }

  /**
   * `s`'s member acting through its node (../client/actions/ take it): its store's organisation key
   * signs; what it waits for goes to `p`.
   */
  as(s: MemberStore, p?: Progress): ParticipantClient {
    const signer = { id: s.member.id, node: this.nodeUrl(s.member), key: s.orgKey };
    return this.sender().participant(signer, p === undefined ? undefined : (m) => p.update(m));
  }

  /** Sends a transaction kept in the outbox again; idempotent (see ../client/txSubmitter.ts `resendTx`). */
  async resend(id: string, p?: Progress): Promise<TxReceipt & { readonly alreadySent: boolean }> {
    const kept = this.outbox().get(id);
    const via = this.member(kept.via);
    const r = await this.sender().resend(
      { id: via.id, node: this.nodeUrl(via) },
      kept.tx,
      kept.kind,
      p === undefined ? undefined : (m) => p.update(m),
    );
    this.outbox().remove(id);
    return r;
  }

  /** The transactions sent but not seen committed (outbox/ in the consortium folder). */
  outbox(): Outbox {
    return new Outbox(join(this.dir, 'outbox'));
  }

  /** Waits until the chain's time, read through `via`'s node, reaches `t` (blocks carry the agreed time). */
  waitForChainTime(via: ConsortiumMember, t: bigint, p: Progress, what: string): Promise<void> {
    return this.sender().waitForChainTime(this.nodeUrl(via), t, what, (m) => p.update(m));
  }

  /**
   * The one Sender of this process: each submission waits until its node has what this process
   * committed before (another node, maybe), and for its commit as long as DPP_COMMIT_TIMEOUT says
   * (default 30 s); a transaction whose commit is not known is kept in the outbox for `dpp tx resend`.
   */
  private sender(): Sender {
    if (this.sending === undefined) {
      const timeout = process.env.DPP_COMMIT_TIMEOUT;
      this.sending = new Sender({
        chain: this.chain,
        nodeClient: (url) =>
          new NodeClient(url, { genesis: { chainId: this.file.chainId, validatorKeys: this.validatorKeys } }),
        ...(timeout === undefined
          ? {}
          : { commitTimeoutMs: Number(duration(timeout, 'DPP_COMMIT_TIMEOUT')) }),
        onUnsure: (tx, via) => this.outbox().keep(tx, via),
      });
    }
    return this.sending;
  }
}

/** CLI_NO_CONSORTIUM for `dir`, with a hint that never leads to replacing what it holds. */
function noConsortium(dir: string, shown: string): CliError {
  const kind = folderKind(dir);
  if (kind === 'demo')
    return new CliError(
      'CLI_NO_CONSORTIUM',
      `${shown} holds the demo of \`dpp start\` (or \`dpp network up\`), not a consortium made by \`dpp init\``,
      `the participant commands need one: \`dpp init\` makes it in ${DEFAULT_DIR} (its own folder), then \`dpp network up\``,
    );
  return new CliError(
    'CLI_NO_CONSORTIUM',
    `no consortium in ${shown}`,
    kind === 'absent' || kind === 'empty'
      ? `create one with \`dpp init --dir ${shown}\`, or pass --dir`
      : `${shown} holds other files: create a consortium in another folder (\`dpp init --dir …\`), or pass --dir`,
  );
}
