/**
 * `dpp keys new --role <role> --id <id> --chain-id <id> --dir <org folder> [--aggregator <id>]
 * [--validator <name> --p2p host:port [--api url]]`: on an organisation's own machine, its
 * encrypted key store (the organisation seed, its role's secrets and, when it runs a validator,
 * the validator key) and its signed public member card, which it sends to the trading centre for
 * `dpp genesis assemble` (../../client/orgFolder.ts, ../../ledger/memberCard.ts). The passphrase
 * comes from DPP_PASSPHRASE or is asked twice on the terminal, as for `dpp init`. Existing keys in
 * the folder are replaced only with --force.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { createOrganisation, ORG_FILES } from '../../client/orgFolder.ts';
import { toHex } from '../../codec/bytes.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import { parseApiAddress, parseHostPort } from '../../ledger/endpoint.ts';
import { memberCardToJson } from '../../ledger/memberCard.ts';
import { isValidName, MEMBER_ROLES } from '../../ledger/memberRecord.ts';
import { isValidChainId } from '../../ledger/transaction.ts';
import { roleWords } from '../genesisView.ts';
import { CliError, emit, progress } from '../output.ts';
import { oneOf } from '../parse.ts';
import { askPassphrase } from '../passphrase.ts';

/** Adds `dpp keys new`. */
export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      'an organisation’s own keys, made on its own machine (a consortium of separate organisations)',
    );
  keys
    .command('new')
    .description('make this organisation’s encrypted key store and its signed public member card')
    .requiredOption('--role <role>', `its role: ${MEMBER_ROLES.join(', ')}`)
    .requiredOption('--id <id>', 'its member id (1..64 of [a-z0-9.-])')
    .requiredOption('--chain-id <id>', 'the chain id the consortium agreed on')
    .requiredOption('-d, --dir <dir>', 'the organisation’s folder (created; keep it on its own machine)')
    .option('--aggregator <id>', 'a consumer: the member id of its aggregator')
    .option('--validator <name>', 'run a validator of this name (its key is made here)')
    .option('--p2p <host:port>', 'where the other validators reach this validator (with --validator)')
    .option(
      '--api <url>',
      'http(s)://host:port of this validator’s API, published in the card (with --validator)',
    )
    .option('--force', 'replace the key store and card already in --dir (their keys are lost)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nThe key store is encrypted with a passphrase: DPP_PASSPHRASE, or asked twice on the terminal.\ncard.json is public: send it to the trading centre. keystore.json never leaves this machine.',
    )
    .action(keysNew);
}

