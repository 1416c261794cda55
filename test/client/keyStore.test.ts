/**
 * The passphrase-encrypted key store: round trips, a wrong passphrase, every field of the file
 * altered, strict parsing, the explicit insecure mode, atomic 0600 writes, and a property test of
 * round trips. Most cases use scrypt N = 2^10 for speed; one uses the default cost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ClientError } from '../../src/client/clientError.ts';
import {
  DEFAULT_SCRYPT,
  type KeyStoreContents,
  openKeyStore,
  readKeyStore,
  sameContents,
  sealKeyStore,
  writeKeyStore,
} from '../../src/client/keyStore.ts';
import { isDppError } from '../../src/errors.ts';

const FAST = { n: 2 ** 10, r: 8, p: 1 };
const PASS = 'correct horse battery staple';
const contents: KeyStoreContents = {
  metadata: { memberId: 'trading-centre', role: 'trading-centre', chainId: 'dppchain-local' },
  entries: [
    { name: 'org', type: 'org-seed', bytes: new Uint8Array(32).fill(7) },
    { name: 'master', type: 'regulator-master', bytes: Uint8Array.from({ length: 32 }, (_, i) => i) },
    { name: 'cert', type: 'regulator-cert-seed', bytes: new Uint8Array(32).fill(9) },
  ],
};
const dir = mkdtempSync(join(tmpdir(), 'dpp-keystore-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const refused = (code: string) => (e: unknown) => e instanceof ClientError && isDppError(e, code);

describe('key store', () => {
  it('round-trips with the default scrypt cost (N = 2^15, r = 8, p = 1), stated in the file', () => {
    const text = sealKeyStore(contents, { passphrase: PASS });
    const doc = JSON.parse(text);
    assert.deepEqual({ n: doc.kdfParams.n, r: doc.kdfParams.r, p: doc.kdfParams.p }, DEFAULT_SCRYPT);
    assert.equal(doc.kdfParams.salt.length, 32);
    assert.equal(doc.nonce.length, 24);
    assert.ok(!text.includes('0707070707'), 'no secret in the clear');
    const opened = openKeyStore(text, { passphrase: PASS });
    assert.ok(sameContents(opened, contents));
    assert.equal(opened.insecure, false);
    assert.equal(opened.warning, null);
    assert.deepEqual(opened.entry('master').bytes, contents.entries[1]!.bytes);
    assert.throws(() => opened.entry('nope'), refused('CLIENT_BAD_ARGUMENT'));
  });

  it('two seals of the same contents differ (fresh salt and nonce)', () => {
    const a = JSON.parse(sealKeyStore(contents, { passphrase: PASS, scrypt: FAST }));
    const b = JSON.parse(sealKeyStore(contents, { passphrase: PASS, scrypt: FAST }));
    assert.notEqual(a.kdfParams.salt, b.kdfParams.salt);
    assert.notEqual(a.nonce, b.nonce);
    assert.notEqual(a.ciphertext, b.ciphertext);
  });

  it('refuses a wrong passphrase, and a missing one', () => {
    const text = sealKeyStore(contents, { passphrase: PASS, scrypt: FAST });
    assert.throws(() => openKeyStore(text, { passphrase: `${PASS}!` }), refused('CLIENT_BAD_PASSPHRASE'));
    assert.throws(() => openKeyStore(text, {}), refused('CLIENT_BAD_ARGUMENT'));
  });

  it('refuses every field altered: the same error as a wrong passphrase, or a malformed file', () => {
    const doc = JSON.parse(sealKeyStore(contents, { passphrase: PASS, scrypt: FAST }));
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    // biome-ignore lint/suspicious/noExplicitAny: the tamper cases poke at arbitrary fields of the parsed file
    const cases: [string, (d: any) => void, string][] = [
      ['salt', (d) => (d.kdfParams.salt = flip(d.kdfParams.salt)), 'CLIENT_BAD_PASSPHRASE'],
      ['nonce', (d) => (d.nonce = flip(d.nonce)), 'CLIENT_BAD_PASSPHRASE'],
      ['ciphertext', (d) => (d.ciphertext = flip(d.ciphertext)), 'CLIENT_BAD_PASSPHRASE'],
      [
        'tag',
        (d) => (d.ciphertext = d.ciphertext.slice(0, -2) + flip(d.ciphertext.slice(-2))),
        'CLIENT_BAD_PASSPHRASE',
      ],
      ['N', (d) => (d.kdfParams.n = 2 ** 11), 'CLIENT_BAD_PASSPHRASE'],
      ['r', (d) => (d.kdfParams.r = 4), 'CLIENT_BAD_PASSPHRASE'],
      ['p', (d) => (d.kdfParams.p = 2), 'CLIENT_BAD_PASSPHRASE'],
      ['memberId', (d) => (d.metadata.memberId = 'generator-a'), 'CLIENT_BAD_PASSPHRASE'],
      ['role', (d) => (d.metadata.role = 'consumer'), 'CLIENT_BAD_PASSPHRASE'],
      ['chainId', (d) => (d.metadata.chainId = 'other'), 'CLIENT_BAD_PASSPHRASE'],
      ['metadata removed', (d) => delete d.metadata.role, 'CLIENT_BAD_PASSPHRASE'],
      ['truncated ciphertext', (d) => (d.ciphertext = d.ciphertext.slice(0, 20)), 'CLIENT_BAD_PASSPHRASE'],
      ['version', (d) => (d.version = 2), 'CLIENT_KEYSTORE_UNSUPPORTED'],
      ['kdf', (d) => (d.kdf = 'argon2id'), 'CLIENT_KEYSTORE_UNSUPPORTED'],
      ['aead', (d) => (d.aead = 'aes-256-gcm'), 'CLIENT_KEYSTORE_UNSUPPORTED'],
      ['type', (d) => (d.type = 'other'), 'CLIENT_BAD_KEY_STORE'],
      ['unknown field', (d) => (d.extra = 1), 'CLIENT_BAD_KEY_STORE'],
      ['unknown kdf param', (d) => (d.kdfParams.extra = 1), 'CLIENT_BAD_KEY_STORE'],
      ['unknown metadata', (d) => (d.metadata.extra = 'x'), 'CLIENT_BAD_KEY_STORE'],
      ['missing nonce', (d) => delete d.nonce, 'CLIENT_BAD_KEY_STORE'],
      ['short salt', (d) => (d.kdfParams.salt = d.kdfParams.salt.slice(2)), 'CLIENT_BAD_KEY_STORE'],
      ['long nonce', (d) => (d.nonce += '00'), 'CLIENT_BAD_KEY_STORE'],
      [
        'upper-case hex',
        (d) => (d.nonce = d.nonce.toUpperCase().replace(/^[0-9]/, 'A')),
        'CLIENT_BAD_KEY_STORE',
      ],
      ['odd hex', (d) => (d.ciphertext += '0'), 'CLIENT_BAD_KEY_STORE'],
      ['N not a power of two', (d) => (d.kdfParams.n = 1000), 'CLIENT_BAD_KEY_STORE'],
      ['N huge', (d) => (d.kdfParams.n = 2 ** 30), 'CLIENT_BAD_KEY_STORE'],
      ['r as string', (d) => (d.kdfParams.r = '8'), 'CLIENT_BAD_KEY_STORE'],
      ['metadata not an object', (d) => (d.metadata = []), 'CLIENT_BAD_KEY_STORE'],
    ];
    for (const [label, alter, code] of cases) {
      const d = structuredClone(doc);
      alter(d);
      assert.throws(() => openKeyStore(JSON.stringify(d), { passphrase: PASS }), refused(code), label);
    }
    assert.throws(() => openKeyStore('{', { passphrase: PASS }), refused('CLIENT_BAD_KEY_STORE'));
    assert.throws(() => openKeyStore('null', { passphrase: PASS }), refused('CLIENT_BAD_KEY_STORE'));
  });

  it('refuses bad contents when sealing', () => {
    const bad: [string, KeyStoreContents][] = [
      ['duplicate', { metadata: {}, entries: [contents.entries[0]!, contents.entries[0]!] }],
      ['empty secret', { metadata: {}, entries: [{ name: 'x', type: 'org-seed', bytes: new Uint8Array() }] }],
      ['bad label', { metadata: {}, entries: [{ name: 'x', type: 'Org Seed', bytes: Uint8Array.of(1) }] }],
      ['bad name', { metadata: {}, entries: [{ name: '../x', type: 'org-seed', bytes: Uint8Array.of(1) }] }],
      ['bad metadata', { metadata: { memberId: 'a b' }, entries: [] }],
    ];
    for (const [label, c] of bad)
      assert.throws(
        () => sealKeyStore(c, { passphrase: PASS, scrypt: FAST }),
        refused('CLIENT_BAD_ARGUMENT'),
        label,
      );
    assert.throws(() => sealKeyStore(contents, { passphrase: 'short' }), refused('CLIENT_BAD_ARGUMENT'));
    assert.throws(
      () => sealKeyStore(contents, { passphrase: PASS, scrypt: { n: 3, r: 8, p: 1 } }),
      refused('CLIENT_BAD_ARGUMENT'),
    );
  });

  it('insecure mode: asked for explicitly, flagged in the file and when opened, refused unless allowed', () => {
    assert.throws(
      () => sealKeyStore(contents, { kdf: 'none', acknowledgeInsecure: false } as never),
      refused('CLIENT_BAD_ARGUMENT'),
    );
    const text = sealKeyStore(contents, { kdf: 'none', acknowledgeInsecure: true });
    const doc = JSON.parse(text);
    assert.equal(doc.kdf, 'none');
    assert.match(doc.warning, /INSECURE/);
    assert.throws(() => openKeyStore(text, { passphrase: PASS }), refused('CLIENT_KEYSTORE_INSECURE'));
    const opened = openKeyStore(text, { allowInsecure: true });
    assert.equal(opened.insecure, true);
    assert.match(opened.warning!, /INSECURE/);
    assert.equal(opened.scrypt, null);
    assert.ok(sameContents(opened, contents));
    const hidden = { ...doc, warning: 'fine' };
    assert.throws(
      () => openKeyStore(JSON.stringify(hidden), { allowInsecure: true }),
      refused('CLIENT_BAD_KEY_STORE'),
    );
    const extra = { ...doc, entries: [{ ...doc.entries[0], x: 1 }] };
    assert.throws(
      () => openKeyStore(JSON.stringify(extra), { allowInsecure: true }),
      refused('CLIENT_BAD_KEY_STORE'),
    );
  });

  it('writes atomically with mode 0600 and reads back; unreadable paths are typed errors', () => {
    const path = join(dir, 'member.keystore.json');
    writeFileSync(path, 'old content');
    writeKeyStore(path, contents, { passphrase: PASS, scrypt: FAST });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['member.keystore.json'], 'no temp file left');
    assert.ok(sameContents(readKeyStore(path, { passphrase: PASS }), contents));
    assert.ok(readFileSync(path, 'utf8').endsWith('\n'));
    assert.throws(
      () => readKeyStore(join(dir, 'missing.json'), { passphrase: PASS }),
      refused('CLIENT_KEYSTORE_IO'),
    );
    assert.throws(
      () => writeKeyStore(join(dir, 'no', 'such', 'dir.json'), contents, { passphrase: PASS, scrypt: FAST }),
      refused('CLIENT_KEYSTORE_IO'),
    );
    assert.deepEqual(readdirSync(dir), ['member.keystore.json']);
  });

  it('property: any valid contents round-trip, and any other passphrase fails', () => {
    const entry = fc.record({
      name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
      type: fc.constantFrom(
        'org-seed',
        'regulator-master',
        'pseudonym-secret',
        'receiving-secret',
        'x-custom',
      ),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 96 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 6 }),
        fc.record(
          {
            memberId: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}$/),
            chainId: fc.constant('dppchain-local'),
          },
          { requiredKeys: [] },
        ),
        fc.string({ minLength: 8, maxLength: 30 }),
        (entries, metadata, passphrase) => {
          const c = { metadata, entries };
          const text = sealKeyStore(c, { passphrase, scrypt: FAST });
          assert.ok(sameContents(openKeyStore(text, { passphrase }), c));
          assert.throws(
            () => openKeyStore(text, { passphrase: `${passphrase}x` }),
            refused('CLIENT_BAD_PASSPHRASE'),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
