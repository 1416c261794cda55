/**
 * A validator change on its way to the chain (docs/protocol.md §4.4, docs/cli.md "dpp validator"):
 * a *request* names the change and the epoch it is meant for (the approvals are bound to it); the
 * validator's operator signs the proof of possession of a new key; each current validator's
 * operator adds its approval; the trading centre (a rekey: any member) sends it as
 * `validator.change`. Between organisations the request travels as a JSON file:
 *
 *   { "chainId", "epoch", "change": "add"|"remove"|"rekey", "name", "publicKey"?, "p2p"?,
 *     "proof"?, "approvals": [{ "slot", "signature" }] }
 */
import { fromHex, toHex } from '../codec/bytes.ts';
import type { RecordOf } from '../contracts/records.ts';
import type { validatorChangePayload } from '../contracts/validators.ts';
import { type OrgKeyPair, orgSign } from '../crypto/ed25519.ts';
import { verifyEd25519 } from '../crypto/ed25519Strict.ts';
import { parseHostPort } from '../ledger/endpoint.ts';
import { isValidName } from '../ledger/memberRecord.ts';
import {
  changeApprovalBytes,
  changeKeyProofBytes,
  type Epoch,
  type ValidatorChange,
} from '../ledger/validatorSet.ts';
import { ClientError } from './clientError.ts';

/** A change with what has been signed for it so far. */
export interface ChangeRequest {
  readonly chainId: string;
  /** The epoch whose validators approve it (the current one when it is sent). */
  readonly epoch: number;
  readonly change: ValidatorChange;
  /** The new key's signature over `changeKeyProofBytes` (add, rekey). */
  readonly proof: Uint8Array | null;
  readonly approvals: readonly { readonly slot: number; readonly signature: Uint8Array }[];
}

/** A request for `change` in epoch `epoch`; an add or rekey is signed by its new key at once. */
export function requestChange(
  chainId: string,
  epoch: number,
  change: ValidatorChange,
  newKey?: OrgKeyPair,
): ChangeRequest {
  if (change.type === 'remove') return { chainId, epoch, change, proof: null, approvals: [] };
  if (newKey === undefined || toHex(newKey.publicKey) !== toHex(change.publicKey))
    throw new ClientError('CLIENT_BAD_ARGUMENT', `a ${change.type} is signed by the new key it names`);
  const proof = orgSign(newKey, changeKeyProofBytes(chainId, epoch, change));
  return { chainId, epoch, change, proof, approvals: [] };
}

/** `request` approved by the validator at `slot` with its consensus key (a second approval by the same slot replaces the first). */
export function approveChange(request: ChangeRequest, slot: number, key: OrgKeyPair): ChangeRequest {
  const signature = orgSign(key, changeApprovalBytes(request.chainId, request.epoch, request.change));
  return {
    ...request,
    approvals: [...request.approvals.filter((a) => a.slot !== slot), { slot, signature }].sort(
      (a, b) => a.slot - b.slot,
    ),
  };
}

/** Which of the request's approvals verify under `epoch`'s keys, and how many a quorum of it needs. */
export function approvalsIn(request: ChangeRequest, epoch: Epoch): { valid: number[]; invalid: number[] } {
  const message = changeApprovalBytes(request.chainId, request.epoch, request.change);
  const valid: number[] = [];
  const invalid: number[] = [];
  for (const a of request.approvals) {
    const v = epoch.validators.find((x) => x.slot === a.slot);
    (v !== undefined && verifyEd25519(v.publicKey, message, a.signature) ? valid : invalid).push(a.slot);
  }
  return { valid, invalid };
}

/** The `validator.change` payload of a request. */
export function changePayload(request: ChangeRequest): RecordOf<typeof validatorChangePayload> {
  const c = request.change;
  return {
    change: c.type,
    name: c.name,
    key: c.type === 'remove' ? new Uint8Array(32) : c.publicKey,
    p2p: c.type === 'add' ? c.p2p : '',
    proof: request.proof ?? new Uint8Array(64),
    approvals: request.approvals,
  };
}

