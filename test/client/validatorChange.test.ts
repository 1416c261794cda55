/**
 * A validator change on its way to the chain (src/client/validatorChange.ts): requests signed by
 * the new key, approvals added (a slot's second approval replaces its first), which approvals
 * verify under an epoch's keys, the payload sent, and the JSON request file — any request
 * round-trips through it, and the parser refuses each malformed field with CLIENT_BAD_ARGUMENT
 * naming it. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ClientError } from '../../src/client/clientError.ts';
import {
  approvalsIn,
  approveChange,
  type ChangeRequest,
  changePayload,
  changeRequestToJson,
  parseChangeRequest,
  requestChange,
} from '../../src/client/validatorChange.ts';
import { toHex, utf8 } from '../../src/codec/bytes.ts';
import { validatorChangePayload } from '../../src/contracts/validators.ts';
import { sha256 } from '../../src/crypto/digest.ts';
import { type OrgKeyPair, orgKeyPair, orgSign } from '../../src/crypto/ed25519.ts';
import { verifyEd25519 } from '../../src/crypto/ed25519Strict.ts';
import { isDppError } from '../../src/errors.ts';
import { parseHostPort } from '../../src/ledger/endpoint.ts';
import {
  changeApprovalBytes,
  changeKeyProofBytes,
  type Epoch,
  type ValidatorChange,
} from '../../src/ledger/validatorSet.ts';
import { group } from '../ledger/fixtures.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 4_400_404);
const RUNS = Number(process.env.DPP_FC_RUNS ?? 200);
const CHAIN = 'dppchain-test';

const keyNamed = (name: string): OrgKeyPair => orgKeyPair(sha256(utf8(`validator-change/${name}`)));
const validators = [0, 1, 2, 3].map((i) => keyNamed(`validator-${i}`));
const epoch0: Epoch = {
  number: 0,
  base: 0n,
  validators: validators.map((k, slot) => ({
    slot,
    name: `validator-${slot}`,
    publicKey: k.publicKey,
    p2p: '',
  })),
};
const newKey = keyNamed('new');
const add: ValidatorChange = {
  type: 'add',
  name: 'validator-4',
  publicKey: newKey.publicKey,
  p2p: 'v4.grid.example:7400',
};
const rekey: ValidatorChange = { type: 'rekey', name: 'validator-2', publicKey: newKey.publicKey };
const remove: ValidatorChange = { type: 'remove', name: 'validator-3' };

const badArgument = (what: RegExp) => (e: unknown) =>
  e instanceof ClientError && isDppError(e, 'CLIENT_BAD_ARGUMENT') && what.test(e.message);

describe('building a change request', () => {
  it('an add or rekey is proven by its new key at once; a removal carries no proof', () => {
    for (const change of [add, rekey]) {
      const r = requestChange(CHAIN, 5, change, newKey);
      assert.deepEqual([r.chainId, r.epoch, r.change, r.approvals], [CHAIN, 5, change, []]);
      assert.ok(verifyEd25519(newKey.publicKey, changeKeyProofBytes(CHAIN, 5, change), r.proof!));
      // bound to the epoch and chain it names
      assert.equal(verifyEd25519(newKey.publicKey, changeKeyProofBytes(CHAIN, 4, change), r.proof!), false);
      assert.equal(verifyEd25519(newKey.publicKey, changeKeyProofBytes('other', 5, change), r.proof!), false);
    }
    assert.deepEqual(requestChange(CHAIN, 0, remove), {
      chainId: CHAIN,
      epoch: 0,
      change: remove,
      proof: null,
      approvals: [],
    });
    assert.deepEqual(
      requestChange(CHAIN, 0, remove, newKey).proof,
      null,
      'a key given for a removal is not used',
    );
  });

  it('refuses an add or rekey without the new key, or signed by another key', () => {
    for (const change of [add, rekey]) {
      assert.throws(() => requestChange(CHAIN, 0, change), badArgument(/signed by the new key/));
      assert.throws(
        () => requestChange(CHAIN, 0, change, keyNamed('other')),
        badArgument(/signed by the new key/),
      );
    }
  });

  it('approveChange adds each slot’s approval in slot order; a slot’s second approval replaces its first', () => {
    const r0 = requestChange(CHAIN, 0, add, newKey);
    const r1 = approveChange(r0, 2, validators[2]!);
    const r2 = approveChange(r1, 0, validators[0]!);
    assert.deepEqual(r0.approvals, [], 'the request it was given is unchanged');
    assert.deepEqual(
      r1.approvals.map((a) => a.slot),
      [2],
    );
    assert.deepEqual(
      r2.approvals.map((a) => a.slot),
      [0, 2],
    );
    for (const a of r2.approvals)
      assert.ok(
        verifyEd25519(validators[a.slot]!.publicKey, changeApprovalBytes(CHAIN, 0, add), a.signature),
      );
    // slot 2 approves again, this time with a wrong key: one approval for slot 2, the new one
    const r3 = approveChange(r2, 2, validators[3]!);
    assert.deepEqual(
      r3.approvals.map((a) => a.slot),
      [0, 2],
    );
    assert.equal(
      toHex(r3.approvals[1]!.signature),
      toHex(orgSign(validators[3]!, changeApprovalBytes(CHAIN, 0, add))),
    );
    assert.deepEqual(approvalsIn(r3, epoch0), { valid: [0], invalid: [2] });
    // …and again with its own key: valid once more
    const r4 = approveChange(r3, 2, validators[2]!);
    assert.deepEqual(
      r4.approvals.map((a) => a.slot),
      [0, 2],
    );
    assert.deepEqual(approvalsIn(r4, epoch0), { valid: [0, 2], invalid: [] });
    assert.deepEqual(
      [r4.chainId, r4.epoch, r4.change, r4.proof],
      [r0.chainId, r0.epoch, r0.change, r0.proof],
    );
  });

  it('approvalsIn: valid approvals by the epoch’s keys; invalid ones by unknown slots, other keys, other epochs or chains', () => {
    let r = requestChange(CHAIN, 0, add, newKey);
    r = approveChange(r, 0, validators[0]!); // valid
    r = approveChange(r, 1, validators[2]!); // slot 1 signed by validator 2
    r = approveChange(r, 7, validators[3]!); // no slot 7 in the epoch
    r = approveChange(r, 3, validators[3]!); // valid
    const forEpoch1 = approveChange(requestChange(CHAIN, 1, add, newKey), 2, validators[2]!).approvals[0]!;
    const forOtherChain = approveChange(requestChange('other', 0, add, newKey), 2, validators[2]!)
      .approvals[0]!;
    const ofRemove = approveChange(requestChange(CHAIN, 0, remove), 2, validators[2]!).approvals[0]!;
    assert.deepEqual(approvalsIn(r, epoch0), { valid: [0, 3], invalid: [1, 7] });
    for (const a of [forEpoch1, forOtherChain, ofRemove])
      assert.deepEqual(approvalsIn({ ...r, approvals: [a] }, epoch0), { valid: [], invalid: [2] });
    // under another epoch's keys (validator 3 re-keyed), its approval no longer verifies
    const rekeyed: Epoch = {
      number: 1,
      base: 16n,
      validators: epoch0.validators.map((v) =>
        v.slot === 3 ? { ...v, publicKey: keyNamed('3b').publicKey } : v,
      ),
    };
    assert.deepEqual(approvalsIn(r, rekeyed), { valid: [0], invalid: [1, 3, 7] });
  });

  it('changePayload: what validator.change carries (a removal: zero key, zero proof, no endpoint); it encodes and decodes', () => {
    const full = [add, rekey, remove].map((change) => {
      const r = requestChange(CHAIN, 0, change, newKey);
      return approveChange(approveChange(r, 1, validators[1]!), 0, validators[0]!);
    });
    const [pAdd, pRekey, pRemove] = full.map(changePayload);
    assert.deepEqual(pAdd, {
      change: 'add',
      name: 'validator-4',
      key: newKey.publicKey,
      p2p: 'v4.grid.example:7400',
      proof: full[0]!.proof,
      approvals: full[0]!.approvals,
    });
    assert.deepEqual([pRekey!.change, pRekey!.name, pRekey!.p2p], ['rekey', 'validator-2', '']);
    assert.deepEqual(pRemove, {
      change: 'remove',
      name: 'validator-3',
      key: new Uint8Array(32),
      p2p: '',
      proof: new Uint8Array(64),
      approvals: full[2]!.approvals,
    });
    for (const p of [pAdd!, pRekey!, pRemove!])
      assert.deepEqual(validatorChangePayload.decode(validatorChangePayload.encode(p), group), p);
  });
});

// ---------------------------------------------------------------------------------------------
// the request file

const plain = { noNullPrototype: true } as const;
const nameArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,63}$/);
const p2pArb = fc
  .tuple(
    fc.array(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/), { minLength: 1, maxLength: 3 }),
    fc.integer({ min: 1, max: 65535 }),
  )
  .map(([labels, port]) => `${labels.join('.')}:${port}`)
  .filter((s) => parseHostPort(s) !== null);
const bytesArb = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const changeArb: fc.Arbitrary<ValidatorChange> = fc.oneof(
  fc.record(
    { type: fc.constant('add' as const), name: nameArb, publicKey: bytesArb(32), p2p: p2pArb },
    plain,
  ),
  fc.record({ type: fc.constant('remove' as const), name: nameArb }, plain),
  fc.record({ type: fc.constant('rekey' as const), name: nameArb, publicKey: bytesArb(32) }, plain),
);
const requestArb: fc.Arbitrary<ChangeRequest> = fc
  .record(
    {
      chainId: fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }),
      epoch: fc.integer({ min: 0, max: 0xffffffff }),
      change: changeArb,
      proof: bytesArb(64),
      approvals: fc.array(
        fc.record({ slot: fc.integer({ min: 0, max: 0xffff }), signature: bytesArb(64) }, plain),
        {
          maxLength: 6,
        },
      ),
    },
    plain,
  )
  .map((r) => ({ ...r, proof: r.change.type === 'remove' ? null : r.proof }));

/** A valid add request file as an object, to alter one field at a time. */
const baseDoc = (): Record<string, unknown> =>
  JSON.parse(changeRequestToJson(approveChange(requestChange(CHAIN, 3, add, newKey), 1, validators[1]!)));

