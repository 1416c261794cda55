/**
 * The member card (docs/ledger.md §8.4): what an organisation makes on its own machine with
 * `dpp keys new` and sends to the trading centre, which assembles the genesis from the cards
 * (./genesisAssembly.ts) — its id, role, organisation key, a consumer's aggregator and, when it
 * runs a validator, the validator's name, key and endpoints. Public: it holds no secret.
 *
 *   body = u8 version 1 ‖ string chainId ‖ string id ‖ u8 role (1 trading-centre … 4 consumer)
 *          ‖ 32-byte org key ‖ string aggregator ("" for none)
 *          ‖ ( u8 0 | u8 1 ‖ string validator name ‖ 32-byte validator key ‖ string p2p ‖ string api ("" for none) )
 *   signatures.org       = Ed25519(org key,       frame("dpp/member-card/v1",           [body]))
 *   signatures.validator = Ed25519(validator key, frame("dpp/member-card/validator/v1", [body]))
 *
 * The organisation signs every field; a declared validator key signs the same body under its own
 * tag — proof that whoever declares the key holds it, and that the key's holder agrees to be this
 * organisation's validator at these endpoints. Parsing is strict (exact fields, canonical hex,
 * keys that are valid prime-order points, the endpoint forms of ./endpoint.ts) and checks both
 * signatures with the consensus verifier (../crypto/ed25519Strict.ts): a malformed card is
 * LEDGER_BAD_CARD naming the field, a signature that does not verify LEDGER_BAD_CARD_SIGNATURE.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { type OrgKeyPair, orgSign } from '../crypto/ed25519.ts';
import { isValidEd25519PublicKey, verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { frame } from '../crypto/hash.ts';
import { parseApiAddress, parseHostPort } from './endpoint.ts';
import { jsonFields } from './jsonFields.ts';
import { LedgerError } from './ledgerError.ts';
import { isValidName, MEMBER_ROLES, type MemberRole } from './memberRecord.ts';
import { isValidChainId } from './transaction.ts';

/** The file's `type` and the only version written and read. */
export const MEMBER_CARD_TYPE = 'dpp-member-card';
export const MEMBER_CARD_VERSION = 1;
/** The domain tags of the organisation's and the validator key's signatures. */
export const CARD_TAG = 'dpp/member-card/v1';
export const CARD_VALIDATOR_TAG = 'dpp/member-card/validator/v1';
/** Longest card file read. */
export const MAX_CARD_BYTES = 16 * 1024;

/** The validator an organisation runs, as its card declares it. */
export interface CardValidator {
  readonly name: string;
  readonly publicKey: Uint8Array;
  /** `host:port` the other validators dial (./endpoint.ts). */
  readonly p2p: string;
  /** `http(s)://host:port` of its API, when published. */
  readonly api?: string;
}

/** What a card says, unsigned. */
export interface MemberCardBody {
  readonly chainId: string;
  readonly id: string;
  readonly role: MemberRole;
  readonly orgKey: Uint8Array;
  /** A consumer's aggregator (a consumer must name one; no other role may). */
  readonly aggregator?: string;
  readonly validator?: CardValidator;
}

/** A signed card. */
export interface MemberCard extends MemberCardBody {
  /** The organisation key's signature. */
  readonly signature: Uint8Array;
  /** The validator key's signature (present exactly when `validator` is). */
  readonly validatorSignature?: Uint8Array;
}

const card = jsonFields('LEDGER_BAD_CARD', 'card');

/** The canonical body encoding; throws LEDGER_BAD_CARD for a body no card may hold. */
export function encodeCardBody(b: MemberCardBody): Uint8Array {
  checkBody(b);
  const w = new Writer()
    .u8(MEMBER_CARD_VERSION)
    .string(b.chainId)
    .string(b.id)
    .u8(MEMBER_ROLES.indexOf(b.role) + 1)
    .fixed(b.orgKey, 32)
    .string(b.aggregator ?? '');
  if (b.validator === undefined) w.u8(0);
  else {
    const v = b.validator;
    w.u8(1)
      .string(v.name)
      .fixed(v.publicKey, 32)
      .string(v.p2p)
      .string(v.api ?? '');
  }
  return w.finish();
}

