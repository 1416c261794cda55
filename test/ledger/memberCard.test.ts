/**
 * Member cards (src/ledger/memberCard.ts, docs/ledger.md §8.4): the signing bytes are the documented
 * layout under the two tags; signed cards round-trip through their JSON for any valid body
 * (property); random and mutated text parses to the very same card or is refused with a card code
 * (fuzz); and a tamper matrix — every field altered to another valid value, to an invalid one,
 * signatures corrupted, swapped, non-canonical or made under the wrong tag, keys of small order or
 * not canonical, a card re-signed around a rule it breaks — is refused, each with its code and the
 * field named. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import { type OrgKeyPair, orgKeyPair, orgSign } from '../../src/crypto/ed25519.ts';
import { frame } from '../../src/crypto/hash.ts';
import { seededRandom } from '../../src/crypto/scalars.ts';
import { isDppError } from '../../src/errors.ts';
import { parseApiAddress, parseHostPort } from '../../src/ledger/endpoint.ts';
import { LedgerError } from '../../src/ledger/ledgerError.ts';
import {
  CARD_TAG,
  CARD_VALIDATOR_TAG,
  cardSigningBytes,
  cardValidatorSigningBytes,
  decodeMemberCard,
  type MemberCard,
  type MemberCardBody,
  memberCardToJson,
  parseMemberCard,
  signMemberCard,
  verifyMemberCard,
} from '../../src/ledger/memberCard.ts';
import { MEMBER_ROLES, type MemberRole } from '../../src/ledger/memberRecord.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 161_616);
const random = seededRandom('member card tests');
const key = (): OrgKeyPair => orgKeyPair(random(32));
const orgKey = key();
const validatorKey = key();

const body: MemberCardBody = {
  chainId: 'grid-east',
  id: 'gen-a',
  role: 'generator',
  orgKey: orgKey.publicKey,
  validator: {
    name: 'validator-gen-a',
    publicKey: validatorKey.publicKey,
    p2p: 'gen-a.example.net:7400',
    api: 'https://gen-a.example.net:7401',
  },
};
const card = signMemberCard(body, orgKey, validatorKey);
const text = memberCardToJson(card);
const consumerBody: MemberCardBody = {
  chainId: 'grid-east',
  id: 'steel-1',
  role: 'consumer',
  orgKey: orgKey.publicKey,
  aggregator: 'agg-a',
};
const consumer = signMemberCard(consumerBody, orgKey);

type Doc = Record<string, unknown> & {
  validator: Record<string, unknown>;
  signatures: Record<string, unknown>;
};
const doc = (): Doc => JSON.parse(text);

/** The body bytes built field by field from the layout in docs/ledger.md §8.4 (no checks). */
function layout(b: {
  chainId: string;
  id: string;
  role: number;
  orgKey: Uint8Array;
  aggregator: string;
  validator?: { name: string; publicKey: Uint8Array; p2p: string; api: string };
}): Uint8Array {
  const w = new Writer()
    .u8(1)
    .string(b.chainId)
    .string(b.id)
    .u8(b.role)
    .fixed(b.orgKey, 32)
    .string(b.aggregator);
  if (b.validator === undefined) w.u8(0);
  else {
    const v = b.validator;
    w.u8(1).string(v.name).fixed(v.publicKey, 32).string(v.p2p).string(v.api);
  }
  return w.finish();
}

/** `d` with the organisation's (and validator's) signatures made afresh over `bodyBytes`. */
function resigned(d: Doc, bodyBytes: Uint8Array, withValidator = true): Doc {
  return {
    ...d,
    signatures: {
      org: toHex(orgSign(orgKey, frame(CARD_TAG, [bodyBytes]))),
      ...(withValidator
        ? { validator: toHex(orgSign(validatorKey, frame(CARD_VALIDATOR_TAG, [bodyBytes]))) }
        : {}),
    },
  };
}

/** Asserts that `value` is refused with `code`, the message or path naming `field`. */
function refused(value: unknown, code: string, field: string): void {
  assert.throws(
    () => parseMemberCard(typeof value === 'string' ? value : JSON.stringify(value)),
    (e) => {
      assert.ok(isDppError(e, code), `${field}: expected ${code}, got ${String(e)}`);
      assert.ok(
        e.message.includes(field) || String(e.details.path ?? '').includes(field),
        `${field}: the error names it: ${e.message}`,
      );
      return true;
    },
  );
}

