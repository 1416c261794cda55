/**
 * The genesis file and what it determines (docs/ledger.md §8): the chain id, the genesis time, the
 * validator set (names and Ed25519 keys, index = position) and the initial members (id, role, org
 * key, a consumer's aggregator). Parsing is strict: unknown fields, wrong types, invalid or
 * duplicate keys and names, a key that is both a validator's and a member's, a missing or second
 * trading centre, a consumer naming a non-aggregator are refused with LEDGER_BAD_GENESIS and the path of the offending field.
 *
 * Genesis state (sorted write set): `member/‖id` → member record, `orgkey/‖key` → id,
 * `validator/‖u16 index` → validator record (./memberRecord.ts, ./stateKeys.ts). Genesis block:
 * height 0, prevHash 0³², txRoot = MTH({}), stateRoot = nextStateRoot(0³², genesis writes), view 0,
 * proposer 0, timestamp genesisTimeMs, no transactions, empty certificate. Its hash identifies the
 * chain together with the chain id.
 */
import { toHex, utf8 } from '../codec/bytes.ts';
import { isValidEd25519PublicKey } from '../crypto/ed25519Strict.ts';
import type { Block } from './block.ts';
import { type BlockHeader, blockHash, ZERO_HASH } from './blockHeader.ts';
import { EMPTY_CERTIFICATE, MAX_VALIDATORS, quorumSize } from './certificate.ts';
import { LedgerError } from './ledgerError.ts';
import {
  encodeMemberRecord,
  encodeValidatorRecord,
  isValidName,
  MEMBER_ROLES,
  type MemberRecord,
  type MemberRole,
  type ValidatorRecord,
} from './memberRecord.ts';
import { merkleRoot } from './merkle.ts';
import { memberKey, orgKeyKey, validatorKey } from './stateKeys.ts';
import { isValidChainId } from './transaction.ts';
import { EMPTY_STATE_ROOT, nextStateRoot, type StateWrite, sortWrites } from './worldState.ts';

/** Most initial members. */
export const MAX_GENESIS_MEMBERS = 250_000;

/** A validated genesis. */
export interface Genesis {
  readonly chainId: string;
  readonly genesisTimeMs: bigint;
  readonly validators: readonly ValidatorRecord[];
  readonly members: readonly MemberRecord[];
}

/** The genesis block with the state it creates. */
export interface GenesisState {
  readonly block: Block;
  readonly hash: Uint8Array;
  /** The genesis write set, sorted. */
  readonly writes: StateWrite[];
}

/** Parses and validates a genesis file's text; throws LEDGER_BAD_GENESIS. */
export function parseGenesis(text: string): Genesis {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_GENESIS', 'genesis: not valid JSON', {}, { cause });
  }
  return validateGenesis(value);
}

/** Validates a parsed genesis object; throws LEDGER_BAD_GENESIS naming the offending field. */
export function validateGenesis(value: unknown): Genesis {
  const root = object(value, 'genesis', ['chainId', 'genesisTimeMs', 'validators', 'members'], []);
  const chainId = str(root.chainId, 'chainId');
  if (!isValidChainId(chainId)) bad('chainId', 'must be 1..64 characters of [a-z0-9.-]');
  const time = root.genesisTimeMs;
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    bad('genesisTimeMs', 'must be a non-negative integer (milliseconds since the Unix epoch)');
  }

  const validators = list(root.validators, 'validators', 1, MAX_VALIDATORS).map((v, i): ValidatorRecord => {
    const path = `validators[${i}]`;
    const o = object(v, path, ['name', 'publicKey'], []);
    return { name: name(o.name, `${path}.name`), publicKey: edKey(o.publicKey, `${path}.publicKey`) };
  });
  unique(
    validators.map((v) => v.name),
    'validators',
    'name',
  );
  unique(
    validators.map((v) => toHex(v.publicKey)),
    'validators',
    'publicKey',
  );

  const members = list(root.members, 'members', 1, MAX_GENESIS_MEMBERS).map((m, i): MemberRecord => {
    const path = `members[${i}]`;
    const o = object(m, path, ['id', 'role', 'orgKey'], ['aggregator']);
    const id = name(o.id, `${path}.id`);
    const role = str(o.role, `${path}.role`);
    if (!(MEMBER_ROLES as readonly string[]).includes(role))
      bad(`${path}.role`, `must be one of ${MEMBER_ROLES.join(', ')}`);
    const orgKey = edKey(o.orgKey, `${path}.orgKey`);
    if (o.aggregator === undefined) return { id, role: role as MemberRole, orgKey };
    return { id, role: role as MemberRole, orgKey, aggregator: name(o.aggregator, `${path}.aggregator`) };
  });
  unique(
    members.map((m) => m.id),
    'members',
    'id',
  );
  unique(
    members.map((m) => toHex(m.orgKey)),
    'members',
    'orgKey',
  );
  // [REJECT] one key as both a validator's consensus key and a member's organisation key: each is
  // rotated and revoked on its own (the assembled genesis refuses it too, ./genesisAssembly.ts)
  const validatorKeys = new Set(validators.map((v) => toHex(v.publicKey)));
  members.forEach((m, i) => {
    if (validatorKeys.has(toHex(m.orgKey))) bad(`members[${i}].orgKey`, 'is also a validator key');
  });
  const centres = members.filter((m) => m.role === 'trading-centre').length;
  if (centres !== 1) bad('members', `must contain exactly one trading-centre, found ${centres}`);
  const roleOf = new Map(members.map((m) => [m.id, m.role]));
  members.forEach((m, i) => {
    if (m.aggregator === undefined) return;
    if (m.role !== 'consumer') bad(`members[${i}].aggregator`, 'only a consumer names an aggregator');
    if (roleOf.get(m.aggregator) !== 'aggregator') {
      bad(`members[${i}].aggregator`, `“${m.aggregator}” is not an aggregator of this genesis`);
    }
  });
  return { chainId, genesisTimeMs: BigInt(time as number), validators, members };
}

