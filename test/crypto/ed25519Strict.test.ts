import assert from 'node:assert/strict';
import { sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import sodium from 'sodium-native';
import { fromHex } from '../../src/codec/bytes.ts';
import { orgKeyPair, orgSign, orgVerify, publicKeyObject } from '../../src/crypto/ed25519.ts';
import { isValidEd25519PublicKey, verifyEd25519 } from '../../src/crypto/ed25519Strict.ts';

describe('Ed25519 verification with sodium-native, cross-checked against node:crypto', () => {
  it('agrees with node:crypto on valid and tampered signatures (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.constantFrom('none', 'message', 'signature', 'key'),
        (seed, message, at, tamper) => {
          const key = orgKeyPair(seed);
          let sig = orgSign(key, message);
          let msg = message;
          let pk = key.publicKey;
          if (tamper === 'message') msg = Uint8Array.of(...message, at & 0xff);
          if (tamper === 'signature') {
            sig = sig.slice();
            sig[at % 64]! ^= 1 << (at % 8);
          }
          if (tamper === 'key') pk = orgKeyPair(Uint8Array.from(seed, (b) => b ^ 0x55)).publicKey;
          const bySodium = verifyEd25519(pk, msg, sig);
          const byNode = orgVerify(pk, msg, sig);
          assert.equal(bySodium, byNode);
          assert.equal(bySodium, tamper === 'none');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('node:crypto verifies what libsodium signs, and libsodium what node:crypto signs', () => {
    const seed = new Uint8Array(32).fill(7);
    const pk = new Uint8Array(32);
    const sk = new Uint8Array(64);
    sodium.crypto_sign_seed_keypair(pk, sk, seed);
    const key = orgKeyPair(seed);
    assert.deepEqual(pk, key.publicKey);
    const msg = new TextEncoder().encode('cross-check');
    const sig = new Uint8Array(64);
    sodium.crypto_sign_detached(sig, msg, sk);
    assert.deepEqual(sig, orgSign(key, msg), 'Ed25519 is deterministic: both sign identically');
    assert.equal(verify(null, msg, publicKeyObject(pk), sig), true);
    assert.equal(verifyEd25519(pk, msg, new Uint8Array(sign(null, msg, key.privateKey))), true);
  });

  it('passes the RFC 8032 §7.1 test 1 vector', () => {
    const pk = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = fromHex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    assert.equal(verifyEd25519(pk, new Uint8Array(0), sig), true);
    assert.equal(verifyEd25519(pk, Uint8Array.of(0), sig), false);
  });

  it('refuses wrong lengths, S ≥ ℓ and small-order keys without throwing', () => {
    const key = orgKeyPair(new Uint8Array(32).fill(1));
    const msg = Uint8Array.of(1, 2, 3);
    const sig = orgSign(key, msg);
    assert.equal(verifyEd25519(key.publicKey.subarray(1), msg, sig), false);
    assert.equal(verifyEd25519(key.publicKey, msg, sig.subarray(1)), false);
    const highS = sig.slice();
    highS.fill(0xff, 32); // S ≥ ℓ: malleable form, refused by both verifiers
    assert.equal(verifyEd25519(key.publicKey, msg, highS), false);
    assert.equal(orgVerify(key.publicKey, msg, highS), false);
    const identity = new Uint8Array(32);
    identity[0] = 1;
    assert.equal(isValidEd25519PublicKey(identity), false);
    assert.equal(isValidEd25519PublicKey(key.publicKey), true);
    // A small-order key with R = identity, S = 0 "signs" every message under cofactorless rules that
    // skip the small-order check; libsodium refuses it (and genesis never admits such a key).
    const forged = new Uint8Array(64);
    forged[0] = 1;
    assert.equal(verifyEd25519(identity, msg, forged), false);
  });
});
