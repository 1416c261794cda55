/**
 * An organisation's own folder, for a consortium made by separate organisations (docs/deploy.md
 * "Creating a consortium from separate organisations"): `dpp keys new` makes it on the
 * organisation's machine, and nothing secret ever leaves it.
 *
 *   keystore.json          secret   encrypted key store (./keyStore.ts): the organisation seed, the
 *                                   role's own secrets (./memberSecrets.ts `newMemberEntries`) and,
 *                                   when it runs a validator, the validator key's seed
 *   card.json              public   the signed member card (../ledger/memberCard.ts) it sends to
 *                                   the trading centre
 *   genesis.json, peers.json  public   copies of the assembled files (`dpp genesis install`)
 *   validator.key.json     secret   the validator key in the file the node loads (plaintext,
 *                                   mode 0600: `dpp node` reads no key store for its own key)
 *   validator.config.json           the node's configuration (`dpp node --config`)
 *   data/                           the validator's chain data
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual } from '../codec/bytes.ts';
import { type OrgKeyPair, orgKeyPair } from '../crypto/ed25519.ts';
import type { Group } from '../crypto/group.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import {
  type MemberCard,
  type MemberCardBody,
  memberCardToJson,
  parseMemberCard,
  signMemberCard,
} from '../ledger/memberCard.ts';
import type { MemberRole } from '../ledger/memberRecord.ts';
import { ClientError } from './clientError.ts';
import { type OpenedKeyStore, readKeyStore, writeKeyStore } from './keyStore.ts';
import { keptOrgKey, keptValidatorSeed, newMemberEntries, validatorSeedEntry } from './memberSecrets.ts';

/** The files of an organisation's folder. */
export const ORG_FILES = {
  keyStore: 'keystore.json',
  card: 'card.json',
  genesis: 'genesis.json',
  peers: 'peers.json',
  validatorKey: 'validator.key.json',
  validatorConfig: 'validator.config.json',
  data: 'data',
} as const;

/** What `dpp keys new` makes. */
export interface NewOrganisation {
  /** Absolute folder (created with mode 0700 when absent). */
  readonly dir: string;
  readonly chainId: string;
  readonly id: string;
  readonly role: MemberRole;
  readonly aggregator?: string;
  /** The validator it runs: its name and endpoints (the key is made here). */
  readonly validator?: { readonly name: string; readonly p2p: string; readonly api?: string };
  readonly passphrase: string;
  readonly group: Group;
  readonly random?: RandomSource;
}

/** Makes the organisation's key store and signed card in `o.dir`; returns the card and the names of the kept secrets. */
export function createOrganisation(o: NewOrganisation): { card: MemberCard; secrets: string[] } {
  const random = o.random ?? systemRandom;
  const orgSeed = random(32);
  const orgKey = orgKeyPair(orgSeed);
  const validatorSeed = o.validator === undefined ? undefined : random(32);
  const validatorKey = validatorSeed === undefined ? undefined : orgKeyPair(validatorSeed);
  const body: MemberCardBody = {
    chainId: o.chainId,
    id: o.id,
    role: o.role,
    orgKey: orgKey.publicKey,
    ...(o.aggregator === undefined ? {} : { aggregator: o.aggregator }),
    ...(o.validator === undefined || validatorKey === undefined
      ? {}
      : {
          validator: {
            name: o.validator.name,
            publicKey: validatorKey.publicKey,
            p2p: o.validator.p2p,
            ...(o.validator.api === undefined ? {} : { api: o.validator.api }),
          },
        }),
  };
  // signed (and so checked) before anything is written
  const card = signMemberCard(body, orgKey, validatorKey);
  const entries = newMemberEntries(o.group, o.role, orgSeed);
  if (validatorSeed !== undefined) entries.push(validatorSeedEntry(validatorSeed));
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  writeKeyStore(
    join(o.dir, ORG_FILES.keyStore),
    { metadata: { memberId: o.id, role: o.role, chainId: o.chainId }, entries },
    { passphrase: o.passphrase },
  );
  writeFileSync(join(o.dir, ORG_FILES.card), memberCardToJson(card), { mode: 0o644 });
  chmodSync(join(o.dir, ORG_FILES.card), 0o644);
  return { card, secrets: entries.map((e) => e.name) };
}

/** The organisation's own card in `dir` (checked, signatures included); CLIENT_NOT_FOUND when absent. */
export function readOrgCard(dir: string): MemberCard {
  const path = join(dir, ORG_FILES.card);
  if (!existsSync(path)) throw new ClientError('CLIENT_NOT_FOUND', `no member card at ${path}`, { path });
  return parseMemberCard(readFileSync(path, 'utf8'));
}

/** An organisation's opened keys. */
export interface OrgKeys {
  readonly store: OpenedKeyStore;
  readonly orgKey: OrgKeyPair;
  /** The validator key's seed, when the organisation runs one. */
  readonly validatorSeed?: Uint8Array;
}

/**
 * Opens the key store in `dir` and checks it against `card`: the same member and chain, the
 * organisation key the card declares, and the validator key when it declares one
 * (CLIENT_BAD_KEY_STORE otherwise; a wrong passphrase is CLIENT_BAD_PASSPHRASE).
 */
export function openOrgKeys(dir: string, card: MemberCard, passphrase: string): OrgKeys {
  const store = readKeyStore(join(dir, ORG_FILES.keyStore), { passphrase });
  function wrong(why: string): never {
    throw new ClientError('CLIENT_BAD_KEY_STORE', `${join(dir, ORG_FILES.keyStore)} ${why}`);
  }
  if (store.metadata.memberId !== card.id || store.metadata.chainId !== card.chainId)
    wrong(`is not ${card.id}'s key store for chain ${card.chainId}`);
  const orgKey = keptOrgKey(store);
  if (!bytesEqual(orgKey.publicKey, card.orgKey)) wrong('holds another organisation key than card.json');
  const validatorSeed = keptValidatorSeed(store);
  if (card.validator !== undefined) {
    if (validatorSeed === undefined)
      wrong(`keeps no validator key, and card.json declares ${card.validator.name}`);
    if (!bytesEqual(orgKeyPair(validatorSeed).publicKey, card.validator.publicKey))
      wrong('holds another validator key than card.json');
  }
  return { store, orgKey, ...(validatorSeed === undefined ? {} : { validatorSeed }) };
}
