/**
 * The member a membership command acts as (`dpp member admit | recover-key | history`, `dpp keys
 * rotate`), from either kind of folder:
 *
 * - a consortium folder made by `dpp init` (`--dir`, `--as`): its consortium.json, genesis and the
 *   member's key store there (./consortium.ts);
 * - an organisation's own folder made by `dpp keys new` (`--org <dir>`): its keystore.json and
 *   card.json, the genesis (its genesis.json from `dpp genesis install`, or `--genesis <file>` —
 *   an organisation admitted after genesis has none installed), and the node it talks to:
 *   `--node <url>`, else its own validator's API (validator.config.json), else the first validator
 *   of peers.json that publishes one.
 *
 * Commands that only read the chain need no key store (`openChainReader`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ChainParams } from '../client/contractTx.ts';
import { type KeyStoreEntry, type OpenedKeyStore, readKeyStore, writeKeyStore } from '../client/keyStore.ts';
import { MarketReader } from '../client/marketReader.ts';
import { keptOrgKey, keptValidatorSeed } from '../client/memberSecrets.ts';
import { NodeClient } from '../client/nodeClient.ts';
import { ORG_FILES, readOrgCard } from '../client/orgFolder.ts';
import type { ParticipantClient } from '../client/participantClient.ts';
import { Sender } from '../client/sender.ts';
import { bytesEqual } from '../codec/bytes.ts';
import { type OrgKeyPair, orgKeyPair } from '../crypto/ed25519.ts';
import { libsodiumGroup } from '../crypto/groupLibsodium.ts';
import { isDppError } from '../errors.ts';
import { parseApiAddress } from '../ledger/endpoint.ts';
import type { Genesis } from '../ledger/genesis.ts';
import { type MemberCard, memberCardToJson, signMemberCard } from '../ledger/memberCard.ts';
import type { MemberRole } from '../ledger/memberRecord.ts';
import { Consortium, DEFAULT_DIR, type ParticipantOptions } from './consortium.ts';
import { loadGenesis, roleWords } from './genesisView.ts';
import { CliError, type Progress } from './output.ts';
import { askPassphrase } from './passphrase.ts';

/** The options of a membership command. */
export interface SessionOptions extends ParticipantOptions {
  readonly as?: string;
  /** An organisation's own folder (`dpp keys new`). */
  readonly org?: string;
  readonly genesis?: string;
  readonly node?: string;
}

/** Adds the options of a membership command: a consortium folder and member, or an organisation's folder. */
export function sessionCommand(cmd: Command): Command {
  return cmd
    .option('-d, --dir <dir>', 'consortium folder (made by `dpp init`)', DEFAULT_DIR)
    .option('--as <member>', 'act as this member of the consortium folder (its key store signs)')
    .option('--org <dir>', 'act as the organisation of this folder (made by `dpp keys new`) instead')
    .option('--genesis <file>', 'with --org: the chain’s genesis.json (default: the folder’s)')
    .option('--node <url>', 'with --org: the API of the validator to use, http(s)://host:port')
    .option('--insecure', 'allow plaintext key stores (made by `dpp init --insecure`)')
    .option('--json', 'print the result as JSON');
}

/** A member acting through its node, with its key store. */
export interface MemberSession {
  readonly id: string;
  readonly role: MemberRole;
  readonly chain: ChainParams;
  /** Where its keys live, as the user named it (for messages). */
  readonly where: string;
  /** The organisation key its key store holds now (`org`). */
  readonly orgKey: OrgKeyPair;
  /** Its key store's entries. */
  readonly entries: readonly KeyStoreEntry[];
  /** Reads of the chain through its node. */
  reader(): MarketReader;
  /** The member acting through its node, signing with its store's organisation key. */
  client(p?: Progress): ParticipantClient;
  /** Rewrites its key store (same passphrase and costs): `put` added or replaced, `remove` deleted. */
  rewrite(put: readonly KeyStoreEntry[], remove?: readonly string[]): void;
  /**
   * In an organisation's folder: re-signs card.json with the store's keys when its organisation key
   * is not the store's (after a rotation); true when it did.
   */
  resignCard?(): boolean;
}

