/**
 * The statement structure of a cleared round as properties (src/contracts/clearing.ts,
 * src/market/statements.ts, docs/market-model.md §13), over seeded random rounds built from the
 * public case data (≤ 6 generators × ≤ 30 consumers), solved off chain with `solveCertified` and
 * settled at those prices by `clearAtPrices` as every validator does:
 *
 * - conservation: the consumers' statements buy exactly what the generators' statements sell, and
 *   the bills' energy parts differ from the sales' money by less than one µ¥ per supplier pair;
 * - structure: one bill per buying consumer, one sale per offering generator, each agreeing with the
 *   recomputable pairwise split; the rings partition each aggregator's billed pseudonyms;
 * - determinism: the same records whatever the order the demands (or the offers with their prices)
 *   are listed in; on chain the same state root on two chains;
 * - certification: solveCertified's prices are accepted, prices 5 % off for one generator refused
 *   with CONTRACT_NOT_EQUILIBRIUM exactly when they are not an ε-equilibrium;
 * - counterparty: always one of the bill's suppliers, drawn in proportion to energy;
 * - records per round are O(J + G): `round.close` writes at most 5·(J + G) state entries, whatever
 *   the number of pairs. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadMarketData } from '../../src/cli/commands/marketData.ts';
import { orgContractTx, pseudonymContractTx } from '../../src/client/contractTx.ts';
import { toHex } from '../../src/codec/bytes.ts';
import {
  type ClearedRound,
  type ClearingDemand,
  type ClearingOffer,
  clearAtPrices,
  counterparty,
  roundScenario,
} from '../../src/contracts/clearing.ts';
import {
  memberRegisterPayload,
  receivingKeyPayload,
  receivingKeyProofBytes,
} from '../../src/contracts/membership.ts';
import { pseudonymRegisterPayload } from '../../src/contracts/pseudonyms.ts';
import { ContractQueries } from '../../src/contracts/queries.ts';
import { diversificationLevel, type RoundTerms, regulatorRecord } from '../../src/contracts/records.ts';
import { partitionRings } from '../../src/contracts/rings.ts';
import { demandPayload, offerPayload, roundOpenPayload } from '../../src/contracts/rounds.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import type { Point } from '../../src/crypto/group.ts';
import { sha256, sha512 } from '../../src/crypto/hash.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import type { SignedTransaction } from '../../src/ledger/txSigning.ts';
import { certify } from '../../src/market/certify.ts';
import { prepare } from '../../src/market/prepared.ts';
import { randomScenario } from '../../src/market/scenarios/randomScenario.ts';
import { solveCertified } from '../../src/market/solveCertified.ts';
import { settleAtQuantisedPrices, statementsOf } from '../../src/market/statements.ts';
import type { Contract, Scenario } from '../../src/market/types.ts';
import { moneyFor } from '../../src/market/units.ts';
import { generateKeyPair } from '../../src/privacy/keyPair.ts';
import { schnorrSign } from '../../src/privacy/schnorr.ts';
import { CHAIN_ID, ContractChain, group } from './harness.ts';
import { closeTx, OK, R, seededPseudonym, termsAt } from './scenario.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 131_313);
const run = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

const data = loadMarketData();
const pool = {
  generators: [...data.case30.generators, ...data.case118.generators],
  loadsMW: data.case118.loads.map((l) => l.pdMW),
};

/** A random round: its terms, sorted offers, demands (pseudonyms behind aggregators), scenario and certified prices. */
interface RandomRound {
  readonly name: string;
  readonly terms: RoundTerms;
  readonly offers: ClearingOffer[];
  readonly demands: ClearingDemand[];
  readonly scenario: Scenario;
  readonly prices: bigint[];
  readonly certified: boolean;
}

/** The shape of a random round (fast-check draws it). */
interface Shape {
  readonly seed: number;
  readonly generators: number;
  readonly consumers: number;
  readonly ringSize: number;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  generators: fc.integer({ min: 1, max: 6 }),
  consumers: fc.integer({ min: 1, max: 30 }),
  ringSize: fc.integer({ min: 2, max: 6 }),
});

