/**
 * The authorisation matrix of the contract kinds (docs/protocol.md §3–§9): every org kind sent by
 * every kind of sender — the trading centre, a generator, an aggregator, a consumer's organisation
 * key, a key that is no member's, and a suspended generator, aggregator and consumer — is invalid
 * (LEDGER_UNAUTHORISED, with the CONTRACT_… reason) or accepted exactly as the kind's roles in the
 * protocol say. Pseudonym kinds: an unregistered, revoked or expired pseudonym makes the transaction
 * invalid; a pseudonym of another round gets a failed receipt that changes nothing but its unique id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admissionPayload } from '../../src/client/actions/admitMember.ts';
import { certRotationPayload } from '../../src/client/actions/rotateCertKey.ts';
import { rotationPayload } from '../../src/client/actions/rotateOrgKey.ts';
import { orgContractTx, pseudonymContractTx } from '../../src/client/contractTx.ts';
import { issueOneTimePseudonym } from '../../src/client/pseudonyms.ts';
import { utf8 } from '../../src/codec/bytes.ts';
import { acknowledgePayload, escalatePayload } from '../../src/contracts/billResponses.ts';
import { rotateCertKeyPayload } from '../../src/contracts/certKeyRotation.ts';
import { resolvePayload, traceRecordPayload } from '../../src/contracts/disputes.ts';
import { readRecord } from '../../src/contracts/draft.ts';
import { finalizePayload } from '../../src/contracts/finalize.ts';
import { pseudonymKey } from '../../src/contracts/keys.ts';
import { memberAdmitPayload } from '../../src/contracts/memberAdmission.ts';
import {
  memberRegisterPayload,
  memberSuspendPayload,
  receivingKeyPayload,
  receivingKeyProofBytes,
} from '../../src/contracts/membership.ts';
import { generationPayload, meterPayload } from '../../src/contracts/metering.ts';
import { recoverKeyPayload, rotateKeyPayload } from '../../src/contracts/orgKeys.ts';
import { pseudonymRegisterPayload, pseudonymRevokePayload } from '../../src/contracts/pseudonyms.ts';
import { pseudonymRecord, regulatorRecord } from '../../src/contracts/records.ts';
import { CONTRACT_HANDLERS } from '../../src/contracts/registry.ts';
import {
  demandPayload,
  offerPayload,
  roundClosePayload,
  roundOpenPayload,
} from '../../src/contracts/rounds.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { validatorChangePayload } from '../../src/contracts/validators.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import type { MemberRole } from '../../src/ledger/memberRecord.ts';
import type { SignedTransaction } from '../../src/ledger/txSigning.ts';
import { generateKeyPair, type KeyPair } from '../../src/privacy/keyPair.ts';
import { schnorrSign } from '../../src/privacy/schnorr.ts';
import { CHAIN_ID, ContractChain, group, invalidReason } from './harness.ts';
import { cardOf, keyNamed } from './membershipScenario.ts';
import { billsOf, closeRound, OK, R, type RoundSetup, setUpRound, termsAt } from './scenario.ts';

/** Who may send each org kind (docs/protocol.md): the specification the matrix checks. */
const ROLES: Readonly<Record<string, readonly MemberRole[]>> = {
  'regulator.setup': ['trading-centre'],
  'member.register': ['trading-centre'],
  'member.suspend': ['trading-centre'],
  'member.receiving-key': ['generator'],
  'member.admit': ['trading-centre'],
  'member.rotate-key': ['trading-centre', 'generator', 'aggregator', 'consumer'],
  'member.recover-key': ['trading-centre'],
  'regulator.rotate-cert-key': ['trading-centre'],
  'pseudonym.register': ['trading-centre'],
  'pseudonym.revoke': ['trading-centre'],
  'round.open': ['trading-centre'],
  'market.offer': ['generator'],
  'round.close': ['trading-centre'],
  'meter.submit': ['aggregator'],
  'meter.generation': ['trading-centre'],
  'bill.acknowledge': ['generator'],
  'dispute.resolve': ['trading-centre'],
  'trace.record': ['trading-centre'],
  'round.finalize': ['trading-centre'],
  // authorised as any member's; who may change what is the kind's rule (a failed receipt, docs/protocol.md §4.4)
  'validator.change': ['trading-centre', 'generator', 'aggregator', 'consumer'],
  // the ledger's memo (tests, the throughput benchmark): every member not suspended
  memo: ['trading-centre', 'generator', 'aggregator', 'consumer'],
};

