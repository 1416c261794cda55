/**
 * A genesis assembled from member cards (src/ledger/genesisAssembly.ts, src/ledger/peersFile.ts,
 * docs/ledger.md §8.4–8.6): the documented order (validators by name, members by role then id), the
 * same genesis and hash from the same cards in any order (property), the peers file round trip and
 * its checks against a genesis, every conflict between cards refused with its code, and the check
 * an organisation runs of a genesis against its card. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/codec/bytes.ts';
import { type OrgKeyPair, orgKeyPair } from '../../src/crypto/ed25519.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import { genesisState, genesisToJson, parseGenesis } from '../../src/ledger/genesis.ts';
import { assembleGenesis, cardMismatches, type SourcedCard } from '../../src/ledger/genesisAssembly.ts';
import { type MemberCard, signMemberCard } from '../../src/ledger/memberCard.ts';
import type { MemberRole } from '../../src/ledger/memberRecord.ts';
import { parsePeersFile, peersMismatches, peersToJson } from '../../src/ledger/peersFile.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 171_717);
const CHAIN = 'grid-east';
const TIME = 1_800_000_000_000n;
const random = seededRandom('genesis assembly tests');

interface Spec {
  readonly id: string;
  readonly role: MemberRole;
  readonly aggregator?: string;
  readonly validator?: string;
  readonly chainId?: string;
  readonly orgKey?: OrgKeyPair;
  readonly validatorKey?: OrgKeyPair;
  readonly p2p?: string;
}

let port = 7400;
function make(s: Spec): SourcedCard {
  const org = s.orgKey ?? orgKeyPair(random(32));
  const val = s.validator === undefined ? undefined : (s.validatorKey ?? orgKeyPair(random(32)));
  const card = signMemberCard(
    {
      chainId: s.chainId ?? CHAIN,
      id: s.id,
      role: s.role,
      orgKey: org.publicKey,
      ...(s.aggregator === undefined ? {} : { aggregator: s.aggregator }),
      ...(val === undefined
        ? {}
        : {
            validator: {
              name: s.validator!,
              publicKey: val.publicKey,
              p2p: s.p2p ?? `10.0.0.${port % 250}:${port++}`,
              api: `https://${s.id}.example:7401`,
            },
          }),
    },
    org,
    val,
  );
  return { source: `${s.id}.json`, card };
}

const tc = make({ id: 'tc', role: 'trading-centre', validator: 'validator-tc' });
const genA = make({ id: 'gen-a', role: 'generator', validator: 'validator-gen-a' });
const agg = make({ id: 'agg-a', role: 'aggregator', validator: 'validator-agg-a' });
const genB = make({ id: 'gen-b', role: 'generator', validator: 'validator-gen-b' });
const steel = make({ id: 'steel-1', role: 'consumer', aggregator: 'agg-a' });
const cards = [tc, genA, agg, genB, steel];

function conflict(list: readonly SourcedCard[], code: string, words: RegExp): void {
  assert.throws(
    () => assembleGenesis(CHAIN, TIME, list),
    (e) => isDppError(e, code) && words.test(e.message),
    String(words),
  );
}

describe('assembling a genesis from member cards', () => {
  it('orders validators by name and members by role then id; the hash is the genesis block’s', () => {
    const a = assembleGenesis(CHAIN, TIME, cards);
    assert.deepEqual(
      a.genesis.validators.map((v) => v.name),
      ['validator-agg-a', 'validator-gen-a', 'validator-gen-b', 'validator-tc'],
    );
    assert.deepEqual(
      a.genesis.members.map((m) => m.id),
      ['tc', 'gen-a', 'gen-b', 'agg-a', 'steel-1'],
    );
    assert.deepEqual(a.genesis.validators[3]!.publicKey, tc.card.validator!.publicKey);
    assert.deepEqual(a.genesis.members[4], {
      id: 'steel-1',
      role: 'consumer',
      orgKey: steel.card.orgKey,
      aggregator: 'agg-a',
    });
    assert.equal(a.genesis.genesisTimeMs, TIME);
    assert.deepEqual(a.hash, genesisState(a.genesis).hash);
    assert.deepEqual(parseGenesis(genesisToJson(a.genesis)), a.genesis);
    assert.deepEqual(
      a.peers.validators.map((v) => [v.index, v.operator]),
      [
        [0, 'agg-a'],
        [1, 'gen-a'],
        [2, 'gen-b'],
        [3, 'tc'],
      ],
    );
  });

  it('gives the same genesis and hash from the same cards in any order (property)', () => {
    const reference = assembleGenesis(CHAIN, TIME, cards);
    fc.assert(
      fc.property(fc.shuffledSubarray(cards, { minLength: cards.length }), (shuffled) => {
        const a = assembleGenesis(CHAIN, TIME, shuffled);
        assert.equal(genesisToJson(a.genesis), genesisToJson(reference.genesis));
        assert.equal(toHex(a.hash), toHex(reference.hash));
        assert.equal(peersToJson(a.peers), peersToJson(reference.peers));
      }),
      { seed: SEED, numRuns: 50 },
    );
    assert.notEqual(toHex(assembleGenesis(CHAIN, TIME + 1n, cards).hash), toHex(reference.hash));
  });

  it('refuses cards that conflict, naming them, and a card of another chain', () => {
    const twin = (s: Partial<Spec> & Pick<Spec, 'id' | 'role'>) => make(s);
    conflict(
      [...cards, make({ id: 'x', role: 'generator', chainId: 'grid-west' })],
      'LEDGER_CARD_WRONG_CHAIN',
      /x\.json \(x\) is for chain grid-west/,
    );
    conflict(
      [...cards, twin({ id: 'gen-a', role: 'generator' })],
      'LEDGER_CARD_CONFLICT',
      /gen-a\.json \(gen-a\) .* same member id gen-a/,
    );
    conflict([...cards, genA], 'LEDGER_CARD_CONFLICT', /same member id/);
    const orgKey = orgKeyPair(random(32));
    conflict(
      [
        ...cards,
        twin({ id: 'g1', role: 'generator', orgKey }),
        twin({ id: 'g2', role: 'generator', orgKey }),
      ],
      'LEDGER_CARD_CONFLICT',
      /g1\.json \(g1\) and g2\.json \(g2\) have the same organisation key/,
    );
    conflict(
      [...cards, twin({ id: 'g3', role: 'generator', validator: 'validator-tc' })],
      'LEDGER_CARD_CONFLICT',
      /same validator name validator-tc/,
    );
    const validatorKey = orgKeyPair(random(32));
    conflict(
      [
        ...cards,
        twin({ id: 'g4', role: 'generator', validator: 'v4', validatorKey }),
        twin({ id: 'g5', role: 'generator', validator: 'v5', validatorKey }),
      ],
      'LEDGER_CARD_CONFLICT',
      /same key/,
    );
    conflict(
      [...cards, twin({ id: 'g6', role: 'generator', validator: 'v6', p2p: tc.card.validator!.p2p })],
      'LEDGER_CARD_CONFLICT',
      /same p2p endpoint/,
    );
    // one organisation's key used as another's validator key
    conflict(
      [
        ...cards,
        twin({ id: 'g7', role: 'generator', validator: 'v7', validatorKey: orgKey }),
        twin({ id: 'g8', role: 'generator', orgKey }),
      ],
      'LEDGER_CARD_CONFLICT',
      /same key \(as an organisation or a validator key\)/,
    );
    conflict(
      [...cards, twin({ id: 'tc2', role: 'trading-centre' })],
      'LEDGER_CARD_CONFLICT',
      /exactly one trading centre is needed, and tc\.json \(tc\) and tc2\.json \(tc2\) both are/,
    );
    conflict([genA, agg, steel], 'LEDGER_CARD_CONFLICT', /no card is the trading centre’s/);
    conflict(
      [...cards, twin({ id: 'c2', role: 'consumer', aggregator: 'agg-z' })],
      'LEDGER_CARD_CONFLICT',
      /consumer c2 \(c2\.json\) names aggregator agg-z, and no card is that aggregator’s/,
    );
    conflict(
      [...cards, twin({ id: 'c3', role: 'consumer', aggregator: 'gen-a' })],
      'LEDGER_CARD_CONFLICT',
      /names aggregator gen-a, which is a generator/,
    );
    conflict(
      [make({ id: 'tc', role: 'trading-centre' }), steel, make({ id: 'agg-a', role: 'aggregator' })],
      'LEDGER_CARD_CONFLICT',
      /no card declares a validator/,
    );
    conflict([], 'LEDGER_CARD_CONFLICT', /no cards/);
    // a card built in memory and altered after signing
    conflict(
      [...cards.slice(1), { ...tc, card: { ...tc.card, id: 'tc-x' } }],
      'LEDGER_BAD_CARD_SIGNATURE',
      /tc\.json \(tc-x\)/,
    );
  });
});

describe('peers file', () => {
  const a = assembleGenesis(CHAIN, TIME, cards);

  it('round-trips, and matches its genesis only', () => {
    const text = peersToJson(a.peers);
    assert.deepEqual(parsePeersFile(text), a.peers);
    assert.deepEqual(peersMismatches(a.genesis, a.peers), []);
    const later = assembleGenesis(CHAIN, TIME + 1n, cards);
    assert.match(peersMismatches(later.genesis, a.peers).join(), /names genesis/);
    const fewer = assembleGenesis(
      CHAIN,
      TIME,
      cards.filter((c) => c !== genB),
    );
    assert.match(peersMismatches(fewer.genesis, a.peers).join(), /lists 4 validators, the genesis 3/);
    const renamed = {
      ...a.peers,
      validators: a.peers.validators.map((v, i) => (i === 0 ? { ...v, name: 'validator-x' } : v)),
    };
    assert.match(peersMismatches(a.genesis, renamed).join(), /validator 0 is validator-x in it/);
    const rekeyed = {
      ...a.peers,
      validators: a.peers.validators.map((v, i) =>
        i === 1 ? { ...v, publicKey: genB.card.validator!.publicKey } : v,
      ),
    };
    assert.match(peersMismatches(a.genesis, rekeyed).join(), /has another key/);
    const stranger = {
      ...a.peers,
      validators: a.peers.validators.map((v, i) => (i === 2 ? { ...v, operator: 'nobody' } : v)),
    };
    assert.match(peersMismatches(a.genesis, stranger).join(), /operated by nobody, not a member/);
  });

  it('is strict', () => {
    const d = () => JSON.parse(peersToJson(a.peers));
    // biome-ignore lint/suspicious/noExplicitAny: a JSON document altered field by field
    const bad = (alter: (o: Record<string, any>) => void, field: string) => {
      const o = d();
      alter(o);
      assert.throws(
        () => parsePeersFile(JSON.stringify(o)),
        (e) => isDppError(e, 'LEDGER_BAD_PEERS') && e.message.includes(field),
        field,
      );
    };
    bad((o) => (o.type = 'dpp-peer'), 'type');
    bad((o) => (o.genesisHash = o.genesisHash.slice(2)), 'genesisHash');
    bad((o) => (o.validators[1].index = 2), 'validators[1].index');
    bad((o) => (o.validators[0].p2p = 'nowhere'), 'validators[0].p2p');
    bad((o) => (o.validators[0].api = 'http://a'), 'validators[0].api');
    bad((o) => (o.validators[0].extra = 1), 'validators[0].extra');
    bad((o) => (o.validators = []), 'validators');
    assert.throws(
      () => parsePeersFile('nope'),
      (e) => isDppError(e, 'LEDGER_BAD_PEERS'),
    );
  });
});

describe('an organisation checks the genesis against its card', () => {
  const a = assembleGenesis(CHAIN, TIME, cards);
  const mismatches = (c: MemberCard, useOther = a) => cardMismatches(useOther.genesis, c, useOther.peers);

  it('finds every card of the assembly exactly as it says', () => {
    for (const c of cards) assert.deepEqual(mismatches(c.card), [], c.source);
    assert.deepEqual(cardMismatches(a.genesis, steel.card), []);
  });

  it('names each difference', () => {
    const other = (s: Spec) => make(s).card;
    assert.match(
      mismatches(other({ id: 'gen-z', role: 'generator' })).join(),
      /member gen-z is not in the genesis/,
    );
    assert.match(
      mismatches(other({ id: 'gen-a', role: 'generator' })).join(),
      /gen-a's organisation key is .* in the genesis/,
    );
    assert.match(
      mismatches(other({ id: 'gen-a', role: 'aggregator' })).join(),
      /gen-a's role is generator in the genesis, aggregator on the card/,
    );
    // the genesis the trading centre assembled with another key for gen-a's validator
    const swapped = make({ id: 'gen-a', role: 'generator', validator: 'validator-gen-a' });
    const forged = assembleGenesis(CHAIN, TIME, [tc, swapped, agg, genB, steel]);
    const diff = mismatches(genA.card, forged).join('; ');
    assert.match(diff, /organisation key/);
    assert.match(diff, /validator validator-gen-a's key is/);
    // a peers file that sends gen-a's peers elsewhere
    const moved = {
      ...a.peers,
      validators: a.peers.validators.map((v) =>
        v.operator === 'gen-a' ? { ...v, p2p: '10.9.9.9:7400' } : v,
      ),
    };
    assert.match(
      cardMismatches(a.genesis, genA.card, moved).join(),
      /peers\.json reaches validator-gen-a at 10\.9\.9\.9:7400/,
    );
    // a peers file crediting the consumer with a validator it never declared
    const credited = {
      ...a.peers,
      validators: a.peers.validators.map((v) => (v.operator === 'gen-b' ? { ...v, operator: 'steel-1' } : v)),
    };
    assert.match(
      cardMismatches(a.genesis, steel.card, credited).join(),
      /steel-1 operates validator-gen-b, which its card does not declare/,
    );
    assert.match(
      cardMismatches(a.genesis, genB.card, credited).join(),
      /says steel-1 operates validator-gen-b, not gen-b/,
    );
    // a consumer moved to another aggregator
    const agg2 = make({ id: 'agg-b', role: 'aggregator' });
    const moved2 = make({ id: 'steel-1', role: 'consumer', aggregator: 'agg-b' });
    const g2 = assembleGenesis(CHAIN, TIME, [tc, genA, agg, agg2, genB, moved2]);
    assert.match(
      cardMismatches(g2.genesis, steel.card).join(),
      /steel-1's aggregator is agg-b in the genesis, agg-a on the card/,
    );
    // another chain
    assert.match(
      cardMismatches(a.genesis, other({ id: 'tc', role: 'trading-centre', chainId: 'grid-west' })).join(),
      /for chain grid-west/,
    );
  });
});
