/**
 * Membership after genesis (docs/protocol.md §4.1–§4.3): joining from a signed member card
 * (`member.admit`), organisation-key rotation (`member.rotate-key`) and recovery
 * (`member.recover-key`), and the rotation of the regulator's certification key
 * (`regulator.rotate-cert-key`). Each kind works as documented — what it writes, the audit records,
 * the old key refused from the next transaction on, the new key starting its nonces at 1 — and a
 * tamper matrix refuses every altered or misused input with its code, changing nothing but the
 * sender's nonce (a failed receipt) or nothing at all (an invalid transaction).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { admissionPayload } from '../../src/client/actions/admitMember.ts';
import { certRotationPayload } from '../../src/client/actions/rotateCertKey.ts';
import { rotationPayload } from '../../src/client/actions/rotateOrgKey.ts';
import { certKeysOnChain, traceAndCommit } from '../../src/client/actions/traceResponse.ts';
import { orgContractTx, pseudonymContractTx } from '../../src/client/contractTx.ts';
import { issueOneTimePseudonym } from '../../src/client/pseudonyms.ts';
import { toHex, utf8 } from '../../src/codec/bytes.ts';
import { rotateCertKeyPayload } from '../../src/contracts/certKeyRotation.ts';
import { readRecord } from '../../src/contracts/draft.ts';
import { memberById } from '../../src/contracts/kinds.ts';
import { memberAdmitPayload } from '../../src/contracts/memberAdmission.ts';
import {
  certKeyChanges,
  joinedMembers,
  keyChanges,
  memberInfo,
  retiredKeyKey,
  retiredKeyRecord,
} from '../../src/contracts/memberHistory.ts';
import {
  memberRegisterPayload,
  memberSuspendPayload,
  receivingKeyPayload,
  receivingKeyProofBytes,
} from '../../src/contracts/membership.ts';
import { orgKeyRotationBytes, recoverKeyPayload, rotateKeyPayload } from '../../src/contracts/orgKeys.ts';
import { pseudonymRegisterPayload } from '../../src/contracts/pseudonyms.ts';
import { ContractQueries } from '../../src/contracts/queries.ts';
import { regulatorRecord } from '../../src/contracts/records.ts';
import { demandPayload } from '../../src/contracts/rounds.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { type OrgKeyPair, orgKeyPair as orgKeyPairOf, orgSign } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import { executeTransactions } from '../../src/ledger/execution.ts';
import {
  cardSigningBytes,
  encodeCardBody,
  type MemberCard,
  type MemberCardBody,
} from '../../src/ledger/memberCard.ts';
import { MEMBER_ROLES } from '../../src/ledger/memberRecord.ts';
import { MEMO_KIND } from '../../src/ledger/memo.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import { orgKeyKey } from '../../src/ledger/stateKeys.ts';
import { transactionId } from '../../src/ledger/transaction.ts';
import type { SignedTransaction } from '../../src/ledger/txSigning.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { newcomer } from '../../src/market/reputation.ts';
import { generateKeyPair } from '../../src/privacy/keyPair.ts';
import { schnorrSign } from '../../src/privacy/schnorr.ts';
import { CHAIN_ID, ContractChain, group, invalidReason } from './harness.ts';
import { admitTx, cardOf, keyNamed, recoverTx, rotateTx, signedBy } from './membershipScenario.ts';
import { issuedRound, OK, ownerOf, R, respondTo, responseOf, setUpRound } from './scenario.ts';

const memo: Codec<Uint8Array> = { name: 'memo', encode: (v) => v, decode: (b) => b };
const failed = (code: string) => ({ status: 'failed', code });

/** The prefixes of the keys the last block wrote (`nonce` alone: a refusal changed nothing else). */
function written(c: ContractChain): string[] {
  return c.lastWrites.map((w) => new TextDecoder('latin1').decode(w.key).split('/')[0]!);
}

/** Commits `tx` alone and asserts a failed receipt with `code` that wrote only the sender's nonce. */
function refused(
  c: ContractChain,
  tx: SignedTransaction,
  code: string,
  what: string,
  advanceMs = 1000n,
): void {
  assert.equal(
    invalidReason(c, tx, advanceMs),
    undefined,
    `${what}: valid (refused by the contract, not the ledger)`,
  );
  assert.deepEqual(c.one(tx, advanceMs), failed(code), what);
  assert.deepEqual(written(c), ['nonce'], `${what}: only the nonce moved`);
}

/** A memo by `key` with its next nonce. */
const memoBy = (c: ContractChain, key: OrgKeyPair, nonce?: bigint) =>
  signedBy(c, key, MEMO_KIND, memo, utf8('hello'), nonce);

