/**
 * Tamper matrices of the private bill responses (docs/protocol.md §7–§8). `bill.respond`: a
 * signcryption bound to another unique id, kind or chain, addressed to another generator, made over
 * a ring that is not the state's, or with any bit of its ciphertext, scalars or points flipped, is
 * invalid; after the response deadline it fails with CONTRACT_TOO_LATE. `bill.acknowledge`,
 * `bill.escalate`, `dispute.resolve` and `round.finalize` refuse every misuse with their code and
 * change nothing but the sender's nonce or unique id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBillResponse } from '../../src/client/billResponse.ts';
import { toHex } from '../../src/codec/bytes.ts';
import { acknowledgePayload, respondPayload } from '../../src/contracts/billResponses.ts';
import { resolvePayload } from '../../src/contracts/disputes.ts';
import { finalizePayload } from '../../src/contracts/finalize.ts';
import type { BillRecord } from '../../src/contracts/records.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import { ringTransaction, type SignedTransaction } from '../../src/ledger/txSigning.ts';
import { generateKeyPair, type KeyPair } from '../../src/privacy/keyPair.ts';
import { decodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { CHAIN_ID, type ContractChain, group, invalidReason } from './harness.ts';
import {
  acknowledgementOf,
  billsOf,
  escalationOf,
  issuedRound,
  OK,
  ownerOf,
  R,
  type RoundSetup,
  respondTo,
  respondWith,
  responseOf,
  ringNow,
  tamperedResponse,
  traceSecretOf,
} from './scenario.ts';

const BAD_SC = 'LEDGER_UNAUTHORISED:CONTRACT_BAD_SIGNCRYPTION';

/** The prefixes of the keys the last block wrote (e.g. ['nonce']). */
function writtenPrefixes(c: ContractChain): string[] {
  return c.lastWrites.map((w) => new TextDecoder('latin1').decode(w.key).split('/')[0]!);
}

/** Commits `tx` alone, expects a failed receipt with `code`, and that only its replay token was written. */
function failsWith(c: ContractChain, tx: SignedTransaction, code: string, advanceMs = 1000n): void {
  assert.deepEqual(c.one(tx, advanceMs), { status: 'failed', code }, `${tx.tx.kind} → ${code}`);
  assert.deepEqual(
    writtenPrefixes(c),
    [tx.tx.auth.scheme === 'org' ? 'nonce' : 'used'],
    'nothing else changed',
  );
}

/**
 * A bill of agg-a (whose one ring holds consumer-1 and consumer-2), addressed to a generator that
 * has another bill too (there is one: four bills, two generators, each aggregator with two bills).
 */
function billOfAggA(bills: readonly BillRecord[]): BillRecord {
  const addressed = (g: string) => bills.filter((x) => x.generator === g).length;
  const b = bills
    .filter((x) => x.aggregator === 'agg-a')
    .sort((x, y) => addressed(y.generator) - addressed(x.generator))[0];
  assert.ok(b !== undefined, 'the round gives agg-a’s consumers a bill');
  assert.ok(addressed(b.generator) >= 2, 'its generator has another bill');
  return b;
}