/** What `dpp keys new` is given. */
interface KeysNewArguments {
  readonly role: string;
  readonly id: string;
  readonly chainId: string;
  readonly dir: string;
  readonly aggregator?: string;
  readonly validator?: string;
  readonly p2p?: string;
  readonly api?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** `dpp keys new`: checks every option, then the folder, then writes the key store and the card. */
async function keysNew(a: KeysNewArguments): Promise<void> {
  const role = oneOf(a.role, MEMBER_ROLES, '--role', '--role generator', 'CLI_BAD_ROLE');
  const id = checkId(a.id, '--id');
  if (!isValidChainId(a.chainId))
    throw new CliError(
      'CLI_BAD_ID',
      `--chain-id must be 1..64 characters of [a-z0-9.-], got "${a.chainId}"`,
      'every organisation uses the chain id the consortium agreed on, e.g. --chain-id grid-east',
    );
  if (role === 'consumer' && a.aggregator === undefined)
    throw new CliError(
      'CLI_NO_AGGREGATOR',
      'a consumer names its aggregator',
      'add --aggregator <member id of the aggregator>',
    );
  if (role !== 'consumer' && a.aggregator !== undefined)
    throw new CliError(
      'CLI_BAD_OPTION',
      `${roleWords(role)} has no aggregator: only a consumer names one`,
      'leave out --aggregator',
    );
  const aggregator = a.aggregator === undefined ? undefined : checkId(a.aggregator, '--aggregator');
  if (aggregator === id)
    throw new CliError(
      'CLI_BAD_OPTION',
      'a consumer cannot be its own aggregator',
      'name the aggregator’s member id',
    );
  const validator = checkValidator(a);
  const dir = resolve(a.dir);
  const replacing = checkFolder(dir, a.dir, a.force === true);

  const passphrase = await askPassphrase(`${id}'s new key store`, true);
  if (passphrase.length < 8)
    throw new CliError(
      'CLI_WEAK_PASSPHRASE',
      'a passphrase has at least 8 characters',
      'choose a longer one',
    );
  if (replacing.length > 0) {
    process.stderr.write(`${pc.yellow(`replacing ${a.dir}: deleting ${replacing.join(', ')}`)}\n`);
    for (const f of replacing) rmSync(join(dir, f), { force: true });
  }
  const p = progress();
  p.update('making the keys and encrypting the key store');
  const { card, secrets } = createOrganisation({
    dir,
    chainId: a.chainId,
    id,
    role,
    ...(aggregator === undefined ? {} : { aggregator }),
    ...(validator === undefined ? {} : { validator }),
    passphrase,
    group: await libsodiumGroup(),
  });
  p.done();

  const shown = (f: string) => join(a.dir, f);
  emit(
    a.json === true,
    {
      dir,
      keyStore: join(dir, ORG_FILES.keyStore),
      cardFile: join(dir, ORG_FILES.card),
      secrets,
      card: JSON.parse(memberCardToJson(card)),
    },
    () => {
      console.log(
        `${pc.green('✓')} ${role} ${pc.bold(id)} of chain ${a.chainId}: encrypted key store and signed member card in ${a.dir}`,
      );
      console.log(`  organisation key  ${toHex(card.orgKey)}`);
      if (aggregator !== undefined) console.log(`  aggregator        ${aggregator}`);
      if (card.validator !== undefined) {
        const v = card.validator;
        console.log(`  validator         ${v.name}: key ${toHex(v.publicKey)}`);
        console.log(`                    p2p ${v.p2p}${v.api === undefined ? '' : `, API ${v.api}`}`);
      }
      console.log(
        `  key store         ${shown(ORG_FILES.keyStore)}: secret, encrypted with your passphrase (${secrets.join(', ')}); it never leaves this machine`,
      );
      console.log(
        `  card              ${shown(ORG_FILES.card)}: public, signed by the organisation key${card.validator === undefined ? '' : ' and the validator key'}`,
      );
      console.log(
        pc.dim(
          `next: send ${shown(ORG_FILES.card)} to the trading centre, which runs \`dpp genesis assemble --chain-id ${a.chainId} --cards <cards> --out <folder>\``,
        ),
      );
    },
  );
}

function checkId(text: string, option: string): string {
  if (!isValidName(text))
    throw new CliError(
      'CLI_BAD_ID',
      `${option} must be 1..64 characters of [a-z0-9.-] starting with a letter or digit, got "${text}"`,
      `e.g. ${option} gen-east.1`,
    );
  return text;
}

/** The validator options, checked together: a name needs a p2p endpoint; endpoints need a name. */
function checkValidator(a: KeysNewArguments): { name: string; p2p: string; api?: string } | undefined {
  if (a.validator === undefined) {
    if (a.p2p !== undefined || a.api !== undefined)
      throw new CliError(
        'CLI_BAD_OPTION',
        '--p2p and --api describe a validator',
        'add --validator <name>, or leave them out',
      );
    return undefined;
  }
  const name = checkId(a.validator, '--validator');
  if (a.p2p === undefined)
    throw new CliError(
      'CLI_NO_P2P',
      'a validator needs --p2p: where the other validators reach it',
      'e.g. --p2p validator.example.org:7400',
    );
  if (parseHostPort(a.p2p) === null)
    throw new CliError(
      'CLI_BAD_ENDPOINT',
      `--p2p must be host:port (a lower-case host name or an IPv4 address; port 1..65535), got "${a.p2p}"`,
      'e.g. --p2p validator.example.org:7400 (IPv6 literals are not supported)',
    );
  if (a.api !== undefined && parseApiAddress(a.api) === null)
    throw new CliError(
      'CLI_BAD_ENDPOINT',
      `--api must be http://host:port or https://host:port without a path, got "${a.api}"`,
      'e.g. --api http://validator.example.org:7401',
    );
  return { name, p2p: a.p2p, ...(a.api === undefined ? {} : { api: a.api }) };
}

/**
 * The files replacing `dir`'s keys deletes (none for a new folder); CLI_EXISTS, changing nothing,
 * when it holds keys or a card and `force` is not given, or holds a validator's chain data.
 */
function checkFolder(dir: string, shown: string, force: boolean): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory())
    throw new CliError(
      'CLI_EXISTS',
      `${shown} is a file, not a folder: nothing was changed`,
      'choose another --dir',
    );
  const names = new Set(readdirSync(dir));
  const keys = [ORG_FILES.keyStore, ORG_FILES.card].filter((f) => names.has(f));
  if (keys.length === 0) return [];
  if (names.has(ORG_FILES.data))
    throw new CliError(
      'CLI_EXISTS',
      `${shown} holds a validator's chain data (${ORG_FILES.data}/) made with its keys: nothing was changed`,
      'new keys are a new organisation: use another --dir',
    );
  if (!force)
    throw new CliError(
      'CLI_EXISTS',
      `${shown} already holds an organisation's keys (${keys.join(', ')}): nothing was changed`,
      'use another --dir, or add --force to replace them (the old keys are lost)',
    );
  return [ORG_FILES.keyStore, ORG_FILES.card, ORG_FILES.validatorKey, ORG_FILES.validatorConfig].filter((f) =>
    names.has(f),
  );
}