/** A card with one field changed after signing. */
function altered(card: MemberCard, change: Partial<MemberCard>): MemberCard {
  return { ...card, ...change };
}

/** A chain with the regulator set up (members of ./harness.ts). */
function chainWithRegulator(seed = 'membership'): ContractChain {
  const c = new ContractChain(seed);
  assert.deepEqual(
    c.one(
      c.org('trading-centre', 'regulator.setup', regulatorRecord, {
        masterPublic: c.regulator.masterPublic,
        certPublicKey: c.regulator.certPublicKey,
      }),
    ),
    OK,
  );
  return c;
}

describe('member.admit: joining from a signed member card', () => {
  it('admits the organisation with the key its card declares; it sends at once, from nonce 1', () => {
    const c = new ContractChain('admit');
    const key = keyNamed('steel-7');
    const card = cardOf('steel-7', 'consumer', key, { aggregator: 'agg-a' });
    assert.deepEqual(c.one(admitTx(c, card)), OK);
    const height = c.chain.head.height;
    assert.deepEqual(memberById(c, 'steel-7'), {
      id: 'steel-7',
      role: 'consumer',
      orgKey: key.publicKey,
      aggregator: 'agg-a',
    });
    assert.deepEqual(memberInfo(c.state, group, 'steel-7'), {
      via: 'card',
      joinedHeight: height,
      keyChanges: 0,
    });
    assert.deepEqual(joinedMembers(c.state, group), ['steel-7']);
    const q = new ContractQueries(c.state, group);
    assert.deepEqual(q.reputation('steel-7'), { ...newcomer(), lastRound: 0n });
    assert.deepEqual(c.one(memoBy(c, key, 1n)), OK);
    // genesis members: joined at 0
    assert.deepEqual(memberInfo(c.state, group, 'gen-a'), {
      via: 'genesis',
      joinedHeight: 0n,
      keyChanges: 0,
    });
  });

  it('a card that declares a validator is admitted as a member only', () => {
    const c = new ContractChain('admit-validator');
    const card = cardOf('gen-v', 'generator', keyNamed('gen-v'), { validator: keyNamed('gen-v/validator') });
    assert.deepEqual(c.one(admitTx(c, card)), OK);
    assert.deepEqual(
      [...new Set(written(c))].sort(),
      ['joined', 'member', 'memberinfo', 'nonce', 'orgkey', 'reputation'],
      'no validator, epoch or pending change is written',
    );
  });

  it('member.register records the join too (via register, with its height)', () => {
    const c = new ContractChain('register');
    const key = keyNamed('gen-r');
    assert.deepEqual(
      c.one(
        c.org('trading-centre', 'member.register', memberRegisterPayload, {
          id: 'gen-r',
          role: 'generator',
          orgKey: key.publicKey,
          aggregator: null,
        }),
      ),
      OK,
    );
    assert.deepEqual(memberInfo(c.state, group, 'gen-r'), {
      via: 'register',
      joinedHeight: c.chain.head.height,
      keyChanges: 0,
    });
    assert.deepEqual(joinedMembers(c.state, group), ['gen-r']);
  });

  it('tamper matrix: every altered, foreign or misused card is refused and changes nothing', () => {
    const c = new ContractChain('admit-tamper');
    const key = keyNamed('gen-t');
    const validator = keyNamed('gen-t/validator');
    const good = cardOf('gen-t', 'generator', key, { validator });
    const other = keyNamed('someone-else');
    const flipped = Uint8Array.from(good.signature);
    flipped[10]! ^= 0x01;
    const v = good.validator!;
    const cases: [string, MemberCard, string][] = [
      ['signature bit flipped', altered(good, { signature: flipped }), 'CONTRACT_BAD_SIGNATURE'],
      ['signature all zero', altered(good, { signature: new Uint8Array(64) }), 'CONTRACT_BAD_SIGNATURE'],
      ['id changed after signing', altered(good, { id: 'gen-u' }), 'CONTRACT_BAD_SIGNATURE'],
      ['role changed after signing', altered(good, { role: 'aggregator' }), 'CONTRACT_BAD_SIGNATURE'],
      ['key swapped after signing', altered(good, { orgKey: other.publicKey }), 'CONTRACT_BAD_SIGNATURE'],
      [
        'validator endpoint moved after signing',
        altered(good, { validator: { ...v, p2p: '10.6.6.6:7400' } }),
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'signed by another key (the validator key, under the card tag)',
        altered(good, { signature: orgSign(validator, cardSigningBytes(good)) }),
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'a card of another chain',
        cardOf('gen-t', 'generator', key, { chainId: 'grid-west' }),
        'CONTRACT_WRONG_CHAIN',
      ],
      ['a second trading centre', cardOf('tc-2', 'trading-centre', keyNamed('tc-2')), 'CONTRACT_WRONG_ROLE'],
      ['an id in use', cardOf('gen-a', 'generator', keyNamed('gen-a/again')), 'CONTRACT_EXISTS'],
      ['the key of another member', cardOf('gen-x', 'generator', c.key('gen-b').key), 'CONTRACT_EXISTS'],
      [
        'a validator’s key as organisation key',
        cardOf('gen-y', 'generator', c.net.validatorKeys[1]!.key),
        'CONTRACT_EXISTS',
      ],
      [
        'a consumer of a generator',
        cardOf('steel-x', 'consumer', keyNamed('steel-x'), { aggregator: 'gen-a' }),
        'CONTRACT_WRONG_ROLE',
      ],
      [
        'a consumer of no member',
        cardOf('steel-y', 'consumer', keyNamed('steel-y'), { aggregator: 'agg-z' }),
        'CONTRACT_WRONG_ROLE',
      ],
    ];
    for (const [what, card, code] of cases) refused(c, admitTx(c, card), code, what);
    assert.equal(memberById(c, 'gen-t'), undefined);
    // the good card is admitted, then once only
    assert.deepEqual(c.one(admitTx(c, good)), OK);
    refused(c, admitTx(c, good), 'CONTRACT_EXISTS', 'the same card twice');
  });

  it('a card body no card may hold is an invalid transaction (it does not decode)', () => {
    const c = new ContractChain('admit-malformed');
    const key = keyNamed('steel-m');
    const card = cardOf('steel-m', 'consumer', key, { aggregator: 'agg-a' });
    const encoded = memberAdmitPayload.encode(admissionPayload(card));
    const malformed = (edit: (b: Uint8Array) => void) => {
      const b = Uint8Array.from(encoded);
      edit(b);
      return orgContractTx(
        { chainId: CHAIN_ID, group },
        'member.admit',
        { name: 'raw', encode: (x: Uint8Array) => x, decode: (x) => x },
        b,
        c.key('trading-centre').key,
        1n,
      );
    };
    // the payload: u8 1 ‖ card (u8 1 ‖ string chainId ‖ string id ‖ u8 role …)
    const roleAt = 1 + 1 + 4 + CHAIN_ID.length + 4 + 'steel-m'.length;
    for (const [what, edit] of [
      ['card version 2', (b: Uint8Array) => b.fill(2, 1, 2)],
      ['unknown role', (b: Uint8Array) => b.fill(9, roleAt, roleAt + 1)],
      ['a generator naming an aggregator', (b: Uint8Array) => b.fill(2, roleAt, roleAt + 1)],
      ['an invalid organisation key', (b: Uint8Array) => b.fill(0, roleAt + 1, roleAt + 33)],
    ] as const)
      assert.equal(invalidReason(c, malformed(edit)), 'LEDGER_BAD_PAYLOAD', what);
  });
});