/** The bytes the organisation key signs. */
export function cardSigningBytes(b: MemberCardBody): Uint8Array {
  return frame(CARD_TAG, [encodeCardBody(b)]);
}

/** The bytes the validator key signs (its proof of possession). */
export function cardValidatorSigningBytes(b: MemberCardBody): Uint8Array {
  return frame(CARD_VALIDATOR_TAG, [encodeCardBody(b)]);
}

/** Signs `body` with the organisation key and, when it declares a validator, with the validator key. */
export function signMemberCard(
  body: MemberCardBody,
  orgKey: OrgKeyPair,
  validatorKey?: OrgKeyPair,
): MemberCard {
  if (!bytesEqual(orgKey.publicKey, body.orgKey)) card.bad('orgKey', 'is not the signing organisation key');
  if ((validatorKey === undefined) !== (body.validator === undefined))
    card.bad('validator', 'and its signing key go together');
  const signature = orgSign(orgKey, cardSigningBytes(body));
  if (body.validator === undefined || validatorKey === undefined) return { ...body, signature };
  if (!bytesEqual(validatorKey.publicKey, body.validator.publicKey))
    card.bad('validator.publicKey', 'is not the signing validator key');
  return { ...body, signature, validatorSignature: orgSign(validatorKey, cardValidatorSigningBytes(body)) };
}

/** True when the card's signatures verify (the organisation's, and the validator key's when it declares one). */
export function verifyMemberCard(c: MemberCard): boolean {
  try {
    if (!verifyEd25519(c.orgKey, cardSigningBytes(c), c.signature)) return false;
    if (c.validator === undefined) return c.validatorSignature === undefined;
    return (
      c.validatorSignature !== undefined &&
      verifyEd25519(c.validator.publicKey, cardValidatorSigningBytes(c), c.validatorSignature)
    );
  } catch {
    return false;
  }
}

