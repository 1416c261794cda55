/**
 * A market round on the in-memory contract chain (./harness.ts), step by step, for the tests that
 * need a chain in a given phase: regulator and receiving keys, round 1 open with one-time
 * pseudonyms for the four consumers (or several each), case30 offers and pseudonymous demand; then
 * clearing (the round's scenario solved off chain with `solveCertified`, its prices sent in
 * `round.close`), metering of the bills (`meter.submit`) and of the sales (`meter.generation`) and
 * bill responses in each bill's ring on request. Every step asserts ok receipts.
 */
import assert from 'node:assert/strict';
import { buildBillResponse, buildEscalation, openBillResponse } from '../../src/client/billResponse.ts';
import { pseudonymContractTx } from '../../src/client/contractTx.ts';
import { certifyForRound } from '../../src/client/pseudonyms.ts';
import { toHex } from '../../src/codec/bytes.ts';
import {
  acknowledgePayload,
  BILL_RESPONSE_PURPOSE,
  billResponsePlaintext,
  billResponseSigningBytes,
  remarksHash,
  respondPayload,
} from '../../src/contracts/billResponses.ts';
import { resolvePayload, traceRecordPayload } from '../../src/contracts/disputes.ts';
import { readRecord } from '../../src/contracts/draft.ts';
import { finalizePayload } from '../../src/contracts/finalize.ts';
import { billKey, responseKey, roundKey } from '../../src/contracts/keys.ts';
import {
  memberRegisterPayload,
  memberSuspendPayload,
  receivingKeyPayload,
  receivingKeyProofBytes,
} from '../../src/contracts/membership.ts';
import { generationPayload, meterPayload } from '../../src/contracts/metering.ts';
import { pseudonymRegisterPayload, pseudonymRevokePayload } from '../../src/contracts/pseudonyms.ts';
import { ContractQueries } from '../../src/contracts/queries.ts';
import {
  type BillRecord,
  billRecord,
  diversificationLevel,
  type ResponseRecord,
  type RoundTerms,
  regulatorRecord,
  responseRecord,
  roundRecord,
  type SaleRecord,
  type Verdict,
} from '../../src/contracts/records.ts';
import { activeRing } from '../../src/contracts/rings.ts';
import {
  demandPayload,
  offerPayload,
  roundClosePayload,
  roundOpenPayload,
} from '../../src/contracts/rounds.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import type { Point, Scalar } from '../../src/crypto/group.ts';
import { seededRandom, systemRandom } from '../../src/crypto/scalars.ts';
import { ringTxContext } from '../../src/ledger/ringAuth.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { ringTransaction, type SignedTransaction } from '../../src/ledger/txSigning.ts';
import { solveCertified } from '../../src/market/solveCertified.ts';
import { generateKeyPair, type KeyPair } from '../../src/privacy/keyPair.ts';
import { issuePseudoIdentity } from '../../src/privacy/pseudoIdentity.ts';
import { requestCertification } from '../../src/privacy/pseudonymCertificate.ts';
import { ringOf } from '../../src/privacy/ring.ts';
import { signcrypt } from '../../src/privacy/ringSigncryption.ts';
import { schnorrSign } from '../../src/privacy/schnorr.ts';
import { encodeSigncryption, type SigncryptionContext } from '../../src/privacy/signcryptionEncoding.ts';
import { CASE30, CHAIN_ID, ContractChain, group } from './harness.ts';

export const OK = { status: 'ok' } as const;
export const R = 1n;

/** The consumers of the harness and their aggregators. */
export const CONSUMERS = [
  ['consumer-1', 'agg-a'],
  ['consumer-2', 'agg-a'],
  ['consumer-3', 'agg-b'],
  ['consumer-4', 'agg-b'],
] as const;

/** A chain with round 1 open, pseudonyms registered, offers and demand in. */
export interface RoundSetup {
  readonly c: ContractChain;
  readonly reg: ContractChain['regulator'];
  readonly params: { readonly group: typeof group; readonly regulatorKey: Point };
  /** Generator id → receiving key pair. */
  readonly receiving: Map<string, KeyPair>;
  /**
   * Consumer id → its one-time pseudonym of round 1 (with several per consumer, the second and
   * later are keyed `consumer-1#2`, …).
   */
  readonly pseudonyms: Map<string, KeyPair>;
  readonly terms: RoundTerms;
}