describe('member.rotate-key: a member replaces its organisation key', () => {
  it('the new key works from nonce 1; the old key is refused, and so is any replay under it', () => {
    const c = new ContractChain('rotate');
    const old = c.key('gen-a').key;
    const fresh = keyNamed('gen-a/next');
    const before = memoBy(c, old);
    assert.deepEqual(c.one(before), OK);
    const rotation = rotateTx(c, 'gen-a', old, fresh);
    assert.deepEqual(c.one(rotation), OK);
    const height = c.chain.head.height;
    assert.deepEqual(memberById(c, 'gen-a')?.orgKey, fresh.publicKey);
    assert.equal(c.state.get(orgKeyKey(old.publicKey)), undefined);
    assert.equal(new TextDecoder().decode(c.state.get(orgKeyKey(fresh.publicKey))), 'gen-a');
    assert.deepEqual(readRecord(c.state, group, retiredKeyKey(old.publicKey), retiredKeyRecord), {
      member: 'gen-a',
      height,
    });
    const [change, ...more] = keyChanges(c.state, group, 'gen-a');
    assert.equal(more.length, 0);
    assert.deepEqual(change, {
      n: 1,
      how: 'rotate',
      by: 'gen-a',
      height,
      atMs: c.now,
      oldKey: old.publicKey,
      newKey: fresh.publicKey,
      reason: '',
      possessionProven: true,
    });
    // [the old key] anything it signs is invalid: the next nonce, any nonce, the earlier transactions again
    for (const tx of [memoBy(c, old), memoBy(c, old, 1n), memoBy(c, old, 99n), before, rotation])
      assert.equal(invalidReason(c, tx), 'LEDGER_UNAUTHORISED');
    // [the new key] a fresh sequence: 2 before 1 is a gap, 1 commits
    assert.equal(invalidReason(c, memoBy(c, fresh, 2n)), 'LEDGER_NONCE');
    assert.deepEqual(c.one(memoBy(c, fresh, 1n)), OK);
    // …and it acts in its role
    const z = generateKeyPair(group);
    const receiving = {
      key: z.publicKey,
      proof: schnorrSign(
        group,
        'receiving-key',
        z.secret,
        z.publicKey,
        receivingKeyProofBytes(CHAIN_ID, 'gen-a', z.publicKey),
      ),
    };
    assert.deepEqual(c.one(signedBy(c, fresh, 'member.receiving-key', receivingKeyPayload, receiving)), OK);
  });

  it('a second rotation: two audit records, both old keys retired', () => {
    const c = new ContractChain('rotate-twice');
    const k0 = c.key('agg-a').key;
    const k1 = keyNamed('agg-a/1');
    const k2 = keyNamed('agg-a/2');
    assert.deepEqual(c.one(rotateTx(c, 'agg-a', k0, k1)), OK);
    assert.deepEqual(c.one(rotateTx(c, 'agg-a', k1, k2)), OK);
    assert.deepEqual(
      keyChanges(c.state, group, 'agg-a').map((x) => [x.n, toHex(x.oldKey), toHex(x.newKey)]),
      [
        [1, toHex(k0.publicKey), toHex(k1.publicKey)],
        [2, toHex(k1.publicKey), toHex(k2.publicKey)],
      ],
    );
    assert.equal(memberInfo(c.state, group, 'agg-a').keyChanges, 2);
    for (const k of [k0, k1]) assert.equal(invalidReason(c, memoBy(c, k)), 'LEDGER_UNAUTHORISED');
    // back to a former key: refused
    refused(c, rotateTx(c, 'agg-a', k2, k0), 'CONTRACT_EXISTS', 'rotating back to a retired key');
  });

  it('the trading centre rotates its own key and keeps its authority under the new one', () => {
    const c = new ContractChain('rotate-tc');
    const old = c.key('trading-centre').key;
    const fresh = keyNamed('tc/next');
    assert.deepEqual(c.one(rotateTx(c, 'trading-centre', old, fresh)), OK);
    const register = (key: OrgKeyPair) =>
      signedBy(c, key, 'member.register', memberRegisterPayload, {
        id: 'gen-z',
        role: 'generator',
        orgKey: keyNamed('gen-z').publicKey,
        aggregator: null,
      });
    assert.equal(invalidReason(c, register(old)), 'LEDGER_UNAUTHORISED');
    assert.deepEqual(c.one(register(fresh)), OK);
  });

  it('tamper matrix: a missing, foreign or misbound proof, or a key not fresh, is refused and changes nothing', () => {
    const c = new ContractChain('rotate-tamper');
    const old = c.key('gen-a').key;
    const fresh = keyNamed('gen-a/fresh');
    const good = rotationPayload(CHAIN_ID, 'gen-a', old.publicKey, fresh);
    const tx = (value: { newKey: Uint8Array; proof: Uint8Array }) =>
      signedBy(c, old, 'member.rotate-key', rotateKeyPayload, value);
    const flipped = Uint8Array.from(good.proof);
    flipped[3]! ^= 0x80;
    const other = keyNamed('gen-a/other');
    const cases: [string, { newKey: Uint8Array; proof: Uint8Array }, string][] = [
      ['proof missing (zeros)', { ...good, proof: new Uint8Array(64) }, 'CONTRACT_BAD_PROOF'],
      ['proof bit flipped', { ...good, proof: flipped }, 'CONTRACT_BAD_PROOF'],
      [
        'proof signed by the old key',
        {
          ...good,
          proof: orgSign(old, orgKeyRotationBytes(CHAIN_ID, 'gen-a', old.publicKey, fresh.publicKey)),
        },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'proof for another chain',
        { ...good, proof: rotationPayload('grid-west', 'gen-a', old.publicKey, fresh).proof },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'proof for another member',
        { ...good, proof: rotationPayload(CHAIN_ID, 'gen-b', old.publicKey, fresh).proof },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'proof for another old key',
        { ...good, proof: rotationPayload(CHAIN_ID, 'gen-a', c.key('gen-b').key.publicKey, fresh).proof },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'proof of another new key',
        { newKey: fresh.publicKey, proof: rotationPayload(CHAIN_ID, 'gen-a', old.publicKey, other).proof },
        'CONTRACT_BAD_PROOF',
      ],
      ['to its own current key', rotationPayload(CHAIN_ID, 'gen-a', old.publicKey, old), 'CONTRACT_EXISTS'],
      [
        'to another member’s key (with that key’s valid proof)',
        rotationPayload(CHAIN_ID, 'gen-a', old.publicKey, c.key('gen-b').key),
        'CONTRACT_EXISTS',
      ],
      [
        'to a validator’s key',
        rotationPayload(CHAIN_ID, 'gen-a', old.publicKey, c.net.validatorKeys[0]!.key),
        'CONTRACT_EXISTS',
      ],
      [
        'to the identity point (no key)',
        { newKey: Uint8Array.of(1, ...new Uint8Array(31)), proof: good.proof },
        'CONTRACT_BAD_PROOF',
      ],
    ];
    for (const [what, value, code] of cases) refused(c, tx(value), code, what);
    assert.deepEqual(memberById(c, 'gen-a')?.orgKey, old.publicKey);
    // another member's retired key: refused as well
    const genB = c.key('gen-b').key;
    assert.deepEqual(c.one(rotateTx(c, 'gen-b', genB, keyNamed('gen-b/next'))), OK);
    refused(
      c,
      tx(rotationPayload(CHAIN_ID, 'gen-a', old.publicKey, genB)),
      'CONTRACT_EXISTS',
      'to gen-b’s retired key',
    );
    // the good rotation still goes through
    assert.deepEqual(c.one(tx(good)), OK);
  });

  it('a suspended member cannot rotate (invalid); the trading centre can recover its key', () => {
    const c = new ContractChain('rotate-suspended');
    assert.deepEqual(
      c.one(
        c.org('trading-centre', 'member.suspend', memberSuspendPayload, { id: 'gen-b', suspended: true }),
      ),
      OK,
    );
    assert.equal(
      invalidReason(c, rotateTx(c, 'gen-b', c.key('gen-b').key, keyNamed('gen-b/x'))),
      'LEDGER_UNAUTHORISED:CONTRACT_SUSPENDED',
    );
    assert.deepEqual(
      c.one(recoverTx(c, 'gen-b', keyNamed('gen-b/x').publicKey, 'compromised; suspended meanwhile')),
      OK,
    );
  });
});