describe('contracts: bill.respond tamper matrix', () => {
  const s = issuedRound();
  const { c } = s;
  const bill = billOfAggA(s.bills);
  const otherGenerator = bill.generator === 'gen-a' ? 'gen-b' : 'gen-a';

  it('a well-formed response is valid (the baseline every tampered one departs from)', () => {
    assert.equal(invalidReason(c, tamperedResponse(s, bill).tx), undefined);
    assert.equal(invalidReason(c, respondTo(s, bill)), undefined);
  });

  it('bound to another unique id, kind or chain: invalid', () => {
    const good = tamperedResponse(s, bill);
    // the same payload re-sent under a fresh unique id (a replay, or a copy to block the original)
    const replay = ringTransaction(
      { chainId: CHAIN_ID, kind: 'bill.respond', payload: good.tx.tx.payload },
      new Uint8Array(32).fill(1),
    );
    assert.equal(invalidReason(c, replay), BAD_SC);
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { uniqueId: new Uint8Array(32).fill(2) }).tx),
      BAD_SC,
    );
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { context: { purpose: 'dpp/tx/bill.escalate' } }).tx),
      BAD_SC,
    );
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { context: { purpose: 'bill-confirmation' } }).tx),
      BAD_SC,
    );
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { context: { chainId: 'dppchain-other' } }).tx),
      BAD_SC,
    );
  });

  it('addressed to another key than the named generator’s receiving key: invalid', () => {
    const otherKey = s.receiving.get(otherGenerator)!.publicKey;
    assert.equal(invalidReason(c, tamperedResponse(s, bill, { receiver: otherKey }).tx), BAD_SC);
    assert.equal(invalidReason(c, tamperedResponse(s, bill, { generator: otherGenerator }).tx), BAD_SC);
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { receiver: generateKeyPair(group).publicKey }).tx),
      BAD_SC,
    );
    // a member without a receiving key
    assert.equal(invalidReason(c, tamperedResponse(s, bill, { generator: 'agg-a' }).tx), BAD_SC);
  });

  it('made over a ring that is not the state’s ring: invalid', () => {
    const ring = ringNow(c, 'agg-a');
    assert.equal(ring.length, 2);
    const signer = ownerOf(s, bill)[1];
    const outsider = generateKeyPair(group).publicKey;
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { ring: [signer.publicKey] }).tx),
      BAD_SC,
      'a member missing',
    );
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { ring: [...ring, outsider] }).tx),
      BAD_SC,
      'an outsider added',
    );
    // a consumer of agg-b, over agg-b's ring, claiming agg-a's ring
    const aggB = s.bills.find((b) => b.aggregator === 'agg-b')!;
    const bSigner = ownerOf(s, aggB)[1];
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { signer: bSigner, ring: ringNow(c, 'agg-b') }).tx),
      BAD_SC,
      'another aggregator’s ring',
    );
    assert.equal(
      invalidReason(
        c,
        tamperedResponse(s, bill, { signer: bSigner, ring: ringNow(c, 'agg-b'), aggregator: 'agg-b' }).tx,
      ),
      undefined,
      'the same response naming its own ring is valid',
    );
    assert.equal(
      invalidReason(c, tamperedResponse(s, bill, { aggregator: 'gen-a' }).tx),
      'LEDGER_UNAUTHORISED:CONTRACT_BAD_RING',
      'a ring with no pseudonyms',
    );
  });

  it('any bit flipped in the context, points, ciphertext or scalars: invalid', () => {
    const { tx, signcryption } = tamperedResponse(s, bill);
    const uniqueId = tx.tx.auth.scheme === 'ring' ? tx.tx.auth.uniqueId : new Uint8Array(32);
    const sc = decodeSigncryption(group, signcryption);
    // field offsets of the encoding (privacy/signcryptionEncoding.ts)
    const regions: [string, number, number][] = [];
    let at = 2;
    for (const [name, len] of [
      ['chainId', Buffer.byteLength(sc.context.chainId)],
      ['purpose', Buffer.byteLength(sc.context.purpose)],
      ['nonce', sc.context.nonce.length],
    ] as const) {
      regions.push([name, at + 4, len]);
      at += 4 + len;
    }
    for (const name of ['Z', 'K', 'T1', 'T2']) {
      regions.push([name, at, 32]);
      at += 32;
    }
    regions.push(['ciphertext', at + 4, sc.ciphertext.length]);
    at += 4 + sc.ciphertext.length;
    for (const name of ['e', 'zY', 'zA', 'c0']) {
      regions.push([name, at, 32]);
      at += 32;
    }
    at += 2;
    sc.responses.forEach((_, i) => {
      regions.push([`s${i}`, at, 32]);
      at += 32;
    });
    assert.equal(at, signcryption.length, 'the layout accounts for every byte');
    const random = seededRandom('bit-flips');
    let checked = 0;
    for (const [name, start, len] of regions) {
      // every byte of short fields, 24 seeded positions of the ciphertext; a seeded bit in each
      const positions = len <= 32 ? [...Array(len).keys()] : [...Array(24)].map((_, k) => (k * 7919) % len);
      for (const p of positions) {
        const flipped = signcryption.slice();
        flipped[start + p]! ^= 1 << (random(1)[0]! % 8);
        const reason = invalidReason(c, respondWith(s, bill, flipped, uniqueId));
        assert.ok(
          reason === BAD_SC || reason === 'LEDGER_BAD_PAYLOAD',
          `${name}[${p}] flipped: ${reason ?? 'accepted'}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 300);
  });

  it('the payload’s round names another round: invalid (no ring) or failed', () => {
    const t = tamperedResponse(s, bill);
    const payload = respondPayload.decode(t.tx.tx.payload, group);
    const moved = ringTransaction(
      { chainId: CHAIN_ID, kind: 'bill.respond', payload: respondPayload.encode({ ...payload, round: 2n }) },
      t.tx.tx.auth.scheme === 'ring' ? t.tx.tx.auth.uniqueId : new Uint8Array(32),
    );
    assert.equal(invalidReason(c, moved), 'LEDGER_UNAUTHORISED:CONTRACT_BAD_RING');
  });

  it('once committed, the same transaction again is a replay; by the deadline ok, after it CONTRACT_TOO_LATE', () => {
    const fresh = issuedRound();
    const b = billOfAggA(fresh.bills);
    const onTime = respondTo(fresh, b);
    const late = respondTo(fresh, b);
    const toDeadline = fresh.terms.responseDeadlineMs - fresh.c.now;
    assert.deepEqual(fresh.c.one(onTime, toDeadline), OK, 'at the deadline itself');
    assert.equal(invalidReason(fresh.c, onTime), 'LEDGER_REPLAY');
    failsWith(fresh.c, late, 'CONTRACT_TOO_LATE', 1n);
  });
});

describe('contracts: a response made for one bill cannot be passed off for another', () => {
  // `verify` proves that a ring member made a signcryption, not what for: the contract binds it to
  // its transaction (chain, kind, unique id), the payload's (round, aggregator, ring index) picks the
  // ring, the receiver must be the named generator's key, and the bill is named only inside, signed
  // by the bill's pseudonym.
  const s = issuedRound();
  const { c, bills } = s;
  const bill = billOfAggA(bills);
  const otherGenerator = bill.generator === 'gen-a' ? 'gen-b' : 'gen-a';
  const sibling = bills.find((b) => b !== bill && b.aggregator === bill.aggregator && b.ring === bill.ring);
  const foreign = bills.find((b) => b.aggregator !== bill.aggregator);

  it('its signcryption, copied into a transaction for another bill (fresh id, other generator, ring or round): invalid', () => {
    const made = tamperedResponse(s, bill);
    const uniqueId = made.tx.tx.auth.scheme === 'ring' ? made.tx.tx.auth.uniqueId : new Uint8Array(32);
    assert.equal(invalidReason(c, made.tx), undefined, 'the original is valid');
    assert.ok(sibling !== undefined && foreign !== undefined, 'a bill of the same ring and one of another');
    // the same signcryption, carried by a transaction for the sibling bill naming another generator
    assert.equal(
      invalidReason(c, respondWith(s, sibling, made.signcryption, uniqueId, { generator: otherGenerator })),
      BAD_SC,
    );
    assert.equal(
      invalidReason(c, respondWith(s, sibling, made.signcryption, new Uint8Array(32).fill(9))),
      BAD_SC,
    );
    // … for a bill of another aggregator's ring (which exists): the ring proof fails over it
    assert.equal(
      invalidReason(c, respondWith(s, foreign, made.signcryption, uniqueId, { generator: bill.generator })),
      BAD_SC,
    );
    // … naming a ring index the aggregator does not have, or another round
    assert.equal(
      invalidReason(c, respondWith(s, bill, made.signcryption, uniqueId, { ringIndex: bill.ring + 1 })),
      'LEDGER_UNAUTHORISED:CONTRACT_BAD_RING',
    );
    const laterRound = { ...bill, round: bill.round + 1n };
    assert.equal(
      invalidReason(c, respondWith(s, laterRound, made.signcryption, uniqueId)),
      'LEDGER_UNAUTHORISED:CONTRACT_BAD_RING',
    );
  });

  it('committed, it settles only the bill it names: acknowledged as another bill it fails, and the client refuses a record of another transaction', () => {
    const tx = respondTo(s, bill);
    assert.deepEqual(c.one(tx), OK);
    const ack = acknowledgementOf(s, tx);
    assert.equal(ack.bill, bill.index);
    const other = bills.find((b) => b !== bill && b.generator === bill.generator);
    assert.ok(other !== undefined, 'another bill of the same generator');
    assert.deepEqual(
      c.one(c.org(bill.generator, 'bill.acknowledge', acknowledgePayload, { ...ack, bill: other.index })),
      { status: 'failed', code: 'CONTRACT_BAD_SIGNATURE' },
    );
    // a response record claiming another unique id than its signcryption's context
    const rec = responseOf(c, tx);
    assert.throws(
      () =>
        openBillResponse(
          CHAIN_ID,
          s.params,
          s.receiving.get(rec.generator)!,
          transactionId(tx.bytes),
          { ...rec, uniqueId: new Uint8Array(32).fill(7) },
          () => bill,
        ),
      { code: 'CLIENT_BAD_RESPONSE' },
    );
  });
});

/** A round with every bill answered (confirmations) and nothing acknowledged yet. */
function answered(): RoundSetup & { bills: BillRecord[]; responses: SignedTransaction[] } {
  const s = issuedRound();
  const responses = s.bills.map((b) => respondTo(s, b));
  assert.deepEqual(
    s.c.block(responses),
    responses.map(() => OK),
  );
  return { ...s, responses };
}

describe('contracts: bill.acknowledge refusals', () => {
  const s = answered();
  const { c, bills, responses } = s;
  const i = bills.indexOf(billOfAggA(bills));
  const bill = bills[i]!;
  const ack = acknowledgementOf(s, responses[i]!);
  const gen = bill.generator;
  const other = gen === 'gen-a' ? 'gen-b' : 'gen-a';
  const acknowledge = (by: string, payload: typeof ack) =>
    c.org(by, 'bill.acknowledge', acknowledgePayload, payload);

  it('by another generator: CONTRACT_WRONG_ROLE', () => {
    failsWith(c, acknowledge(other, ack), 'CONTRACT_WRONG_ROLE');
  });

  it('with the signature moved to another bill, verdict or remarks: CONTRACT_BAD_SIGNATURE', () => {
    const sibling = bills.find((b) => b !== bill && b.generator === gen && b.aggregator === bill.aggregator);
    if (sibling !== undefined)
      failsWith(c, acknowledge(gen, { ...ack, bill: sibling.index }), 'CONTRACT_BAD_SIGNATURE');
    failsWith(c, acknowledge(gen, { ...ack, verdict: 'dispute' }), 'CONTRACT_BAD_SIGNATURE');
    failsWith(c, acknowledge(gen, { ...ack, remarksHash: new Uint8Array(32) }), 'CONTRACT_BAD_SIGNATURE');
  });

  it('with the signature of another response’s unique id: CONTRACT_BAD_SIGNATURE', () => {
    // another pending response to the same generator from the same ring
    const j = bills.findIndex((b, k) => k !== i && b.generator === gen && b.aggregator === bill.aggregator);
    const k = j >= 0 ? j : bills.findIndex((b, n) => n !== i && b.generator === gen);
    assert.ok(k >= 0);
    failsWith(
      c,
      acknowledge(gen, { ...ack, response: transactionId(responses[k]!.bytes) }),
      'CONTRACT_BAD_SIGNATURE',
    );
  });

  it('naming a bill of another ring: CONTRACT_BAD_SIGNATURE', () => {
    const foreign = bills.find((b) => b.generator === gen && b.aggregator !== bill.aggregator);
    if (foreign !== undefined)
      failsWith(c, acknowledge(gen, { ...ack, bill: foreign.index }), 'CONTRACT_BAD_SIGNATURE');
    failsWith(c, acknowledge(gen, { ...ack, bill: 999 }), 'CONTRACT_NOT_FOUND');
    failsWith(c, acknowledge(gen, { ...ack, response: new Uint8Array(32) }), 'CONTRACT_NOT_FOUND');
  });

  it('once: the second acknowledgement fails with CONTRACT_BAD_STATUS', () => {
    assert.deepEqual(c.one(acknowledge(gen, ack)), OK);
    assert.equal(billsOf(c)[i]!.status, 'settled');
    failsWith(c, acknowledge(gen, ack), 'CONTRACT_BAD_STATUS');
  });
});

describe('contracts: bill.escalate, dispute.resolve and round.finalize refusals', () => {
  it('escalation: too early, by another pseudonym, for a response to another generator, after acknowledgement', () => {
    const s = answered();
    const { c, bills, responses } = s;
    const escalate = (key: KeyPair, response: SignedTransaction, bill: BillRecord) =>
      escalationOf(s, key, response, bill);
    const i = bills.indexOf(billOfAggA(bills));
    const bill = bills[i]!;
    const own = ownerOf(s, bill)[1];
    failsWith(c, escalate(own, responses[i]!, bill), 'CONTRACT_TOO_EARLY');
    const window = s.terms.ackWindowMs;
    // a ring mate (same aggregator, another pseudonym) cannot escalate someone else's bill
    const mate = [...s.pseudonyms.values()].find(
      (k) =>
        toHex(k.publicKey) !== toHex(own.publicKey) &&
        ringNow(c, 'agg-a').some((y) => toHex(y) === toHex(k.publicKey)),
    )!;
    failsWith(c, escalate(mate, responses[i]!, bill), 'CONTRACT_WRONG_ROLE', window);
    // a response addressed to the other generator is not this bill's
    const k = bills.findIndex((b) => b.generator !== bill.generator);
    if (k >= 0) failsWith(c, escalate(own, responses[k]!, bill), 'CONTRACT_BAD_STATUS');
    // acknowledged in time: nothing to escalate
    assert.deepEqual(
      c.one(
        c.org(bill.generator, 'bill.acknowledge', acknowledgePayload, acknowledgementOf(s, responses[i]!)),
      ),
      OK,
    );
    failsWith(c, escalate(own, responses[i]!, bill), 'CONTRACT_BAD_STATUS');
  });

  it('escalation needs the proof that the pseudonym sent the response: a ring mate cannot pass off another’s', () => {
    const s = answered();
    const { c, bills, responses } = s;
    const window = s.terms.ackWindowMs + 1n;
    // Two bills addressed to one generator, of two different pseudonyms — ring mates when the round
    // has such a pair (four bills, two generators: some generator has two): each consumer's own
    // bill, each answered by its own pending response.
    const sameRing = (x: number, y: number) =>
      bills[x]!.aggregator === bills[y]!.aggregator && bills[x]!.ring === bills[y]!.ring;
    const pair = bills
      .flatMap((a, x) =>
        bills
          .map((_b, y) => [x, y] as const)
          .filter(
            ([, y]) => bills[y]!.generator === a.generator && toHex(bills[y]!.consumer) !== toHex(a.consumer),
          ),
      )
      .sort(([x, y], [u, v]) => Number(sameRing(u, v)) - Number(sameRing(x, y)))[0];
    assert.ok(pair !== undefined, 'the scenario has two consumers of one generator');
    const [x, y] = pair;
    const [mine, theirs] = [bills[x]!, bills[y]!];
    const me = ownerOf(s, mine)[1];
    // my own bill, naming their response: the proof (made with their trace secret, or mine) fails
    const stolen = escalationOf(s, me, responses[y]!, mine);
    failsWith(c, stolen, 'CONTRACT_BAD_PROOF', window);
    failsWith(
      c,
      escalationOf(s, me, responses[y]!, mine, traceSecretOf(responses[x]!)),
      'CONTRACT_BAD_PROOF',
    );
    // my own response with a proof made from a made-up secret fails too
    failsWith(
      c,
      escalationOf(s, me, responses[x]!, mine, group.scalarFromWide(new Uint8Array(64).fill(7))),
      'CONTRACT_BAD_PROOF',
    );
    // their own escalation, with their own proof, goes through; mine still can
    assert.deepEqual(c.one(escalationOf(s, ownerOf(s, theirs)[1], responses[y]!, theirs)), OK);
    assert.deepEqual(c.one(escalationOf(s, me, responses[x]!, mine)), OK);
  });

  it('a settled bill cannot be resolved; open disputes hold finalization; a finalized round stays so', () => {
    const s = answered();
    const { c, bills, responses } = s;
    const i = bills.indexOf(billOfAggA(bills));
    const bill = bills[i]!;
    const tc = (kind: string, codec: Parameters<ContractChain['org']>[2], value: unknown) =>
      c.org('trading-centre', kind, codec as never, value as never);
    const resolve = (b: BillRecord) =>
      tc('dispute.resolve', resolvePayload, { round: R, bill: b.index, outcome: 'uphold', note: 'checked' });
    failsWith(c, resolve(bill), 'CONTRACT_BAD_STATUS'); // issued, not disputed
    assert.deepEqual(
      c.one(
        c.org(bill.generator, 'bill.acknowledge', acknowledgePayload, acknowledgementOf(s, responses[i]!)),
      ),
      OK,
    );
    failsWith(c, resolve(bill), 'CONTRACT_BAD_STATUS'); // settled
    failsWith(
      c,
      tc('dispute.resolve', resolvePayload, { round: R, bill: 999, outcome: 'void', note: '' }),
      'CONTRACT_NOT_FOUND',
    );
    // an ignored response escalated after the window: an open dispute
    const j = bills.findIndex((_b, n) => n !== i);
    const escalated = bills[j]!;
    assert.deepEqual(
      c.one(escalationOf(s, ownerOf(s, escalated)[1], responses[j]!, escalated), s.terms.ackWindowMs + 1n),
      OK,
    );
    assert.equal(billsOf(c)[j]!.status, 'escalated');
    const closesAt = s.terms.responseDeadlineMs + 2n * s.terms.ackWindowMs;
    const finalize = () => tc('round.finalize', finalizePayload, { round: R });
    failsWith(c, finalize(), 'CONTRACT_TOO_EARLY', closesAt - 1n - c.now);
    failsWith(c, finalize(), 'CONTRACT_DISPUTES_OPEN', 1n);
    assert.deepEqual(c.one(resolve(escalated)), OK);
    assert.equal(billsOf(c)[j]!.status, 'settled');
    assert.deepEqual(c.one(finalize()), OK);
    failsWith(c, finalize(), 'CONTRACT_WRONG_PHASE');
    failsWith(c, resolve(escalated), 'CONTRACT_BAD_STATUS');
    // unanswered bills became overdue, answered ones stay settled
    assert.ok(billsOf(c).every((b) => b.status === 'settled' || b.status === 'overdue'));
  });
});
