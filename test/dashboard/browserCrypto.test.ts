/**
 * The dashboard's browser twins (src/dashboard/browser/, swapped in by the Vite build) against the
 * node files they replace, byte for byte on random inputs: SHA-256/512, HKDF-SHA-256,
 * ChaCha20-Poly1305 (seal and open, tampered ciphertexts refused by both), Ed25519 keys and
 * signatures, hex and byte order — and the browser's key store opener against stores the node's
 * sealKeyStore wrote (encrypted and insecure).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sealKeyStore } from '../../src/client/keyStore.ts';
import * as nodeBytes from '../../src/codec/bytes.ts';
import * as nodeAead from '../../src/crypto/aead.ts';
import * as nodeDigest from '../../src/crypto/digest.ts';
import * as nodeEd from '../../src/crypto/ed25519.ts';
import * as nodeVerify from '../../src/crypto/ed25519Strict.ts';
import * as nodeKdf from '../../src/crypto/kdf.ts';
import * as browserAead from '../../src/dashboard/browser/aead.ts';
import * as browserBytes from '../../src/dashboard/browser/bytes.ts';
import * as browserDigest from '../../src/dashboard/browser/digest.ts';
import * as browserEd from '../../src/dashboard/browser/ed25519.ts';
import * as browserVerify from '../../src/dashboard/browser/ed25519Strict.ts';
import * as browserKdf from '../../src/dashboard/browser/kdf.ts';
import { openKeyStoreText } from '../../src/dashboard/keyStoreReader.ts';

const bytes = (min = 0, max = 300) => fc.uint8Array({ minLength: min, maxLength: max });
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe('browser crypto twins equal the node implementations byte for byte', () => {
  it('SHA-256 and SHA-512', () => {
    fc.assert(
      fc.property(bytes(0, 2000), (d) => {
        assert.deepEqual(browserDigest.sha256(d), nodeDigest.sha256(d));
        assert.deepEqual(browserDigest.sha512(d), nodeDigest.sha512(d));
      }),
      { numRuns: 300 },
    );
  });

  it('HKDF-SHA-256', () => {
    fc.assert(
      fc.property(
        bytes(1, 80),
        bytes(0, 64),
        fc.string(),
        fc.integer({ min: 1, max: 255 }),
        (ikm, salt, info, len) => {
          assert.deepEqual(
            browserKdf.hkdfSha256(ikm, salt, info, len),
            nodeKdf.hkdfSha256(ikm, salt, info, len),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ChaCha20-Poly1305: same ciphertexts, each opens the other’s, tampering refused by both', () => {
    assert.equal(browserAead.AEAD_NONCE_BYTES, nodeAead.AEAD_NONCE_BYTES);
    assert.equal(browserAead.AEAD_TAG_BYTES, nodeAead.AEAD_TAG_BYTES);
    fc.assert(
      fc.property(
        fixed(32),
        fixed(12),
        bytes(0, 500),
        bytes(0, 64),
        fc.nat(),
        (key, nonce, plain, ad, at) => {
          const sealed = nodeAead.aeadSeal(key, nonce, plain, ad);
          assert.deepEqual(browserAead.aeadSeal(key, nonce, plain, ad), sealed);
          assert.deepEqual(browserAead.aeadOpen(key, nonce, sealed, ad), plain);
          const bad = Uint8Array.from(sealed);
          bad[at % bad.length]! ^= 1;
          assert.equal(browserAead.aeadOpen(key, nonce, bad, ad), null);
          assert.equal(nodeAead.aeadOpen(key, nonce, bad, ad), null);
          assert.equal(browserAead.aeadOpen(key, nonce, sealed.subarray(0, 5), ad), null);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('Ed25519: same public keys and signatures; each verifies the other’s', () => {
    fc.assert(
      fc.property(fixed(32), bytes(0, 200), (seed, msg) => {
        const n = nodeEd.orgKeyPair(seed);
        const b = browserEd.orgKeyPair(seed);
        assert.deepEqual(b.publicKey, n.publicKey);
        const sig = browserEd.orgSign(b, msg);
        assert.deepEqual(sig, nodeEd.orgSign(n, msg));
        assert.ok(nodeEd.orgVerify(n.publicKey, msg, sig));
        assert.ok(browserEd.orgVerify(b.publicKey, msg, sig));
        assert.ok(browserVerify.verifyEd25519(b.publicKey, msg, sig));
        assert.equal(
          browserVerify.isValidEd25519PublicKey(b.publicKey),
          nodeVerify.isValidEd25519PublicKey(b.publicKey),
        );
        const bad = Uint8Array.from(sig);
        bad[0]! ^= 1;
        assert.equal(browserEd.orgVerify(b.publicKey, msg, bad), nodeEd.orgVerify(n.publicKey, msg, bad));
      }),
      { numRuns: 100 },
    );
  });

  it('hex, equality and order', () => {
    fc.assert(
      fc.property(bytes(), bytes(), (a, b) => {
        assert.equal(browserBytes.toHex(a), nodeBytes.toHex(a));
        assert.deepEqual(browserBytes.fromHex(nodeBytes.toHex(a).toUpperCase()), a);
        assert.equal(browserBytes.bytesEqual(a, b), nodeBytes.bytesEqual(a, b));
        assert.equal(Math.sign(browserBytes.compareBytes(a, b)), Math.sign(nodeBytes.compareBytes(a, b)));
        assert.deepEqual(browserBytes.concatBytes(a, b), nodeBytes.concatBytes(a, b));
      }),
      { numRuns: 300 },
    );
    for (const bad of ['0', 'zz', 'g0'])
      assert.throws(
        () => browserBytes.fromHex(bad),
        (e: Error) => e.name === 'DecodeError',
      );
  });
});

describe('the browser opens key stores the node wrote', () => {
  const contents = {
    metadata: { memberId: 'g1.bus1', role: 'generator', chainId: 'dppchain-local' },
    entries: [
      { name: 'org', type: 'org-seed', bytes: new Uint8Array(32).fill(7) },
      { name: 'receiving', type: 'receiving-secret', bytes: new Uint8Array(32).fill(9) },
    ],
  };

  it('an encrypted store opens with its passphrase, not with another', async () => {
    const text = sealKeyStore(contents, {
      passphrase: 'correct horse battery',
      scrypt: { n: 1024, r: 8, p: 1 },
    });
    const opened = await openKeyStoreText(text, { passphrase: 'correct horse battery' });
    assert.equal(opened.memberId, 'g1.bus1');
    assert.equal(opened.insecure, false);
    assert.deepEqual(
      opened.entries.map((e) => [e.name, e.type, e.bytes]),
      contents.entries.map((e) => [e.name, e.type, e.bytes]),
    );
    await assert.rejects(openKeyStoreText(text, { passphrase: 'wrong passphrase' }), {
      code: 'BAD_PASSPHRASE',
    });
    const altered = text.replace('"g1.bus1"', '"g2.bus2"');
    await assert.rejects(openKeyStoreText(altered, { passphrase: 'correct horse battery' }), {
      code: 'BAD_PASSPHRASE',
    });
  });

  it('an insecure store opens only when allowed', async () => {
    const text = sealKeyStore(contents, { kdf: 'none', acknowledgeInsecure: true });
    await assert.rejects(openKeyStoreText(text, {}), { code: 'INSECURE' });
    const opened = await openKeyStoreText(text, { allowInsecure: true });
    assert.equal(opened.insecure, true);
    assert.deepEqual(opened.entries[1]!.bytes, contents.entries[1]!.bytes);
    await assert.rejects(openKeyStoreText('{"type":"x"}', {}), { code: 'BAD_KEY_STORE' });
    await assert.rejects(openKeyStoreText('not json', {}), { code: 'BAD_KEY_STORE' });
  });
});