/**
 * The round's terms relative to `t0` (gate closes after 5 s, delivery ends after 20 s, responses due
 * after 60 s); rings of 2..3 billed pseudonyms, so the four consumers' round gives each aggregator
 * one ring of its two.
 */
export function termsAt(t0: bigint): RoundTerms {
  return {
    period: 'test hour',
    gateClosureMs: t0 + 5_000n,
    deliveryStartMs: t0 + 10_000n,
    deliveryEndMs: t0 + 20_000n,
    responseDeadlineMs: t0 + 60_000n,
    ackWindowMs: 10_000n,
    catalogMicroYuanPerKWh: 610_000n,
    transmissionMicroYuanPerKWh: 142_800n,
    fundsMicroYuanPerKWh: 26_000n,
    benchmarkMicroYuanPerKWh: 373_900n,
    reputationWeightMicroYuanPerKWh: 30_000n,
    substitutionPpm: 500_000,
    outsideOption: true,
    tolerancePpm: 50_000,
    penaltyMicroYuanPerKWh: 61_000n,
    ringSize: 2,
  };
}

/** How `setUpRound` shapes the round (default: one pseudonym per consumer, `termsAt`). */
export interface RoundOptions {
  /** One-time pseudonyms each consumer registers and demands under (more give an aggregator several rings). */
  readonly pseudonymsPerConsumer?: number;
  /** Changes to `termsAt(now)`. */
  readonly terms?: Partial<RoundTerms>;
  /** Seeds the pseudonym keys (default 'round-1'): the same seed gives the same round, its bills and rings. */
  readonly seed?: string;
}

/**
 * A one-time pseudonym of `id` behind `aggregator` for round 1, as ../../src/client/pseudonyms.ts
 * `issueOneTimePseudonym` makes it, but from `seed` (so the round's bills, counterparties and
 * rings are the same on every run).
 */
export function seededPseudonym(
  reg: ContractChain['regulator'],
  seed: string,
  id: string,
  aggregator: string,
  nowMs: bigint,
  expiresAtMs: bigint,
): { key: KeyPair; payload: ReturnType<typeof certifyForRound> } {
  const random = seededRandom(seed);
  const pid = issuePseudoIdentity(group, reg, id, random);
  const key = generateKeyPair(group, random);
  const request = requestCertification(group, key.secret, key.publicKey, pid, expiresAtMs, random);
  return { key, payload: certifyForRound(group, reg, request, nowMs, R, aggregator, 600_000) };
}

