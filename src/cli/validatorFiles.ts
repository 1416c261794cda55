/**
 * What an organisation's own folder (../client/orgFolder.ts) receives to run its validator — the
 * validator key file `dpp node` loads (plaintext, mode 0600, made from the folder's encrypted key
 * store) and the node configuration — and the checks before they are written: the folder's card
 * and key store belong together, peers.json belongs to the genesis, the folder holds no chain data
 * of another genesis and no key file of another key (a rekey's, which is never overwritten). Shared by `dpp genesis install` (a validator of the genesis: its index there)
 * and `dpp validator install` (a validator added after genesis: the slot the chain gives it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientError } from '../client/clientError.ts';
import { ORG_FILES, type OrgKeys, openOrgKeys, readOrgCard } from '../client/orgFolder.ts';
import { bytesEqual } from '../codec/bytes.ts';
import { orgKeyPair } from '../crypto/ed25519.ts';
import { isDppError } from '../errors.ts';
import { type HostPort, parseApiAddress, parseHostPort } from '../ledger/endpoint.ts';
import { type Genesis, genesisState } from '../ledger/genesis.ts';
import type { MemberCard } from '../ledger/memberCard.ts';
import type { MemberRole } from '../ledger/memberRecord.ts';
import { parseValidatorKeyFile, writeValidatorKeyFile } from '../ledger/networkKeys.ts';
import { type PeersFile, peersMismatches } from '../ledger/peersFile.ts';
import { loadGenesis, loadPeers } from './genesisView.ts';
import { CliError } from './output.ts';

/** The organisation's own card in `dir` (`shown` as the user named it); CLI_NO_ORGANISATION when it has none. */
export function ownCard(dir: string, shown: string): MemberCard {
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

/** The organisation's keys, checked against its card; a wrong passphrase and a foreign key store in words. */
export function openOwnKeys(dir: string, shown: string, card: MemberCard, passphrase: string): OrgKeys {
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

/** peers.json at `file` (its text and content), checked against `genesis`; CLI_PEERS_MISMATCH listing every difference. */
export function checkedPeers(
  genesis: Genesis,
  file: string,
): { readonly text: string; readonly peers: PeersFile } {
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

/** CLI_EXISTS when `dir` holds chain data of another genesis (or of none it knows). */
export function refuseOtherChain(dir: string, shown: string, hash: Uint8Array): void {
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

/**
 * CLI_KEY_MISMATCH when the folder's validator key file holds another key than `seed`'s — the new
 * key of a rekey, which the node took from <keyPath>.next while the key store keeps the old one:
 * writing the store's key over it would lose the key the validator runs with.
 */
export function refuseOtherKeyFile(dir: string, shown: string, seed: Uint8Array): void {
  const path = join(dir, ORG_FILES.validatorKey);
  if (!existsSync(path)) return;
  let held: Uint8Array;
  try {
    held = parseValidatorKeyFile(readFileSync(path, 'utf8')).key.publicKey;
  } catch {
    return; // unreadable or malformed: nothing a validator could run with, so nothing to keep
  }
  if (bytesEqual(held, orgKeyPair(seed).publicKey)) return;
  throw new CliError(
    'CLI_KEY_MISMATCH',
    `${join(shown, ORG_FILES.validatorKey)} holds another validator key than ${join(shown, ORG_FILES.keyStore)} (re-keyed since?): nothing was written`,
    'that file is the key the validator runs with: keep it; move it away first only if you mean to run with the key store’s key',
  );
}

/** Where a validator listens (the install options). */
export interface ListenOptions {
  readonly p2pListen?: string;
  readonly apiListen?: string;
}

/** Where the card's validator listens: the options, or the card's endpoints. */
export function listenAddresses(card: MemberCard, o: ListenOptions): { p2p: HostPort; api: HostPort } {
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
  const p2p = o.p2pListen === undefined ? parseHostPort(v.p2p)! : hostPort(o.p2pListen, '--p2p-listen');
  if (o.apiListen !== undefined) return { p2p, api: hostPort(o.apiListen, '--api-listen') };
  const api = v.api === undefined ? null : parseApiAddress(v.api);
  if (api === null)
    throw new CliError(
      'CLI_NO_API_LISTEN',
      `${v.name}'s card publishes no API address: say where its API listens`,
      'add --api-listen host:port, e.g. --api-listen 127.0.0.1:7401',
    );
  return { p2p, api: { host: api.host, port: api.port } };
}

/** Another validator as a configuration names it: its slot, where it is dialled, its API when known. */
export interface ConfigPeer {
  readonly index: number;
  /** host:port */
  readonly p2p: string;
  /** http(s)://host:port */
  readonly api?: string;
}

/** The genesis validators of a peers file, as configuration peers. */
export function peersOfFile(peers: PeersFile): ConfigPeer[] {
  return peers.validators.map((p) => ({
    index: p.index,
    p2p: p.p2p,
    ...(p.api === undefined ? {} : { api: p.api }),
  }));
}

/**
 * The node configuration (../node/config.ts) of validator `slot`, paths relative to the
 * organisation's folder: its listen endpoints, every other of `peers` (one of HTTPS APIs flagged,
 * so that `dpp node restore` and GET /v1/network ask it over HTTPS) and, for the trading centre,
 * its key store for the regulator's traces.
 */
export function validatorConfig(
  chainId: string,
  slot: number,
  peers: readonly ConfigPeer[],
  listen: { readonly p2p: HostPort; readonly api: HostPort },
  role: MemberRole,
): Record<string, unknown> {
  return {
    chainId,
    validatorIndex: slot,
    genesisPath: ORG_FILES.genesis,
    keyPath: ORG_FILES.validatorKey,
    dataDir: ORG_FILES.data,
    p2p: listen.p2p,
    api: listen.api,
    peers: peers
      .filter((p) => p.index !== slot)
      .map((p) => {
        const at = parseHostPort(p.p2p)!;
        const api = p.api === undefined ? null : parseApiAddress(p.api);
        return {
          index: p.index,
          host: at.host,
          port: at.port,
          ...(api === null
            ? {}
            : {
                api: { host: api.host, port: api.port, ...(api.scheme === 'https' ? { https: true } : {}) },
              }),
        };
      }),
    // the trading centre's validator traces for the regulator (POST /v1/regulator/traces)
    ...(role === 'trading-centre'
      ? { regulatorKeyStore: { path: ORG_FILES.keyStore, insecure: false } }
      : {}),
  };
}

/**
 * Writes the validator key file (the validator seed of the opened key store, as validator `slot`
 * named as the card says; plaintext, mode 0600) and `config` into the organisation's folder; returns
 * the names of the files written. Call `refuseOtherKeyFile` first, before anything is written.
 */
export function writeValidatorFiles(
  dir: string,
  chainId: string,
  card: MemberCard,
  keys: OrgKeys,
  slot: number,
  config: Record<string, unknown>,
): string[] {
  // openOrgKeys checked that the store keeps the validator key the card declares
  const seed = keys.validatorSeed!;
  writeValidatorKeyFile(join(dir, ORG_FILES.validatorKey), chainId, {
    index: slot,
    name: card.validator!.name,
    key: orgKeyPair(seed),
    seed,
  });
  writeFileSync(join(dir, ORG_FILES.validatorConfig), `${JSON.stringify(config, null, 2)}\n`);
  return [ORG_FILES.validatorKey, ORG_FILES.validatorConfig];
}