describe('member.recover-key: the trading centre replaces a lost key', () => {
  it('without the old key: an audit record with who, when, both keys and why; the old key is refused', () => {
    const c = new ContractChain('recover');
    const lost = c.key('agg-b').key;
    const fresh = keyNamed('agg-b/new');
    assert.deepEqual(c.one(recoverTx(c, 'agg-b', fresh.publicKey, 'disk failure, no backup')), OK);
    const [change] = keyChanges(c.state, group, 'agg-b');
    assert.deepEqual(change, {
      n: 1,
      how: 'recover',
      by: 'trading-centre',
      height: c.chain.head.height,
      atMs: c.now,
      oldKey: lost.publicKey,
      newKey: fresh.publicKey,
      reason: 'disk failure, no backup',
      possessionProven: false,
    });
    assert.equal(invalidReason(c, memoBy(c, lost)), 'LEDGER_UNAUTHORISED');
    assert.deepEqual(c.one(memoBy(c, fresh, 1n)), OK);
  });

  it('with the member’s new card: possession of the new key proven on chain', () => {
    const c = new ContractChain('recover-card');
    const fresh = keyNamed('consumer-1/new');
    const card = cardOf('consumer-1', 'consumer', fresh, { aggregator: 'agg-a' });
    assert.deepEqual(c.one(recoverTx(c, 'consumer-1', fresh.publicKey, 'lost passphrase', card)), OK);
    assert.equal(keyChanges(c.state, group, 'consumer-1')[0]?.possessionProven, true);
    assert.deepEqual(memberById(c, 'consumer-1')?.orgKey, fresh.publicKey);
  });

  it('tamper matrix: a recovery by another member, of the trading centre, without a reason, to a used key, or with a card that does not match, is refused', () => {
    const c = new ContractChain('recover-tamper');
    const fresh = keyNamed('consumer-2/new');
    const card = cardOf('consumer-2', 'consumer', fresh, { aggregator: 'agg-a' });
    const flipped = Uint8Array.from(card.signature);
    flipped[0]! ^= 1;
    const cases: [string, () => SignedTransaction, string][] = [
      ['an empty reason', () => recoverTx(c, 'consumer-2', fresh.publicKey, '  '), 'CONTRACT_BAD_STATUS'],
      [
        'of the trading centre',
        () => recoverTx(c, 'trading-centre', fresh.publicKey, 'lost'),
        'CONTRACT_WRONG_ROLE',
      ],
      ['of no member', () => recoverTx(c, 'nobody', fresh.publicKey, 'lost'), 'CONTRACT_NOT_FOUND'],
      [
        'to its current key',
        () => recoverTx(c, 'consumer-2', c.key('consumer-2').key.publicKey, 'lost'),
        'CONTRACT_EXISTS',
      ],
      [
        'to another member’s key',
        () => recoverTx(c, 'consumer-2', c.key('consumer-1').key.publicKey, 'lost'),
        'CONTRACT_EXISTS',
      ],
      [
        'to a validator’s key',
        () => recoverTx(c, 'consumer-2', c.net.validatorKeys[2]!.key.publicKey, 'lost'),
        'CONTRACT_EXISTS',
      ],
      [
        'to the identity point',
        () => recoverTx(c, 'consumer-2', Uint8Array.of(1, ...new Uint8Array(31)), 'lost'),
        'CONTRACT_BAD_PROOF',
      ],
      [
        'a card of another member',
        () =>
          recoverTx(
            c,
            'consumer-2',
            fresh.publicKey,
            'lost',
            cardOf('consumer-3', 'consumer', fresh, { aggregator: 'agg-b' }),
          ),
        'CONTRACT_BAD_PROOF',
      ],
      [
        'a card under another aggregator',
        () =>
          recoverTx(
            c,
            'consumer-2',
            fresh.publicKey,
            'lost',
            cardOf('consumer-2', 'consumer', fresh, { aggregator: 'agg-b' }),
          ),
        'CONTRACT_BAD_PROOF',
      ],
      [
        'a card declaring another key',
        () =>
          recoverTx(
            c,
            'consumer-2',
            fresh.publicKey,
            'lost',
            cardOf('consumer-2', 'consumer', keyNamed('x'), { aggregator: 'agg-a' }),
          ),
        'CONTRACT_BAD_PROOF',
      ],
      [
        'a card with its signature flipped',
        () => recoverTx(c, 'consumer-2', fresh.publicKey, 'lost', altered(card, { signature: flipped })),
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'a card of another chain',
        () =>
          recoverTx(
            c,
            'consumer-2',
            fresh.publicKey,
            'lost',
            cardOf('consumer-2', 'consumer', fresh, { aggregator: 'agg-a', chainId: 'grid-west' }),
          ),
        'CONTRACT_WRONG_CHAIN',
      ],
    ];
    for (const [what, tx, code] of cases) refused(c, tx(), code, what);
    // by anyone but the trading centre: invalid
    const byGenerator = signedBy(c, c.key('gen-a').key, 'member.recover-key', recoverKeyPayload, {
      id: 'consumer-2',
      newKey: fresh.publicKey,
      reason: 'lost',
      card: null,
    });
    assert.equal(invalidReason(c, byGenerator), 'LEDGER_UNAUTHORISED:CONTRACT_WRONG_ROLE');
    assert.deepEqual(memberById(c, 'consumer-2')?.orgKey, c.key('consumer-2').key.publicKey);
    assert.deepEqual(c.one(recoverTx(c, 'consumer-2', fresh.publicKey, 'lost', card)), OK);
  });
});

