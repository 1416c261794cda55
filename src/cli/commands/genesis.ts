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
 *   the validator key file the node loads, and the node configuration for `dpp node --config`
 *   (../validatorFiles.ts, shared with `dpp validator install` for a validator added later).
 *
 * Each reads only public files and, for `install`, the organisation's own folder.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { ORG_FILES } from '../../client/orgFolder.ts';
import { toHex } from '../../codec/bytes.ts';
import { hostPortText } from '../../ledger/endpoint.ts';
import { type Genesis, genesisState, genesisToJson } from '../../ledger/genesis.ts';
import { assembleGenesis, cardMismatches } from '../../ledger/genesisAssembly.ts';
import type { MemberCard } from '../../ledger/memberCard.ts';
import { type PeersFile, peersToJson } from '../../ledger/peersFile.ts';
import { isValidChainId } from '../../ledger/transaction.ts';
import { parseNodeConfig } from '../../node/config.ts';
import {
  genesisJson,
  loadCard,
  loadCards,
  loadGenesis,
  printGenesis,
  roleCounts,
  roleWords,
} from '../genesisView.ts';
import { CliError, emit, plural } from '../output.ts';
import { ifGiven, instant } from '../parse.ts';
import { askPassphrase } from '../passphrase.ts';
import {
  checkedPeers,
  listenAddresses,
  openOwnKeys,
  ownCard,
  peersOfFile,
  refuseOtherChain,
  refuseOtherKeyFile,
  validatorConfig,
  writeValidatorFiles,
} from '../validatorFiles.ts';

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
      : validatorConfig(genesis.chainId, index, peersOfFile(peersRead.peers), listen, card.role);
  // [REFUSE] a configuration the node would not load (checked as `dpp node` checks it)
  if (config !== undefined) parseNodeConfig(config, dir);
  refuseOtherChain(dir, a.dir, hash);

  const passphrase = await askPassphrase(`${card.id}'s key store`);
  const keys = openOwnKeys(dir, a.dir, card, passphrase);
  // [REFUSE] a key file of another key (a rekey's new one): never overwritten
  if (keys.validatorSeed !== undefined && card.validator !== undefined)
    refuseOtherKeyFile(dir, a.dir, keys.validatorSeed);

  // every check passed: now write
  writeFileSync(join(dir, ORG_FILES.genesis), genesisText);
  if (peersRead !== undefined) writeFileSync(join(dir, ORG_FILES.peers), peersRead.text);
  const written: string[] = [ORG_FILES.genesis, ...(peersRead === undefined ? [] : [ORG_FILES.peers])];
  let node:
    | { readonly index: number; readonly p2p: string; readonly api: string; readonly peers: number }
    | undefined;
  if (card.validator !== undefined && listen !== undefined && config !== undefined) {
    written.push(...writeValidatorFiles(dir, genesis.chainId, card, keys, index, config));
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
