/**
 * Byzantine behaviours for the simulator. A Byzantine validator runs an honest replica underneath
 * (so it stays plausible) and distorts what leaves it: it equivocates as primary, tampers with
 * proposals, forges and replays messages, votes for conflicting blocks, floods view changes, goes
 * silent, or sends oversized and malformed bytes. It holds only its own signing secret.
 */
import { concatBytes } from '../../codec/bytes.ts';
import type { Rng } from '../../prng.ts';
import type { ConsensusCrypto } from '../consensusCrypto.ts';
import { encodeSigned, type Message, type Signed, signingBytes } from '../messages.ts';

/** Fixed pseudo-random bytes that oversized messages are cut from. */
const JUNK = Uint8Array.from({ length: 1 << 17 }, (_, i) => (i * 2654435761) >>> 24);

/** The kinds of misbehaviour the simulator draws from. */
export const BYZANTINE_KINDS = [
  'silent',
  'equivocate',
  'tamper',
  'forge-replay',
  'conflicting-votes',
  'view-change-flood',
  'oversized',
] as const;

/** One kind of misbehaviour. */
export type ByzantineKind = (typeof BYZANTINE_KINDS)[number];

/** An outgoing message: to whom, and the bytes on the wire. */
export interface Outgoing {
  readonly to: number;
  readonly bytes: Uint8Array;
}

/** Context a Byzantine transform may use. */
export interface ByzantineContext {
  readonly chainId: string;
  readonly self: number;
  readonly n: number;
  readonly crypto: ConsensusCrypto;
  readonly prng: Rng;
  /** Messages this validator has received, available for replay. */
  readonly seen: Signed[];
}

/** Turns one honest outgoing message into what the Byzantine validator actually sends. */
export function distort(kind: ByzantineKind, ctx: ByzantineContext, to: number, signed: Signed): Outgoing[] {
  const honest: Outgoing = { to, bytes: encodeSigned(signed) };
  const resign = <M extends Message>(message: M): Signed<M> => ({
    sender: ctx.self,
    message,
    signature: ctx.crypto.sign(signingBytes(ctx.chainId, ctx.self, message)),
  });
  const m = signed.message;
  switch (kind) {
    case 'silent':
      return [];
    case 'equivocate': {
      // As primary, send every other replica a different, validly signed proposal.
      if (m.type !== 'pre-prepare' || to % 2 === 0) return [honest];
      const payload = concatBytes(m.payload, Uint8Array.of(0xee, to));
      const forked = resign({ ...m, payload, digest: ctx.crypto.digest(payload) });
      return [{ to, bytes: encodeSigned(forked) }];
    }
    case 'tamper': {
      if (m.type === 'pre-prepare') {
        // A proposal whose payload no longer matches its signed digest.
        const payload = m.payload.slice();
        payload[payload.length - 1]! ^= 1;
        return [{ to, bytes: encodeSigned({ ...signed, message: { ...m, payload } }) }];
      }
      if (m.type === 'prepare' || m.type === 'commit') {
        // A vote whose digest was changed after signing.
        const digest = m.digest.slice();
        digest[0]! ^= 1;
        return [{ to, bytes: encodeSigned({ ...signed, message: { ...m, digest } }) }];
      }
      return [honest];
    }
    case 'forge-replay': {
      const out: Outgoing[] = [honest];
      // Claim to be someone else (the signature is ours, so it cannot verify).
      const victim = (ctx.self + 1 + ctx.prng.int(0, ctx.n - 2)) % ctx.n;
      out.push({ to, bytes: encodeSigned({ ...signed, sender: victim }) });
      // Replay an old message someone else signed.
      if (ctx.seen.length > 0) out.push({ to, bytes: encodeSigned(ctx.prng.pick(ctx.seen)) });
      return out;
    }
    case 'conflicting-votes': {
      if (m.type !== 'prepare' && m.type !== 'commit') return [honest];
      const other = resign({ ...m, digest: ctx.prng.bytes(32) });
      return [honest, { to, bytes: encodeSigned(other) }];
    }
    case 'view-change-flood': {
      if (m.type !== 'view-change') return [honest];
      const far = resign({ ...m, newView: m.newView + BigInt(ctx.prng.int(1, 50)) });
      return [honest, { to, bytes: encodeSigned(far) }];
    }
    case 'oversized': {
      const size = ctx.prng.int(1, 4) * 16_384;
      const start = ctx.prng.int(0, JUNK.length - size);
      const junk = JUNK.subarray(start, start + size);
      const lying = encodeSigned(signed).slice();
      // Claim a body far larger than the message (the u32 length after version, type, sender).
      new DataView(lying.buffer).setUint32(4, 0xfffffff0);
      return [honest, { to, bytes: junk }, { to, bytes: lying }];
    }
  }
}