/** The member `o` names, which must have one of `roles` to `doWhat`; its key store opened. */
export async function openMemberSession(
  o: SessionOptions,
  roles: readonly MemberRole[],
  doWhat: string,
): Promise<MemberSession> {
  return o.org === undefined
    ? consortiumSession(o, roles, doWhat)
    : organisationSession(o, o.org, roles, doWhat);
}

/** Reads of the chain for `o`: through the trading centre's node (consortium folder), the organisation's, or `--node`. */
export async function openChainReader(o: SessionOptions): Promise<{ reader: MarketReader; chainId: string }> {
  const group = await libsodiumGroup();
  if (o.org !== undefined) {
    const dir = resolve(o.org);
    const genesis = genesisOf(dir, o);
    return { reader: new MarketReader(nodeOf(dir, o), group), chainId: genesis.chainId };
  }
  if (o.node !== undefined) return { reader: new MarketReader(checkedUrl(o.node), group), chainId: '' };
  const c = await Consortium.load(o);
  return { reader: c.reader(c.tradingCentre()), chainId: c.file.chainId };
}

async function consortiumSession(
  o: SessionOptions,
  roles: readonly MemberRole[],
  doWhat: string,
): Promise<MemberSession> {
  const c = await Consortium.load(o);
  const m = c.memberAs(o.as, roles, doWhat);
  const s = await c.open(m, doWhat);
  let entries = s.store.entries;
  return {
    id: m.id,
    role: m.role,
    chain: c.chain,
    where: join(o.dir, m.keyStore),
    orgKey: s.orgKey,
    get entries() {
      return entries;
    },
    reader: () => c.reader(m),
    client: (p) => c.as(s, p),
    rewrite(put, remove = []) {
      entries = rewritten(entries, put, remove);
      const passphrase = c.passphraseOf(m);
      writeKeyStore(
        join(c.dir, m.keyStore),
        { metadata: s.store.metadata, entries },
        passphrase === undefined
          ? { kdf: 'none', acknowledgeInsecure: true }
          : { passphrase, ...(s.store.scrypt === null ? {} : { scrypt: s.store.scrypt }) },
      );
    },
  };
}

async function organisationSession(
  o: SessionOptions,
  shown: string,
  roles: readonly MemberRole[],
  doWhat: string,
): Promise<MemberSession> {
  const dir = resolve(shown);
  const card = cardOf(dir, shown);
  if (!roles.includes(card.role))
    throw new CliError(
      'CLI_WRONG_ROLE',
      `${card.id} is ${roleWords(card.role)}; only ${roles.map(roleWords).join(' or ')} may ${doWhat}`,
      'use the folder of an organisation of that role',
    );
  const genesis = genesisOf(dir, o);
  if (genesis.chainId !== card.chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `${shown}'s card is for chain ${card.chainId}, the genesis for ${genesis.chainId}`,
      'give the genesis of the organisation’s own chain (--genesis)',
    );
  const node = nodeOf(dir, o);
  const group = await libsodiumGroup();
  const chain: ChainParams = { chainId: genesis.chainId, group };
  const path = join(dir, ORG_FILES.keyStore);
  const passphrase = await askPassphrase(`${card.id}'s key store (${doWhat})`);
  let store: OpenedKeyStore;
  try {
    store = readKeyStore(path, { passphrase });
  } catch (err) {
    if (isDppError(err, 'CLIENT_BAD_PASSPHRASE'))
      throw new CliError(
        'CLI_BAD_PASSPHRASE',
        `wrong passphrase for ${card.id}'s key store (or the file was altered)`,
        'check DPP_PASSPHRASE, or type the passphrase given to `dpp keys new`',
      );
    if (isDppError(err, 'CLIENT_KEYSTORE_IO'))
      throw new CliError('CLI_NO_KEY_STORE', `cannot read ${join(shown, ORG_FILES.keyStore)}`, 'check --org');
    throw err;
  }
  if (store.metadata.memberId !== card.id || store.metadata.chainId !== card.chainId)
    throw new CliError(
      'CLI_WRONG_KEY_STORE',
      `${join(shown, ORG_FILES.keyStore)} is not ${card.id}'s key store for chain ${card.chainId}`,
      'the folder was altered: its key store and card.json belong together',
    );
  let entries = store.entries;
  const sender = new Sender({
    chain,
    nodeClient: (url) =>
      new NodeClient(url, {
        genesis: { chainId: genesis.chainId, validatorKeys: genesis.validators.map((v) => v.publicKey) },
      }),
  });
  const orgKey = keptOrgKey(store);
  return {
    id: card.id,
    role: card.role,
    chain,
    where: join(shown, ORG_FILES.keyStore),
    orgKey,
    get entries() {
      return entries;
    },
    reader: () => new MarketReader(node, group),
    client: (p) =>
      sender.participant(
        { id: card.id, node, key: orgKey },
        p === undefined ? undefined : (m) => p.update(m),
      ),
    rewrite(put, remove = []) {
      entries = rewritten(entries, put, remove);
      writeKeyStore(
        path,
        { metadata: store.metadata, entries },
        { passphrase, ...(store.scrypt === null ? {} : { scrypt: store.scrypt }) },
      );
    },
    resignCard() {
      const key = orgKeyPair(entries.find((e) => e.name === 'org')!.bytes);
      if (bytesEqual(key.publicKey, card.orgKey)) return false;
      const seed = keptValidatorSeed({ entries });
      const { signature: _s, validatorSignature: _v, ...body } = card;
      const signed = signMemberCard(
        { ...body, orgKey: key.publicKey },
        key,
        body.validator === undefined || seed === undefined ? undefined : orgKeyPair(seed),
      );
      writeFileSync(join(dir, ORG_FILES.card), memberCardToJson(signed), { mode: 0o644 });
      return true;
    },
  };
}