/** The senders of the matrix: member id (or the outsider), role, suspended. */
const SENDERS = [
  { id: 'trading-centre', role: 'trading-centre', suspended: false },
  { id: 'gen-a', role: 'generator', suspended: false },
  { id: 'agg-a', role: 'aggregator', suspended: false },
  { id: 'consumer-1', role: 'consumer', suspended: false },
  { id: 'outsider', role: null, suspended: false },
  { id: 'gen-b', role: 'generator', suspended: true },
  { id: 'agg-b', role: 'aggregator', suspended: true },
  { id: 'consumer-4', role: 'consumer', suspended: true },
] as const;

const zero32 = new Uint8Array(32);
/** The memo's payload is its raw bytes. */
const memoCodec: Codec<Uint8Array> = { name: 'memo', encode: (v) => v, decode: (b) => b };
const zeroScalar = group.scalarFromWide(new Uint8Array(64));

/** A decodable payload of each org kind (its business outcome does not matter here). */
function payloads(s: RoundSetup): Record<string, [Codec<never>, unknown]> {
  const z = generateKeyPair(group);
  const { payload: registration } = issueOneTimePseudonym(
    group,
    s.reg,
    'consumer-2',
    s.c.now,
    s.c.now + 3_600_000n,
    R,
    'agg-a',
    500_000,
  );
  const entries: Record<string, [Codec<unknown>, unknown]> = {
    'regulator.setup': [
      regulatorRecord,
      { masterPublic: s.reg.masterPublic, certPublicKey: s.reg.certPublicKey },
    ],
    'member.register': [
      memberRegisterPayload,
      {
        id: 'newcomer',
        role: 'generator',
        orgKey: orgKeyPair(new Uint8Array(32).fill(3)).publicKey,
        aggregator: null,
      },
    ],
    'member.suspend': [memberSuspendPayload, { id: 'gen-a', suspended: false }],
    'member.receiving-key': [
      receivingKeyPayload,
      {
        key: z.publicKey,
        proof: schnorrSign(
          group,
          'receiving-key',
          z.secret,
          z.publicKey,
          receivingKeyProofBytes(CHAIN_ID, 'gen-a', z.publicKey),
        ),
      },
    ],
    'member.admit': [
      memberAdmitPayload,
      admissionPayload(cardOf('gen-new', 'generator', keyNamed('gen-new'))),
    ],
    'member.rotate-key': [
      rotateKeyPayload,
      rotationPayload(CHAIN_ID, 'gen-a', zero32, keyNamed('gen-a/next')),
    ],
    'member.recover-key': [
      recoverKeyPayload,
      { id: 'gen-a', newKey: keyNamed('gen-a/next').publicKey, reason: 'lost', card: null },
    ],
    'regulator.rotate-cert-key': [
      rotateCertKeyPayload,
      certRotationPayload(CHAIN_ID, s.reg.certPublicKey, keyNamed('cert/next')),
    ],
    'validator.change': [
      validatorChangePayload,
      {
        change: 'remove',
        name: 'validator-0',
        key: new Uint8Array(32),
        p2p: '',
        proof: new Uint8Array(64),
        approvals: [],
      },
    ],
    'pseudonym.register': [pseudonymRegisterPayload, registration],
    'pseudonym.revoke': [pseudonymRevokePayload, { key: s.pseudonyms.get('consumer-1')!.publicKey }],
    'round.open': [roundOpenPayload, { id: 2n, terms: termsAt(s.c.now) }],
    'market.offer': [
      offerPayload,
      {
        round: R,
        capacityWh: 1_000_000n,
        costQuadraticMicroYuanPerMWh2: 0n,
        costLinearMicroYuanPerKWh: 1n,
        costFixedMicroYuan: 0n,
      },
    ],
    'round.close': [roundClosePayload, { round: R, prices: [400_000n, 400_000n] }],
    'meter.submit': [meterPayload, { round: R, readings: [{ bill: 0, consumedWh: 1n }] }],
    'meter.generation': [
      generationPayload,
      { round: R, readings: [{ generator: 'gen-a', deliveredWh: 1n }] },
    ],
    'bill.acknowledge': [
      acknowledgePayload,
      {
        response: zero32,
        round: R,
        bill: 0,
        verdict: 'confirm',
        remarksHash: zero32,
        signature: { e: zeroScalar, z: zeroScalar },
      },
    ],
    'dispute.resolve': [resolvePayload, { round: R, bill: 0, outcome: 'uphold', note: '' }],
    'trace.record': [traceRecordPayload, { response: zero32, reason: 'audit', commitment: zero32 }],
    'round.finalize': [finalizePayload, { round: R }],
    memo: [memoCodec, utf8('a note')],
  };
  return entries as Record<string, [Codec<never>, unknown]>;
}