/** Regulator, receiving keys, round 1 open, pseudonyms, offers and demand — all committed. */
export function setUpRound(c = new ContractChain(), options: RoundOptions = {}): RoundSetup {
  const reg = c.regulator;
  assert.deepEqual(
    c.one(
      c.org('trading-centre', 'regulator.setup', regulatorRecord, {
        masterPublic: reg.masterPublic,
        certPublicKey: reg.certPublicKey,
      }),
    ),
    OK,
  );
  const receiving = new Map<string, KeyPair>();
  const keyTxs = ['gen-a', 'gen-b'].map((g) => {
    const z = generateKeyPair(group);
    receiving.set(g, z);
    const proof = schnorrSign(
      group,
      'receiving-key',
      z.secret,
      z.publicKey,
      receivingKeyProofBytes(CHAIN_ID, g, z.publicKey),
    );
    return c.org(g, 'member.receiving-key', receivingKeyPayload, { key: z.publicKey, proof });
  });
  assert.deepEqual(c.block(keyTxs), [OK, OK]);
  const terms = { ...termsAt(c.now), ...options.terms };
  assert.deepEqual(c.one(c.org('trading-centre', 'round.open', roundOpenPayload, { id: R, terms })), OK);
  const pseudonyms = new Map<string, KeyPair>();
  const perConsumer = options.pseudonymsPerConsumer ?? 1;
  const holders = Array.from({ length: perConsumer }, (_, n) =>
    CONSUMERS.map(([id, agg]) => [n === 0 ? id : `${id}#${n + 1}`, id, agg] as const),
  ).flat();
  const seed = options.seed ?? 'round-1';
  const registrations = holders.map(([name, id, agg], i) => {
    const { key, payload } = seededPseudonym(reg, `${seed}/${name}`, id, agg, c.now, c.now + 3_600_000n);
    pseudonyms.set(name, key);
    return c.org('trading-centre', 'pseudonym.register', pseudonymRegisterPayload, payload, BigInt(i));
  });
  assert.deepEqual(
    c.block(registrations),
    registrations.map(() => OK),
  );
  const offers = ['gen-a', 'gen-b'].map((g, i) =>
    c.org(g, 'market.offer', offerPayload, {
      round: R,
      capacityWh: BigInt(CASE30.generators[i]!.capacityWh) / 2n,
      costQuadraticMicroYuanPerMWh2: BigInt(CASE30.generators[i]!.costQuadraticMicroYuanPerMWh2),
      costLinearMicroYuanPerKWh: BigInt(CASE30.generators[i]!.costLinearMicroYuanPerKWh),
      costFixedMicroYuan: 0n,
    }),
  );
  const demands = [...pseudonyms.values()].map((key, j) =>
    pseudonymContractTx(
      { chainId: CHAIN_ID, group },
      'market.demand',
      demandPayload,
      {
        round: R,
        demandWh: BigInt(CASE30.consumers[j % CASE30.consumers.length]!.demandWh),
        diversificationMicroYuanPerKWh: diversificationLevel(
          BigInt(CASE30.consumers[j % CASE30.consumers.length]!.diversificationMicroYuanPerKWh),
        ),
      },
      key,
    ),
  );
  assert.deepEqual(
    c.block([...offers, ...demands]),
    [...offers, ...demands].map(() => OK),
  );
  return {
    c,
    reg,
    params: { group, regulatorKey: reg.masterPublic },
    receiving,
    pseudonyms,
    terms,
  };
}

/** The bills of round `round`, in index order. */
export function billsOf(c: ContractChain, round = R): BillRecord[] {
  const r = readRecord(c.state, group, roundKey(round), roundRecord)!;
  return Array.from(
    { length: r.bills },
    (_, i) => readRecord(c.state, group, billKey(round, i), billRecord)!,
  );
}

/** The sales of round `round`, one per offering generator, by id. */
export function salesOf(c: ContractChain, round = R): SaleRecord[] {
  return new ContractQueries(c.state, group).sales(round);
}

/**
 * The equilibrium prices the trading centre would send: the round's scenario as the chain serves it
 * (`ContractQueries.scenario`), solved and certified off chain — one price per offering generator, in id order.
 */
export function equilibriumPrices(c: ContractChain, round = R): bigint[] {
  const scenario = new ContractQueries(c.state, group).scenario(round);
  assert.ok(scenario !== undefined, `round ${round} exists`);
  const { result, certificate } = solveCertified(scenario);
  assert.ok(certificate.certified, 'the round has a certified equilibrium');
  return result.prices.map((p) => p.priceMicroYuanPerKWh);
}

/** The trading centre's `round.close` with `prices` (default: none, as for a round to cancel). */
export function closeTx(c: ContractChain, prices: readonly bigint[] = [], round = R): SignedTransaction {
  return c.org('trading-centre', 'round.close', roundClosePayload, { round, prices });
}

/** Closes round 1 at its gate closure with its equilibrium prices (validators settle and certify them) and returns its bills. */
export function closeRound(s: RoundSetup): BillRecord[] {
  const { c } = s;
  const advance = s.terms.gateClosureMs > c.now ? s.terms.gateClosureMs - c.now : 1000n;
  assert.deepEqual(c.one(closeTx(c, equilibriumPrices(c)), advance), OK);
  const bills = billsOf(c);
  assert.ok(bills.length >= 2, 'the round clears with bills');
  return bills;
}

/** What was metered: each bill's consumption and each generator's delivery (default: as contracted). */
export interface RoundReadings {
  readonly consumed?: (b: BillRecord) => bigint;
  readonly delivered?: (s: SaleRecord) => bigint;
}

