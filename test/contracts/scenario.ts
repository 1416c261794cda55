/**
 * A market round on the in-memory contract chain (./harness.ts), step by step, for the tests that
 * need a chain in a given phase: regulator and receiving keys, round 1 open with one-time
 * pseudonyms for the four consumers, case30 offers and pseudonymous demand; then clearing,
 * metering and bill responses on request. Every step asserts ok receipts.
 */
import assert from 'node:assert/strict';
import { buildBillResponse, buildEscalation, openBillResponse } from '../../src/client/billResponse.ts';
import { pseudonymContractTx } from '../../src/client/contractTx.ts';
import { issueOneTimePseudonym } from '../../src/client/pseudonyms.ts';
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
import { meterPayload } from '../../src/contracts/metering.ts';
import {
  activeRing,
  pseudonymRegisterPayload,
  pseudonymRevokePayload,
} from '../../src/contracts/pseudonyms.ts';
import {
  type BillRecord,
  billRecord,
  type ResponseRecord,
  type RoundTerms,
  regulatorRecord,
  responseRecord,
  roundRecord,
  type Verdict,
} from '../../src/contracts/records.ts';
import {
  demandPayload,
  offerPayload,
  roundClosePayload,
  roundOpenPayload,
} from '../../src/contracts/rounds.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import type { Point, Scalar } from '../../src/crypto/group.ts';
import { systemRandom } from '../../src/crypto/scalars.ts';
import { ringTxContext } from '../../src/ledger/ringAuth.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { ringTransaction, type SignedTransaction } from '../../src/ledger/txSigning.ts';
import { generateKeyPair, type KeyPair } from '../../src/privacy/keyPair.ts';
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
  /** Consumer id → its one-time pseudonym of round 1. */
  readonly pseudonyms: Map<string, KeyPair>;
  readonly terms: RoundTerms;
}

/** The round's terms relative to `t0` (gate closes after 5 s, delivery ends after 20 s, responses due after 60 s). */
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
  };
}

