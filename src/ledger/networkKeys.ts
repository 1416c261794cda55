/**
 * Generating a genesis with fresh keys for N validators and a set of members, and the key files
 * each process loads (docs/ledger.md §8.3). Used by tests and by `dpp network up`.
 *
 * Key file (JSON, written with mode 0600):
 *   { "type": "dpp-validator-key", "chainId", "index", "name", "publicKey": hex, "seed": hex }
 *   { "type": "dpp-member-key",    "chainId", "id", "role", "publicKey": hex, "seed": hex }
 * The seed is the 32-byte Ed25519 secret seed (RFC 8032); reading a file checks that it derives
 * the stated public key.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../codec/bytes.ts';
import { type OrgKeyPair, orgKeyPair } from '../crypto/ed25519.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { type Genesis, genesisToJson, validateGenesis } from './genesis.ts';
import { LedgerError } from './ledgerError.ts';
import { isValidName, MEMBER_ROLES, type MemberRole } from './memberRecord.ts';

/** A member to create: id, role and (for a consumer) its aggregator. */
export interface MemberSpec {
  readonly id: string;
  readonly role: MemberRole;
  readonly aggregator?: string;
}

/** What to generate. */
export interface GenesisOptions {
  readonly chainId: string;
  readonly validators: number;
  readonly genesisTimeMs: bigint;
  /** Default: one trading centre, id `trading-centre`. */
  readonly members?: readonly MemberSpec[];
  /** Default: the OS CSPRNG; tests pass `seededRandom(…)`. */
  readonly random?: RandomSource;
}

/** A validator's key with its place in the genesis. */
export interface ValidatorKey {
  readonly index: number;
  readonly name: string;
  readonly key: OrgKeyPair;
  readonly seed: Uint8Array;
}

/** A member's organisation key. */
export interface MemberKey {
  readonly id: string;
  readonly role: MemberRole;
  readonly key: OrgKeyPair;
  readonly seed: Uint8Array;
}

/** A generated network: the genesis and every secret key. */
export interface GeneratedNetwork {
  readonly genesis: Genesis;
  readonly validatorKeys: readonly ValidatorKey[];
  readonly memberKeys: readonly MemberKey[];
}

/** A genesis for `validators` validators named `validator-<i>` and the given members, with fresh keys. */
export function generateGenesis(opts: GenesisOptions): GeneratedNetwork {
  const random = opts.random ?? systemRandom;
  const specs = opts.members ?? [{ id: 'trading-centre', role: 'trading-centre' }];
  const validatorKeys = Array.from({ length: opts.validators }, (_, index): ValidatorKey => {
    const seed = random(32);
    return { index, name: `validator-${index}`, key: orgKeyPair(seed), seed };
  });
  const memberKeys = specs.map((m): MemberKey => {
    const seed = random(32);
    return { id: m.id, role: m.role, key: orgKeyPair(seed), seed };
  });
  const doc = {
    chainId: opts.chainId,
    genesisTimeMs: Number(opts.genesisTimeMs),
    validators: validatorKeys.map((v) => ({ name: v.name, publicKey: toHex(v.key.publicKey) })),
    members: specs.map((m, i) => ({
      id: m.id,
      role: m.role,
      orgKey: toHex(memberKeys[i]!.key.publicKey),
      ...(m.aggregator === undefined ? {} : { aggregator: m.aggregator }),
    })),
  };
  return { genesis: validateGenesis(doc), validatorKeys, memberKeys };
}

/** Writes `genesis.json`, `validator-<i>.key.json` and `member-<id>.key.json` into `dir`; returns their paths. */
export function writeNetworkFiles(dir: string, net: GeneratedNetwork): { genesis: string; keys: string[] } {
  mkdirSync(dir, { recursive: true });
  const genesisPath = join(dir, 'genesis.json');
  writeFileSync(genesisPath, genesisToJson(net.genesis));
  const keys: string[] = [];
  const chainId = net.genesis.chainId;
  for (const v of net.validatorKeys) {
    const path = join(dir, `validator-${v.index}.key.json`);
    writeValidatorKeyFile(path, chainId, v);
    keys.push(path);
  }
  for (const m of net.memberKeys) {
    const path = join(dir, `member-${m.id}.key.json`);
    const doc = { type: 'dpp-member-key', chainId, id: m.id, role: m.role, ...keyFields(m) };
    writeSecret(path, doc);
    keys.push(path);
  }
  return { genesis: genesisPath, keys };
}

/** Writes validator `v`'s key file of chain `chainId` to `path` (mode 0600, replacing any file there). */
export function writeValidatorKeyFile(
  path: string,
  chainId: string,
  v: Pick<ValidatorKey, 'index' | 'name' | 'key' | 'seed'>,
): void {
  writeSecret(path, { type: 'dpp-validator-key', chainId, index: v.index, name: v.name, ...keyFields(v) });
}

/** A validator key file's content; throws LEDGER_BAD_KEY_FILE. */
export function parseValidatorKeyFile(text: string): ValidatorKey & { readonly chainId: string } {
  const o = parseKeyFile(text, 'dpp-validator-key', ['index', 'name']);
  const index = o.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 0xffff) badKey('index');
  if (typeof o.name !== 'string' || !isValidName(o.name)) badKey('name');
  return { chainId: o.chainId, index, name: o.name, key: o.key, seed: o.seed };
}

/** A member key file's content; throws LEDGER_BAD_KEY_FILE. */
export function parseMemberKeyFile(text: string): MemberKey & { readonly chainId: string } {
  const o = parseKeyFile(text, 'dpp-member-key', ['id', 'role']);
  if (typeof o.id !== 'string' || !isValidName(o.id)) badKey('id');
  if (typeof o.role !== 'string' || !(MEMBER_ROLES as readonly string[]).includes(o.role)) badKey('role');
  return { chainId: o.chainId, id: o.id, role: o.role as MemberRole, key: o.key, seed: o.seed };
}

/** Writes a key file readable by its owner only: always created afresh with mode 0600. */
function writeSecret(path: string, doc: object): void {
  rmSync(path, { force: true });
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

function keyFields(k: { readonly key: OrgKeyPair; readonly seed: Uint8Array }) {
  return { publicKey: toHex(k.key.publicKey), seed: toHex(k.seed) };
}

function parseKeyFile(
  text: string,
  type: string,
  extra: readonly string[],
): Record<string, unknown> & { chainId: string; key: OrgKeyPair; seed: Uint8Array } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_KEY_FILE', 'key file: not valid JSON', {}, { cause });
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) badKey('(root)');
  const doc = o as Record<string, unknown>;
  const allowed = ['type', 'chainId', 'publicKey', 'seed', ...extra];
  for (const k of Object.keys(doc)) if (!allowed.includes(k)) badKey(k);
  if (doc.type !== type) badKey('type');
  if (typeof doc.chainId !== 'string') badKey('chainId');
  if (typeof doc.seed !== 'string' || !/^[0-9a-f]{64}$/.test(doc.seed)) badKey('seed');
  if (typeof doc.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(doc.publicKey)) badKey('publicKey');
  const seed = new Uint8Array(Buffer.from(doc.seed, 'hex'));
  const key = orgKeyPair(seed);
  if (toHex(key.publicKey) !== doc.publicKey) {
    throw new LedgerError('LEDGER_BAD_KEY_FILE', 'key file: the seed does not derive the stated public key');
  }
  return { ...doc, chainId: doc.chainId, key, seed };
}

function badKey(field: string): never {
  throw new LedgerError('LEDGER_BAD_KEY_FILE', `key file: missing or invalid field “${field}”`, { field });
}
