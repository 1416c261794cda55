/**
 * Transaction kinds used only by the ledger tests: a pseudonym-authorised kind, a ring-authorised
 * kind that verifies a real traceable ring signcryption against a ring kept in state, and kinds
 * that misbehave on purpose.
 */
import { concatBytes, toHex, utf8 } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import type { Group, Point } from '../../src/crypto/group.ts';
import { DppError } from '../../src/errors.ts';
import type { RingAuthorisation } from '../../src/ledger/authorisation.ts';
import type {
  OrgTxHandler,
  PseudonymTxHandler,
  RingTxHandler,
  TransactionWith,
  TxContext,
} from '../../src/ledger/handler.ts';
import { LedgerError } from '../../src/ledger/ledgerError.ts';
import { matchesRingTxContext } from '../../src/ledger/ringAuth.ts';
import { nonceKey } from '../../src/ledger/stateKeys.ts';
import { ringOf } from '../../src/privacy/ring.ts';
import { type RscParams, verify } from '../../src/privacy/ringSigncryption.ts';
import { decodeSigncryption, type Signcryption } from '../../src/privacy/signcryptionEncoding.ts';

/** `pseudonym/‖Y` marks a certified pseudonym (a stand-in for the pseudonym contract's registry). */
export const certifiedKey = (y: Uint8Array) => concatBytes(utf8('pseudonym/'), y);
/** Where test.pseudo writes. */
export const pseudoNoteKey = (y: Uint8Array) => concatBytes(utf8('pnote/'), y);
/** The ring test.ring verifies against: its members' keys, concatenated, in canonical order. */
export const RING_KEY = utf8('ring/test');
/** Where test.ring writes. */
export const ringNoteKey = (id: Uint8Array) => concatBytes(utf8('ringmsg/'), id);

/** test.pseudo: a pseudonym-signed note; empty notes fail business validation. */
export const pseudoHandler: PseudonymTxHandler<Uint8Array> = {
  kind: 'test.pseudo',
  authScheme: 'pseudonym',
  decodePayload: (bytes) => bytes,
  authorise(ctx, tx) {
    if (ctx.state.get(certifiedKey(tx.auth.pseudonym)) === undefined) {
      throw new LedgerError('LEDGER_UNAUTHORISED', 'pseudonym not certified');
    }
  },
  validate(_ctx, _tx, note) {
    if (note.length === 0) throw new DppError('TEST_EMPTY', 'empty note');
  },
  apply: (_ctx, tx, note) => [{ key: pseudoNoteKey(tx.auth.pseudonym), value: note }],
};

/**
 * test.ring: the payload is a signcryption by a member of the ring in state, bound to the tx. The
 * ring proof is a pure check of the transaction and the ring's bytes, so it goes through
 * `ctx.pureVerdict` (as a contract's should); `proofsChecked` counts how often it actually ran.
 */
export function ringHandler(params: RscParams): RingTxHandler<Signcryption> & { proofsChecked: number } {
  const h = {
    kind: 'test.ring',
    authScheme: 'ring' as const,
    proofsChecked: 0,
    decodePayload: (bytes: Uint8Array, group: Group) => decodeSigncryption(group, bytes),
    authorise(ctx: TxContext, tx: TransactionWith<RingAuthorisation>, sc: Signcryption) {
      const stored = ctx.state.get(RING_KEY);
      if (stored === undefined) throw new LedgerError('LEDGER_UNAUTHORISED', 'no ring');
      const members: Point[] = [];
      for (let i = 0; i < stored.length; i += 32)
        members.push(ctx.group.decodePoint(stored.subarray(i, i + 32)));
      // [INVALID] a signcryption not bound to this transaction's chain, kind and unique id
      if (!matchesRingTxContext(sc.context, tx))
        throw new LedgerError('LEDGER_UNAUTHORISED', 'context mismatch');
      // [INVALID] not made by a member of the ring (a pure check of the tx and the ring's bytes)
      const ok = ctx.pureVerdict([stored], () => {
        h.proofsChecked += 1;
        return verify(params, sc, ringOf(members));
      });
      if (!ok) throw new LedgerError('LEDGER_UNAUTHORISED', 'ring proof fails');
    },
    validate() {},
    apply: (_ctx: TxContext, tx: TransactionWith<RingAuthorisation>) => [
      { key: ringNoteKey(tx.auth.uniqueId), value: Uint8Array.of(1) },
    ],
  };
  return h;
}

/** A kind counting its payload decodings (to see whether verification was repeated). */
export function countingHandler(): OrgTxHandler<Uint8Array> & { decoded: number } {
  const h = {
    kind: 'test.count',
    authScheme: 'org' as const,
    decoded: 0,
    decodePayload(bytes: Uint8Array) {
      h.decoded += 1;
      return bytes;
    },
    validate() {},
    apply: () => [],
  };
  return h;
}

/** Kinds that misbehave: payload byte 0 says how. */
export const faultyHandler: OrgTxHandler<Uint8Array> = {
  kind: 'test.faulty',
  authScheme: 'org',
  decodePayload(bytes) {
    if (bytes.length !== 1) throw new DecodeError('DECODE_BAD_LENGTH', 'one byte');
    return bytes;
  },
  authorise(_ctx, _tx, p) {
    if (p[0] === 4) throw new DppError('TEST_NO', 'not allowed');
  },
  validate(_ctx, _tx, p) {
    if (p[0] === 1) throw new TypeError('a bug in the handler');
    if (p[0] === 5) throw new DppError('lower-case code', 'a code a receipt cannot carry');
    if (p[0] === 6) throw new DppError('TEST_REFUSED', 'business rule');
  },
  apply(_ctx, tx, p) {
    if (p[0] === 2) return [{ key: nonceKey(tx.auth.sender), value: new Uint8Array(8) }];
    if (p[0] === 3) return [{ key: utf8('x'), value: 'not bytes' as unknown as Uint8Array }];
    return [{ key: utf8(`faulty/${toHex(tx.auth.sender)}`), value: p }];
  },
};
