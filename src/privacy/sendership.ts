/**
 * Proof of sendership (docs/privacy.md §5): the sender of a ring signcryption shows that it is the
 * sender — that the trace tag encrypts its own pseudonym key Y — with neither the regulator's key
 * nor any other secret revealed. It kept the tag's randomness a (T1 = a·B, T2 = Y + a·P), so it
 * proves log_B(T1) = log_P(T2 − Y) with Chaum–Pedersen (./chaumPedersen.ts), bound to the
 * signcryption and to a caller's context. No one else can: for another ring member's key Y′,
 * T2 − Y′ = a·P + (Y − Y′) is not a·P, so the statement is false, and Chaum–Pedersen is sound.
 * It links the signcryption to Y, so a sender uses it only where it means to reveal that link: a
 * consumer escalating its own unanswered bill response (docs/protocol.md §7).
 */
import { Writer } from '../codec/writer.ts';
import type { Point, Scalar } from '../crypto/group.ts';
import { sha256 } from '../crypto/hash.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import { type DleqProof, type DleqStatement, proveDleq, verifyDleq } from './chaumPedersen.ts';
import type { RscParams } from './ringSigncryption.ts';
import { encodeSigncryption, type Signcryption } from './signcryptionEncoding.ts';

/** The sender proves that `sc`, whose trace-tag randomness was `traceSecret`, is its own (key `sender`). */
export function proveSendership(
  params: RscParams,
  sc: Signcryption,
  sender: Point,
  traceSecret: Scalar,
  context: Uint8Array,
  random: RandomSource = systemRandom,
): DleqProof {
  return proveDleq(
    params.group,
    statement(params, sc, sender),
    traceSecret,
    sendershipContext(sc, context),
    random,
  );
}

/** True when `proof` shows that the holder of `sender` sent `sc` (for this context). */
export function verifySendership(
  params: RscParams,
  sc: Signcryption,
  sender: Point,
  proof: DleqProof,
  context: Uint8Array,
): boolean {
  return verifyDleq(params.group, statement(params, sc, sender), proof, sendershipContext(sc, context));
}

/** log_B(T1) = log_P(T2 − Y). */
function statement(params: RscParams, sc: Signcryption, sender: Point): DleqStatement {
  const { group } = params;
  return { g: group.base, x: sc.t1, h: params.regulatorKey, y: group.sub(sc.t2, sender) };
}

/** What a sendership proof is bound to: string "dpp/rsc/v1/sender" ‖ SHA-256(encoding of sc) ‖ bytes context. */
export function sendershipContext(sc: Signcryption, context: Uint8Array): Uint8Array {
  return new Writer()
    .string('dpp/rsc/v1/sender')
    .fixed(sha256(encodeSigncryption(sc)), 32)
    .bytes(context)
    .finish();
}