/** A pseudonym (a real point) for consumer j of the named round. */
function pseudonymOf(name: string, j: number): Point {
  return group.mulBase(group.scalarFromWide(sha512(new TextEncoder().encode(`${name}/pseudonym/${j}`))));
}

/** The random scenario of `shape` as a round: offers by generators g1…, demands by pseudonyms behind agg-a/agg-b/agg-c. */
function randomRound(shape: Shape): RandomRound {
  const name = `statements-${shape.seed}`;
  const built = randomScenario(
    name,
    { generators: shape.generators, consumers: shape.consumers },
    pool,
    data.tariffs,
    { admitAll: true },
  ).scenario;
  const c0 = built.consumers[0]!;
  const terms: RoundTerms = {
    ...termsAt(0n),
    benchmarkMicroYuanPerKWh: built.parameters.benchmarkMicroYuanPerKWh,
    outsideOption: built.parameters.outsideOption,
    reputationWeightMicroYuanPerKWh: built.parameters.reputationWeightMicroYuanPerKWh,
    substitutionPpm: built.parameters.substitutionPpm,
    catalogMicroYuanPerKWh: c0.catalogMicroYuanPerKWh,
    transmissionMicroYuanPerKWh: c0.transmissionMicroYuanPerKWh,
    fundsMicroYuanPerKWh: c0.fundsMicroYuanPerKWh,
    ringSize: shape.ringSize,
  };
  const offers: ClearingOffer[] = built.generators
    .map((g, i) => ({
      generator: `g${i + 1}`,
      offer: {
        capacityWh: g.capacityWh,
        costQuadraticMicroYuanPerMWh2: g.costQuadraticMicroYuanPerMWh2,
        costLinearMicroYuanPerKWh: g.costLinearMicroYuanPerKWh,
        costFixedMicroYuan: g.costFixedMicroYuan,
      },
      reputationPpm: g.reputationPpm,
    }))
    // a round's offers are kept sorted by generator id (rounds.ts market.offer)
    .sort((a, b) => (a.generator < b.generator ? -1 : a.generator > b.generator ? 1 : 0));
  const demands: ClearingDemand[] = built.consumers.map((c, j) => ({
    pseudonym: pseudonymOf(name, j),
    aggregator: `agg-${c.group.slice(1)}`,
    // φ in levels, as market.demand takes it
    demand: {
      demandWh: c.demandWh,
      diversificationMicroYuanPerKWh: diversificationLevel(c.diversificationMicroYuanPerKWh),
    },
    reputationPpm: c.reputationPpm,
  }));
  const scenario = roundScenario(terms, offers, demands);
  const { result, certificate } = solveCertified(scenario);
  return {
    name,
    terms,
    offers,
    demands,
    scenario,
    prices: result.prices.map((p) => p.priceMicroYuanPerKWh),
    certified: certificate.certified,
  };
}

/** Clears `r` at `prices` (default: its certified ones) as a validator does. */
function clear(r: RandomRound, prices = r.prices, offers = r.offers, demands = r.demands): ClearedRound {
  return clearAtPrices(CHAIN_ID, R, r.terms, offers, demands, prices);
}

/** The pairwise split every validator settled (and anyone recomputes): settleAtQuantisedPrices at the round's prices. */
function splitOf(r: RandomRound, prices = r.prices): readonly Contract[] {
  return settleAtQuantisedPrices(prepare(r.scenario), prices).contracts;
}

/** JSON with bigints and bytes, to compare records exactly. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? toHex(x) : (x as unknown),
  );

/** A permutation of `xs` drawn from `salt`. */
function permuted<T>(xs: readonly T[], salt: number): T[] {
  return xs
    .map((x, i) => ({ x, key: (Math.imul(i + 1, 2_654_435_761) ^ salt) >>> 0 }))
    .sort((a, b) => a.key - b.key)
    .map(({ x }) => x);
}

