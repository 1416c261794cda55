/**
 * The state keys the contracts own (docs/protocol.md §2). Each is an ASCII prefix ending in `/`
 * followed by fixed-width or UTF-8 parts, so a key names one record and no two kinds of record
 * share a prefix. The ledger's own keys (`member/`, `orgkey/`, `nonce/`, `used/`, `validator/`)
 * are read, and `member/` and `orgkey/` written by membership, through ../ledger/stateKeys.ts.
 */
import { concatBytes, utf8 } from '../codec/bytes.ts';
import { Writer } from '../codec/writer.ts';
import { prefixed } from '../ledger/stateKeys.ts';

const u64 = (v: bigint): Uint8Array => new Writer().u64(v).finish();
const u32 = (v: number): Uint8Array => new Writer().u32(v).finish();

/** `regulator/` → the regulator's public keys (set once by the trading centre). */
export const REGULATOR_KEY = utf8('regulator/');

/** `suspended/‖memberId` → present while the member is suspended. */
export function suspendedKey(memberId: string): Uint8Array {
  return prefixed(utf8('suspended/'), utf8(memberId));
}

/** `receiving/‖memberId` → a generator's receiving key Z for signcryptions addressed to it. */
export function receivingKey(memberId: string): Uint8Array {
  return prefixed(utf8('receiving/'), utf8(memberId));
}

/** `pseudonym/‖Y` → the pseudonym's registration. */
export function pseudonymKey(y: Uint8Array): Uint8Array {
  return prefixed(utf8('pseudonym/'), y);
}

/**
 * `ring/‖u64 round‖u32 index‖aggregatorId` → one ring of a round: a group of the partition of the
 * aggregator's billed pseudonyms (./rings.ts), written at clearing.
 */
export function ringKey(round: bigint, aggregator: string, index: number): Uint8Array {
  return prefixed(utf8('ring/'), concatBytes(u64(round), u32(index), utf8(aggregator)));
}

/** `rings/‖u64 round‖aggregatorId` → how many rings the aggregator has in the round. */
export function ringCountKey(round: bigint, aggregator: string): Uint8Array {
  return prefixed(utf8('rings/'), concatBytes(u64(round), utf8(aggregator)));
}

/** `round/last` → u64 id of the latest round opened. */
export const LAST_ROUND_KEY = utf8('round/last');

/** `round/‖u64 id` → the round. */
export function roundKey(round: bigint): Uint8Array {
  return prefixed(utf8('round/'), u64(round));
}

/** `offer/‖u64 round‖generatorId` → a generator's offer. */
export function offerKey(round: bigint, generator: string): Uint8Array {
  return prefixed(utf8('offer/'), concatBytes(u64(round), utf8(generator)));
}

/** `demand/‖u64 round‖Y` → a consumer pseudonym's demand. */
export function demandKey(round: bigint, pseudonym: Uint8Array): Uint8Array {
  return prefixed(utf8('demand/'), concatBytes(u64(round), pseudonym));
}

/** `demandat/‖u64 round‖u32 i` → the i-th pseudonym that demanded in the round (order of arrival). */
export function demandEntryKey(round: bigint, index: number): Uint8Array {
  return prefixed(utf8('demandat/'), concatBytes(u64(round), u32(index)));
}

/** `clearing/‖u64 round` → prices and the equilibrium's certificate summary. */
export function clearingKey(round: bigint): Uint8Array {
  return prefixed(utf8('clearing/'), u64(round));
}

/** `bill/‖u64 round‖u32 index` → a consumer's bill (its statement at the round's prices). */
export function billKey(round: bigint, index: number): Uint8Array {
  return prefixed(utf8('bill/'), concatBytes(u64(round), u32(index)));
}

/** `billof/‖u64 round‖Y` → the index of the pseudonym's bill in the round (how a consumer finds it). */
export function billOfKey(round: bigint, pseudonym: Uint8Array): Uint8Array {
  return prefixed(utf8('billof/'), concatBytes(u64(round), pseudonym));
}