describe(`the request file (seed ${SEED})`, () => {
  it('any request round-trips through its JSON text, and the text through the request', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        const text = changeRequestToJson(r);
        const back = parseChangeRequest(text);
        assert.deepEqual(back, r);
        assert.equal(changeRequestToJson(back), text);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });

  it('writes the documented fields: hex lower-case, no key or proof for a removal, no endpoint but for an add', () => {
    const r = approveChange(requestChange(CHAIN, 3, add, newKey), 1, validators[1]!);
    assert.deepEqual(JSON.parse(changeRequestToJson(r)), {
      chainId: CHAIN,
      epoch: 3,
      change: 'add',
      name: 'validator-4',
      publicKey: toHex(newKey.publicKey),
      p2p: 'v4.grid.example:7400',
      proof: toHex(r.proof!),
      approvals: [{ slot: 1, signature: toHex(r.approvals[0]!.signature) }],
    });
    assert.deepEqual(Object.keys(JSON.parse(changeRequestToJson(requestChange(CHAIN, 0, remove)))), [
      'chainId',
      'epoch',
      'change',
      'name',
      'approvals',
    ]);
    assert.deepEqual(Object.keys(JSON.parse(changeRequestToJson(requestChange(CHAIN, 0, rekey, newKey)))), [
      'chainId',
      'epoch',
      'change',
      'name',
      'publicKey',
      'proof',
      'approvals',
    ]);
    assert.ok(changeRequestToJson(r).endsWith('}\n'));
  });

  it('refuses each malformed field with CLIENT_BAD_ARGUMENT naming it', () => {
    const KEY = toHex(newKey.publicKey);
    const SIG = 'ab'.repeat(64);
    const without = (field: string) => {
      const d = baseDoc();
      delete d[field];
      return d;
    };
    const withField = (field: string, value: unknown) => ({ ...baseDoc(), [field]: value });
    assert.doesNotThrow(() => parseChangeRequest(JSON.stringify(baseDoc())), 'the baseline parses');
    const cases: [string, string, RegExp][] = [
      ['not JSON', '{"chainId":', /not valid JSON/],
      ['empty text', '', /not valid JSON/],
      ['an array', '[]', /not an object/],
      ['null', 'null', /not an object/],
      ['a number', '7', /not an object/],
      ['a string', '"add"', /not an object/],
      ['an unknown field', JSON.stringify(withField('slot', 4)), /unknown field slot/],
      ['no chainId', JSON.stringify(without('chainId')), /chainId/],
      ['an empty chainId', JSON.stringify(withField('chainId', '')), /chainId/],
      ['a numeric chainId', JSON.stringify(withField('chainId', 7)), /chainId/],
      ['no epoch', JSON.stringify(without('epoch')), /epoch/],
      ['a negative epoch', JSON.stringify(withField('epoch', -1)), /epoch/],
      ['a fractional epoch', JSON.stringify(withField('epoch', 1.5)), /epoch/],
      ['an epoch as a string', JSON.stringify(withField('epoch', '1')), /epoch/],
      ['an epoch beyond 2^53', JSON.stringify(withField('epoch', 2 ** 53)), /epoch/],
      ['no name', JSON.stringify(without('name')), /name/],
      ['an upper-case name', JSON.stringify(withField('name', 'Validator-4')), /name/],
      ['an empty name', JSON.stringify(withField('name', '')), /name/],
      ['a name of 65 characters', JSON.stringify(withField('name', 'v'.repeat(65))), /name/],
      ['no change', JSON.stringify(without('change')), /change must be/],
      ['an unknown change', JSON.stringify(withField('change', 'swap')), /change must be/],
      ['an upper-case change', JSON.stringify(withField('change', 'ADD')), /change must be/],
      ['no publicKey', JSON.stringify(without('publicKey')), /publicKey/],
      ['an upper-case publicKey', JSON.stringify(withField('publicKey', KEY.toUpperCase())), /publicKey/],
      ['a short publicKey', JSON.stringify(withField('publicKey', KEY.slice(2))), /publicKey/],
      ['a long publicKey', JSON.stringify(withField('publicKey', `${KEY}00`)), /publicKey/],
      [
        'a publicKey that is not hex',
        JSON.stringify(withField('publicKey', `${KEY.slice(2)}zz`)),
        /publicKey/,
      ],
      [
        'a publicKey in base64',
        JSON.stringify(withField('publicKey', Buffer.from(newKey.publicKey).toString('base64'))),
        /publicKey/,
      ],
      ['no p2p', JSON.stringify(without('p2p')), /p2p/],
      ['a p2p without port', JSON.stringify(withField('p2p', 'v4.grid.example')), /p2p/],
      ['a p2p with port 0', JSON.stringify(withField('p2p', 'v4.grid.example:0')), /p2p/],
      ['an IPv6 p2p', JSON.stringify(withField('p2p', '[::1]:7400')), /p2p/],
      ['a numeric p2p', JSON.stringify(withField('p2p', 7400)), /p2p/],
      ['no proof', JSON.stringify(without('proof')), /needs proof/],
      ['a short proof', JSON.stringify(withField('proof', SIG.slice(2))), /proof/],
      ['an upper-case proof', JSON.stringify(withField('proof', SIG.toUpperCase())), /proof/],
      ['a null proof', JSON.stringify(withField('proof', null)), /proof/],
      ['no approvals', JSON.stringify(without('approvals')), /approvals must be an array/],
      [
        'approvals as an object',
        JSON.stringify(withField('approvals', { slot: 1 })),
        /approvals must be an array/,
      ],
      ['a null approval', JSON.stringify(withField('approvals', [null])), /approvals\[0\]\.slot/],
      [
        'an approval without slot',
        JSON.stringify(withField('approvals', [{ signature: SIG }])),
        /approvals\[0\]\.slot/,
      ],
      [
        'a negative slot',
        JSON.stringify(withField('approvals', [{ slot: -1, signature: SIG }])),
        /approvals\[0\]\.slot/,
      ],
      [
        'a slot above 65535',
        JSON.stringify(withField('approvals', [{ slot: 65536, signature: SIG }])),
        /approvals\[0\]\.slot/,
      ],
      [
        'a fractional slot',
        JSON.stringify(withField('approvals', [{ slot: 1.5, signature: SIG }])),
        /approvals\[0\]\.slot/,
      ],
      [
        'a slot as a string',
        JSON.stringify(withField('approvals', [{ slot: '1', signature: SIG }])),
        /approvals\[0\]\.slot/,
      ],
      [
        'a second approval without signature',
        JSON.stringify(withField('approvals', [{ slot: 1, signature: SIG }, { slot: 2 }])),
        /approvals\[1\]\.signature/,
      ],
      [
        'a short signature',
        JSON.stringify(withField('approvals', [{ slot: 1, signature: SIG.slice(2) }])),
        /approvals\[0\]\.signature/,
      ],
    ];
    // a removal carries no proof; a rekey needs one
    const removal = JSON.parse(changeRequestToJson(requestChange(CHAIN, 0, remove)));
    cases.push([
      'a removal with a proof',
      JSON.stringify({ ...removal, proof: SIG }),
      /remove carries no proof/,
    ]);
    const rekeyDoc = JSON.parse(changeRequestToJson(requestChange(CHAIN, 0, rekey, newKey)));
    delete rekeyDoc.proof;
    cases.push(['a rekey without proof', JSON.stringify(rekeyDoc), /rekey needs proof/]);
    for (const [what, text, message] of cases)
      assert.throws(() => parseChangeRequest(text), badArgument(message), what);
  });

  it('refuses an epoch above 2^32 − 1 as a field of the file', () => {
    // epochs are u32 on chain (changeApprovalBytes writes u32 epoch); the parser accepts any safe
    // integer, and approving such a request then throws a bare RangeError ("u32 out of range") from
    // the codec's Writer — no DppError, no field named.
    const text = JSON.stringify({ ...baseDoc(), epoch: 2 ** 32 });
    assert.throws(() => parseChangeRequest(text), badArgument(/epoch/));
  });
});