/** The folder's card; a card whose key is the store's pending one (a rotation cut short) is fine. */
function cardOf(dir: string, shown: string): MemberCard {
  try {
    return readOrgCard(dir);
  } catch (err) {
    if (isDppError(err, 'CLIENT_NOT_FOUND'))
      throw new CliError(
        'CLI_NO_ORGANISATION',
        `${shown} holds no member card (${ORG_FILES.card})`,
        'an organisation’s folder is made by `dpp keys new --dir <folder>`',
      );
    throw err;
  }
}

function genesisOf(dir: string, o: SessionOptions): Genesis {
  const path = o.genesis ?? join(dir, ORG_FILES.genesis);
  if (o.genesis === undefined && !existsSync(path))
    throw new CliError(
      'CLI_NO_GENESIS',
      `${join(o.org ?? dir, ORG_FILES.genesis)} does not exist`,
      'give the chain’s genesis.json with --genesis (an organisation admitted after genesis installs none)',
    );
  return loadGenesis(path).genesis;
}

/** The API the organisation in `dir` talks to: --node, its validator's, or the first one peers.json publishes. */
export function nodeOf(dir: string, o: Pick<SessionOptions, 'node'>): string {
  if (o.node !== undefined) return checkedUrl(o.node);
  const config = readJson(join(dir, ORG_FILES.validatorConfig)) as
    | { api?: { host?: string; port?: number; tls?: unknown } }
    | undefined;
  if (config?.api?.host !== undefined && config.api.port !== undefined) {
    const host = config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host;
    return `${config.api.tls === undefined ? 'http' : 'https'}://${host}:${config.api.port}`;
  }
  const peers = readJson(join(dir, ORG_FILES.peers)) as { validators?: { api?: string }[] } | undefined;
  const published = peers?.validators?.find((v) => typeof v.api === 'string')?.api;
  if (published !== undefined) return published;
  throw new CliError(
    'CLI_NO_NODE',
    'no validator API to talk to: the folder runs no validator and its peers.json publishes none',
    'add --node http://host:port (a validator of the consortium)',
  );
}

function checkedUrl(url: string): string {
  if (parseApiAddress(url) === null)
    throw new CliError(
      'CLI_BAD_ENDPOINT',
      `--node must be http://host:port or https://host:port, got "${url}"`,
      'e.g. --node http://127.0.0.1:7401',
    );
  return url;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `entries` with `put` added or replaced and `remove` deleted. */
function rewritten(
  entries: readonly KeyStoreEntry[],
  put: readonly KeyStoreEntry[],
  remove: readonly string[],
): KeyStoreEntry[] {
  const gone = new Set([...put.map((e) => e.name), ...remove]);
  return [...entries.filter((e) => !gone.has(e.name)), ...put];
}