describe(`contracts: the statements of a cleared round (seed ${SEED})`, () => {
  it('conservation: Σ bills’ energy = Σ sales’ energy = the clearing’s; the money differs by < 1 µ¥ per supplier pair', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const r = randomRound(shape);
        fc.pre(r.certified);
        const { bills, sales, clearing } = clear(r);
        const statements = statementsOf(settleAtQuantisedPrices(prepare(r.scenario), r.prices));
        const consumersWh = statements.consumers.reduce((s, c) => s + c.energyWh, 0n);
        const generatorsWh = statements.generators.reduce((s, g) => s + g.soldWh, 0n);
        assert.equal(consumersWh, generatorsWh, 'the statements: bought = sold');
        const billsWh = bills.reduce((s, b) => s + b.contractedWh, 0n);
        const salesWh = sales.reduce((s, x) => s + x.soldWh, 0n);
        assert.equal(billsWh, salesWh);
        assert.equal(billsWh, clearing.energyWh);
        assert.equal(billsWh, consumersWh);
        const pairs = bills.reduce((s, b) => s + b.suppliers, 0);
        assert.equal(
          pairs,
          sales.reduce((s, x) => s + x.buyers, 0),
          'Σ suppliers = Σ buyers',
        );
        const billed = bills.reduce((s, b) => s + b.contractedMicroYuan, 0n);
        const sold = sales.reduce((s, x) => s + moneyFor(x.soldWh, x.priceMicroYuanPerKWh), 0n);
        const gap = billed > sold ? billed - sold : sold - billed;
        assert.ok(gap < BigInt(Math.max(pairs, 1)), `|${billed} − ${sold}| = ${gap} over ${pairs} pairs`);
      }),
      run(50),
    );
  });

  it('one bill per buying consumer and one sale per offering generator, each agreeing with the pairwise split; rings partition each aggregator’s billed pseudonyms', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const r = randomRound(shape);
        fc.pre(r.certified);
        const { bills, sales, rings, clearing } = clear(r);
        const split = splitOf(r);
        const byConsumer = new Map<string, Contract[]>();
        for (const c of split) byConsumer.set(c.consumerId, [...(byConsumer.get(c.consumerId) ?? []), c]);
        // bills: indexed 0…, one per consumer with a positive split, in consumer (pseudonym) order
        assert.deepEqual(
          bills.map((b) => b.index),
          bills.map((_, i) => i),
        );
        assert.deepEqual(
          bills.map((b) => toHex(b.consumer)),
          [...byConsumer.keys()].sort(),
        );
        const demandOf = new Map(r.demands.map((d) => [toHex(d.pseudonym), d]));
        for (const b of bills) {
          const own = byConsumer.get(toHex(b.consumer))!;
          assert.ok(b.contractedWh > 0n);
          assert.equal(b.round, R);
          assert.equal(b.status, 'contracted');
          assert.equal(b.aggregator, demandOf.get(toHex(b.consumer))!.aggregator);
          assert.equal(b.suppliers, own.length);
          assert.equal(
            b.contractedWh,
            own.reduce((s, c) => s + c.energyWh, 0n),
          );
          assert.equal(
            b.contractedMicroYuan,
            own.reduce((s, c) => s + moneyFor(c.energyWh, c.priceMicroYuanPerKWh), 0n),
          );
          assert.ok(b.contractedWh <= demandOf.get(toHex(b.consumer))!.demand.demandWh);
        }
        // sales: every offering generator, in id order, at its price
        assert.deepEqual(
          sales.map((x) => x.generator),
          r.offers.map((o) => o.generator),
        );
        sales.forEach((x, g) => {
          const own = split.filter((c) => c.generatorId === x.generator);
          assert.equal(x.priceMicroYuanPerKWh, r.prices[g]);
          assert.equal(
            x.soldWh,
            own.reduce((s, c) => s + c.energyWh, 0n),
          );
          assert.equal(x.buyers, own.length);
          assert.ok(x.soldWh <= r.offers[g]!.offer.capacityWh);
          assert.equal(clearing.prices[g]!.soldWh, x.soldWh);
          assert.equal(clearing.prices[g]!.generator, x.generator);
        });
        // rings: per aggregator with bills (sorted), the partition of its billed pseudonyms
        const aggregators = [...new Set(bills.map((b) => b.aggregator))].sort();
        assert.deepEqual(
          rings.map(([a]) => a),
          aggregators,
        );
        for (const [aggregator, groups] of rings) {
          const billed = bills.filter((b) => b.aggregator === aggregator);
          assert.deepEqual(
            groups.map((g) => g.map(toHex)),
            partitionRings(
              CHAIN_ID,
              R,
              aggregator,
              billed.map((b) => b.consumer),
              r.terms.ringSize,
            ).map((g) => g.map(toHex)),
          );
          for (const b of billed) assert.ok(groups[b.ring]!.some((y) => toHex(y) === toHex(b.consumer)));
        }
      }),
      run(50),
    );
  });

  it('determinism: the same records whatever order the demands arrived in', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (shape, salt) => {
        const r = randomRound(shape);
        fc.pre(r.certified);
        const once = canonical(clear(r));
        assert.equal(canonical(clear(r)), once, 'twice the same');
        assert.equal(canonical(clear(r, r.prices, r.offers, permuted(r.demands, salt))), once);
        assert.equal(canonical(clear(r, r.prices, r.offers, [...r.demands].reverse())), once);
      }),
      run(50),
    );
  });

  it('determinism: the same records when the offers are listed in another order with their prices', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.generators >= 2),
        fc.integer(),
        (shape, salt) => {
          const r = randomRound(shape);
          fc.pre(r.certified);
          const order = permuted(
            r.offers.map((_, i) => i),
            salt,
          );
          const offers = order.map((i) => r.offers[i]!);
          const prices = order.map((i) => r.prices[i]!);
          assert.equal(canonical(clear(r, prices, offers)), canonical(clear(r)));
        },
      ),
      run(30),
    );
  });

  it('certification: solveCertified’s prices are accepted; 5 % off for one generator is refused (CONTRACT_NOT_EQUILIBRIUM) exactly when not an ε-equilibrium', () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(shapeArb, fc.nat(), fc.boolean(), (shape, which, up) => {
        const r = randomRound(shape);
        fc.pre(r.certified);
        assert.doesNotThrow(() => clear(r), 'the trading centre’s certified prices clear');
        const g = which % r.prices.length;
        const perturbed = r.prices.map((p, i) => (i === g ? (p * (up ? 105n : 95n)) / 100n : p));
        const equilibrium = certify(settleAtQuantisedPrices(prepare(r.scenario), perturbed)).certified;
        if (equilibrium) {
          accepted++;
          assert.doesNotThrow(() => clear(r, perturbed));
        } else {
          refused++;
          assert.throws(
            () => clear(r, perturbed),
            (e: unknown) => isDppError(e, 'CONTRACT_NOT_EQUILIBRIUM'),
          );
        }
      }),
      run(50),
    );
    assert.ok(
      refused >= 25,
      `5 % off is mostly not an equilibrium (${refused} refused, ${accepted} accepted)`,
    );
  });

  it('every bill of a ring is addressed to one generator, a supplier of the ring', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const r = randomRound(shape);
        fc.pre(r.certified);
        const split = splitOf(r);
        const cleared = clear(r);
        const byRing = new Map<string, typeof cleared.bills>();
        for (const b of cleared.bills) {
          const key = `${b.aggregator}/${b.ring}`;
          byRing.set(key, [...(byRing.get(key) ?? []), b]);
        }
        for (const [key, bills] of byRing) {
          // one addressee per ring: a response's addressee says no more than its ring
          assert.equal(new Set(bills.map((b) => b.generator)).size, 1, key);
          const members = new Set(bills.map((b) => toHex(b.consumer)));
          const ringSuppliers = split.filter((c) => members.has(c.consumerId)).map((c) => c.generatorId);
          assert.ok(ringSuppliers.includes(bills[0]!.generator), `${bills[0]!.generator} supplies ${key}`);
        }
      }),
      run(50),
    );
    // and for any supply: a generator with energy (never one with none), deterministically
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.nat(1000),
        fc.array(fc.bigInt({ min: 0n, max: 1n << 40n }), { minLength: 1, maxLength: 8 }),
        (aggregator, ring, energies) => {
          fc.pre(energies.some((e) => e > 0n));
          const ids = energies.map((_, i) => `g${i}`);
          const drawn = counterparty(CHAIN_ID, R, aggregator, ring, ids, energies);
          assert.ok(energies[ids.indexOf(drawn)]! > 0n);
          assert.equal(counterparty(CHAIN_ID, R, aggregator, ring, ids, energies), drawn);
        },
      ),
      run(200),
    );
  });

  it('the counterparty is drawn in proportion to the energy each generator supplies the ring (over 6,000 rings)', () => {
    const ids = ['g1', 'g2', 'g3', 'g4'];
    const supplied = [5_000n, 3_000n, 1_500n, 500n];
    const n = 6_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const g = counterparty(CHAIN_ID, R, 'agg-1', i, ids, supplied);
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    let chi2 = 0;
    for (const [i, id] of ids.entries()) {
      const expected = (n * Number(supplied[i]!)) / 10_000;
      const got = counts.get(id) ?? 0;
      assert.ok(Math.abs(got - expected) < 0.1 * expected + 30, `${id}: ${got} of ~${expected}`);
      chi2 += (got - expected) ** 2 / expected;
    }
    // 3 degrees of freedom: P(χ² > 16.27) = 0.001 — a loose bound (the sample is fixed, so never flaky)
    assert.ok(chi2 < 16.27, `χ² = ${chi2.toFixed(2)}`);
  });
});