/** S + ℓ: the same signature with a non-canonical S (RFC 8032 §5.1.7 requires S < ℓ). */
function nonCanonicalS(sig: Uint8Array): Uint8Array {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const s = BigInt(`0x${toHex(sig.slice(32).reverse())}`) + L;
  const out = sig.slice();
  const le = fromHex(s.toString(16).padStart(64, '0')).reverse();
  out.set(le, 32);
  return out;
}

describe('member card: encoding and signatures', () => {
  it('signs the documented body layout under its two tags', () => {
    const bytes = layout({
      chainId: 'grid-east',
      id: 'gen-a',
      role: 2,
      orgKey: orgKey.publicKey,
      aggregator: '',
      validator: { ...body.validator!, api: body.validator!.api! },
    });
    assert.deepEqual(cardSigningBytes(body), frame('dpp/member-card/v1', [bytes]));
    assert.deepEqual(cardValidatorSigningBytes(body), frame('dpp/member-card/validator/v1', [bytes]));
    assert.deepEqual(
      cardSigningBytes(consumerBody),
      frame(CARD_TAG, [
        layout({
          chainId: 'grid-east',
          id: 'steel-1',
          role: 4,
          orgKey: orgKey.publicKey,
          aggregator: 'agg-a',
        }),
      ]),
    );
    assert.ok(verifyMemberCard(card));
    assert.ok(verifyMemberCard(consumer));
    assert.equal(consumer.validatorSignature, undefined);
  });

  it('round-trips through its JSON, fields in a fixed order', () => {
    assert.deepEqual(parseMemberCard(text), card);
    assert.equal(memberCardToJson(parseMemberCard(text)), text);
    assert.deepEqual(Object.keys(JSON.parse(text)), [
      'type',
      'version',
      'chainId',
      'id',
      'role',
      'orgKey',
      'validator',
      'signatures',
    ]);
    assert.deepEqual(parseMemberCard(memberCardToJson(consumer)), consumer);
  });

  it('refuses to sign with a key other than the card’s, or a validator without its key', () => {
    assert.throws(
      () => signMemberCard(body, validatorKey, validatorKey),
      (e) => isDppError(e, 'LEDGER_BAD_CARD'),
    );
    assert.throws(
      () => signMemberCard(body, orgKey),
      (e) => isDppError(e, 'LEDGER_BAD_CARD'),
    );
    assert.throws(
      () => signMemberCard(body, orgKey, orgKey),
      (e) => isDppError(e, 'LEDGER_BAD_CARD'),
    );
    assert.throws(
      () => signMemberCard(consumerBody, orgKey, validatorKey),
      (e) => isDppError(e, 'LEDGER_BAD_CARD'),
    );
  });

  it('any valid body, signed, parses back to the same card (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);
    const host = fc.oneof(
      fc
        .stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}$/)
        .filter((h) => !/-$|-\./.test(h)),
      fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
    );
    const endpoint = fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`);
    fc.assert(
      fc.property(
        fc.record({
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
        }),
        (r) => {
          fc.pre(r.aggregator !== r.id && toHex(r.seed) !== toHex(r.validatorSeed));
          const org = orgKeyPair(r.seed);
          const val = orgKeyPair(r.validatorSeed);
          const b: MemberCardBody = {
            chainId: r.chainId,
            id: r.id,
            role: r.role as MemberRole,
            orgKey: org.publicKey,
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
          const c = signMemberCard(b, org, r.validator === undefined ? undefined : val);
          const json = memberCardToJson(c);
          assert.deepEqual(parseMemberCard(json), c);
          assert.equal(memberCardToJson(parseMemberCard(json)), json);
        },
      ),
      { seed: SEED, numRuns: 300, endOnFailure: true },
    );
  });

  it('random and mutated text parses to the very same card or is refused with a card code (fuzz)', () => {
    const codes = ['LEDGER_BAD_CARD', 'LEDGER_BAD_CARD_SIGNATURE'];
    const mutation = fc.record({
      at: fc.nat(),
      ch: fc.string({ minLength: 0, maxLength: 3 }),
      cut: fc.nat({ max: 5 }),
    });
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), mutation, mutation, mutation), (input) => {
        let t: string;
        if (typeof input === 'string') t = input;
        else {
          const i = input.at % text.length;
          t = text.slice(0, i) + input.ch + text.slice(i + input.cut);
        }
        let parsed: MemberCard;
        try {
          parsed = parseMemberCard(t);
        } catch (e) {
          if (!(e instanceof LedgerError) || !codes.includes(e.code)) throw e;
          return;
        }
        // only white space may have changed: anything that parses is the original card
        assert.equal(memberCardToJson(parsed), text);
      }),
      { seed: SEED, numRuns: 3000, endOnFailure: true },
    );
  });
});

describe('member card: tamper matrix (each alteration refused)', () => {
  it('another valid value in any signed field breaks the organisation’s signature', () => {
    const other = key();
    const alterations: [string, (d: Doc) => void][] = [
      ['chainId', (d) => (d.chainId = 'grid-west')],
      ['id', (d) => (d.id = 'gen-b')],
      ['role', (d) => (d.role = 'aggregator')],
      ['orgKey', (d) => (d.orgKey = toHex(other.publicKey))],
      ['validator.name', (d) => (d.validator.name = 'validator-gen-b')],
      ['validator.publicKey', (d) => (d.validator.publicKey = toHex(other.publicKey))],
      ['validator.p2p', (d) => (d.validator.p2p = 'gen-a.example.net:7402')],
      ['validator.api', (d) => (d.validator.api = 'http://gen-a.example.net:7401')],
      ['validator.api removed', (d) => delete d.validator.api],
    ];
    for (const [field, alter] of alterations) {
      const d = doc();
      alter(d);
      assert.throws(() => parseMemberCard(JSON.stringify(d)), LedgerError, field);
      refused(d, 'LEDGER_BAD_CARD_SIGNATURE', 'signatures.org');
    }
    // a consumer's aggregator, changed or taken away
    const c = JSON.parse(memberCardToJson(consumer));
    refused({ ...c, aggregator: 'agg-b' }, 'LEDGER_BAD_CARD_SIGNATURE', 'signatures.org');
    refused(
      { ...c, role: 'generator', aggregator: undefined },
      'LEDGER_BAD_CARD_SIGNATURE',
      'signatures.org',
    );
    // the validator dropped, with or without its signature
    const { validator: _v, ...noValidator } = doc();
    refused(
      { ...noValidator, signatures: { org: doc().signatures.org } },
      'LEDGER_BAD_CARD_SIGNATURE',
      'signatures.org',
    );
    refused(noValidator, 'LEDGER_BAD_CARD', 'signatures.validator');
  });

  it('corrupted, swapped, non-canonical, foreign and wrong-tag signatures are refused', () => {
    const org = fromHex(doc().signatures.org as string);
    const val = fromHex(doc().signatures.validator as string);
    const flip = (s: Uint8Array, i: number) => {
      const t = s.slice();
      t[i]! ^= 1;
      return toHex(t);
    };
    const other = signMemberCard({ ...body, id: 'gen-b' }, orgKey, validatorKey);
    const bodyBytes = cardSigningBytes(body).slice(frame(CARD_TAG, []).length + 4);
    const cases: [string, Record<string, unknown>, string][] = [
      ['org R flipped', { org: flip(org, 0), validator: toHex(val) }, 'signatures.org'],
      ['org S flipped', { org: flip(org, 40), validator: toHex(val) }, 'signatures.org'],
      ['validator R flipped', { org: toHex(org), validator: flip(val, 3) }, 'signatures.validator'],
      ['validator S flipped', { org: toHex(org), validator: flip(val, 63) }, 'signatures.validator'],
      ['swapped', { org: toHex(val), validator: toHex(org) }, 'signatures.org'],
      ['org S + ℓ', { org: toHex(nonCanonicalS(org)), validator: toHex(val) }, 'signatures.org'],
      ['validator S + ℓ', { org: toHex(org), validator: toHex(nonCanonicalS(val)) }, 'signatures.validator'],
      ['another card’s', { org: toHex(other.signature), validator: toHex(val) }, 'signatures.org'],
      [
        'another card’s proof',
        { org: toHex(org), validator: toHex(other.validatorSignature!) },
        'signatures.validator',
      ],
      ['all zero', { org: '00'.repeat(64), validator: toHex(val) }, 'signatures.org'],
      [
        'validator key signing under the org tag',
        { org: toHex(org), validator: toHex(orgSign(validatorKey, frame(CARD_TAG, [bodyBytes]))) },
        'signatures.validator',
      ],
      [
        'org key signing the validator proof',
        { org: toHex(org), validator: toHex(orgSign(orgKey, frame(CARD_VALIDATOR_TAG, [bodyBytes]))) },
        'signatures.validator',
      ],
    ];
    assert.deepEqual(frame(CARD_TAG, [bodyBytes]), cardSigningBytes(body), 'the body bytes were cut right');
    for (const [what, signatures, field] of cases) {
      assert.doesNotThrow(() => JSON.stringify(signatures), what);
      refused({ ...doc(), signatures }, 'LEDGER_BAD_CARD_SIGNATURE', field);
    }
    // malformed signatures: the field named, before any verification
    for (const [sig, field] of [
      [toHex(org).toUpperCase(), 'signatures.org'],
      [toHex(org).slice(2), 'signatures.org'],
      [`${toHex(org)}00`, 'signatures.org'],
      [42, 'signatures.org'],
    ] as const)
      refused({ ...doc(), signatures: { org: sig, validator: toHex(val) } }, 'LEDGER_BAD_CARD', field);
    refused({ ...doc(), signatures: { org: toHex(org) } }, 'LEDGER_BAD_CARD', 'signatures.validator');
    refused(
      { ...doc(), signatures: { org: toHex(org), validator: toHex(val), extra: '00' } },
      'LEDGER_BAD_CARD',
      'signatures.extra',
    );
    const c = JSON.parse(memberCardToJson(consumer));
    refused(
      { ...c, signatures: { ...c.signatures, validator: toHex(val) } },
      'LEDGER_BAD_CARD',
      'signatures.validator',
    );
  });

  it('malformed fields and invalid keys are refused naming the field', () => {
    const smallOrder = `01${'00'.repeat(31)}`; // the identity point
    const notCanonical = `ed${'ff'.repeat(30)}7f`; // y = p, not reduced
    const cases: [string, (d: Doc) => void][] = [
      ['type', (d) => (d.type = 'dpp-member-key')],
      ['version', (d) => (d.version = 2)],
      ['version', (d) => (d.version = '1')],
      ['chainId', (d) => (d.chainId = 'Grid East')],
      ['chainId', (d) => (d.chainId = '')],
      ['id', (d) => (d.id = '-gen')],
      ['id', (d) => (d.id = 'x'.repeat(65))],
      ['role', (d) => (d.role = 'regulator')],
      ['orgKey', (d) => (d.orgKey = smallOrder)],
      ['orgKey', (d) => (d.orgKey = notCanonical)],
      ['orgKey', (d) => (d.orgKey = (d.orgKey as string).toUpperCase())],
      ['orgKey', (d) => (d.orgKey = (d.orgKey as string).slice(1))],
      ['aggregator', (d) => (d.aggregator = 'agg-a')],
      ['validator', (d) => (d.validator = 'validator-gen-a' as never)],
      ['validator.name', (d) => (d.validator.name = 'Validator')],
      ['validator.publicKey', (d) => (d.validator.publicKey = smallOrder)],
      ['validator.publicKey', (d) => (d.validator.publicKey = notCanonical)],
      ['validator.publicKey', (d) => (d.validator.publicKey = d.orgKey)],
      ['validator.p2p', (d) => (d.validator.p2p = 'gen-a.example.net')],
      ['validator.p2p', (d) => (d.validator.p2p = 'gen-a.example.net:0')],
      ['validator.p2p', (d) => (d.validator.p2p = 'gen-a.example.net:65536')],
      ['validator.p2p', (d) => (d.validator.p2p = 'gen-a.example.net:07400')],
      ['validator.p2p', (d) => (d.validator.p2p = 'GEN-A.example.net:7400')],
      ['validator.p2p', (d) => (d.validator.p2p = '[::1]:7400')],
      ['validator.p2p', (d) => (d.validator.p2p = '10.0.0.256:7400')],
      ['validator.api', (d) => (d.validator.api = 'ftp://gen-a.example.net:7401')],
      ['validator.api', (d) => (d.validator.api = 'https://gen-a.example.net:7401/')],
      ['validator.api', (d) => (d.validator.api = 'https://gen-a.example.net')],
      ['validator.extra', (d) => (d.validator.extra = 1)],
      ['extra', (d) => (d.extra = true)],
      ['signatures', (d) => delete (d as Record<string, unknown>).signatures],
      ['orgKey', (d) => delete (d as Record<string, unknown>).orgKey],
      ['validator.p2p', (d) => delete d.validator.p2p],
    ];
    for (const [field, alter] of cases) {
      const d = doc();
      alter(d);
      refused(d, 'LEDGER_BAD_CARD', field);
    }
    refused('[1, 2]', 'LEDGER_BAD_CARD', '(root)');
    refused('{', 'LEDGER_BAD_CARD', 'JSON');
    refused(' '.repeat(20_000), 'LEDGER_BAD_CARD', '(root)');
    assert.throws(
      () => decodeMemberCard(null),
      (e) => isDppError(e, 'LEDGER_BAD_CARD'),
    );
  });

  it('a card re-signed properly around a rule it breaks is still refused', () => {
    const v = { ...body.validator!, api: body.validator!.api! };
    const base = { chainId: 'grid-east', id: 'gen-a', role: 2, orgKey: orgKey.publicKey, aggregator: '' };
    // the validator key equal to the organisation key, properly signed by it twice
    const same = { ...doc(), validator: { ...doc().validator, publicKey: toHex(orgKey.publicKey) } };
    const sameBytes = layout({ ...base, validator: { ...v, publicKey: orgKey.publicKey } });
    const twice = {
      ...same,
      signatures: {
        org: toHex(orgSign(orgKey, frame(CARD_TAG, [sameBytes]))),
        validator: toHex(orgSign(orgKey, frame(CARD_VALIDATOR_TAG, [sameBytes]))),
      },
    };
    refused(twice, 'LEDGER_BAD_CARD', 'validator.publicKey');
    // a generator naming an aggregator
    const withAgg = { ...doc(), aggregator: 'agg-a' };
    refused(
      resigned(withAgg, layout({ ...base, aggregator: 'agg-a', validator: v })),
      'LEDGER_BAD_CARD',
      'aggregator',
    );
    // a consumer without one
    const c = JSON.parse(memberCardToJson(consumer));
    delete c.aggregator;
    const cBytes = layout({
      chainId: 'grid-east',
      id: 'steel-1',
      role: 4,
      orgKey: orgKey.publicKey,
      aggregator: '',
    });
    refused(resigned(c, cBytes, false), 'LEDGER_BAD_CARD', 'aggregator');
    // the same, re-signed, for a sanity check that resigning itself works
    assert.deepEqual(
      parseMemberCard(JSON.stringify(resigned(doc(), layout({ ...base, validator: v })))),
      card,
    );
  });
});

describe('endpoints', () => {
  it('accepts canonical host:port and API addresses only', () => {
    assert.deepEqual(parseHostPort('10.0.0.2:7400'), { host: '10.0.0.2', port: 7400 });
    assert.deepEqual(parseHostPort('val-1.grid.example:1'), { host: 'val-1.grid.example', port: 1 });
    assert.deepEqual(parseApiAddress('https://a.example:443'), {
      scheme: 'https',
      host: 'a.example',
      port: 443,
    });
    for (const bad of [
      'host',
      ':7400',
      'host:',
      'host:65536',
      'host:-1',
      'host:+1',
      'host:1e3',
      'Host:1',
      'ho_st:1',
      '-host:1',
      'host-:1',
      'a..b:1',
      '1.2.3:1',
      '01.2.3.4:1',
      '[::1]:1',
      '::1:1',
      'host :1',
    ])
      assert.equal(parseHostPort(bad), null, bad);
    for (const bad of [
      'http://a',
      'http://a:1/',
      'http://a:1/v1',
      'HTTP://a:1',
      'ws://a:1',
      'https://user@a:1',
    ])
      assert.equal(parseApiAddress(bad), null, bad);
  });
});