/** `aggbills/‖u64 round‖aggregatorId` → how many bills the aggregator's consumers have in the round. */
export function aggregatorBillCountKey(round: bigint, aggregator: string): Uint8Array {
  return prefixed(utf8('aggbills/'), concatBytes(u64(round), utf8(aggregator)));
}

/** `aggbill/‖u64 round‖u32 i‖aggregatorId` → the index of the aggregator's i-th bill (how it meters them). */
export function aggregatorBillKey(round: bigint, aggregator: string, i: number): Uint8Array {
  return prefixed(utf8('aggbill/'), concatBytes(u64(round), u32(i), utf8(aggregator)));
}

/** `genbills/‖u64 round‖generatorId` → how many bills are addressed to the generator in the round. */
export function generatorBillCountKey(round: bigint, generator: string): Uint8Array {
  return prefixed(utf8('genbills/'), concatBytes(u64(round), utf8(generator)));
}

/** `genbill/‖u64 round‖u32 i‖generatorId` → the index of the i-th bill addressed to the generator. */
export function generatorBillKey(round: bigint, generator: string, i: number): Uint8Array {
  return prefixed(utf8('genbill/'), concatBytes(u64(round), u32(i), utf8(generator)));
}

/** `sale/‖u64 round‖generatorId` → a generator's sales statement. */
export function saleKey(round: bigint, generator: string): Uint8Array {
  return prefixed(utf8('sale/'), concatBytes(u64(round), utf8(generator)));
}

/** `response/‖txId` → a ring-signcrypted bill response and its acknowledgement. */
export function responseKey(txId: Uint8Array): Uint8Array {
  return prefixed(utf8('response/'), txId);
}

/** `responses/‖u64 round` → how many bill responses the round has received. */
export function roundResponsesKey(round: bigint): Uint8Array {
  return prefixed(utf8('responses/'), u64(round));
}

/** `responseat/‖u64 round‖u32 i` → the id of the round's i-th bill response (order of arrival). */
export function responseEntryKey(round: bigint, index: number): Uint8Array {
  return prefixed(utf8('responseat/'), concatBytes(u64(round), u32(index)));
}

/** `inbox/‖u64 round‖generatorId` → how many bill responses are addressed to the generator in the round. */
export function inboxCountKey(round: bigint, generator: string): Uint8Array {
  return prefixed(utf8('inbox/'), concatBytes(u64(round), utf8(generator)));
}

/** `inboxat/‖u64 round‖u32 i‖generatorId` → the id of the i-th response addressed to the generator. */
export function inboxEntryKey(round: bigint, generator: string, i: number): Uint8Array {
  return prefixed(utf8('inboxat/'), concatBytes(u64(round), u32(i), utf8(generator)));
}

/** `balance/‖account` → i64 balance in micro-yuan. */
export function balanceKey(account: string): Uint8Array {
  return prefixed(utf8('balance/'), utf8(account));
}

/** `reputation/‖memberId` → a member's reputation and standing. */
export function reputationKey(memberId: string): Uint8Array {
  return prefixed(utf8('reputation/'), utf8(memberId));
}

/**
 * `score/‖u64 round‖memberId` → how a round moved a generator's or aggregator's reputation (its
 * indicators, score and the reputation after), written by `round.finalize`; each links to the
 * member's previous scored round, so a member's history is a walk from `reputation/`'s lastRound.
 */
export function scoreKey(round: bigint, memberId: string): Uint8Array {
  return prefixed(utf8('score/'), concatBytes(u64(round), utf8(memberId)));
}

/** `trace/last` → u64 number of traces recorded. */
export const LAST_TRACE_KEY = utf8('trace/last');

/** `trace/‖u64 seq` → one audit event of a regulator trace. */
export function traceKey(seq: bigint): Uint8Array {
  return prefixed(utf8('trace/'), u64(seq));
}