describe('regulator.rotate-cert-key: the pseudonym-certification key', () => {
  it('before regulator.setup there is nothing to rotate', () => {
    const c = new ContractChain('cert-none');
    const next = keyNamed('cert/next');
    refused(
      c,
      c.org(
        'trading-centre',
        'regulator.rotate-cert-key',
        rotateCertKeyPayload,
        certRotationPayload(CHAIN_ID, c.regulator.certPublicKey, next),
      ),
      'CONTRACT_NO_REGULATOR',
      'no regulator yet',
    );
  });

  it('old pseudonyms stay usable; new certificates must be signed by the new key', () => {
    const s = setUpRound(new ContractChain('cert-rotate'));
    const { c } = s;
    const next = keyNamed('cert/next');
    const rotate = (payload: { newKey: Uint8Array; proof: Uint8Array }) =>
      c.org('trading-centre', 'regulator.rotate-cert-key', rotateCertKeyPayload, payload);
    const good = certRotationPayload(CHAIN_ID, c.regulator.certPublicKey, next);
    const flipped = Uint8Array.from(good.proof);
    flipped[7]! ^= 4;
    for (const [what, value, code] of [
      ['proof missing', { ...good, proof: new Uint8Array(64) }, 'CONTRACT_BAD_PROOF'],
      ['proof bit flipped', { ...good, proof: flipped }, 'CONTRACT_BAD_PROOF'],
      [
        'proof for another chain',
        certRotationPayload('grid-west', c.regulator.certPublicKey, next),
        'CONTRACT_BAD_PROOF',
      ],
      [
        'proof for another old key',
        certRotationPayload(CHAIN_ID, next.publicKey, next),
        'CONTRACT_BAD_PROOF',
      ],
      [
        'the current key again',
        certRotationPayload(CHAIN_ID, c.regulator.certPublicKey, c.regulator.certKey),
        'CONTRACT_EXISTS',
      ],
      [
        'the identity point',
        { newKey: Uint8Array.of(1, ...new Uint8Array(31)), proof: good.proof },
        'CONTRACT_BAD_PROOF',
      ],
    ] as const)
      refused(c, rotate(value), code, what, 10n);
    assert.equal(
      invalidReason(
        c,
        signedBy(c, c.key('gen-a').key, 'regulator.rotate-cert-key', rotateCertKeyPayload, good),
      ),
      'LEDGER_UNAUTHORISED:CONTRACT_WRONG_ROLE',
    );
    assert.deepEqual(c.one(rotate(good), 10n), OK);
    const q = new ContractQueries(c.state, group);
    assert.equal(q.regulator()?.certPublicKey, toHex(next.publicKey));
    assert.deepEqual(
      certKeyChanges(c.state, group).map((x) => [x.seq, toHex(x.oldKey), toHex(x.newKey), x.height]),
      [[1n, toHex(c.regulator.certPublicKey), toHex(next.publicKey), c.chain.head.height]],
    );
    // a pseudonym certified under the old key before the rotation still demands
    const demand = pseudonymContractTx(
      { chainId: CHAIN_ID, group },
      'market.demand',
      demandPayload,
      { round: R, demandWh: 2_000_000n, diversificationMicroYuanPerKWh: 10_000n },
      s.pseudonyms.get('consumer-1')!,
    );
    assert.deepEqual(c.one(demand, 10n), OK);
    // a new certificate under the old key is refused; under the new key it registers
    const issue = (certKey: OrgKeyPair) =>
      issueOneTimePseudonym(
        group,
        { ...c.regulator, certKey, certPublicKey: certKey.publicKey },
        'consumer-2',
        c.now,
        c.now + 3_600_000n,
        R,
        'agg-a',
        500_000,
      ).payload;
    refused(
      c,
      c.org('trading-centre', 'pseudonym.register', pseudonymRegisterPayload, issue(c.regulator.certKey)),
      'CONTRACT_BAD_PROOF',
      'a certificate of the old key',
      10n,
    );
    assert.deepEqual(
      c.one(c.org('trading-centre', 'pseudonym.register', pseudonymRegisterPayload, issue(next)), 10n),
      OK,
    );
    // and the old key can never come back
    refused(
      c,
      rotate(certRotationPayload(CHAIN_ID, next.publicKey, c.regulator.certKey)),
      'CONTRACT_EXISTS',
      'back to the old key',
    );
  });
});