/** A card file's text, checked field by field and signature by signature; throws LEDGER_BAD_CARD(_SIGNATURE). */
export function parseMemberCard(text: string): MemberCard {
  if (text.length > MAX_CARD_BYTES) card.bad('(root)', `is larger than ${MAX_CARD_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_CARD', 'card: not valid JSON', {}, { cause });
  }
  return decodeMemberCard(value);
}

/** A parsed card object, checked as parseMemberCard does. */
export function decodeMemberCard(value: unknown): MemberCard {
  const o = card.object(
    value,
    '',
    ['type', 'version', 'chainId', 'id', 'role', 'orgKey', 'signatures'],
    ['aggregator', 'validator'],
  );
  if (o.type !== MEMBER_CARD_TYPE) card.bad('type', `must be "${MEMBER_CARD_TYPE}"`);
  if (o.version !== MEMBER_CARD_VERSION) card.bad('version', `must be ${MEMBER_CARD_VERSION}`);
  const chainId = card.str(o.chainId, 'chainId');
  const id = card.name(o.id, 'id');
  const role = card.str(o.role, 'role');
  if (!(MEMBER_ROLES as readonly string[]).includes(role))
    card.bad('role', `must be one of ${MEMBER_ROLES.join(', ')}`);
  const orgKey = card.edKey(o.orgKey, 'orgKey');
  const aggregator = o.aggregator === undefined ? undefined : card.name(o.aggregator, 'aggregator');
  let validator: CardValidator | undefined;
  if (o.validator !== undefined) {
    const v = card.object(o.validator, 'validator', ['name', 'publicKey', 'p2p'], ['api']);
    validator = {
      name: card.name(v.name, 'validator.name'),
      publicKey: card.edKey(v.publicKey, 'validator.publicKey'),
      p2p: card.str(v.p2p, 'validator.p2p'),
      ...(v.api === undefined ? {} : { api: card.str(v.api, 'validator.api') }),
    };
  }
  const body: MemberCardBody = {
    chainId,
    id,
    role: role as MemberRole,
    orgKey,
    ...(aggregator === undefined ? {} : { aggregator }),
    ...(validator === undefined ? {} : { validator }),
  };
  checkBody(body);
  const sigs = card.object(o.signatures, 'signatures', ['org'], validator === undefined ? [] : ['validator']);
  const signature = card.hex(sigs.org, 'signatures.org', 64);
  if (validator !== undefined && sigs.validator === undefined)
    card.bad('signatures.validator', 'is missing: a declared validator key must sign the card');
  const c: MemberCard =
    validator === undefined
      ? { ...body, signature }
      : { ...body, signature, validatorSignature: card.hex(sigs.validator, 'signatures.validator', 64) };
  // [REJECT] a card its organisation key did not sign as it is
  if (!verifyEd25519(orgKey, cardSigningBytes(c), signature))
    badSignature(c, 'signatures.org', `the organisation key's signature of ${id}'s card does not verify`);
  // [REJECT] a validator key declared without proof that the declarer holds it
  if (
    validator !== undefined &&
    !verifyEd25519(validator.publicKey, cardValidatorSigningBytes(c), c.validatorSignature!)
  )
    badSignature(
      c,
      'signatures.validator',
      `the validator key's signature (proof of possession) on ${id}'s card does not verify`,
    );
  return c;
}

/** The card file's text (2-space JSON, fields in a fixed order). */
export function memberCardToJson(c: MemberCard): string {
  const v = c.validator;
  const doc = {
    type: MEMBER_CARD_TYPE,
    version: MEMBER_CARD_VERSION,
    chainId: c.chainId,
    id: c.id,
    role: c.role,
    orgKey: toHex(c.orgKey),
    ...(c.aggregator === undefined ? {} : { aggregator: c.aggregator }),
    ...(v === undefined
      ? {}
      : {
          validator: {
            name: v.name,
            publicKey: toHex(v.publicKey),
            p2p: v.p2p,
            ...(v.api === undefined ? {} : { api: v.api }),
          },
        }),
    signatures: {
      org: toHex(c.signature),
      ...(c.validatorSignature === undefined ? {} : { validator: toHex(c.validatorSignature) }),
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The rules of a card's body beyond the field forms. */
function checkBody(b: MemberCardBody): void {
  if (!isValidChainId(b.chainId)) card.bad('chainId', 'must be 1..64 characters of [a-z0-9.-]');
  if (!isValidName(b.id))
    card.bad('id', 'must be 1..64 characters of [a-z0-9.-], starting with a letter or digit');
  if (!MEMBER_ROLES.includes(b.role)) card.bad('role', `must be one of ${MEMBER_ROLES.join(', ')}`);
  if (!isValidEd25519PublicKey(b.orgKey)) card.bad('orgKey', 'is not a valid Ed25519 public key');
  // [REJECT] a consumer without its aggregator, or another role naming one
  if (b.role === 'consumer' && b.aggregator === undefined)
    card.bad('aggregator', 'is missing: a consumer names its aggregator');
  if (b.role !== 'consumer' && b.aggregator !== undefined)
    card.bad('aggregator', 'is named by a consumer only');
  if (b.aggregator !== undefined && !isValidName(b.aggregator)) card.bad('aggregator', 'is not a member id');
  if (b.aggregator === b.id) card.bad('aggregator', 'is the consumer itself');
  const v = b.validator;
  if (v === undefined) return;
  if (!isValidName(v.name))
    card.bad('validator.name', 'must be 1..64 characters of [a-z0-9.-], starting with a letter or digit');
  if (!isValidEd25519PublicKey(v.publicKey))
    card.bad('validator.publicKey', 'is not a valid Ed25519 public key');
  // [REJECT] one key for two jobs: the validator key signs consensus votes, the org key transactions
  if (bytesEqual(v.publicKey, b.orgKey))
    card.bad('validator.publicKey', 'must differ from the organisation key');
  if (parseHostPort(v.p2p) === null)
    card.bad(
      'validator.p2p',
      `must be host:port (a lower-case host name or IPv4 address, port 1..65535), got "${clip(v.p2p)}"`,
    );
  if (v.api !== undefined && parseApiAddress(v.api) === null)
    card.bad(
      'validator.api',
      `must be http://host:port or https://host:port (no path), got "${clip(v.api)}"`,
    );
}

function badSignature(c: MemberCard, path: string, message: string): never {
  throw new LedgerError('LEDGER_BAD_CARD_SIGNATURE', `card: ${message}`, { path, id: c.id });
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}
