/** Key pairs (x, X = x·B) of the privacy layer: pseudonym keys and receiving keys. */
import type { Group, Point, Scalar } from '../crypto/group.ts';
import { type RandomSource, randomScalar, systemRandom } from '../crypto/scalars.ts';

/** A secret scalar and its public point. */
export interface KeyPair {
  readonly secret: Scalar;
  readonly publicKey: Point;
}

/** A fresh key pair (the member makes it itself; the regulator never sees the secret). */
export function generateKeyPair(group: Group, random: RandomSource = systemRandom): KeyPair {
  const secret = randomScalar(group, random);
  return { secret, publicKey: group.mulBase(secret) };
}