describe('membership changes in the members view', () => {
  it('joined members are listed with their height and key history', () => {
    const c = chainWithRegulator('view');
    const key = keyNamed('gen-j');
    assert.deepEqual(c.one(admitTx(c, cardOf('gen-j', 'generator', key))), OK);
    const joinedAt = c.chain.head.height;
    const next = keyNamed('gen-j/2');
    assert.deepEqual(c.one(rotateTx(c, 'gen-j', key, next)), OK);
    const q = new ContractQueries(c.state, group);
    const view = q.memberDetails('gen-j')!;
    assert.equal(view.joinedHeight, joinedAt.toString());
    assert.equal(view.joinedVia, 'card');
    assert.equal(view.orgKey, toHex(next.publicKey));
    assert.deepEqual(
      view.keyChanges.map((k) => [k.how, k.oldKey, k.newKey]),
      [['rotate', toHex(key.publicKey), toHex(next.publicKey)]],
    );
    assert.deepEqual(q.joinedMemberIds(), ['gen-j']);
    assert.equal(q.memberDetails('gen-a')!.joinedVia, 'genesis');
    assert.equal(q.memberDetails('nobody'), undefined);
  });
});

describe('the card a payload carries (property)', () => {
  const SEED = Number(process.env.DPP_FC_SEED ?? 16_004);
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);
  const host = fc.oneof(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}$/).filter((h) => !/-$|-\./.test(h)),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
  );
  const endpoint = fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`);
  const body = fc
    .record({
      chainId: name,
      id: name,
      role: fc.constantFrom(...MEMBER_ROLES),
      aggregator: name,
      validator: fc.option(
        fc.record({
          name,
          p2p: endpoint,
          api: fc.option(
            fc.tuple(fc.constantFrom('http', 'https'), endpoint).map(([s, e]) => `${s}://${e}`),
            {
              nil: undefined,
            },
          ),
        }),
        { nil: undefined },
      ),
      seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      validatorSeed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    })
    .filter((r) => r.aggregator !== r.id && toHex(r.seed) !== toHex(r.validatorSeed))
    .map((r): MemberCardBody => {
      const val = orgKeyPairOf(r.validatorSeed);
      return {
        chainId: r.chainId,
        id: r.id,
        role: r.role,
        orgKey: orgKeyPairOf(r.seed).publicKey,
        ...(r.role === 'consumer' ? { aggregator: r.aggregator } : {}),
        ...(r.validator === undefined
          ? {}
          : {
              validator: {
                name: r.validator.name,
                publicKey: val.publicKey,
                p2p: r.validator.p2p,
                ...(r.validator.api === undefined ? {} : { api: r.validator.api }),
              },
            }),
      };
    });

  it('member.admit and member.recover-key carry exactly the bytes the organisation signed, and decode back', () => {
    fc.assert(
      fc.property(body, fc.uint8Array({ minLength: 64, maxLength: 64 }), (b, signature) => {
        const admit = memberAdmitPayload.encode({ card: b, signature });
        // u8 payload version ‖ the card body exactly as ../ledger/memberCard.ts encodes what is signed ‖ signature
        assert.deepEqual(admit.subarray(1, admit.length - 64), encodeCardBody(b));
        assert.deepEqual(memberAdmitPayload.decode(admit, group), { card: b, signature });
        const recover = recoverKeyPayload.encode({
          id: b.id,
          newKey: b.orgKey,
          reason: 'r',
          card: { card: b, signature },
        });
        assert.deepEqual(recoverKeyPayload.decode(recover, group).card, { card: b, signature });
      }),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
  });
});

