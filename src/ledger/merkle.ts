/**
 * Merkle tree hash and inclusion proofs of RFC 6962 §2.1 (as restated in RFC 9162 §2.1):
 *   MTH({}) = SHA-256(""),  MTH({d}) = SHA-256(0x00 ‖ d),
 *   MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two < n.
 * A block's txRoot is the MTH of its transaction ids. Inclusion proofs are RFC 6962 audit paths,
 * verified with the algorithm of RFC 9162 §2.1.3.2.
 *
 * Proof encoding: u64 leafIndex ‖ u64 treeSize ‖ u8 n ‖ n × 32-byte hashes, with
 * leafIndex < treeSize ≤ 2^53 − 1 and n ≤ 64.
 */
import { bytesEqual } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { Reader } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import { sha256 } from '../crypto/hash.ts';
import { plainBytes } from './plainBytes.ts';

/** An audit path: the sibling hashes from the leaf up to the root. */
export interface InclusionProof {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly path: readonly Uint8Array[];
}

/** Longest audit path accepted (trees of up to 2^64 leaves). */
export const MAX_PROOF_HASHES = 64;

/** SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length); // buf[0] = 0x00
  buf.set(data, 1);
  return sha256(buf);
}

const nodeInput = new Uint8Array(65);
nodeInput[0] = 0x01;

/** SHA-256(0x01 ‖ left ‖ right) of two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32) throw new RangeError('node children are 32-byte hashes');
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return sha256(nodeInput);
}

/** MTH of `leaves` (the data, not yet hashed). */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  return subtreeRoot(leaves.map(leafHash), 0, leaves.length);
}

/** The audit path of leaf `index` in the tree of `leaves`. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): InclusionProof {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} outside a tree of ${leaves.length}`);
  }
  const hashes = leaves.map(leafHash);
  const path: Uint8Array[] = [];
  // PATH(m, D[lo:hi]) of RFC 6962 §2.1.1, unrolled from the root down, then reversed (leaf first).
  let lo = 0;
  let hi = leaves.length;
  let m = index;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      path.push(subtreeRoot(hashes, lo + k, hi));
      hi = lo + k;
    } else {
      path.push(subtreeRoot(hashes, lo, lo + k));
      lo += k;
      m -= k;
    }
  }
  return { leafIndex: index, treeSize: leaves.length, path: path.reverse() };
}

/** True when `proof` shows that `leaf` (the data) is at `proof.leafIndex` in the tree with `root`. */
export function verifyInclusion(root: Uint8Array, leaf: Uint8Array, proof: InclusionProof): boolean {
  const { leafIndex, treeSize, path } = proof;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize)) return false;
  if (leafIndex < 0 || leafIndex >= treeSize || path.length > MAX_PROOF_HASHES) return false;
  // RFC 9162 §2.1.3.2, with fn and sn as bigints so that shifts work beyond 2^31.
  let fn = BigInt(leafIndex);
  let sn = BigInt(treeSize - 1);
  let r = leafHash(leaf);
  for (const p of path) {
    if (p.length !== 32 || sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && bytesEqual(r, root);
}

/** The canonical bytes of a proof. */
export function encodeInclusionProof(proof: InclusionProof): Uint8Array {
  const w = new Writer().u64(BigInt(proof.leafIndex)).u64(BigInt(proof.treeSize)).u8(proof.path.length);
  for (const p of proof.path) w.fixed(p, 32);
  return w.finish();
}

/** Decodes a proof; throws DecodeError on a malformed one (it may still fail verification). */
export function decodeInclusionProof(bytes: Uint8Array): InclusionProof {
  const r = new Reader(plainBytes(bytes), 'inclusion proof');
  const leafIndex = r.u64();
  const treeSize = r.u64();
  if (treeSize > BigInt(Number.MAX_SAFE_INTEGER) || leafIndex >= treeSize) {
    throw new DecodeError('DECODE_OUT_OF_RANGE', 'inclusion proof: leaf index or tree size out of range');
  }
  const n = r.u8();
  if (n > MAX_PROOF_HASHES) throw new DecodeError('DECODE_BAD_LENGTH', 'inclusion proof: path too long');
  const path: Uint8Array[] = [];
  for (let i = 0; i < n; i++) path.push(r.fixed(32));
  r.end();
  return { leafIndex: Number(leafIndex), treeSize: Number(treeSize), path };
}

function subtreeRoot(hashes: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return hashes[lo]!;
  const k = largestPowerOfTwoBelow(hi - lo);
  return nodeHash(subtreeRoot(hashes, lo, lo + k), subtreeRoot(hashes, lo + k, hi));
}

/** The largest power of two strictly below n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
