/**
 * Strict field checks for the ledger's public JSON files that are not the genesis (member cards,
 * peers files): every refusal is a LedgerError of the file's code whose message names the field's
 * path, e.g. `card: validator.p2p must be host:port`.
 */
import { fromHex } from '../codec/bytes.ts';
import { isValidEd25519PublicKey } from '../crypto/ed25519Strict.ts';
import { LedgerError, type LedgerErrorCode } from './ledgerError.ts';
import { isValidName } from './memberRecord.ts';

/** The checks of one file kind. */
export interface JsonFields {
  /** Throws the file's error naming `path`. */
  bad(path: string, why: string): never;
  /** An object with exactly the `required` fields and possibly the `optional` ones (`path` '' for the root). */
  object(
    v: unknown,
    path: string,
    required: readonly string[],
    optional?: readonly string[],
  ): Record<string, unknown>;
  str(v: unknown, path: string): string;
  /** A member id or validator name (1..64 of [a-z0-9.-], starting with a letter or digit). */
  name(v: unknown, path: string): string;
  /** `bytes` bytes as lower-case hex. */
  hex(v: unknown, path: string, bytes: number): Uint8Array;
  /** A valid Ed25519 public key (canonical, prime-order subgroup) as 64 lower-case hex digits. */
  edKey(v: unknown, path: string): Uint8Array;
}

/** The checks of files whose errors carry `code` and start with `what:`. */
export function jsonFields(code: LedgerErrorCode, what: string): JsonFields {
  const bad = (path: string, why: string): never => {
    throw new LedgerError(code, `${what}: ${path} ${why}`, { path });
  };
  const str = (v: unknown, path: string): string => {
    if (typeof v !== 'string') bad(path, 'must be a string');
    return v as string;
  };
  const hex = (v: unknown, path: string, bytes: number): Uint8Array => {
    const s = str(v, path);
    if (s.length !== 2 * bytes || !/^[0-9a-f]*$/.test(s))
      bad(path, `must be ${2 * bytes} lower-case hex digits`);
    return fromHex(s);
  };
  return {
    bad,
    str,
    hex,
    object(v, path, required, optional = []) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path || '(root)', 'must be an object');
      const o = v as Record<string, unknown>;
      const at = (k: string) => (path === '' ? k : `${path}.${k}`);
      for (const k of Object.keys(o)) {
        if (!required.includes(k) && !optional.includes(k)) bad(at(k), 'is not a known field');
      }
      for (const k of required) if (!Object.hasOwn(o, k)) bad(at(k), 'is missing');
      return o;
    },
    name(v, path) {
      const s = str(v, path);
      if (!isValidName(s))
        bad(path, 'must be 1..64 characters of [a-z0-9.-], starting with a letter or digit');
      return s;
    },
    edKey(v, path) {
      const key = hex(v, path, 32);
      if (!isValidEd25519PublicKey(key)) bad(path, 'is not a valid Ed25519 public key');
      return key;
    },
  };
}
