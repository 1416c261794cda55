/**
 * `dpp genesis assemble | verify | install`: a genesis made from the organisations' member cards
 * (docs/deploy.md "Creating a consortium from separate organisations").
 *
 * - `assemble` (the trading centre): checks every card — fields, signatures, chain id, nothing
 *   claimed twice, one trading centre, each consumer's aggregator present — and writes
 *   genesis.json and peers.json (../../ledger/genesisAssembly.ts), printing the genesis hash.
 * - `verify` (every organisation): prints what a genesis holds and its hash, and checks it against
 *   the organisation's card (and peers.json against it); exit code 1 on any difference.
 * - `install` (each organisation, in its own folder): verifies as above against the folder's card
 *   and key store, then writes what its validator needs — copies of the genesis and peers files,
 *   the validator key file the node loads, and the node configuration for `dpp node --config`.
 *
 * Each reads only public files and, for `install`, the organisation's own folder.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { ClientError } from '../../client/clientError.ts';
import { ORG_FILES, openOrgKeys, readOrgCard } from '../../client/orgFolder.ts';
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import { orgKeyPair } from '../../crypto/ed25519.ts';
import { isDppError } from '../../errors.ts';
import { type HostPort, hostPortText, parseApiAddress, parseHostPort } from '../../ledger/endpoint.ts';
import { type Genesis, genesisState, genesisToJson } from '../../ledger/genesis.ts';
import { assembleGenesis, cardMismatches } from '../../ledger/genesisAssembly.ts';
import type { MemberCard } from '../../ledger/memberCard.ts';
import { writeValidatorKeyFile } from '../../ledger/networkKeys.ts';
import { type PeersFile, peersMismatches, peersToJson } from '../../ledger/peersFile.ts';
import { isValidChainId } from '../../ledger/transaction.ts';
import { parseNodeConfig } from '../../node/config.ts';
import {
  genesisJson,
  loadCard,
  loadCards,
  loadGenesis,
  loadPeers,
  printGenesis,
  roleCounts,
  roleWords,
} from '../genesisView.ts';
import { CliError, emit, plural } from '../output.ts';
import { ifGiven, instant } from '../parse.ts';
import { askPassphrase } from '../passphrase.ts';

/** Adds `dpp genesis assemble | verify | install`. */
export function register(program: Command): void {
  const genesis = program
    .command('genesis')
    .description('a genesis assembled from the organisations’ member cards, and its checks');
  genesis
    .command('assemble')
    .description('the trading centre: check every member card and write genesis.json and peers.json')
    .requiredOption('--chain-id <id>', 'the chain id every card must name')
    .requiredOption('--cards <paths...>', 'card files, or folders of card files (*.json)')
    .requiredOption('-o, --out <dir>', 'folder to write genesis.json and peers.json into')
    .option(
      '--genesis-time <time>',
      'the chain’s start, a UTC date-time like 2026-12-01T08:00:00Z (default: now)',
    )
    .option('--force', 'replace genesis.json and peers.json already in --out')
    .option('--json', 'print the result as JSON')
    .action(assemble);
  genesis
    .command('verify')
    .description('print what a genesis holds and its hash; check it against member cards and a peers file')
    .argument('<genesis>', 'the genesis.json to check')
    .option('--card <files...>', 'member cards that must appear in it exactly as they say (yours, at least)')
    .option('--peers <file>', 'the peers.json sent with it')
    .option('--json', 'print the result as JSON')
    .action(verify);
  genesis
    .command('install')
    .description(
      'an organisation: verify a genesis against its own folder, then write its validator’s key file and node configuration',
    )
    .argument('<genesis>', 'the assembled genesis.json')
    .requiredOption('-d, --dir <dir>', 'the organisation’s folder (made by `dpp keys new`)')
    .option('--peers <file>', 'the assembled peers.json (needed to run a validator)')
    .option(
      '--p2p-listen <host:port>',
      'where the validator listens for validators (default: its card’s p2p endpoint)',
    )
    .option(
      '--api-listen <host:port>',
      'where its API listens (default: the host and port of its card’s API)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nThe key store is opened with DPP_PASSPHRASE, or the passphrase asked on the terminal.',
    )
    .action(install);
}

