/**
 * Scalars derived from bytes: hash-to-scalar with domain separation (SHA-512 of a tagged, framed
 * input, reduced mod ℓ) and hedged nonces (fresh randomness hashed with the secret and the
 * message, so neither a weak random source nor a repeated one alone leaks a secret).
 */
import { randomBytes } from 'node:crypto';
import type { Group, Scalar } from './group.ts';
import { taggedSha512 } from './hash.ts';

/** A source of random bytes; tests and frozen vectors pass a seeded one. */
export type RandomSource = (length: number) => Uint8Array;

/** The operating system's CSPRNG. */
export const systemRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

/** H(tag, parts) mod ℓ: SHA-512 over the tagged framing, reduced (bias < 2^-250). */
export function hashToScalar(group: Group, tag: string, ...parts: readonly Uint8Array[]): Scalar {
  return group.scalarFromWide(taggedSha512(tag, ...parts));
}

/** A uniformly random scalar (64 random bytes reduced mod ℓ). */
export function randomScalar(group: Group, random: RandomSource = systemRandom): Scalar {
  return group.scalarFromWide(random(64));
}

/** A hedged nonce: H(tag, 32 fresh random bytes, secret, context…) mod ℓ. */
export function hedgedScalar(
  group: Group,
  random: RandomSource,
  tag: string,
  secret: Uint8Array,
  ...context: readonly Uint8Array[]
): Scalar {
  return hashToScalar(group, tag, random(32), secret, ...context);
}

/** A deterministic RandomSource from a seed (SHA-512 in counter mode), for tests and vectors only. */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += 64) {
      const block = taggedSha512('dpp/test/seeded-random/v1', new TextEncoder().encode(seed), u32(counter++));
      out.set(block.subarray(0, Math.min(64, length - at)), at);
    }
    return out;
  };
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