/** An org transaction by a member registered on chain (not in genesis), with its next nonce. */
function orgTx<T>(
  c: ContractChain,
  key: ReturnType<typeof orgKeyPair>,
  kind: string,
  codec: Codec<T>,
  value: T,
): SignedTransaction {
  return orgContractTx(
    { chainId: CHAIN_ID, group },
    kind,
    codec,
    value,
    key,
    nextNonce(c.state, key.publicKey),
  );
}

/** A member's organisation key, from the round's name. */
const keyOf = (r: RandomRound, member: string) =>
  orgKeyPair(sha256(new TextEncoder().encode(`${r.name}/${member}`)));

/**
 * Sets `r` up on chain, with a follower chain replaying every block (the harness fails on any
 * divergence of root or receipts): the regulator, its generators and aggregators registered, round 1
 * open on its terms, its pseudonyms registered and demanding, its generators offering.
 */
function onChain(r: RandomRound): { c: ContractChain; follower: ContractChain } {
  const c = new ContractChain('statements');
  const follower = new ContractChain('statements');
  c.followers.push(follower);
  const reg = c.regulator;
  const tc = (kind: string, codec: Parameters<ContractChain['org']>[2], value: unknown, k = 0n) =>
    c.org('trading-centre', kind, codec as never, value as never, k);
  const setup = tc('regulator.setup', regulatorRecord, {
    masterPublic: reg.masterPublic,
    certPublicKey: reg.certPublicKey,
  });
  assert.deepEqual(c.one(setup), OK);
  const aggregators = [...new Set(r.demands.map((d) => d.aggregator))].sort();
  const admitted = [
    ...r.offers.map((o) => [o.generator, 'generator'] as const),
    ...aggregators.map((a) => [a, 'aggregator'] as const),
  ].map(([id, role], i) =>
    tc(
      'member.register',
      memberRegisterPayload,
      { id, role, orgKey: keyOf(r, id).publicKey, aggregator: null },
      BigInt(i),
    ),
  );
  assert.deepEqual(
    c.block(admitted),
    admitted.map(() => OK),
  );
  // a generator offers once it has published its receiving key
  const receivingKeys = r.offers.map((o) => {
    const z = generateKeyPair(group, seededRandom(`${r.name}/${o.generator}/receiving`));
    const proof = schnorrSign(
      group,
      'receiving-key',
      z.secret,
      z.publicKey,
      receivingKeyProofBytes(CHAIN_ID, o.generator, z.publicKey),
    );
    return orgTx(c, keyOf(r, o.generator), 'member.receiving-key', receivingKeyPayload, {
      key: z.publicKey,
      proof,
    });
  });
  assert.deepEqual(
    c.block(receivingKeys),
    receivingKeys.map(() => OK),
  );
  const windows = termsAt(c.now);
  const terms: RoundTerms = {
    ...r.terms,
    gateClosureMs: windows.gateClosureMs,
    deliveryStartMs: windows.deliveryStartMs,
    deliveryEndMs: windows.deliveryEndMs,
    responseDeadlineMs: windows.responseDeadlineMs,
    ackWindowMs: windows.ackWindowMs,
  };
  assert.deepEqual(c.one(tc('round.open', roundOpenPayload, { id: R, terms })), OK);
  const pseudonyms = r.demands.map((d, j) =>
    seededPseudonym(reg, `${r.name}/${j}`, 'consumer-1', d.aggregator, c.now, c.now + 3_600_000n),
  );
  const registrations = pseudonyms.map((p, j) =>
    tc('pseudonym.register', pseudonymRegisterPayload, p.payload, BigInt(j)),
  );
  assert.deepEqual(
    c.block(registrations),
    registrations.map(() => OK),
  );
  const offers = r.offers.map((o) =>
    orgTx(c, keyOf(r, o.generator), 'market.offer', offerPayload, { round: R, ...o.offer }),
  );
  const demands = r.demands.map((d, j) =>
    pseudonymContractTx(
      { chainId: CHAIN_ID, group },
      'market.demand',
      demandPayload,
      { round: R, ...d.demand },
      pseudonyms[j]!.key,
    ),
  );
  assert.deepEqual(
    c.block([...offers, ...demands]),
    [...offers, ...demands].map(() => OK),
  );
  return { c, follower };
}

