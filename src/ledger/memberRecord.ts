/**
 * The member and validator records written to state at genesis (docs/ledger.md §8.2) and read by
 * the ledger (org-key membership) and later by the membership contract.
 *
 *   member    = u8 version 1 ‖ string id (1..64 B) ‖ u8 role ‖ 32-byte org key ‖ string aggregator (0..64 B, "" = none)
 *   validator = u8 version 1 ‖ string name (1..64 B) ‖ 32-byte Ed25519 validator key
 *   roles: 1 trading-centre, 2 generator, 3 aggregator, 4 consumer
 */
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { ED25519_PUBLIC_KEY_BYTES } from '../crypto/ed25519Strict.ts';
import { LedgerError } from './ledgerError.ts';
import { plainBytes } from './plainBytes.ts';

/** The organisations of the consortium. */
export type MemberRole = 'trading-centre' | 'generator' | 'aggregator' | 'consumer';

/** Every role, in wire-code order (code = index + 1). */
export const MEMBER_ROLES: readonly MemberRole[] = ['trading-centre', 'generator', 'aggregator', 'consumer'];

/** A member of the consortium. */
export interface MemberRecord {
  readonly id: string;
  readonly role: MemberRole;
  /** Its Ed25519 organisation key (signs `org` transactions). */
  readonly orgKey: Uint8Array;
  /** For a consumer: the id of the aggregator it acts through. */
  readonly aggregator?: string;
}

/** A validator of the chain; its index is its position in the genesis list. */
export interface ValidatorRecord {
  readonly name: string;
  /** Its Ed25519 validator key (signs consensus messages). */
  readonly publicKey: Uint8Array;
}

const RECORD_VERSION = 1;
const NAME = /^[a-z0-9][a-z0-9.-]{0,63}$/;

/** True for a member id or validator name: 1..64 characters of [a-z0-9.-], starting alphanumeric. */
export function isValidName(s: string): boolean {
  return NAME.test(s);
}

/** The canonical bytes of a member record. */
export function encodeMemberRecord(m: MemberRecord): Uint8Array {
  const role = MEMBER_ROLES.indexOf(m.role);
  if (!isValidName(m.id) || role < 0 || (m.aggregator !== undefined && !isValidName(m.aggregator))) {
    throw new LedgerError('LEDGER_BAD_FIELD', 'member record: invalid id, role or aggregator');
  }
  try {
    return new Writer()
      .u8(RECORD_VERSION)
      .string(m.id)
      .u8(role + 1)
      .fixed(m.orgKey, ED25519_PUBLIC_KEY_BYTES)
      .string(m.aggregator ?? '')
      .finish();
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_FIELD', 'member record: invalid org key', {}, { cause });
  }
}

/** Decodes a member record; throws DecodeError. */
export function decodeMemberRecord(bytes: Uint8Array): MemberRecord {
  const r = new Reader(plainBytes(bytes), 'member record');
  readVersion(r);
  const id = r.string(64);
  if (!isValidName(id)) throw new DecodeError('DECODE_OUT_OF_RANGE', 'member record: invalid id');
  const code = r.u8();
  const role = MEMBER_ROLES[code - 1];
  if (role === undefined) throw new DecodeError('DECODE_BAD_TAG', `member record: unknown role ${code}`);
  const orgKey = r.fixed(ED25519_PUBLIC_KEY_BYTES);
  const aggregator = r.string(64);
  if (aggregator !== '' && !isValidName(aggregator)) {
    throw new DecodeError('DECODE_OUT_OF_RANGE', 'member record: invalid aggregator id');
  }
  r.end();
  return aggregator === '' ? { id, role, orgKey } : { id, role, orgKey, aggregator };
}

/** The canonical bytes of a validator record. */
export function encodeValidatorRecord(v: ValidatorRecord): Uint8Array {
  if (!isValidName(v.name)) throw new LedgerError('LEDGER_BAD_FIELD', 'validator record: invalid name');
  try {
    return new Writer()
      .u8(RECORD_VERSION)
      .string(v.name)
      .fixed(v.publicKey, ED25519_PUBLIC_KEY_BYTES)
      .finish();
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_FIELD', 'validator record: invalid key', {}, { cause });
  }
}

/** Decodes a validator record; throws DecodeError. */
export function decodeValidatorRecord(bytes: Uint8Array): ValidatorRecord {
  const r = new Reader(plainBytes(bytes), 'validator record');
  readVersion(r);
  const name = r.string(64);
  if (!isValidName(name)) throw new DecodeError('DECODE_OUT_OF_RANGE', 'validator record: invalid name');
  const publicKey = r.fixed(ED25519_PUBLIC_KEY_BYTES);
  r.end();
  return { name, publicKey };
}

function readVersion(r: Reader): void {
  const v = r.u8();
  if (v !== RECORD_VERSION) throw new DecodeError('DECODE_BAD_VERSION', `record version ${v}`);
}
