/**
 * Opening a member's key store (src/client/keyStore.ts format) in the browser, in memory only: the
 * file never leaves the page and is never sent anywhere. Plaintext (local demo, `kdf: "none"`)
 * stores open only when the viewer ticks "allow insecure"; encrypted ones with the passphrase:
 * scrypt (@noble/hashes) → ChaCha20-Poly1305 over the same associated data as the node's
 * implementation. test/dashboard/browserCrypto.test.ts opens stores written by the node's sealKeyStore.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { fromHex } from '../codec/bytes.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { aeadOpen } from '../crypto/aead.ts';

/** One secret of a store. */
export interface BrowserKeyEntry {
  readonly name: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** An opened store. */
export interface BrowserKeyStore {
  readonly memberId: string;
  readonly role: string;
  readonly chainId: string;
  readonly insecure: boolean;
  readonly entries: readonly BrowserKeyEntry[];
}

/** Why a store did not open. */
export class KeyStoreRefusal extends Error {
  constructor(
    readonly code: 'BAD_KEY_STORE' | 'INSECURE' | 'BAD_PASSPHRASE' | 'UNSUPPORTED',
    message: string,
  ) {
    super(message);
  }
}

const HEX = /^([0-9a-f]{2})*$/;

function hex(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !HEX.test(v))
    throw new KeyStoreRefusal('BAD_KEY_STORE', `${what}: lower-case hex`);
  return fromHex(v);
}

function meta(o: Record<string, unknown>) {
  const m = (o.metadata ?? {}) as Record<string, unknown>;
  const s = (k: string) => (typeof m[k] === 'string' ? (m[k] as string) : '');
  return { memberId: s('memberId'), role: s('role'), chainId: s('chainId') };
}

/** Opens the JSON text of a key store. */
export async function openKeyStoreText(
  text: string,
  options: { readonly passphrase?: string; readonly allowInsecure?: boolean },
): Promise<BrowserKeyStore> {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new KeyStoreRefusal('BAD_KEY_STORE', 'not a key store: the file is not JSON');
  }
  if (o === null || typeof o !== 'object' || o.type !== 'dpp-key-store')
    throw new KeyStoreRefusal('BAD_KEY_STORE', 'not a dpp key store');
  if (o.version !== 1) throw new KeyStoreRefusal('UNSUPPORTED', `key store version ${String(o.version)}`);
  const m = meta(o);
  if (o.kdf === 'none') {
    if (options.allowInsecure !== true)
      throw new KeyStoreRefusal(
        'INSECURE',
        'this key store is NOT encrypted (local demo only): tick “allow insecure”',
      );
    if (!Array.isArray(o.entries)) throw new KeyStoreRefusal('BAD_KEY_STORE', 'entries');
    const entries = o.entries.map((e: Record<string, unknown>, i: number) => ({
      name: String(e.name),
      type: String(e.type),
      bytes: hex(e.bytes, `entries[${i}]`),
    }));
    return { ...m, insecure: true, entries };
  }
  if (o.kdf !== 'scrypt' || o.aead !== 'chacha20-poly1305')
    throw new KeyStoreRefusal('UNSUPPORTED', 'unknown kdf or aead');
  const p = o.kdfParams as { n: number; r: number; p: number; salt: string };
  const salt = hex(p?.salt, 'kdfParams.salt');
  if (options.passphrase === undefined || options.passphrase.length === 0)
    throw new KeyStoreRefusal('BAD_PASSPHRASE', 'this key store is encrypted: enter its passphrase');
  const key = await scryptAsync(options.passphrase.normalize('NFC'), salt, {
    N: p.n,
    r: p.r,
    p: p.p,
    dkLen: 32,
  });
  const ad = new Writer()
    .string('dpp/keystore/v1')
    .u8(1)
    .string('scrypt')
    .u32(p.n)
    .u32(p.r)
    .u32(p.p)
    .bytes(salt)
    .string('chacha20-poly1305')
    .string(m.memberId)
    .string(m.role)
    .string(m.chainId)
    .finish();
  const plain = aeadOpen(key, hex(o.nonce, 'nonce'), hex(o.ciphertext, 'ciphertext'), ad);
  key.fill(0);
  if (plain === null)
    throw new KeyStoreRefusal('BAD_PASSPHRASE', 'wrong passphrase, or the file was altered');
  const r = new Reader(plain, 'key store entries');
  const n = r.u16();
  const entries: BrowserKeyEntry[] = [];
  for (let i = 0; i < n; i++) entries.push({ name: r.string(64), type: r.string(32), bytes: r.bytes(4096) });
  r.end();
  return { ...m, insecure: false, entries };
}
