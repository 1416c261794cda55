/**
 * A member's local key store: one JSON file (mode 0600) holding named secret entries — bytes with a
 * type label such as `org-seed`, `regulator-master`, `regulator-cert-seed`, `pseudonym-secret`,
 * `receiving-secret` — and public metadata (member id, role, chain id).
 *
 * Encrypted (the default):
 *   key        = scrypt(NFC(passphrase), salt, 32 bytes; N, r, p)      (RFC 7914; salt 16 random bytes)
 *   ciphertext = ChaCha20-Poly1305(key, nonce, entries, ad)           (RFC 8439; nonce 12 random bytes)
 *   ad         = "dpp/keystore/v1" ‖ version ‖ kdf name, N, r, p, salt ‖ aead name ‖ metadata
 * so the format version, the KDF parameters and the metadata are authenticated with the secrets:
 * changing any field of the file makes it fail to open, exactly like a wrong passphrase.
 * Defaults N = 2^15, r = 8, p = 1 (32 MiB; measured ≈ 90 ms on the reference 2-core machine, see
 * docs/api.md §Key store). Every file is written afresh (temp file, fsync, rename).
 *
 *   entries    = u16 count ‖ count × (string name ‖ string type ‖ bytes secret)   (codec/, sorted by name)
 *
 * Insecure (`kdf: "none"`, local demo only): the entries in plaintext JSON, flagged in the file, and
 * opened only when the caller passes `allowInsecure: true`; the result carries `insecure: true`.
 * Parsing is strict: unknown fields, wrong lengths, bad labels → CLIENT_BAD_KEY_STORE; a wrong
 * passphrase or any altered authenticated field → CLIENT_BAD_PASSPHRASE.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { bytesEqual, fromHex, toHex } from '../codec/bytes.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { AEAD_NONCE_BYTES, aeadOpen, aeadSeal } from '../crypto/aead.ts';
import { scrypt } from '../crypto/kdf.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { ClientError } from './clientError.ts';

/** The file's `type` and the only version written and read. */
export const KEY_STORE_TYPE = 'dpp-key-store';
export const KEY_STORE_VERSION = 1;
const AD_TAG = 'dpp/keystore/v1';
const AEAD_NAME = 'chacha20-poly1305';
const SALT_BYTES = 16;
const MAX_ENTRIES = 256;
const MAX_SECRET_BYTES = 4096;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LABEL = /^[a-z][a-z0-9-]{0,31}$/;
const META = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const INSECURE_WARNING = 'INSECURE: secrets in plaintext — for the local demo only';

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two in 2^10 … 2^20. */
  readonly n: number;
  /** Block size, 1 … 32. */
  readonly r: number;
  /** Parallelism, 1 … 16. */
  readonly p: number;
}

/** N = 2^15, r = 8, p = 1: 32 MiB of memory. */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ n: 2 ** 15, r: 8, p: 1 });

