/**
 * The pairing-based competitors of the crypto benchmark (docs/privacy-baselines.md): the
 * Chow–Yiu–Hui ring signature + Boneh–Franklin FullIdent composition, and a CYH05-based
 * identity-based ring signcryption standing in for Huang et al. 2005, each on BLS12-381 and BN254.
 *
 * mcl holds one curve at a time: prepare() switches to its scheme's curve, and a prepared ring is
 * valid only until a prepare() on the other curve; run one curve's schemes, then the other's.
 */
import type { BenchableScheme } from '../scheme.ts';
import { cyh05Bf01Scheme } from './cyh05Bf01.ts';
import { cyh05IbrscScheme } from './cyh05Ibrsc.ts';
import { PAIRING_CURVES, type PairingCurve } from './mclCurve.ts';

export type { PairingCurve } from './mclCurve.ts';

/** Every pairing baseline, grouped by curve (BLS12-381 first), or only those on `curve`. */
export function pairingBaselines(curve?: PairingCurve): BenchableScheme[] {
  const curves = curve === undefined ? PAIRING_CURVES : [curve];
  return curves.flatMap((c) => [cyh05Bf01Scheme(c), cyh05IbrscScheme(c)]);
}
