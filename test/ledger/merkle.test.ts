import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { sha256 } from '../../src/crypto/hash.ts';
import {
  decodeInclusionProof,
  encodeInclusionProof,
  type InclusionProof,
  inclusionProof,
  leafHash,
  merkleRoot,
  verifyInclusion,
} from '../../src/ledger/merkle.ts';

/** RFC 6962 §2.1 read literally (slices and recursion): the reference the implementation must match. */
function referenceMth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array());
  if (d.length === 1) return sha256(concatBytes(Uint8Array.of(0), d[0]!));
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha256(concatBytes(Uint8Array.of(1), referenceMth(d.slice(0, k)), referenceMth(d.slice(k))));
}

// The eight leaves of the Certificate Transparency reference tests and the roots of their prefixes.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const leavesArb = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 });

describe('RFC 6962 Merkle tree hash', () => {
  it('matches the known answers of the CT reference tests', () => {
    const leaves = CT_LEAVES.map(fromHex);
    assert.equal(toHex(merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    CT_ROOTS.forEach((root, i) => {
      assert.equal(toHex(merkleRoot(leaves.slice(0, i + 1))), root, `tree of ${i + 1}`);
    });
  });

  it('equals the literal recursive definition for random trees (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 70 }), (leaves) => {
        assert.equal(toHex(merkleRoot(leaves)), toHex(referenceMth(leaves)));
      }),
      { numRuns: 200 },
    );
  });

  it('separates leaves from nodes (no second-preimage by a 64-byte leaf)', () => {
    const a = Uint8Array.of(1);
    const b = Uint8Array.of(2);
    const root = merkleRoot([a, b]);
    assert.notEqual(toHex(merkleRoot([concatBytes(leafHash(a), leafHash(b))])), toHex(root));
  });
});

describe('inclusion proofs', () => {
  it('verify for every leaf of random trees, and only for that leaf and root (property)', () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const root = merkleRoot(leaves);
        leaves.forEach((leaf, i) => {
          const proof = inclusionProof(leaves, i);
          assert.equal(verifyInclusion(root, leaf, proof), true, `leaf ${i} of ${leaves.length}`);
          const decoded = decodeInclusionProof(encodeInclusionProof(proof));
          assert.deepEqual(decoded, proof);
          assert.equal(verifyInclusion(root, Uint8Array.of(...leaf, 0), proof), false, 'another leaf');
          if (leaves.length > 1) {
            const j = (i + 1) % leaves.length;
            if (toHex(leaves[j]!) !== toHex(leaf)) {
              assert.equal(verifyInclusion(root, leaf, { ...proof, leafIndex: j }), false, 'another index');
            }
          }
        });
      }),
      { numRuns: 120 },
    );
  });

  it('fail when tampered: any path bit, a dropped or extra hash, an index out of range, another root (property)', () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), fc.nat(), (leaves, pick, bit) => {
        const root = merkleRoot(leaves);
        const i = pick % leaves.length;
        const proof = inclusionProof(leaves, i);
        const tampered: InclusionProof[] = [
          { ...proof, path: [...proof.path, new Uint8Array(32)] },
          { ...proof, leafIndex: proof.treeSize },
          { ...proof, leafIndex: -1 },
        ];
        if (proof.path.length > 0) {
          const k = bit % proof.path.length;
          const flipped = proof.path.map((p) => p.slice());
          flipped[k]![(bit >> 3) % 32]! ^= 1 << (bit % 8);
          tampered.push({ ...proof, path: flipped }, { ...proof, path: proof.path.slice(1) });
          tampered.push({ ...proof, path: proof.path.slice(0, -1) });
        }
        // (Another tree size is not in the list: an audit path need not bind the size — e.g. leaf 0 of
        // 3 and of 4 leaves have the same path shape — so the verifier takes the size from the block.)
        for (const t of tampered) assert.equal(verifyInclusion(root, leaves[i]!, t), false);
        const otherRoot = root.slice();
        otherRoot[bit % 32]! ^= 1;
        assert.equal(verifyInclusion(otherRoot, leaves[i]!, proof), false);
      }),
      { numRuns: 200 },
    );
  });

  it('a single-leaf tree has an empty path; index and size must be in range', () => {
    const proof = inclusionProof([Uint8Array.of(5)], 0);
    assert.deepEqual(proof.path, []);
    assert.equal(verifyInclusion(merkleRoot([Uint8Array.of(5)]), Uint8Array.of(5), proof), true);
    assert.throws(() => inclusionProof([Uint8Array.of(5)], 1), RangeError);
    assert.throws(() => inclusionProof([], 0), RangeError);
  });

  it('the proof decoder refuses malformed input and never crashes (fuzz)', () => {
    assert.throws(
      () => decodeInclusionProof(encodeInclusionProof({ leafIndex: 3, treeSize: 3, path: [] })),
      (e) => e instanceof DecodeError && e.code === 'DECODE_OUT_OF_RANGE',
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        try {
          const p = decodeInclusionProof(bytes);
          assert.ok(p.leafIndex < p.treeSize);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