/** A transaction of `kind` by `sender` (the outsider signs with a key no member holds). */
function txBy(
  c: ContractChain,
  sender: string,
  kind: string,
  codec: Codec<never>,
  value: unknown,
): SignedTransaction {
  if (sender === 'outsider') {
    return orgContractTx(
      { chainId: CHAIN_ID, group },
      kind,
      codec,
      value as never,
      orgKeyPair(new Uint8Array(32).fill(0x5a)),
      1n,
    );
  }
  return c.org(sender, kind, codec, value as never);
}

/** Suspends `ids` (one block by the trading centre). */
function suspend(c: ContractChain, ids: readonly string[]): void {
  const txs = ids.map((id, i) =>
    c.org('trading-centre', 'member.suspend', memberSuspendPayload, { id, suspended: true }, BigInt(i)),
  );
  assert.deepEqual(
    c.block(txs),
    txs.map(() => OK),
  );
}

describe('contracts: who may send what', () => {
  it('every org kind × every sender: invalid or accepted exactly as the kind’s roles say', () => {
    const s = setUpRound();
    suspend(
      s.c,
      SENDERS.filter((x) => x.suspended).map((x) => x.id),
    );
    const orgKinds = CONTRACT_HANDLERS.filter((h) => h.authScheme === 'org').map((h) => h.kind);
    assert.deepEqual(Object.keys(ROLES).sort(), [...orgKinds].sort(), 'the matrix covers every org kind');
    const samples = payloads(s);
    const table: string[] = [];
    for (const kind of orgKinds) {
      const [codec, value] = samples[kind]!;
      for (const sender of SENDERS) {
        const expected =
          sender.role === null
            ? 'LEDGER_UNAUTHORISED'
            : !ROLES[kind]!.includes(sender.role)
              ? 'LEDGER_UNAUTHORISED:CONTRACT_WRONG_ROLE'
              : sender.suspended
                ? 'LEDGER_UNAUTHORISED:CONTRACT_SUSPENDED'
                : undefined;
        const actual = invalidReason(s.c, txBy(s.c, sender.id, kind, codec, value));
        if (actual !== expected)
          table.push(`${kind} by ${sender.id}: ${actual ?? 'accepted'}, expected ${expected ?? 'accepted'}`);
      }
    }
    assert.deepEqual(table, []);
  });

  it('regulator.setup refuses a certification key that is no Ed25519 key (it could never be replaced)', () => {
    const c = new ContractChain();
    const setup = (certPublicKey: Uint8Array) =>
      c.org('trading-centre', 'regulator.setup', regulatorRecord, {
        masterPublic: c.regulator.masterPublic,
        certPublicKey,
      });
    const identity = new Uint8Array(32);
    identity[0] = 1;
    assert.deepEqual(c.one(setup(identity)), { status: 'failed', code: 'CONTRACT_BAD_PROOF' });
    assert.deepEqual(c.one(setup(c.regulator.certPublicKey)), OK);
  });

  it('a reinstated member may send again; the trading centre cannot be suspended', () => {
    const s = setUpRound();
    const { c } = s;
    suspend(c, ['gen-a']);
    const offer = () =>
      c.org('gen-a', 'market.offer', offerPayload, {
        round: R,
        capacityWh: 1_000n,
        costQuadraticMicroYuanPerMWh2: 0n,
        costLinearMicroYuanPerKWh: 1n,
        costFixedMicroYuan: 0n,
      });
    assert.equal(invalidReason(c, offer()), 'LEDGER_UNAUTHORISED:CONTRACT_SUSPENDED');
    assert.deepEqual(
      c.one(
        c.org('trading-centre', 'member.suspend', memberSuspendPayload, { id: 'gen-a', suspended: false }),
      ),
      OK,
    );
    assert.equal(invalidReason(c, offer()), undefined);
    assert.deepEqual(
      c.one(
        c.org('trading-centre', 'member.suspend', memberSuspendPayload, {
          id: 'trading-centre',
          suspended: true,
        }),
      ),
      { status: 'failed', code: 'CONTRACT_WRONG_ROLE' },
    );
    // the failed suspension changed nothing but the trading centre's nonce
    assert.deepEqual(
      c.lastWrites.map((w) => new TextDecoder('latin1').decode(w.key).split('/')[0]),
      ['nonce'],
    );
  });
});