/** Each aggregator meters its consumers' bills after the delivery window (`consumedOf`, default: as contracted). */
export function meterAll(
  s: RoundSetup,
  consumedOf: (b: BillRecord) => bigint = (b) => b.contractedWh,
): BillRecord[] {
  const { c } = s;
  const contracted = billsOf(c);
  const txs = ['agg-a', 'agg-b'].flatMap((agg) => {
    const readings = contracted
      .filter((b) => b.aggregator === agg)
      .map((b) => ({ bill: b.index, consumedWh: consumedOf(b) }));
    return readings.length === 0 ? [] : [c.org(agg, 'meter.submit', meterPayload, { round: R, readings })];
  });
  const advance = s.terms.deliveryEndMs > c.now ? s.terms.deliveryEndMs - c.now : 1000n;
  assert.deepEqual(
    c.block(txs, advance),
    txs.map(() => OK),
  );
  return billsOf(c);
}

/** The trading centre meters every generator's delivery (`deliveredOf`, default: as sold); each sale is paid. */
export function meterGeneration(
  s: RoundSetup,
  deliveredOf: (sale: SaleRecord) => bigint = (sale) => sale.soldWh,
): SaleRecord[] {
  const { c } = s;
  const readings = salesOf(c).map((sale) => ({ generator: sale.generator, deliveredWh: deliveredOf(sale) }));
  const advance = s.terms.deliveryEndMs > c.now ? s.terms.deliveryEndMs - c.now : 1000n;
  assert.deepEqual(
    c.one(c.org('trading-centre', 'meter.generation', generationPayload, { round: R, readings }), advance),
    OK,
  );
  return salesOf(c);
}

/** Round 1 closed and metered as contracted. */
export function issuedRound(c = new ContractChain()): RoundSetup & { bills: BillRecord[] } {
  const s = setUpRound(c);
  closeRound(s);
  return { ...s, bills: meterAll(s) };
}

/** The consumer id and pseudonym key pair behind a bill. */
export function ownerOf(s: RoundSetup, bill: BillRecord): [string, KeyPair] {
  const found = [...s.pseudonyms].find(([, k]) => toHex(k.publicKey) === toHex(bill.consumer));
  assert.ok(found !== undefined, 'every bill has one of the test pseudonyms');
  return found;
}

/** The active members of ring `index` of (round, aggregator) at the chain's head (empty when none). */
export function ringNow(c: ContractChain, aggregator: string, index = 0, round = R): Point[] {
  return activeRing(
    { state: c.state, group, block: { chainId: CHAIN_ID, height: 0n, timestampMs: c.now, proposer: 0 } },
    round,
    aggregator,
    index,
  );
}

/** The active members of the ring a bill responds in. */
export function ringOfBill(c: ContractChain, bill: BillRecord): Point[] {
  return ringNow(c, bill.aggregator, bill.ring, bill.round);
}

/** The trace secret each response built by `respondTo` kept, by transaction id (hex). */
const traceSecrets = new Map<string, Scalar>();

/** The ordinary `bill.respond` of a bill's own consumer (the client's builder). */
export function respondTo(s: RoundSetup, bill: BillRecord, verdict: Verdict = 'confirm'): SignedTransaction {
  const { tx, traceSecret } = buildBillResponse({
    chainId: CHAIN_ID,
    params: s.params,
    pseudonym: ownerOf(s, bill)[1],
    ring: ringOfBill(s.c, bill),
    round: bill.round,
    bill: bill.index,
    aggregator: bill.aggregator,
    ringIndex: bill.ring,
    generator: bill.generator,
    receiver: s.receiving.get(bill.generator)!.publicKey,
    verdict,
    remarks: verdict === 'confirm' ? 'ok' : 'the reading is wrong',
  });
  traceSecrets.set(toHex(transactionId(tx.bytes)), traceSecret);
  return tx;
}

/** The trace secret `respondTo` kept for `response`. */
export function traceSecretOf(response: SignedTransaction): Scalar {
  return traceSecrets.get(toHex(transactionId(response.bytes)))!;
}

/**
 * A `bill.escalate` of `bill` under `key`, naming `response` (built by `respondTo`) and proving
 * sendership with that response's trace secret (or `traceSecret`, to tamper).
 */