/** The request as its JSON file text. */
export function changeRequestToJson(r: ChangeRequest): string {
  const c = r.change;
  const doc = {
    chainId: r.chainId,
    epoch: r.epoch,
    change: c.type,
    name: c.name,
    ...(c.type === 'remove' ? {} : { publicKey: toHex(c.publicKey) }),
    ...(c.type === 'add' ? { p2p: c.p2p } : {}),
    ...(r.proof === null ? {} : { proof: toHex(r.proof) }),
    approvals: r.approvals.map((a) => ({ slot: a.slot, signature: toHex(a.signature) })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Reads a request file's text; throws CLIENT_BAD_ARGUMENT naming what is wrong. */
export function parseChangeRequest(text: string): ChangeRequest {
  const bad = (why: string): never => {
    throw new ClientError('CLIENT_BAD_ARGUMENT', `validator change request: ${why}`);
  };
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return bad('not valid JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) bad('not an object');
  const known = ['chainId', 'epoch', 'change', 'name', 'publicKey', 'p2p', 'proof', 'approvals'];
  for (const k of Object.keys(o)) if (!known.includes(k)) bad(`unknown field ${k}`);
  const hex = (v: unknown, bytes: number, field: string): Uint8Array => {
    if (typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${2 * bytes}}$`).test(v))
      bad(`${field} must be ${bytes} bytes of lower-case hex`);
    return fromHex(v as string);
  };
  if (typeof o.chainId !== 'string' || o.chainId === '') bad('chainId must be a string');
  if (typeof o.epoch !== 'number' || !Number.isInteger(o.epoch) || o.epoch < 0 || o.epoch > 0xffffffff)
    bad('epoch must be a whole number below 2^32');
  if (typeof o.name !== 'string' || !isValidName(o.name)) bad('name must be a validator name');
  const name = o.name as string;
  if (o.change !== 'add' && o.change !== 'remove' && o.change !== 'rekey')
    bad('change must be add, remove or rekey');
  // [REFUSE] a field the change does not carry (one request, one meaning)
  if (o.change !== 'add' && o.p2p !== undefined) bad(`a ${String(o.change)} names no p2p endpoint`);
  if (o.change === 'remove' && o.publicKey !== undefined) bad('a remove names no key');
  let change: ValidatorChange;
  if (o.change === 'remove') change = { type: 'remove', name };
  else if (o.change === 'rekey')
    change = { type: 'rekey', name, publicKey: hex(o.publicKey, 32, 'publicKey') };
  else if (o.change === 'add') {
    if (typeof o.p2p !== 'string' || parseHostPort(o.p2p) === null) bad('p2p must be host:port');
    change = { type: 'add', name, publicKey: hex(o.publicKey, 32, 'publicKey'), p2p: o.p2p as string };
  } else return bad('change must be add, remove or rekey');
  const proof = o.proof === undefined ? null : hex(o.proof, 64, 'proof');
  if ((proof === null) !== (change.type === 'remove'))
    bad(`a ${change.type} ${proof === null ? 'needs' : 'carries no'} proof`);
  if (!Array.isArray(o.approvals)) bad('approvals must be an array');
  const approvals = (o.approvals as unknown[]).map((a, i) => {
    const e = a as Record<string, unknown>;
    if (typeof e?.slot !== 'number' || !Number.isInteger(e.slot) || e.slot < 0 || e.slot > 0xffff)
      bad(`approvals[${i}].slot must be a validator slot`);
    return { slot: e.slot as number, signature: hex(e.signature, 64, `approvals[${i}].signature`) };
  });
  const slots = approvals.map((a) => a.slot);
  if (new Set(slots).size !== slots.length) bad('approvals name one slot twice');
  return { chainId: o.chainId as string, epoch: o.epoch as number, change, proof, approvals };
}
