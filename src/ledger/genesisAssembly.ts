/**
 * A genesis assembled from the organisations' member cards (docs/ledger.md §8.4–8.6), and the
 * check each organisation runs of the result against its own card.
 *
 * Assembly refuses — LEDGER_CARD_WRONG_CHAIN or LEDGER_CARD_CONFLICT, naming the cards — a card of
 * another chain, two cards with one member id, organisation key, validator name, validator key or
 * p2p endpoint, a key used both as an organisation and as a validator key, no or two trading
 * centres, a consumer whose aggregator has no aggregator's card, and cards that declare no
 * validator; and, again, a card whose signatures do not verify (LEDGER_BAD_CARD_SIGNATURE: parsing
 * checked them, ./memberCard.ts, but a card may have been built in memory). Order, so that the same cards give the same genesis whoever assembles them:
 * validators by name (byte order), which fixes their indices; members by role (trading centre,
 * generators, aggregators, consumers), then by id.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { MAX_VALIDATORS } from './certificate.ts';
import { type Genesis, genesisState, MAX_GENESIS_MEMBERS, validateGenesis } from './genesis.ts';
import { LedgerError } from './ledgerError.ts';
import { type MemberCard, verifyMemberCard } from './memberCard.ts';
import { MEMBER_ROLES } from './memberRecord.ts';
import type { PeersFile } from './peersFile.ts';

/** A card and where it came from (a file name, for messages). */
export interface SourcedCard {
  readonly source: string;
  readonly card: MemberCard;
}

/** What assembly produces. */
export interface AssembledGenesis {
  readonly genesis: Genesis;
  /** The genesis block's hash (./genesis.ts `genesisState`). */
  readonly hash: Uint8Array;
  readonly peers: PeersFile;
}

/** The genesis of `cards` for chain `chainId` at `genesisTimeMs`; throws LEDGER_CARD_* naming the cards. */
export function assembleGenesis(
  chainId: string,
  genesisTimeMs: bigint,
  cards: readonly SourcedCard[],
): AssembledGenesis {
  if (cards.length === 0) conflict('no cards were given');
  if (cards.length > MAX_GENESIS_MEMBERS)
    conflict(`at most ${MAX_GENESIS_MEMBERS} members, got ${cards.length} cards`);
  for (const { source, card } of cards) {
    // [REJECT] a card its keys did not sign as it is (parsing checked it; a card built in memory was not)
    if (!verifyMemberCard(card))
      throw new LedgerError(
        'LEDGER_BAD_CARD_SIGNATURE',
        `card ${source} (${card.id}): its signatures do not verify`,
        {
          source,
          id: card.id,
        },
      );
    // [REJECT] a card made for another chain
    if (card.chainId !== chainId)
      throw new LedgerError(
        'LEDGER_CARD_WRONG_CHAIN',
        `card ${source} (${card.id}) is for chain ${card.chainId}, not ${chainId}`,
        { source, id: card.id },
      );
  }
  // [REJECT] anything two cards claim alike
  once(cards, 'member id', (c) => [c.id]);
  once(cards, 'organisation key', (c) => [toHex(c.orgKey)]);
  once(cards, 'validator name', (c) => (c.validator === undefined ? [] : [c.validator.name]));
  once(cards, 'p2p endpoint', (c) => (c.validator === undefined ? [] : [c.validator.p2p]));
  once(cards, 'key (as an organisation or a validator key)', (c) => [
    toHex(c.orgKey),
    ...(c.validator === undefined ? [] : [toHex(c.validator.publicKey)]),
  ]);
  const centres = cards.filter((c) => c.card.role === 'trading-centre');
  if (centres.length !== 1)
    conflict(
      centres.length === 0
        ? 'no card is the trading centre’s: exactly one is needed'
        : `exactly one trading centre is needed, and ${centres.map((c) => `${c.source} (${c.card.id})`).join(' and ')} both are`,
    );
  const roleOf = new Map(cards.map(({ card }) => [card.id, card.role]));
  for (const { source, card } of cards) {
    if (card.aggregator !== undefined && roleOf.get(card.aggregator) !== 'aggregator')
      conflict(
        `consumer ${card.id} (${source}) names aggregator ${card.aggregator}, ${
          roleOf.has(card.aggregator)
            ? `which is a ${roleOf.get(card.aggregator)}`
            : 'and no card is that aggregator’s'
        }`,
      );
  }
  const running = cards
    .filter((c) => c.card.validator !== undefined)
    .sort((a, b) => byteOrder(a.card.validator!.name, b.card.validator!.name));
  if (running.length === 0) conflict('no card declares a validator: the chain needs at least one');
  if (running.length > MAX_VALIDATORS)
    conflict(`at most ${MAX_VALIDATORS} validators, got ${running.length}`);
  const members = [...cards].sort(
    (a, b) =>
      MEMBER_ROLES.indexOf(a.card.role) - MEMBER_ROLES.indexOf(b.card.role) ||
      byteOrder(a.card.id, b.card.id),
  );
  const genesis = validateGenesis({
    chainId,
    genesisTimeMs: Number(genesisTimeMs),
    validators: running.map(({ card }) => ({
      name: card.validator!.name,
      publicKey: toHex(card.validator!.publicKey),
    })),
    members: members.map(({ card }) => ({
      id: card.id,
      role: card.role,
      orgKey: toHex(card.orgKey),
      ...(card.aggregator === undefined ? {} : { aggregator: card.aggregator }),
    })),
  });
  const hash = genesisState(genesis).hash;
  const peers: PeersFile = {
    chainId,
    genesisHash: hash,
    validators: running.map(({ card }, index) => ({
      index,
      name: card.validator!.name,
      publicKey: card.validator!.publicKey,
      operator: card.id,
      p2p: card.validator!.p2p,
      ...(card.validator!.api === undefined ? {} : { api: card.validator!.api }),
    })),
  };
  return { genesis, hash, peers };
}