export function escalationOf(
  s: RoundSetup,
  key: KeyPair,
  response: SignedTransaction,
  bill: BillRecord,
  traceSecret?: Scalar,
): SignedTransaction {
  const id = transactionId(response.bytes);
  return buildEscalation({
    chainId: CHAIN_ID,
    params: s.params,
    pseudonym: key,
    response: id,
    signcryption: responseOf(s.c, response).signcryption,
    traceSecret: traceSecret ?? traceSecretOf(response),
    round: bill.round,
    bill: bill.index,
    reason: 'no answer',
  });
}

/** What a response builder may be made to get wrong (everything else as `respondTo`). */
export interface ResponseTamper {
  /** Who signcrypts (a member of `ring`). */
  readonly signer?: KeyPair;
  /** Who signs the verdict inside (default: `signer`) — the bill's own pseudonym, lent to another. */
  readonly billSigner?: KeyPair;
  readonly ring?: readonly Point[];
  readonly receiver?: Point;
  readonly aggregator?: string;
  /** The ring index the payload names (default: the bill's). */
  readonly ringIndex?: number;
  readonly generator?: string;
  /** Context overrides (chain, purpose, nonce) of the signcryption. */
  readonly context?: Partial<SigncryptionContext>;
  /** The transaction's unique id (default: the context's nonce). */
  readonly uniqueId?: Uint8Array;
}

/** A `bill.respond` built by hand with the given deviations (for the tamper matrix). */
export function tamperedResponse(
  s: RoundSetup,
  bill: BillRecord,
  t: ResponseTamper = {},
): { tx: SignedTransaction; signcryption: Uint8Array; signature: { e: Scalar; z: Scalar } } {
  const signer = t.signer ?? ownerOf(s, bill)[1];
  const billSigner = t.billSigner ?? signer;
  const nonce = systemRandom(32);
  const context = { ...ringTxContext(CHAIN_ID, 'bill.respond', nonce), ...t.context };
  const uniqueId = t.uniqueId ?? context.nonce;
  const signature = schnorrSign(
    group,
    BILL_RESPONSE_PURPOSE,
    billSigner.secret,
    billSigner.publicKey,
    billResponseSigningBytes(CHAIN_ID, bill.round, bill.index, 'confirm', remarksHash(''), uniqueId),
  );
  const plaintext = billResponsePlaintext.encode({
    round: bill.round,
    bill: bill.index,
    verdict: 'confirm',
    remarks: '',
    signature,
  });
  const sc = signcrypt(
    s.params,
    signer,
    ringOf(t.ring ?? ringOfBill(s.c, bill)),
    t.receiver ?? s.receiving.get(bill.generator)!.publicKey,
    context,
    plaintext,
  );
  const signcryption = encodeSigncryption(sc);
  return { tx: respondWith(s, bill, signcryption, uniqueId, t), signcryption, signature };
}

/** A `bill.respond` transaction carrying `signcryption` bytes as they are. */
export function respondWith(
  _s: RoundSetup,
  bill: BillRecord,
  signcryption: Uint8Array,
  uniqueId: Uint8Array,
  t: Pick<ResponseTamper, 'aggregator' | 'ringIndex' | 'generator'> = {},
): SignedTransaction {
  const payload = respondPayload.encode({
    round: bill.round,
    aggregator: t.aggregator ?? bill.aggregator,
    ringIndex: t.ringIndex ?? bill.ring,
    generator: t.generator ?? bill.generator,
    signcryption,
  });
  return ringTransaction({ chainId: CHAIN_ID, kind: 'bill.respond', payload }, uniqueId);
}

/** The stored response of a committed `bill.respond`. */
export function responseOf(c: ContractChain, tx: SignedTransaction): ResponseRecord {
  return readRecord(c.state, group, responseKey(transactionId(tx.bytes)), responseRecord)!;
}