describe(`contracts: a cleared round on chain (seed ${SEED})`, () => {
  it('round.close writes O(J + G) records — at most 6·(J + G), counted by kind — and two chains agree on the state root', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const r = randomRound(shape);
        fc.pre(r.certified);
        const { c, follower } = onChain(r);
        // the chain's own scenario (its pseudonyms, the attested reputation level), solved off chain
        const scenario = new ContractQueries(c.state, group).scenario(R)!;
        assert.equal(scenario.consumers.length, r.demands.length);
        const { result, certificate } = solveCertified(scenario);
        fc.pre(certificate.certified);
        const prices = result.prices.map((p) => p.priceMicroYuanPerKWh);
        assert.deepEqual(c.one(closeTx(c, prices), 5_000n), OK);
        const writes = c.lastWrites.map((w) => new TextDecoder('latin1').decode(w.key).split('/')[0]!);
        const count = (prefix: string) => writes.filter((p) => p === prefix).length;
        const J = r.demands.length;
        const G = r.offers.length;
        const bills = count('bill');
        const aggregators = count('aggbills');
        const pairs = new ContractQueries(c.state, group).sales(R).reduce((s, x) => s + x.buyers, 0);
        assert.ok(bills >= 1 && bills <= J);
        assert.equal(count('billof'), bills, 'one bill index per billed pseudonym');
        assert.equal(count('aggbill'), bills, 'one aggregator entry per bill');
        assert.equal(count('genbill'), bills, 'one addressee entry per bill');
        assert.ok(count('genbills') >= 1 && count('genbills') <= G);
        assert.equal(count('sale'), G, 'one sale per generator');
        assert.equal(count('rings'), aggregators);
        assert.ok(aggregators >= 1 && aggregators <= 3);
        assert.ok(
          count('ring') >= aggregators && count('ring') <= Math.max(aggregators, bills / r.terms.ringSize),
        );
        assert.deepEqual([count('clearing'), count('round'), count('nonce')], [1, 1, 1]);
        assert.deepEqual([...new Set(writes)].sort(), [
          'aggbill',
          'aggbills',
          'bill',
          'billof',
          'clearing',
          'genbill',
          'genbills',
          'nonce',
          'ring',
          'rings',
          'round',
          'sale',
        ]);
        assert.ok(
          writes.length <= 6 * (J + G),
          `${writes.length} writes for J = ${J}, G = ${G} (${pairs} supplier pairs)`,
        );
        assert.equal(toHex(follower.chain.head.stateRoot), toHex(c.chain.head.stateRoot));
      }),
      run(8),
    );
  });
});