/**
 * How `genesis` (and `peers`, when given) disagree with `card` (empty when the organisation appears
 * exactly as its card says): its member entry — id, role, organisation key, aggregator — and its
 * validator — name, key, and in the peers file its operator and endpoints; a validator the peers
 * file credits to it that its card does not declare.
 */
export function cardMismatches(genesis: Genesis, card: MemberCard, peers?: PeersFile): string[] {
  const out: string[] = [];
  if (genesis.chainId !== card.chainId)
    out.push(`the card is for chain ${card.chainId}, the genesis is ${genesis.chainId}`);
  const m = genesis.members.find((x) => x.id === card.id);
  if (m === undefined) out.push(`member ${card.id} is not in the genesis`);
  else {
    if (m.role !== card.role)
      out.push(`${card.id}'s role is ${m.role} in the genesis, ${card.role} on the card`);
    if (!bytesEqual(m.orgKey, card.orgKey))
      out.push(
        `${card.id}'s organisation key is ${short(m.orgKey)} in the genesis, ${short(card.orgKey)} on the card`,
      );
    if (m.aggregator !== card.aggregator)
      out.push(
        `${card.id}'s aggregator is ${m.aggregator ?? 'none'} in the genesis, ${card.aggregator ?? 'none'} on the card`,
      );
  }
  const v = card.validator;
  const index = v === undefined ? -1 : genesis.validators.findIndex((x) => x.name === v.name);
  if (v !== undefined) {
    const g = genesis.validators[index];
    if (g === undefined) out.push(`validator ${v.name} is not in the genesis`);
    else if (!bytesEqual(g.publicKey, v.publicKey))
      out.push(
        `validator ${v.name}'s key is ${short(g.publicKey)} in the genesis, ${short(v.publicKey)} on the card`,
      );
    const keyAt = genesis.validators.findIndex((x) => bytesEqual(x.publicKey, v.publicKey));
    if (keyAt >= 0 && keyAt !== index)
      out.push(`the card's validator key is validator ${keyAt}'s in the genesis`);
  }
  if (peers !== undefined) {
    const p = v === undefined ? undefined : peers.validators[index];
    if (v !== undefined && p !== undefined) {
      if (p.operator !== card.id)
        out.push(`peers.json says ${p.operator} operates ${v.name}, not ${card.id}`);
      if (p.p2p !== v.p2p) out.push(`peers.json reaches ${v.name} at ${p.p2p}, the card at ${v.p2p}`);
      if (p.api !== v.api)
        out.push(`peers.json gives ${v.name}'s API as ${p.api ?? 'none'}, the card ${v.api ?? 'none'}`);
    }
    for (const q of peers.validators)
      if (q.operator === card.id && q.name !== v?.name)
        out.push(`peers.json says ${card.id} operates ${q.name}, which its card does not declare`);
  }
  return out;
}

function once(cards: readonly SourcedCard[], what: string, values: (c: MemberCard) => string[]): void {
  const seen = new Map<string, SourcedCard>();
  for (const sc of cards) {
    for (const value of values(sc.card)) {
      const first = seen.get(value);
      if (first !== undefined)
        conflict(
          `${first.source} (${first.card.id}) and ${sc.source} (${sc.card.id}) have the same ${what} ${value.length > 20 ? `${value.slice(0, 16)}…` : value}`,
        );
      seen.set(value, sc);
    }
  }
}

function conflict(message: string): never {
  throw new LedgerError('LEDGER_CARD_CONFLICT', `cards: ${message}`);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function short(key: Uint8Array): string {
  return `${toHex(key).slice(0, 12)}…`;
}