/** The addressed generator's acknowledgement payload for a committed response. */
export function acknowledgementOf(
  s: RoundSetup,
  tx: SignedTransaction,
): ReturnType<typeof acknowledgePayload.decode> {
  const id = transactionId(tx.bytes);
  const rec = responseOf(s.c, tx);
  return openBillResponse(CHAIN_ID, s.params, s.receiving.get(rec.generator)!, id, rec, (r, k) =>
    readRecord(s.c.state, group, billKey(r, k), billRecord),
  ).acknowledgement;
}

/** What `fullRound` did, for the tests that inspect it. */
export interface FullRound extends RoundSetup {
  /** The bills as metered (before any response). */
  readonly issued: readonly BillRecord[];
  /** The sales as metered and paid. */
  readonly sales: readonly SaleRecord[];
  readonly responses: readonly SignedTransaction[];
  /** The bill disputed (then traced and resolved with waived penalties). */
  readonly disputed: BillRecord;
  /** The bill whose confirmation the generator ignored (then escalated and upheld). */
  readonly escalated: BillRecord;
}

/**
 * Every contract kind in one round: setup, clearing, metering of bills and sales (`readings`),
 * ring-signcrypted responses (bill 0 disputed, bill 1 left unacknowledged), acknowledgements, an
 * escalation, a trace, two resolutions, a new member registered and suspended, finalization and a
 * revocation.
 */
export function fullRound(c = new ContractChain(), readings: RoundReadings = {}): FullRound {
  const s = setUpRound(c);
  closeRound(s);
  const issued = meterAll(s, readings.consumed);
  const sales = meterGeneration(s, readings.delivered);
  const [disputed, escalated] = [issued[0]!, issued[1]!];
  const responses = issued.map((b) => respondTo(s, b, b === disputed ? 'dispute' : 'confirm'));
  assert.deepEqual(
    c.block(responses),
    responses.map(() => OK),
  );
  const perGenerator = new Map<string, bigint>();
  const acks = responses.flatMap((tx, i) => {
    if (issued[i] === escalated) return [];
    const ack = acknowledgementOf(s, tx);
    const g = issued[i]!.generator;
    const offset = perGenerator.get(g) ?? 0n;
    perGenerator.set(g, offset + 1n);
    return [c.org(g, 'bill.acknowledge', acknowledgePayload, ack, offset)];
  });
  assert.deepEqual(
    c.block(acks),
    acks.map(() => OK),
  );
  const escalate = escalationOf(s, ownerOf(s, escalated)[1], responses[1]!, escalated);
  assert.deepEqual(c.one(escalate, s.terms.ackWindowMs + 1000n), OK);
  const tc = (kind: string, codec: Parameters<ContractChain['org']>[2], value: unknown, k = 0n) =>
    c.org('trading-centre', kind, codec as never, value as never, k);
  const newcomer = orgKeyPair(new Uint8Array(32).fill(9));
  const admin = [
    tc('trace.record', traceRecordPayload, {
      response: transactionId(responses[0]!.bytes),
      reason: 'consumer disputes the reading',
      commitment: new Uint8Array(32).fill(7),
    }),
    tc(
      'dispute.resolve',
      resolvePayload,
      { round: R, bill: disputed.index, outcome: 'waive-penalties', note: 'meter fault' },
      1n,
    ),
    tc(
      'dispute.resolve',
      resolvePayload,
      { round: R, bill: escalated.index, outcome: 'uphold', note: '' },
      2n,
    ),
    tc(
      'member.register',
      memberRegisterPayload,
      { id: 'gen-c', role: 'generator', orgKey: newcomer.publicKey, aggregator: null },
      3n,
    ),
    tc('member.suspend', memberSuspendPayload, { id: 'gen-c', suspended: true }, 4n),
  ];
  assert.deepEqual(
    c.block(admin),
    admin.map(() => OK),
  );
  const closesAt = s.terms.responseDeadlineMs + 2n * s.terms.ackWindowMs;
  assert.deepEqual(
    c.one(tc('round.finalize', finalizePayload, { round: R }), closesAt > c.now ? closesAt - c.now : 1000n),
    OK,
  );
  assert.deepEqual(
    c.one(tc('pseudonym.revoke', pseudonymRevokePayload, { key: ownerOf(s, escalated)[1].publicKey })),
    OK,
  );
  return { ...s, issued, sales, responses, disputed, escalated };
}