/** One secret. */
export interface KeyStoreEntry {
  readonly name: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** Public facts stored beside the secrets (authenticated, not encrypted). */
export interface KeyStoreMetadata {
  readonly memberId?: string;
  readonly role?: string;
  readonly chainId?: string;
}

/** What a key store holds. */
export interface KeyStoreContents {
  readonly metadata: KeyStoreMetadata;
  readonly entries: readonly KeyStoreEntry[];
}

/** How to protect a store: a passphrase (optionally other scrypt costs), or explicitly none. */
export type KeyStoreProtection =
  | { readonly passphrase: string; readonly scrypt?: ScryptParams }
  | { readonly kdf: 'none'; readonly acknowledgeInsecure: true };

/** An opened store. */
export interface OpenedKeyStore extends KeyStoreContents {
  /** True for a plaintext (`kdf: "none"`) store. */
  readonly insecure: boolean;
  /** The warning to show when `insecure`. */
  readonly warning: string | null;
  /** The scrypt parameters, null when insecure. */
  readonly scrypt: ScryptParams | null;
  /** The entry called `name`; throws CLIENT_BAD_ARGUMENT when absent. */
  entry(name: string): KeyStoreEntry;
}

/** How to open a store. */
export interface OpenOptions {
  readonly passphrase?: string;
  /** Must be true to open a plaintext store. */
  readonly allowInsecure?: boolean;
}

/** The JSON text of a key store holding `contents`. */
export function sealKeyStore(
  contents: KeyStoreContents,
  protection: KeyStoreProtection,
  random: RandomSource = systemRandom,
): string {
  const metadata = checkMetadata(contents.metadata);
  const entries = checkEntries(contents.entries);
  if ('kdf' in protection) {
    if (protection.kdf !== 'none' || protection.acknowledgeInsecure !== true) {
      throw new ClientError('CLIENT_BAD_ARGUMENT', 'an insecure store must be asked for explicitly');
    }
    const doc = {
      type: KEY_STORE_TYPE,
      version: KEY_STORE_VERSION,
      kdf: 'none',
      warning: INSECURE_WARNING,
      metadata,
      entries: entries.map((e) => ({ name: e.name, type: e.type, bytes: toHex(e.bytes) })),
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
  const scrypt = checkScrypt(protection.scrypt ?? DEFAULT_SCRYPT);
  const passphrase = checkPassphrase(protection.passphrase);
  const salt = random(SALT_BYTES);
  const nonce = random(AEAD_NONCE_BYTES);
  const key = deriveKey(passphrase, salt, scrypt);
  const ciphertext = aeadSeal(key, nonce, encodeEntries(entries), associatedData(scrypt, salt, metadata));
  key.fill(0);
  const doc = {
    type: KEY_STORE_TYPE,
    version: KEY_STORE_VERSION,
    kdf: 'scrypt',
    kdfParams: { n: scrypt.n, r: scrypt.r, p: scrypt.p, salt: toHex(salt) },
    aead: AEAD_NAME,
    nonce: toHex(nonce),
    metadata,
    ciphertext: toHex(ciphertext),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Opens the JSON text of a key store; throws ClientError (wrong passphrase, tampered, malformed). */
export function openKeyStore(text: string, options: OpenOptions): OpenedKeyStore {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    malformed('not JSON');
  }
  const o = record(raw, 'key store');
  if (o.type !== KEY_STORE_TYPE) malformed('type');
  if (o.version !== KEY_STORE_VERSION) {
    throw new ClientError('CLIENT_KEYSTORE_UNSUPPORTED', `key store version ${String(o.version)} is not 1`);
  }
  if (o.kdf === 'none') {
    exactKeys(o, ['type', 'version', 'kdf', 'warning', 'metadata', 'entries'], 'key store');
    if (o.warning !== INSECURE_WARNING) malformed('warning');
    if (options.allowInsecure !== true) {
      throw new ClientError(
        'CLIENT_KEYSTORE_INSECURE',
        'this key store is NOT encrypted (kdf "none", local demo only); open it with allowInsecure',
      );
    }
    const metadata = parseMetadata(o.metadata);
    if (!Array.isArray(o.entries)) malformed('entries');
    const entries = checkEntries(
      o.entries.map((e, i) => {
        const r = record(e, `entries[${i}]`);
        exactKeys(r, ['name', 'type', 'bytes'], `entries[${i}]`);
        if (typeof r.name !== 'string' || typeof r.type !== 'string') malformed(`entries[${i}]`);
        return { name: r.name, type: r.type, bytes: hexField(r.bytes, `entries[${i}].bytes`) };
      }),
      'CLIENT_BAD_KEY_STORE',
    );
    return opened({ metadata, entries }, true, null);
  }
  if (o.kdf !== 'scrypt') {
    throw new ClientError('CLIENT_KEYSTORE_UNSUPPORTED', `unknown kdf ${JSON.stringify(o.kdf)}`);
  }
  exactKeys(
    o,
    ['type', 'version', 'kdf', 'kdfParams', 'aead', 'nonce', 'metadata', 'ciphertext'],
    'key store',
  );
  if (o.aead !== AEAD_NAME) throw new ClientError('CLIENT_KEYSTORE_UNSUPPORTED', 'unknown aead');
  const params = record(o.kdfParams, 'kdfParams');
  exactKeys(params, ['n', 'r', 'p', 'salt'], 'kdfParams');
  let scrypt: ScryptParams;
  try {
    scrypt = checkScrypt({ n: params.n as number, r: params.r as number, p: params.p as number });
  } catch {
    malformed('kdfParams');
  }
  const salt = hexField(params.salt, 'kdfParams.salt', SALT_BYTES);
  const nonce = hexField(o.nonce, 'nonce', AEAD_NONCE_BYTES);
  const ciphertext = hexField(o.ciphertext, 'ciphertext');
  const metadata = parseMetadata(o.metadata);
  if (options.passphrase === undefined) {
    throw new ClientError('CLIENT_BAD_ARGUMENT', 'this key store is encrypted: a passphrase is needed');
  }
  const key = deriveKey(options.passphrase.normalize('NFC'), salt, scrypt);
  const plaintext = aeadOpen(key, nonce, ciphertext, associatedData(scrypt, salt, metadata));
  key.fill(0);
  if (plaintext === null) {
    throw new ClientError('CLIENT_BAD_PASSPHRASE', 'wrong passphrase, or the key store file was altered');
  }
  let entries: KeyStoreEntry[];
  try {
    entries = checkEntries(decodeEntries(plaintext), 'CLIENT_BAD_KEY_STORE');
  } catch (cause) {
    throw new ClientError('CLIENT_BAD_KEY_STORE', 'the decrypted entries are malformed', {}, { cause });
  }
  return opened({ metadata, entries }, false, scrypt);
}

/** Writes a key store to `path` atomically (temp file with mode 0600, fsync, rename). */
export function writeKeyStore(
  path: string,
  contents: KeyStoreContents,
  protection: KeyStoreProtection,
): void {
  const text = sealKeyStore(contents, protection);
  const temp = `${path}.${process.pid}.${toHex(systemRandom(4))}.tmp`;
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (cause) {
    rmSync(temp, { force: true });
    throw new ClientError('CLIENT_KEYSTORE_IO', `cannot write the key store ${path}`, { path }, { cause });
  }
}

/** Reads and opens the key store at `path`. */
export function readKeyStore(path: string, options: OpenOptions): OpenedKeyStore {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ClientError('CLIENT_KEYSTORE_IO', `cannot read the key store ${path}`, { path }, { cause });
  }
  return openKeyStore(text, options);
}

// ─── internals ────────────────────────────────────────────────────────────────────────────────

function deriveKey(passphrase: string, salt: Uint8Array, s: ScryptParams): Uint8Array {
  return scrypt(passphrase, salt, s);
}

function associatedData(s: ScryptParams, salt: Uint8Array, m: KeyStoreMetadata): Uint8Array {
  return new Writer()
    .string(AD_TAG)
    .u8(KEY_STORE_VERSION)
    .string('scrypt')
    .u32(s.n)
    .u32(s.r)
    .u32(s.p)
    .bytes(salt)
    .string(AEAD_NAME)
    .string(m.memberId ?? '')
    .string(m.role ?? '')
    .string(m.chainId ?? '')
    .finish();
}

function encodeEntries(entries: readonly KeyStoreEntry[]): Uint8Array {
  const w = new Writer().u16(entries.length);
  for (const e of entries) w.string(e.name).string(e.type).bytes(e.bytes);
  return w.finish();
}

function decodeEntries(bytes: Uint8Array): KeyStoreEntry[] {
  const r = new Reader(bytes, 'key store entries');
  const n = r.u16();
  const out: KeyStoreEntry[] = [];
  for (let i = 0; i < n; i++)
    out.push({ name: r.string(64), type: r.string(32), bytes: r.bytes(MAX_SECRET_BYTES) });
  r.end();
  return out;
}

function checkEntries(
  entries: readonly KeyStoreEntry[],
  code: 'CLIENT_BAD_ARGUMENT' | 'CLIENT_BAD_KEY_STORE' = 'CLIENT_BAD_ARGUMENT',
): KeyStoreEntry[] {
  if (entries.length > MAX_ENTRIES) throw new ClientError(code, `at most ${MAX_ENTRIES} entries`);
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  sorted.forEach((e, i) => {
    if (!NAME.test(e.name)) throw new ClientError(code, `entry name ${JSON.stringify(e.name)}`);
    if (!LABEL.test(e.type)) throw new ClientError(code, `entry type ${JSON.stringify(e.type)}`);
    if (!(e.bytes instanceof Uint8Array) || e.bytes.length === 0 || e.bytes.length > MAX_SECRET_BYTES)
      throw new ClientError(code, `entry ${e.name}: 1 … ${MAX_SECRET_BYTES} bytes`);
    if (i > 0 && sorted[i - 1]!.name === e.name) throw new ClientError(code, `entry ${e.name} twice`);
  });
  return sorted.map((e) => ({ name: e.name, type: e.type, bytes: Uint8Array.from(e.bytes) }));
}

function checkMetadata(m: KeyStoreMetadata): KeyStoreMetadata {
  const out: { memberId?: string; role?: string; chainId?: string } = {};
  for (const k of ['memberId', 'role', 'chainId'] as const) {
    const v = m[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !META.test(v)) throw new ClientError('CLIENT_BAD_ARGUMENT', `metadata.${k}`);
    out[k] = v;
  }
  return out;
}

function parseMetadata(v: unknown): KeyStoreMetadata {
  const o = record(v, 'metadata');
  for (const k of Object.keys(o))
    if (!['memberId', 'role', 'chainId'].includes(k)) malformed(`metadata.${k}`);
  try {
    return checkMetadata(o as KeyStoreMetadata);
  } catch {
    malformed('metadata');
  }
}

function checkScrypt(s: ScryptParams): ScryptParams {
  const int = (v: unknown, lo: number, hi: number) =>
    Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  const powerOfTwo = Number.isInteger(s.n) && s.n > 0 && (s.n & (s.n - 1)) === 0;
  if (!powerOfTwo || !int(s.n, 2 ** 10, 2 ** 20) || !int(s.r, 1, 32) || !int(s.p, 1, 16)) {
    throw new ClientError(
      'CLIENT_BAD_ARGUMENT',
      'scrypt: N a power of two in 2^10…2^20, r in 1…32, p in 1…16',
    );
  }
  return { n: s.n, r: s.r, p: s.p };
}

function checkPassphrase(p: string): string {
  if (typeof p !== 'string' || [...p].length < 8) {
    throw new ClientError('CLIENT_BAD_ARGUMENT', 'a passphrase has at least 8 characters');
  }
  return p.normalize('NFC');
}

function opened(contents: KeyStoreContents, insecure: boolean, scrypt: ScryptParams | null): OpenedKeyStore {
  return {
    ...contents,
    insecure,
    warning: insecure ? INSECURE_WARNING : null,
    scrypt,
    entry(name) {
      const e = contents.entries.find((x) => x.name === name);
      if (e === undefined) throw new ClientError('CLIENT_BAD_ARGUMENT', `no entry ${name} in the key store`);
      return e;
    },
  };
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) malformed(what);
  return v as Record<string, unknown>;
}

function exactKeys(o: Record<string, unknown>, keys: readonly string[], what: string): void {
  const have = Object.keys(o);
  for (const k of have) if (!keys.includes(k)) malformed(`${what}: unknown field ${k}`);
  for (const k of keys) if (!(k in o)) malformed(`${what}: missing ${k}`);
}

function hexField(v: unknown, what: string, length?: number): Uint8Array {
  if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v)) malformed(`${what}: lower-case hex`);
  const b = fromHex(v);
  if (length !== undefined && b.length !== length) malformed(`${what}: ${length} bytes`);
  return b;
}

function malformed(what: string): never {
  throw new ClientError('CLIENT_BAD_KEY_STORE', `malformed key store: ${what}`);
}

/** True when two openings hold the same entries and metadata (for tests and migrations). */
export function sameContents(a: KeyStoreContents, b: KeyStoreContents): boolean {
  const ea = checkEntries(a.entries);
  const eb = checkEntries(b.entries);
  return (
    JSON.stringify(checkMetadata(a.metadata)) === JSON.stringify(checkMetadata(b.metadata)) &&
    ea.length === eb.length &&
    ea.every((e, i) => e.name === eb[i]!.name && e.type === eb[i]!.type && bytesEqual(e.bytes, eb[i]!.bytes))
  );
}