/** Regulator, receiving keys, round 1 open, pseudonyms, offers and demand — all committed. */
export function setUpRound(c = new ContractChain()): RoundSetup {
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
  const terms = termsAt(c.now);
  assert.deepEqual(c.one(c.org('trading-centre', 'round.open', roundOpenPayload, { id: R, terms })), OK);
  const pseudonyms = new Map<string, KeyPair>();
  const registrations = CONSUMERS.map(([id, agg], i) => {
    const { key, payload } = issueOneTimePseudonym(
      group,
      reg,
      id,
      c.now,
      c.now + 3_600_000n,
      R,
      agg,
      600_000,
    );
    pseudonyms.set(id, key);
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
        demandWh: BigInt(CASE30.consumers[j]!.demandWh),
        diversificationMicroYuanPerKWh: BigInt(CASE30.consumers[j]!.diversificationMicroYuanPerKWh),
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
    { length: r.contracts },
    (_, i) => readRecord(c.state, group, billKey(round, i), billRecord)!,
  );
}

/** Closes round 1 at its gate closure (clearing inside execution) and returns its bills. */
export function closeRound(s: RoundSetup): BillRecord[] {
  const { c } = s;
  const advance = s.terms.gateClosureMs > c.now ? s.terms.gateClosureMs - c.now : 1000n;
  assert.deepEqual(
    c.one(c.org('trading-centre', 'round.close', roundClosePayload, { round: R }), advance),
    OK,
  );
  const bills = billsOf(c);
  assert.ok(bills.length >= 2, 'the round clears with contracts');
  return bills;
}

/** A meter reading. */
export interface Reading {
  readonly deliveredWh: bigint;
  readonly consumedWh: bigint;
}

/** Meters every bill after the delivery window (`readingOf`, default: exactly as contracted). */
export function meterAll(
  s: RoundSetup,
  readingOf: (b: BillRecord) => Reading = (b) => ({
    deliveredWh: b.contractedWh,
    consumedWh: b.contractedWh,
  }),
): BillRecord[] {
  const { c } = s;
  const contracted = billsOf(c);
  const txs = ['agg-a', 'agg-b'].flatMap((agg) => {
    const readings = contracted
      .filter((b) => b.aggregator === agg)
      .map((b) => ({ bill: b.index, ...readingOf(b) }));
    return readings.length === 0 ? [] : [c.org(agg, 'meter.submit', meterPayload, { round: R, readings })];
  });
  const advance = s.terms.deliveryEndMs > c.now ? s.terms.deliveryEndMs - c.now : 1000n;
  assert.deepEqual(
    c.block(txs, advance),
    txs.map(() => OK),
  );
  return billsOf(c);
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

/** The active ring of (round, aggregator) at the chain's head. */
export function ringNow(c: ContractChain, aggregator: string, round = R): Point[] {
  return activeRing(
    { state: c.state, group, block: { chainId: CHAIN_ID, height: 0n, timestampMs: c.now, proposer: 0 } },
    round,
    aggregator,
  );
}

/** The trace secret each response built by `respondTo` kept, by transaction id (hex). */
const traceSecrets = new Map<string, Scalar>();

/** The ordinary `bill.respond` of a bill's own consumer (the client's builder). */
export function respondTo(s: RoundSetup, bill: BillRecord, verdict: Verdict = 'confirm'): SignedTransaction {
  const { tx, traceSecret } = buildBillResponse({
    chainId: CHAIN_ID,
    params: s.params,
    pseudonym: ownerOf(s, bill)[1],
    ring: ringNow(s.c, bill.aggregator),
    round: bill.round,
    bill: bill.index,
    aggregator: bill.aggregator,
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
  readonly signer?: KeyPair;
  readonly ring?: readonly Point[];
  readonly receiver?: Point;
  readonly aggregator?: string;
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
): { tx: SignedTransaction; signcryption: Uint8Array } {
  const signer = t.signer ?? ownerOf(s, bill)[1];
  const nonce = systemRandom(32);
  const context = { ...ringTxContext(CHAIN_ID, 'bill.respond', nonce), ...t.context };
  const uniqueId = t.uniqueId ?? context.nonce;
  const signature = schnorrSign(
    group,
    BILL_RESPONSE_PURPOSE,
    signer.secret,
    signer.publicKey,
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
    ringOf(t.ring ?? ringNow(s.c, bill.aggregator)),
    t.receiver ?? s.receiving.get(bill.generator)!.publicKey,
    context,
    plaintext,
  );
  const signcryption = encodeSigncryption(sc);
  return { tx: respondWith(s, bill, signcryption, uniqueId, t), signcryption };
}

/** A `bill.respond` transaction carrying `signcryption` bytes as they are. */
export function respondWith(
  _s: RoundSetup,
  bill: BillRecord,
  signcryption: Uint8Array,
  uniqueId: Uint8Array,
  t: Pick<ResponseTamper, 'aggregator' | 'generator'> = {},
): SignedTransaction {
  const payload = respondPayload.encode({
    round: bill.round,
    aggregator: t.aggregator ?? bill.aggregator,
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
  readonly responses: readonly SignedTransaction[];
  /** The bill disputed (then traced and resolved with waived penalties). */
  readonly disputed: BillRecord;
  /** The bill whose confirmation the generator ignored (then escalated and upheld). */
  readonly escalated: BillRecord;
}

/**
 * Every contract kind in one round: setup, clearing, metering (`readingOf`), ring-signcrypted
 * responses (bill 0 disputed, bill 1 left unacknowledged), acknowledgements, an escalation, a trace,
 * two resolutions, a new member registered and suspended, finalization and a revocation.
 */
export function fullRound(c = new ContractChain(), readingOf?: (b: BillRecord) => Reading): FullRound {
  const s = setUpRound(c);
  closeRound(s);
  const issued = meterAll(s, readingOf);
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
  return { ...s, issued, responses, disputed, escalated };
}
