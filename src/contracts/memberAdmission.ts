/**
 * Joining after genesis from the organisation's own signed member card (docs/protocol.md §4.1):
 * `member.admit` carries the card's canonical body (docs/ledger.md §8.4) and its organisation-key
 * signature, so every validator checks for itself that the organisation holds the key it is
 * registered with — the signature over frame(`dpp/member-card/v1`, [body]) by the card's org key —
 * that the card names this chain, and that the role may join. The trading centre sends it (it
 * decides who joins); it cannot alter what the organisation signed.
 *
 * A card that declares a validator is admitted as a member only: its validator entry travels
 * because the organisation's signature covers it, and is otherwise ignored — a validator joins the
 * set through `validator.change` (./validators.ts).
 */
import { utf8 } from '../codec/bytes.ts';
import { DecodeError } from '../codec/decodeError.ts';
import { EncodeError } from '../codec/encodeError.ts';
import { verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { isDppError } from '../errors.ts';
import type { TxContext } from '../ledger/handler.ts';
import { cardSigningBytes, encodeCardBody, type MemberCardBody } from '../ledger/memberCard.ts';
import { encodeMemberRecord, isValidName, MEMBER_ROLES } from '../ledger/memberRecord.ts';
import { memberKey, orgKeyKey } from '../ledger/stateKeys.ts';
import { isValidChainId } from '../ledger/transaction.ts';
import { newcomer } from '../market/reputation.ts';
import { ContractError } from './contractError.ts';
import type { Draft } from './draft.ts';
import { reputationKey } from './keys.ts';
import { memberById, orgKind } from './kinds.ts';
import { assertFreshOrgKey, recordJoin } from './memberHistory.ts';
import { reputationRecord } from './records.ts';
import { type Field, fixed, record } from './schema.ts';

/** Longest endpoint text a card carries (a 253-character host, a port, a scheme). */
const MAX_ENDPOINT_BYTES = 300;

/**
 * A member card's body in its canonical encoding (../ledger/memberCard.ts `encodeCardBody`), read
 * strictly: version 1, chain id and ids of their forms, a known role, the card's own rules (a
 * consumer and only a consumer names an aggregator, a valid organisation key, a validator key
 * other than it, endpoints in canonical form). A body no card may hold is a DecodeError.
 */
export const cardBodyField: Field<MemberCardBody> = {
  write: (w, v) => {
    let bytes: Uint8Array;
    try {
      bytes = encodeCardBody(v);
    } catch (cause) {
      throw new EncodeError(
        'ENCODE_BAD_VALUE',
        `card: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    }
    w.fixed(bytes, bytes.length);
  },
  read: (r) => {
    const version = r.u8();
    if (version !== 1) throw new DecodeError('DECODE_BAD_VERSION', `card: version ${version}, expected 1`);
    const chainId = r.string(64);
    if (!isValidChainId(chainId)) bad('chain id');
    const id = r.string(64);
    if (!isValidName(id)) bad('member id');
    const code = r.u8();
    const role = MEMBER_ROLES[code - 1];
    if (role === undefined) throw new DecodeError('DECODE_BAD_TAG', `card: unknown role ${code}`);
    const orgKey = r.fixed(32);
    const aggregator = r.string(64);
    const flag = r.u8();
    if (flag > 1) throw new DecodeError('DECODE_BAD_TAG', `card: validator flag ${flag}`);
    let body: MemberCardBody = {
      chainId,
      id,
      role,
      orgKey,
      ...(aggregator === '' ? {} : { aggregator }),
    };
    if (flag === 1) {
      const name = r.string(64);
      const publicKey = r.fixed(32);
      const p2p = r.string(MAX_ENDPOINT_BYTES);
      const api = r.string(MAX_ENDPOINT_BYTES);
      body = { ...body, validator: { name, publicKey, p2p, ...(api === '' ? {} : { api }) } };
    }
    // [INVALID] a body the card rules refuse (../ledger/memberCard.ts checkBody)
    try {
      encodeCardBody(body);
    } catch (cause) {
      if (!isDppError(cause)) throw cause;
      throw new DecodeError('DECODE_OUT_OF_RANGE', cause.message);
    }
    return body;
  },
};

function bad(what: string): never {
  throw new DecodeError('DECODE_OUT_OF_RANGE', `card: invalid ${what}`);
}

/** A signed member card as a payload carries it: its body and the organisation key's signature. */
export const signedCardShape = { card: cardBodyField, signature: fixed(64) };

/** `member.admit` payload: an organisation's signed member card. */
export const memberAdmitPayload = record('member.admit', 1, signedCardShape);

/**
 * [FAIL] unless the card is signed by its organisation key (CONTRACT_BAD_SIGNATURE) for this chain
 * (CONTRACT_WRONG_CHAIN).
 */
export function assertCardSigned(
  ctx: TxContext,
  p: { readonly card: MemberCardBody; readonly signature: Uint8Array },
): void {
  if (p.card.chainId !== ctx.block.chainId)
    throw new ContractError(
      'CONTRACT_WRONG_CHAIN',
      `the card of ${p.card.id} is for chain ${p.card.chainId}, not ${ctx.block.chainId}`,
      { cardChainId: p.card.chainId, chainId: ctx.block.chainId },
    );
  if (!verifyEd25519(p.card.orgKey, cardSigningBytes(p.card), p.signature))
    throw new ContractError(
      'CONTRACT_BAD_SIGNATURE',
      `the organisation key's signature of ${p.card.id}'s card does not verify`,
      { id: p.card.id },
    );
}

/** `member.admit`: the trading centre admits a generator, aggregator or consumer from its signed card. */
export const memberAdmit = orgKind({
  kind: 'member.admit',
  roles: ['trading-centre'],
  payload: memberAdmitPayload,
  execute({ ctx, payload: p, draft }) {
    const c = p.card;
    const role = c.role;
    // [FAIL] a card of another chain, or not signed by the key it declares
    assertCardSigned(ctx, p);
    // [FAIL] only generators, aggregators and consumers join after genesis
    if (role === 'trading-centre')
      throw new ContractError('CONTRACT_WRONG_ROLE', 'a consortium has one trading centre, made at genesis');
    // [FAIL] an id or a key already in use (or ever used)
    if (memberById(ctx, c.id) !== undefined)
      throw new ContractError('CONTRACT_EXISTS', `member ${c.id} exists`);
    assertFreshOrgKey(draft, c.orgKey);
    // [FAIL] a consumer's aggregator must be one
    if (c.aggregator !== undefined && memberById(ctx, c.aggregator)?.role !== 'aggregator')
      throw new ContractError('CONTRACT_WRONG_ROLE', `${c.aggregator} is not an aggregator`);
    admit(ctx, draft, { ...c, role }, 'card');
  },
});

/** Writes a new member: its record, its key, a newcomer's reputation and when and how it joined. */
export function admit(
  ctx: TxContext,
  draft: Draft,
  m: {
    readonly id: string;
    readonly role: 'generator' | 'aggregator' | 'consumer';
    readonly orgKey: Uint8Array;
    readonly aggregator?: string;
  },
  via: 'register' | 'card',
): void {
  const rec =
    m.aggregator === undefined
      ? { id: m.id, role: m.role, orgKey: m.orgKey }
      : { id: m.id, role: m.role, orgKey: m.orgKey, aggregator: m.aggregator };
  draft.putBytes(memberKey(m.id), encodeMemberRecord(rec));
  draft.putBytes(orgKeyKey(m.orgKey), utf8(m.id));
  draft.put(reputationKey(m.id), reputationRecord, { ...newcomer(), lastRound: 0n });
  recordJoin(ctx, draft, m.id, via);
}
