/**
 * The noble backend of ./group.ts: @noble/curves' edwards25519 (audited, pure TypeScript). About
 * ten times slower than libsodium; it exists so that every result of the libsodium backend is
 * checked against an independent implementation with the same encodings.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { ELEMENT_BYTES, type Group, IDENTITY_BYTES, invalidPoint, type Point, type Scalar } from './group.ts';

const EdPoint = ed25519.Point;
type EdPoint = InstanceType<typeof EdPoint>;
const Fn = EdPoint.Fn;

let group: Group | undefined;

/** The noble group. */
export function nobleGroup(): Promise<Group> {
  group ??= makeGroup();
  return Promise.resolve(group);
}

function makeGroup(): Group {
  const enc = (p: EdPoint): Point => p.toBytes() as Point;
  const num = (s: Scalar): bigint => bytesToNumberLE(s);
  const sc = (n: bigint): Scalar => numberToBytesLE(Fn.create(n), ELEMENT_BYTES) as Scalar;
  // Operands of arithmetic were validated on decode or computed here: parse without re-checking.
  const pt = (p: Point): EdPoint => EdPoint.fromBytes(p, true);

  const strictDecode = (bytes: Uint8Array): EdPoint | undefined => {
    if (bytes.length !== ELEMENT_BYTES) return undefined;
    let p: EdPoint;
    try {
      p = EdPoint.fromBytes(bytes, false); // RFC 8032 strict: y < p, no negative zero
    } catch {
      return undefined;
    }
    if (p.isSmallOrder() || !p.isTorsionFree()) return undefined;
    return p;
  };

  return {
    name: 'edwards25519',
    backend: 'noble',
    base: enc(EdPoint.BASE),
    identity: IDENTITY_BYTES.slice() as Point,
    isValidPoint: (bytes) => strictDecode(bytes) !== undefined,
    decodePoint(bytes) {
      const p = strictDecode(bytes);
      if (p === undefined) {
        invalidPoint('non-canonical, not on the curve, of small order or outside the prime-order subgroup');
      }
      return enc(p);
    },
    mulBase: (s) => enc(num(s) === 0n ? EdPoint.ZERO : EdPoint.BASE.multiply(num(s))),
    mul: (s, p) => enc(pt(p).multiplyUnsafe(num(s))),
    add: (p, q) => enc(pt(p).add(pt(q))),
    sub: (p, q) => enc(pt(p).subtract(pt(q))),
    scalarFromWide(wide) {
      if (wide.length !== 64) throw new RangeError('wide scalar must be 64 bytes');
      return sc(bytesToNumberLE(wide));
    },
    scalarAdd: (a, b) => sc(Fn.add(num(a), num(b))),
    scalarSub: (a, b) => sc(Fn.sub(num(a), num(b))),
    scalarMul: (a, b) => sc(Fn.mul(num(a), num(b))),
    scalarNeg: (a) => sc(Fn.neg(num(a))),
  };
}