describe('contracts: pseudonym kinds', () => {
  const demand = (key: KeyPair, round = R) =>
    pseudonymContractTx(
      { chainId: CHAIN_ID, group },
      'market.demand',
      demandPayload,
      { round, demandWh: 1_000_000n, diversificationMicroYuanPerKWh: 10_000n },
      key,
    );
  const escalate = (key: KeyPair, round = R, bill = 0) =>
    pseudonymContractTx(
      { chainId: CHAIN_ID, group },
      'bill.escalate',
      escalatePayload,
      { response: zero32, round, bill, reason: 'no answer', proof: { e: zeroScalar, z: zeroScalar } },
      key,
    );

  it('an unregistered or revoked pseudonym is refused (invalid); a usable one is accepted', () => {
    const s = setUpRound();
    const { c } = s;
    const usable = s.pseudonyms.get('consumer-1')!;
    const revoked = s.pseudonyms.get('consumer-3')!;
    const unregistered = generateKeyPair(group);
    assert.deepEqual(
      c.one(c.org('trading-centre', 'pseudonym.revoke', pseudonymRevokePayload, { key: revoked.publicKey })),
      OK,
    );
    const BAD = 'LEDGER_UNAUTHORISED:CONTRACT_BAD_PSEUDONYM';
    for (const tx of [demand, escalate]) {
      assert.equal(invalidReason(c, tx(usable)), undefined);
      assert.equal(invalidReason(c, tx(unregistered)), BAD);
      assert.equal(invalidReason(c, tx(revoked)), BAD);
    }
  });

  it('a pseudonym is refused from its expiry on, by the block’s time', () => {
    const s = setUpRound();
    const { c } = s;
    const key = s.pseudonyms.get('consumer-2')!;
    const reg = readRecord(c.state, group, pseudonymKey(key.publicKey), pseudonymRecord)!;
    const untilExpiry = reg.expiresAtMs - c.now;
    for (const tx of [demand(key), escalate(key)]) {
      assert.equal(invalidReason(c, tx, untilExpiry - 1n), undefined);
      assert.equal(invalidReason(c, tx, untilExpiry), 'LEDGER_UNAUTHORISED:CONTRACT_BAD_PSEUDONYM');
    }
  });

  it('a pseudonym of another round: a failed receipt that consumes only its unique id', () => {
    const s = setUpRound();
    const { c } = s;
    closeRound(s);
    const bills = billsOf(c);
    assert.deepEqual(
      c.one(c.org('trading-centre', 'round.open', roundOpenPayload, { id: 2n, terms: termsAt(c.now) })),
      OK,
    );
    const { key: next, payload } = issueOneTimePseudonym(
      group,
      s.reg,
      'consumer-1',
      c.now,
      c.now + 3_600_000n,
      2n,
      'agg-a',
      500_000,
    );
    assert.deepEqual(
      c.one(c.org('trading-centre', 'pseudonym.register', pseudonymRegisterPayload, payload)),
      OK,
    );
    const old = s.pseudonyms.get('consumer-1')!;
    const cases: [SignedTransaction, string][] = [
      [demand(old, 2n), 'CONTRACT_BAD_PSEUDONYM'], // last round's pseudonym in round 2
      [demand(next, R), 'CONTRACT_BAD_PSEUDONYM'], // round 2's pseudonym in round 1
      [escalate(next, R, bills[0]!.index), 'CONTRACT_WRONG_ROLE'], // round 2's pseudonym escalating a round-1 bill
    ];
    for (const [tx, code] of cases) {
      assert.equal(invalidReason(c, tx), undefined, 'valid: the pseudonym is registered and unexpired');
      assert.deepEqual(c.one(tx), { status: 'failed', code });
      assert.deepEqual(
        c.lastWrites.map((w) => new TextDecoder('latin1').decode(w.key).split('/')[0]),
        ['used'],
      );
    }
  });
});
