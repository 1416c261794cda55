/**
 * Byzantine behaviours for the simulator. A Byzantine validator runs an honest replica underneath
 * (so it stays plausible) and distorts what leaves it: it equivocates as primary, tampers with
 * proposals, forges and replays messages, votes for conflicting blocks, floods view changes, goes
 * silent, or sends oversized and malformed bytes — and, as a backup, proposes blocks it may not
 * (self-signed pre-prepares for its view and the next), reports forged or stale prepared
 * certificates in its view changes, answers state transfer with forged blocks, and as a new primary
 * proposes below the new view's floor. It holds only
 * its own signing secret.
 */
import { bytesEqual, concatBytes } from '../../codec/bytes.ts';
import { quorumSize } from '../../ledger/certificate.ts';
import type { Rng } from '../../prng.ts';
import type { ConsensusCrypto } from '../consensusCrypto.ts';
import {
  type CertifiedPayload,
  encodeSigned,
  type Message,
  type PreparedCertificate,
  type Signed,
  signingBytes,
} from '../messages.ts';
import { primaryOf } from '../primary.ts';
import { decideNewView } from '../viewChange.ts';
import { simPayload } from './payload.ts';

/** A byte of a payload's parent digest (./payload.ts). */
const PARENT_BYTE = 20;

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
  'rogue-proposer',
  'forged-prepared',
  'stale-prepared',
  'forged-blocks',
  'floor-breaker',
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
  /** The blocks this validator has committed. */
  readonly chain: readonly CertifiedPayload[];
  /** Prepared certificates this validator reported, by height (for stale reports). */
  readonly reported: Map<bigint, { cert: PreparedCertificate; payload: Uint8Array | null }>;
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
      // As primary, send every other replica a different, validly signed proposal — and to some the
      // honest one as well, before or after it, so one replica sees two proposals for one slot.
      if (m.type !== 'pre-prepare' || to % 2 === 0) return [honest];
      const payload = concatBytes(m.payload, Uint8Array.of(0xee, to));
      const forked = {
        to,
        bytes: encodeSigned(resign({ ...m, payload, digest: ctx.crypto.digest(payload) })),
      };
      const both = ctx.prng.chance(0.5);
      return !both ? [forked] : ctx.prng.chance(0.5) ? [forked, honest] : [honest, forked];
    }
    case 'tamper': {
      if (m.type === 'pre-prepare') {
        const payload = m.payload.slice();
        if (ctx.prng.chance(0.5)) {
          // A proposal whose payload no longer matches its signed digest.
          payload[payload.length - 1]! ^= 1;
          return [{ to, bytes: encodeSigned({ ...signed, message: { ...m, payload } }) }];
        }
        // A validly signed proposal the application must refuse: its parent is not the last block.
        payload[PARENT_BYTE]! ^= 1;
        return [{ to, bytes: encodeSigned(resign({ ...m, payload, digest: ctx.crypto.digest(payload) })) }];
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
      // A second vote (or checkpoint) for a competing proposal it has seen at that height, or any digest.
      if (m.type !== 'prepare' && m.type !== 'commit' && m.type !== 'checkpoint') return [honest];
      const rival = ctx.seen.find(
        (s) =>
          s.message.type === 'pre-prepare' &&
          s.message.height === m.height &&
          !bytesEqual(s.message.digest, m.digest),
      )?.message as { digest: Uint8Array } | undefined;
      const other = resign({ ...m, digest: rival?.digest ?? ctx.prng.bytes(32) });
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
    case 'rogue-proposer': {
      // Having voted to commit height h, propose h + 1 itself — in this view when it does not lead
      // it, and in the next before any new view — on the right parent, naming the rightful primary.
      if (m.type !== 'commit') return [honest];
      const out = [honest];
      for (const view of [m.view, m.view + 1n]) {
        if (view === m.view && primaryOf(view, ctx.n) === ctx.self) continue;
        const height = m.height + 1n;
        const payload = simPayload(height, view, primaryOf(view, ctx.n), m.digest, ctx.prng.bytes(8));
        const rogue = resign({
          type: 'pre-prepare',
          view,
          height,
          digest: ctx.crypto.digest(payload),
          payload,
        });
        out.push({ to, bytes: encodeSigned(rogue) });
      }
      return out;
    }
    case 'forged-prepared': {
      // A view change claiming a prepared certificate of the latest possible view for a block of its
      // own making, with signatures it cannot have — and the payload, so a new primary could re-propose it.
      if (m.type !== 'view-change') return [honest];
      const height = m.committedHeight + 1n;
      const parent = m.committed?.digest ?? new Uint8Array(32);
      const payload = simPayload(height, m.newView - 1n, ctx.self, parent, ctx.prng.bytes(8));
      const view = m.newView - 1n;
      const primary = primaryOf(view, ctx.n);
      const prepares = [...Array(ctx.n).keys()]
        .filter((v) => v !== primary)
        .slice(0, quorumSize(ctx.n) - 1)
        .map((validator) => ({ validator, signature: ctx.prng.bytes(64) }));
      const prepared = {
        view,
        height,
        digest: ctx.crypto.digest(payload),
        prePrepareSignature: ctx.prng.bytes(64),
        prepares,
      };
      return [{ to, bytes: encodeSigned(resign({ ...m, prepared, preparedPayload: payload })) }];
    }
    case 'stale-prepared': {
      // A view change reporting the first prepared certificate it ever formed for that height (an
      // older view than its latest), or none at all.
      if (m.type !== 'view-change') return [honest];
      const height = m.committedHeight + 1n;
      const first = ctx.reported.get(height);
      if (first === undefined && m.prepared !== null)
        ctx.reported.set(height, { cert: m.prepared, payload: m.preparedPayload });
      const stale = first ?? null;
      const lie = resign({ ...m, prepared: stale?.cert ?? null, preparedPayload: stale?.payload ?? null });
      return [{ to, bytes: encodeSigned(lie) }];
    }
    case 'forged-blocks': {
      // Lure replicas into fetching blocks from it (see `forgeBlocks`): claim commits two heights ahead.
      if (m.type !== 'commit' && m.type !== 'checkpoint') return [honest];
      const lure = resign({
        type: 'commit',
        view: 'view' in m ? m.view : 0n,
        height: m.height + 2n,
        digest: ctx.prng.bytes(32),
      });
      return [honest, { to, bytes: encodeSigned(lure) }];
    }
    case 'floor-breaker': {
      // As the new primary, also propose a fresh block at the highest height the view changes
      // certify — below the new view's floor — to replicas that may not have committed it yet.
      if (m.type !== 'new-view') return [honest];
      const settled = decideNewView(m.viewChanges.map((v) => v.message)).committedHeight;
      const parent = settled === 1n ? new Uint8Array(32) : ctx.chain[Number(settled) - 2]?.digest;
      if (settled === 0n || parent === undefined) return [honest];
      const payload = simPayload(settled, m.view, ctx.self, parent, ctx.prng.bytes(8));
      const below = resign({
        type: 'pre-prepare',
        view: m.view,
        height: settled,
        digest: ctx.crypto.digest(payload),
        payload,
      });
      return [honest, { to, bytes: encodeSigned(below) }];
    }
  }
}

/**
 * What a 'forged-blocks' validator serves when asked for blocks from `from`: the block it has at
 * that height with another payload under its genuine certificate, or blocks of its own making whose
 * certificates carry signatures it cannot have.
 */
export function forgeBlocks(
  ctx: ByzantineContext,
  chain: readonly CertifiedPayload[],
  from: bigint,
  count: number,
): CertifiedPayload[] {
  const out: CertifiedPayload[] = [];
  let parent = chain[Number(from) - 2]?.digest ?? new Uint8Array(32);
  for (let height = from; height < from + BigInt(count); height++) {
    const real = chain[Number(height) - 1];
    const payload = simPayload(height, 0n, 0, parent, ctx.prng.bytes(8));
    const digest = ctx.crypto.digest(payload);
    if (real !== undefined && ctx.prng.chance(0.5)) {
      out.push({ ...real, payload });
    } else {
      const votes = [...Array(quorumSize(ctx.n)).keys()].map((validatorIndex) => ({
        validatorIndex,
        signature: ctx.prng.bytes(64),
      }));
      out.push({ payload, height, digest, certificate: { view: 0n, votes } });
    }
    parent = digest;
  }
  return out;
}