/** What `dpp genesis assemble` is given. */
interface AssembleArguments {
  readonly chainId: string;
  readonly cards: readonly string[];
  readonly out: string;
  readonly genesisTime?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** `dpp genesis assemble`: every check before anything is written. */
async function assemble(a: AssembleArguments): Promise<void> {
  if (!isValidChainId(a.chainId))
    throw new CliError(
      'CLI_BAD_ID',
      `--chain-id must be 1..64 characters of [a-z0-9.-], got "${a.chainId}"`,
      'the chain id the organisations made their cards with, e.g. --chain-id grid-east',
    );
  const genesisTimeMs = ifGiven(a.genesisTime, (t) => instant(t, '--genesis-time')) ?? BigInt(Date.now());
  const cards = loadCards(a.cards);
  const { genesis, hash, peers } = assembleGenesis(a.chainId, genesisTimeMs, cards);
  const out = resolve(a.out);
  const files = [join(out, ORG_FILES.genesis), join(out, ORG_FILES.peers)];
  const there = files.filter((f) => existsSync(f));
  if (there.length > 0 && a.force !== true)
    throw new CliError(
      'CLI_EXISTS',
      `${a.out} already holds ${there.map((f) => f.slice(out.length + 1)).join(' and ')}: nothing was changed`,
      'use another --out, or add --force to replace them',
    );
  mkdirSync(out, { recursive: true });
  writeFileSync(files[0]!, genesisToJson(genesis));
  writeFileSync(files[1]!, peersToJson(peers));
  emit(
    a.json === true,
    { ...genesisJson(genesis, hash, peers), cards: cards.map((c) => c.source), files },
    () => {
      console.log(
        `${pc.green('✓')} genesis of chain ${pc.bold(genesis.chainId)} assembled from ${plural(cards.length, 'card')}: every signature and proof of possession verified`,
      );
      printGenesis(genesis, hash, peers);
      console.log(`  wrote ${files.map((f) => join(a.out, f.slice(out.length + 1))).join(' and ')}`);
      console.log(
        pc.dim(
          `next: send both files to every organisation; each runs \`dpp genesis verify genesis.json --card <its card.json> --peers peers.json\` and reads the hash back to you over another channel`,
        ),
      );
    },
  );
}

/** What `dpp genesis verify` is given. */
interface VerifyArguments {
  readonly card?: readonly string[];
  readonly peers?: string;
  readonly json?: boolean;
}

/** `dpp genesis verify`: the genesis, then peers.json against it, then each card against both. */
async function verify(path: string, a: VerifyArguments): Promise<void> {
  const { genesis } = loadGenesis(path);
  const hash = genesisState(genesis).hash;
  const peers = a.peers === undefined ? undefined : checkedPeers(genesis, a.peers).peers;
  const cards = (a.card ?? []).map((file) => ({ file, card: checkedCard(genesis, path, file, peers) }));
  emit(
    a.json === true,
    {
      ...genesisJson(genesis, hash, peers),
      peersChecked: peers !== undefined,
      cardsChecked: cards.map((c) => ({ file: c.file, id: c.card.id })),
    },
    () => {
      printGenesis(genesis, hash, peers);
      if (a.peers !== undefined)
        console.log(`${pc.green('✓')} ${a.peers} belongs to this genesis: same validators, names and keys`);
      for (const { file, card } of cards)
        console.log(`${pc.green('✓')} ${file}: ${appearsAs(card, genesis)}`);
      console.log(
        pc.dim(
          'compare the hash with the trading centre and the other organisations over a channel you trust (a call, a signed letter) before starting a validator',
        ),
      );
    },
  );
}

/** What `dpp genesis install` is given. */
interface InstallArguments {
  readonly dir: string;
  readonly peers?: string;
  readonly p2pListen?: string;
  readonly apiListen?: string;
  readonly json?: boolean;
}

/** `dpp genesis install`: verify against the organisation's own card and keys, then write its node's files. */
async function install(path: string, a: InstallArguments): Promise<void> {
  const dir = resolve(a.dir);
  const card = ownCard(dir, a.dir);
  const { text: genesisText, genesis } = loadGenesis(path);
  const hash = genesisState(genesis).hash;
  const index =
    card.validator === undefined ? -1 : genesis.validators.findIndex((v) => v.name === card.validator!.name);
  if (card.validator !== undefined && a.peers === undefined)
    throw new CliError(
      'CLI_NO_PEERS',
      `${card.id} runs ${card.validator.name}: its configuration needs the other validators’ endpoints`,
      'add --peers <the peers.json assembled with this genesis>',
    );
  const peersRead = a.peers === undefined ? undefined : checkedPeers(genesis, a.peers);
  checkedCard(genesis, path, join(a.dir, ORG_FILES.card), peersRead?.peers, card);
  const listen = card.validator === undefined ? undefined : listenAddresses(card, a);
  const config =
    listen === undefined || peersRead === undefined
      ? undefined
      : nodeConfig(genesis, index, peersRead.peers, listen, card);
  // [REFUSE] a configuration the node would not load (checked as `dpp node` checks it)
  if (config !== undefined) parseNodeConfig(config, dir);
  refuseOtherChain(dir, a.dir, hash);

  const passphrase = await askPassphrase(`${card.id}'s key store`);
  const keys = openKeys(dir, a.dir, card, passphrase);

  // every check passed: now write
  writeFileSync(join(dir, ORG_FILES.genesis), genesisText);
  if (peersRead !== undefined) writeFileSync(join(dir, ORG_FILES.peers), peersRead.text);
  const written: string[] = [ORG_FILES.genesis, ...(peersRead === undefined ? [] : [ORG_FILES.peers])];
  let node:
    | { readonly index: number; readonly p2p: string; readonly api: string; readonly peers: number }
    | undefined;
  if (card.validator !== undefined && listen !== undefined && config !== undefined) {
    // openOrgKeys checked that the store keeps the validator key the card declares
    const seed = keys.validatorSeed!;
    writeValidatorKeyFile(join(dir, ORG_FILES.validatorKey), genesis.chainId, {
      index,
      name: card.validator.name,
      key: orgKeyPair(seed),
      seed,
    });
    writeFileSync(join(dir, ORG_FILES.validatorConfig), `${JSON.stringify(config, null, 2)}\n`);
    written.push(ORG_FILES.validatorKey, ORG_FILES.validatorConfig);
    node = {
      index,
      p2p: hostPortText(listen.p2p),
      api: hostPortText(listen.api),
      peers: genesis.validators.length - 1,
    };
  }

  emit(
    a.json === true,
    {
      dir,
      chainId: genesis.chainId,
      genesisHash: toHex(hash),
      member: card.id,
      role: card.role,
      files: written.map((f) => join(dir, f)),
      validator:
        node === undefined
          ? null
          : {
              index: node.index,
              name: card.validator!.name,
              config: join(dir, ORG_FILES.validatorConfig),
              p2pListen: node.p2p,
              apiListen: node.api,
            },
    },
    () => {
      console.log(
        `${pc.green('✓')} genesis ${toHex(hash)} of chain ${pc.bold(genesis.chainId)} checked against ${card.id}'s card and key store, and installed in ${a.dir}`,
      );
      console.log(`  ${appearsAs(card, genesis)}`);
      console.log(`  members: ${roleCounts(genesis)}; ${plural(genesis.validators.length, 'validator')}`);
      console.log(
        `  wrote ${written.join(', ')}${node === undefined ? '' : ` (${ORG_FILES.validatorKey}: secret, mode 0600)`}`,
      );
      if (node === undefined) {
        const apis = peersRead?.peers.validators.filter((v) => v.api !== undefined) ?? [];
        console.log(
          apis.length === 0
            ? pc.dim('no validator of its own: it uses the API of a validator the consortium names')
            : pc.dim(
                `no validator of its own: it uses a validator's API, e.g. ${apis.map((v) => `${v.api} (${v.operator})`).join(', ')}`,
              ),
        );
        return;
      }
      console.log(
        `  validator ${node.index}: listens for validators on ${node.p2p}, API on ${node.api}; dials ${plural(node.peers, 'peer')}`,
      );
      if (card.role === 'trading-centre')
        console.log(
          `  it opens ${ORG_FILES.keyStore} at start to trace for the regulator: run it with DPP_PASSPHRASE set`,
        );
      console.log(
        pc.dim(
          `next, once every organisation has confirmed the hash: dpp node --config ${join(a.dir, ORG_FILES.validatorConfig)}`,
        ),
      );
    },
  );
}

/** peers.json at `file` (its text and content), checked against `genesis`; CLI_PEERS_MISMATCH listing every difference. */
function checkedPeers(genesis: Genesis, file: string): { readonly text: string; readonly peers: PeersFile } {
  const { text, peers } = loadPeers(file);
  const diff = peersMismatches(genesis, peers);
  if (diff.length > 0)
    throw new CliError(
      'CLI_PEERS_MISMATCH',
      `${file} does not belong to this genesis: ${diff.join('; ')}`,
      'use the peers.json assembled with this genesis; ask the trading centre for both again',
    );
  return { text, peers };
}

/** The card at `file` (or `card`, already read from it), checked against the genesis; CLI_GENESIS_MISMATCH otherwise. */
function checkedCard(
  genesis: Genesis,
  genesisFile: string,
  file: string,
  peers?: PeersFile,
  card = loadCard(file),
): MemberCard {
  const diff = cardMismatches(genesis, card, peers);
  if (diff.length > 0)
    throw new CliError(
      'CLI_GENESIS_MISMATCH',
      `${genesisFile} does not hold ${card.id} as ${file} says: ${diff.join('; ')}`,
      'do not start a validator on it: tell the trading centre, which assembles it again from the cards',
    );
  return card;
}

/** "gen-a is a generator with its key, and runs validator-gen-a as validator 1 at 10.0.0.2:7400". */
function appearsAs(card: MemberCard, genesis: Genesis): string {
  const v = card.validator;
  const runs =
    v === undefined
      ? ', and runs no validator'
      : `, and runs ${v.name} as validator ${genesis.validators.findIndex((x) => x.name === v.name)} at ${v.p2p}`;
  return `${card.id} is ${roleWords(card.role)}${card.aggregator === undefined ? '' : ` behind ${card.aggregator}`} with the organisation key of its card${runs}`;
}

/** The organisation's own card; CLI_NO_ORGANISATION when the folder has none. */
function ownCard(dir: string, shown: string): MemberCard {
  try {
    return readOrgCard(dir);
  } catch (err) {
    if (isDppError(err, 'CLIENT_NOT_FOUND'))
      throw new CliError(
        'CLI_NO_ORGANISATION',
        `${shown} holds no member card (${ORG_FILES.card})`,
        'pass the folder `dpp keys new --dir` made',
      );
    throw err;
  }
}

/** The organisation's keys, checked against its card; wrong passphrase and a foreign key store in words. */
function openKeys(dir: string, shown: string, card: MemberCard, passphrase: string) {
  try {
    return openOrgKeys(dir, card, passphrase);
  } catch (err) {
    if (isDppError(err, 'CLIENT_BAD_PASSPHRASE'))
      throw new CliError(
        'CLI_BAD_PASSPHRASE',
        `wrong passphrase for ${card.id}'s key store (or the file was altered)`,
        'check DPP_PASSPHRASE, or type the passphrase given to `dpp keys new`',
      );
    if (isDppError(err, 'CLIENT_KEYSTORE_IO'))
      throw new CliError(
        'CLI_NO_KEY_STORE',
        `cannot read ${join(shown, ORG_FILES.keyStore)}`,
        'pass the folder `dpp keys new --dir` made',
      );
    if (err instanceof ClientError && err.code === 'CLIENT_BAD_KEY_STORE')
      throw new CliError(
        'CLI_WRONG_KEY_STORE',
        err.message,
        'card.json and keystore.json must be the pair `dpp keys new` made',
      );
    throw err;
  }
}

/** CLI_EXISTS when `dir` holds chain data of another genesis (or of none it knows). */
function refuseOtherChain(dir: string, shown: string, hash: Uint8Array): void {
  if (!existsSync(join(dir, ORG_FILES.data))) return;
  const installed = existsSync(join(dir, ORG_FILES.genesis))
    ? loadGenesis(join(dir, ORG_FILES.genesis)).genesis
    : undefined;
  if (installed !== undefined && bytesEqual(genesisState(installed).hash, hash)) return;
  throw new CliError(
    'CLI_EXISTS',
    `${shown} holds a validator's chain data (${ORG_FILES.data}/) of another genesis: nothing was changed`,
    'move that chain data away first (it is of another chain), or use another folder',
  );
}

/** Where the validator listens: the options, or its card's endpoints. */
function listenAddresses(card: MemberCard, a: InstallArguments): { p2p: HostPort; api: HostPort } {
  const v = card.validator!;
  const hostPort = (text: string, option: string): HostPort => {
    const e = parseHostPort(text);
    if (e === null)
      throw new CliError(
        'CLI_BAD_ENDPOINT',
        `${option} must be host:port (a lower-case host name or an IPv4 address; port 1..65535), got "${text}"`,
        `e.g. ${option} 0.0.0.0:7400`,
      );
    return e;
  };
  const p2p = a.p2pListen === undefined ? parseHostPort(v.p2p)! : hostPort(a.p2pListen, '--p2p-listen');
  if (a.apiListen !== undefined) return { p2p, api: hostPort(a.apiListen, '--api-listen') };
  const api = v.api === undefined ? null : parseApiAddress(v.api);
  if (api === null)
    throw new CliError(
      'CLI_NO_API_LISTEN',
      `${v.name}'s card publishes no API address: say where its API listens`,
      'add --api-listen host:port, e.g. --api-listen 127.0.0.1:7401',
    );
  return { p2p, api: { host: api.host, port: api.port } };
}

/** The node configuration of validator `index` (../../node/config.ts), paths relative to the organisation's folder. */
function nodeConfig(
  genesis: Genesis,
  index: number,
  peers: PeersFile,
  listen: { p2p: HostPort; api: HostPort },
  card: MemberCard,
): Record<string, unknown> {
  return {
    chainId: genesis.chainId,
    validatorIndex: index,
    genesisPath: ORG_FILES.genesis,
    keyPath: ORG_FILES.validatorKey,
    dataDir: ORG_FILES.data,
    p2p: listen.p2p,
    api: listen.api,
    peers: peers.validators
      .filter((p) => p.index !== index)
      .map((p) => {
        const at = parseHostPort(p.p2p)!;
        const api = p.api === undefined ? null : parseApiAddress(p.api);
        return {
          index: p.index,
          host: at.host,
          port: at.port,
          ...(api === null ? {} : { api: { host: api.host, port: api.port } }),
        };
      }),
    // the trading centre's validator traces for the regulator (POST /v1/regulator/traces)
    ...(card.role === 'trading-centre'
      ? { regulatorKeyStore: { path: ORG_FILES.keyStore, insecure: false } }
      : {}),
  };
}