/** The genesis file text (2-space JSON, fields in a fixed order). */
export function genesisToJson(g: Genesis): string {
  const doc = {
    chainId: g.chainId,
    genesisTimeMs: Number(g.genesisTimeMs),
    validators: g.validators.map((v) => ({ name: v.name, publicKey: toHex(v.publicKey) })),
    members: g.members.map((m) => ({
      id: m.id,
      role: m.role,
      orgKey: toHex(m.orgKey),
      ...(m.aggregator === undefined ? {} : { aggregator: m.aggregator }),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The genesis write set, sorted by key. */
export function genesisWrites(g: Genesis): StateWrite[] {
  const writes: StateWrite[] = [];
  g.validators.forEach((v, i) => {
    writes.push({ key: validatorKey(i), value: encodeValidatorRecord(v) });
  });
  for (const m of g.members) {
    writes.push({ key: memberKey(m.id), value: encodeMemberRecord(m) });
    writes.push({ key: orgKeyKey(m.orgKey), value: utf8(m.id) });
  }
  return sortWrites(writes);
}

/** The genesis block, its hash and its write set. */
export function genesisState(g: Genesis): GenesisState {
  const writes = genesisWrites(g);
  const header: BlockHeader = {
    chainId: g.chainId,
    height: 0n,
    prevHash: ZERO_HASH,
    txRoot: merkleRoot([]),
    stateRoot: nextStateRoot(EMPTY_STATE_ROOT, writes),
    view: 0n,
    proposer: 0,
    timestampMs: g.genesisTimeMs,
  };
  return { block: { header, txs: [], certificate: EMPTY_CERTIFICATE }, hash: blockHash(header), writes };
}

/** The validators' public keys by index, and the commit quorum, for verifyCommitCertificate. */
export function validatorSet(g: Genesis): { readonly keys: Uint8Array[]; readonly quorum: number } {
  return { keys: g.validators.map((v) => v.publicKey), quorum: quorumSize(g.validators.length) };
}

function bad(path: string, why: string): never {
  throw new LedgerError('LEDGER_BAD_GENESIS', `genesis: ${path} ${why}`, { path });
}

function object(
  v: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[],
): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) bad(`${path}.${k}`, 'is not a known field');
  }
  for (const k of required) if (!Object.hasOwn(o, k)) bad(`${path}.${k}`, 'is missing');
  return o;
}

function list(v: unknown, path: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) bad(path, 'must be an array');
  if (v.length < min || v.length > max) bad(path, `must have ${min}..${max} entries`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') bad(path, 'must be a string');
  return v;
}

function name(v: unknown, path: string): string {
  const s = str(v, path);
  if (!isValidName(s)) bad(path, 'must be 1..64 characters of [a-z0-9.-], starting with a letter or digit');
  return s;
}

function edKey(v: unknown, path: string): Uint8Array {
  const s = str(v, path);
  if (!/^[0-9a-f]{64}$/.test(s)) bad(path, 'must be 64 lower-case hex digits');
  const key = new Uint8Array(Buffer.from(s, 'hex'));
  if (!isValidEd25519PublicKey(key)) bad(path, 'is not a valid Ed25519 public key');
  return key;
}

function unique(values: readonly string[], path: string, field: string): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v))
      bad(`${path}[${i}].${field}`, `repeats ${field} ${v.length > 20 ? `${v.slice(0, 16)}…` : v}`);
    seen.add(v);
  });
}