describe('the old key within the rotation’s own block', () => {
  it('a transaction signed by the old key after the rotation in the same block makes the block invalid', () => {
    const c = new ContractChain('same-block');
    const old = c.key('gen-b').key;
    const rotation = rotateTx(c, 'gen-b', old, keyNamed('gen-b/next'));
    const after = memoBy(c, old, nextNonce(c.state, old.publicKey) + 1n);
    const block = {
      chainId: CHAIN_ID,
      height: c.chain.head.height + 1n,
      timestampMs: c.now + 1000n,
      proposer: 0,
    };
    const vts = [rotation, after].map((t) => verifyTransaction(c.env, t.bytes));
    assert.throws(
      () => executeTransactions(c.env, c.state, block, vts, 'strict'),
      (e) => isDppError(e, 'LEDGER_UNAUTHORISED'),
    );
    // a proposer leaves it out: the rotation alone is included
    const built = executeTransactions(c.env, c.state, block, vts, 'skip');
    assert.equal(built.included.length, 1);
  });
});

describe('tracing across a certification-key rotation', () => {
  it('a response of a pseudonym certified under the old key is still traced, with the chain’s key history', () => {
    const s = issuedRound(new ContractChain('trace-rotation'));
    const { c } = s;
    const bill = s.bills[0]!;
    const response = respondTo(s, bill);
    assert.deepEqual(c.one(response), OK);
    const next = keyNamed('cert/after');
    assert.deepEqual(
      c.one(
        c.org(
          'trading-centre',
          'regulator.rotate-cert-key',
          rotateCertKeyPayload,
          certRotationPayload(CHAIN_ID, c.regulator.certPublicKey, next),
        ),
      ),
      OK,
    );
    // the trading centre's key store now holds the new certification key
    const regulator = { ...c.regulator, certKey: next, certPublicKey: next.publicKey };
    const q = new ContractQueries(c.state, group);
    const input = {
      group,
      regulator,
      responseId: transactionId(response.bytes),
      response: responseOf(c, response),
      registeredCertificate: (y: Uint8Array) => q.pseudonym(y)?.certificate,
      reason: 'audit',
    };
    assert.throws(
      () => traceAndCommit(input),
      (e) => isDppError(e, 'PRIVACY_CERTIFICATE_INVALID'),
    );
    const traced = traceAndCommit({ ...input, certKeys: certKeysOnChain(q.certKeys()) });
    assert.deepEqual(traced.trace.pseudonym, ownerOf(s, bill)[1].publicKey);
  });
});
