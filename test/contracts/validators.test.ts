/**
 * `validator.change` (src/contracts/validators.ts, docs/protocol.md §4.4): a tamper matrix for each
 * of add, remove and rekey — too few approvals, approvals by non-validators, duplicated, for another
 * epoch or chain or of another change, a bad proof of possession, a key or name already in use, an
 * unknown name, the last validator, the wrong sender, a second change while one is pending, an
 * endpoint that cannot be dialled — each refused with its own code by a failed receipt that changes
 * nothing but the sender's nonce (an outsider's transaction is invalid and changes nothing at all);
 * the valid change writes the pending record with its activation height and slot; and once the
 * activation block has run the new epoch is in force: later changes need the new set's approvals
 * in the new epoch, and approvals or proofs made for the old one are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orgContractTx } from '../../src/client/contractTx.ts';
import { approveChange, changePayload, requestChange } from '../../src/client/validatorChange.ts';
import { concatBytes, toHex, utf8 } from '../../src/codec/bytes.ts';
import { Writer } from '../../src/codec/writer.ts';
import type { RecordOf } from '../../src/contracts/records.ts';
import { validatorChangePayload } from '../../src/contracts/validators.ts';
import { sha256 } from '../../src/crypto/digest.ts';
import { type OrgKeyPair, orgKeyPair, orgSign } from '../../src/crypto/ed25519.ts';
import { MAX_VALIDATORS, quorumSize } from '../../src/ledger/certificate.ts';
import { executeTransactions } from '../../src/ledger/execution.ts';
import type { Receipt } from '../../src/ledger/receipt.ts';
import type { SignedTransaction } from '../../src/ledger/txSigning.ts';
import {
  activationHeight,
  changeApprovalBytes,
  changeKeyProofBytes,
  currentEpoch,
  type Epoch,
  encodeEpoch,
  PENDING_CHANGE_KEY,
  pendingChange,
  RECONFIGURATION_INTERVAL,
  type ValidatorChange,
} from '../../src/ledger/validatorSet.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { CHAIN_ID, ContractChain, group, invalidReason } from './harness.ts';
import { rotateTx } from './membershipScenario.ts';
import { OK } from './scenario.ts';

type Payload = RecordOf<typeof validatorChangePayload>;
const KIND = 'validator.change';
const ZERO32 = new Uint8Array(32);
const ZERO64 = new Uint8Array(64);
const failed = (code: string) => ({ status: 'failed', code });

/** A seeded Ed25519 key pair named `name`. */
const keyNamed = (name: string): OrgKeyPair => orgKeyPair(sha256(utf8(`validators/${name}`)));
/** Genesis validator `i`'s consensus key (slot i). */
const vk = (c: ContractChain, i: number): OrgKeyPair => c.net.validatorKeys[i]!.key;
/** A member's organisation key. */
const mk = (c: ContractChain, id: string): OrgKeyPair => c.key(id).key;

/** The approval of `change` by `key` at `slot`, for epoch `epoch` of chain `chainId`. */
function approval(
  slot: number,
  key: OrgKeyPair,
  change: ValidatorChange,
  epoch = 0,
  chainId = CHAIN_ID,
): { slot: number; signature: Uint8Array } {
  return { slot, signature: orgSign(key, changeApprovalBytes(chainId, epoch, change)) };
}

/** The proof of possession of `key` for `change`. */
const proofBy = (key: OrgKeyPair, change: ValidatorChange, epoch = 0, chainId = CHAIN_ID): Uint8Array =>
  orgSign(key, changeKeyProofBytes(chainId, epoch, change));

/** The payload of `change` with `proof` and `approvals` as given. */
function payloadOf(
  change: ValidatorChange,
  proof: Uint8Array | null,
  approvals: readonly { slot: number; signature: Uint8Array }[],
): Payload {
  return {
    change: change.type,
    name: change.name,
    key: change.type === 'remove' ? ZERO32 : change.publicKey,
    p2p: change.type === 'add' ? change.p2p : '',
    proof: proof ?? ZERO64,
    approvals: [...approvals],
  };
}

/** `change` made valid in `epoch`: proven by `newKey` (add, rekey), approved by each [slot, key]. */
function signed(
  change: ValidatorChange,
  newKey: OrgKeyPair | null,
  signers: readonly (readonly [number, OrgKeyPair])[],
  epoch = 0,
): Payload {
  return payloadOf(
    change,
    newKey === null ? null : proofBy(newKey, change, epoch),
    signers.map(([slot, key]) => approval(slot, key, change, epoch)),
  );
}

const changeTx = (c: ContractChain, sender: string, p: Payload, offset = 0n): SignedTransaction =>
  c.org(sender, KIND, validatorChangePayload, p, offset);

/** A transaction signed by a key that is no member's. */
const outsiderTx = (p: Payload): SignedTransaction =>
  orgContractTx(
    { chainId: CHAIN_ID, group },
    KIND,
    validatorChangePayload,
    p,
    orgKeyPair(new Uint8Array(32).fill(0x5a)),
    1n,
  );

/** The receipt `tx` would get in the next block, without committing it. */
function receiptOf(c: ContractChain, tx: SignedTransaction): Receipt {
  const vt = verifyTransaction(c.env, tx.bytes);
  const ctx = {
    chainId: CHAIN_ID,
    height: c.chain.head.height + 1n,
    timestampMs: c.now + 1000n,
    proposer: 0,
  };
  return executeTransactions(c.env, c.state, ctx, [vt], 'strict').receipts[0]!;
}

/** The prefixes of the keys the last block wrote. */
const written = (c: ContractChain): string[] =>
  c.lastWrites.map((w) => new TextDecoder('latin1').decode(w.key).split('/')[0]!).sort();

/** What the validator set's state says now (pending change, epoch), to compare before and after. */
const setState = (c: ContractChain): string =>
  JSON.stringify([
    toHex(c.state.get(PENDING_CHANGE_KEY) ?? new Uint8Array(0)),
    encodeEpochHex(currentEpoch(c.state)),
  ]);
const encodeEpochHex = (e: Epoch): string => toHex(encodeEpoch(e));

/** Commits `tx` alone; asserts it was valid, failed with `code`, and wrote only the sender's nonce. */
function refused(c: ContractChain, tx: SignedTransaction, code: string, what: string): void {
  const before = setState(c);
  assert.equal(invalidReason(c, tx), undefined, `${what}: valid (refused by the contract, not the ledger)`);
  assert.deepEqual(c.one(tx), failed(code), what);
  assert.deepEqual(written(c), ['nonce'], `${what}: only the nonce moved`);
  assert.equal(setState(c), before, `${what}: the validator set's state is unchanged`);
}

/** Commits `tx` alone; asserts it was accepted and wrote the pending change `expected` (and the nonce). */
function accepted(c: ContractChain, tx: SignedTransaction, slot: number, change: ValidatorChange): void {
  const epochBefore = encodeEpochHex(currentEpoch(c.state));
  assert.deepEqual(c.one(tx), OK);
  const height = c.chain.head.height;
  assert.deepEqual(written(c), ['nonce', 'validator-change']);
  assert.deepEqual(pendingChange(c.state), { activation: activationHeight(height), slot, change });
  assert.equal(
    encodeEpochHex(currentEpoch(c.state)),
    epochBefore,
    'the set itself waits for the activation block',
  );
}

/** Commits empty blocks until the head is at `height`. */
function runTo(c: ContractChain, height: bigint): void {
  while (c.chain.head.height < height) c.block([]);
}

/** Commits empty blocks until the next block is the first of an interval: a change sent now activates 16 blocks on. */
function startInterval(c: ContractChain): void {
  const h = c.chain.head.height;
  if (h % RECONFIGURATION_INTERVAL !== 0n) runTo(c, activationHeight(h));
}

/** A 32-byte string that is no valid Ed25519 key: the identity (small order), or off the curve. */
const IDENTITY = concatBytes(Uint8Array.of(1), new Uint8Array(31));
const OFF_CURVE = Uint8Array.from(Buffer.from('02'.padEnd(64, '0'), 'hex'));

const flip = (b: Uint8Array, at = 7): Uint8Array => {
  const out = b.slice();
  out[at]! ^= 0x01;
  return out;
};

describe('validator.change: add', () => {
  it('a tamper matrix: each altered or misused add is refused with its code and changes nothing', () => {
    const c = new ContractChain('validators/add');
    const k = keyNamed('add/4');
    const change: ValidatorChange = {
      type: 'add',
      name: 'validator-4',
      publicKey: k.publicKey,
      p2p: 'v4.grid.example:7400',
    };
    const proof = proofBy(k, change);
    const A = (slot: number, key = vk(c, slot)) => approval(slot, key, change);
    const quorum = [A(0), A(1), A(2)];
    const valid = payloadOf(change, proof, quorum);
    const other = (o: Partial<ValidatorChange>) => ({ ...change, ...o }) as ValidatorChange;
    /** A change made valid but for what `what` says (its own approvals and proof). */
    const whole = (ch: ValidatorChange, key: OrgKeyPair) =>
      payloadOf(
        ch,
        proofBy(key, ch),
        [0, 1, 2].map((i) => approval(i, vk(c, i), ch)),
      );

    const cases: [string, Payload, string][] = [
      // approvals
      ['no approvals', { ...valid, approvals: [] }, 'CONTRACT_BAD_SIGNATURE'],
      ['two approvals (a quorum of 4 is 3)', { ...valid, approvals: [A(0), A(1)] }, 'CONTRACT_BAD_SIGNATURE'],
      [
        'an approval by a slot no validator holds',
        { ...valid, approvals: [A(0), A(1), { ...A(3), slot: 9 }] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'the new validator approving itself (slot 4)',
        { ...valid, approvals: [A(0), A(1), A(4, k)] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'a validator’s slot signed by a member’s key',
        { ...valid, approvals: [A(0), A(1), A(2, mk(c, 'trading-centre'))] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'a validator’s slot signed by another validator',
        { ...valid, approvals: [A(0), A(1), A(2, vk(c, 3))] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      ['a duplicated approval', { ...valid, approvals: [A(0), A(0), A(1)] }, 'CONTRACT_BAD_SIGNATURE'],
      [
        'an approval repeated to fill the quorum (one extra)',
        { ...valid, approvals: [A(0), A(1), A(1), A(2)] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval for epoch 1',
        { ...valid, approvals: [A(0), A(1), approval(2, vk(c, 2), change, 1)] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'every approval for epoch 1',
        { ...valid, approvals: [0, 1, 2].map((i) => approval(i, vk(c, i), change, 1)) },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval for another chain',
        { ...valid, approvals: [A(0), A(1), approval(2, vk(c, 2), change, 0, 'another-chain')] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of another endpoint',
        { ...valid, approvals: [A(0), A(1), approval(2, vk(c, 2), other({ p2p: 'v4.grid.example:7401' }))] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of another key',
        {
          ...valid,
          approvals: [A(0), A(1), approval(2, vk(c, 2), other({ publicKey: keyNamed('x').publicKey }))],
        },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of another name',
        { ...valid, approvals: [A(0), A(1), approval(2, vk(c, 2), other({ name: 'validator-5' }))] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of a rekey with that key',
        {
          ...valid,
          approvals: [
            A(0),
            A(1),
            approval(2, vk(c, 2), { type: 'rekey', name: 'validator-4', publicKey: k.publicKey }),
          ],
        },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'the key proof in place of an approval',
        {
          ...valid,
          approvals: [
            A(0),
            A(1),
            { slot: 2, signature: orgSign(vk(c, 2), changeKeyProofBytes(CHAIN_ID, 0, change)) },
          ],
        },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval with one bit flipped',
        { ...valid, approvals: [A(0), A(1), { slot: 2, signature: flip(A(2).signature) }] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'a fourth approval that does not verify',
        { ...valid, approvals: [A(0), A(1), A(2), { slot: 3, signature: flip(A(3).signature) }] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      // proof of possession
      ['no proof', { ...valid, proof: ZERO64 }, 'CONTRACT_BAD_PROOF'],
      ['a proof by another key', { ...valid, proof: proofBy(keyNamed('y'), change) }, 'CONTRACT_BAD_PROOF'],
      ['a proof for epoch 1', { ...valid, proof: proofBy(k, change, 1) }, 'CONTRACT_BAD_PROOF'],
      [
        'a proof for another chain',
        { ...valid, proof: proofBy(k, change, 0, 'another-chain') },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'a proof of another endpoint',
        { ...valid, proof: proofBy(k, other({ p2p: 'v4.grid.example:7401' })) },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'the approval bytes signed as the proof',
        { ...valid, proof: orgSign(k, changeApprovalBytes(CHAIN_ID, 0, change)) },
        'CONTRACT_BAD_PROOF',
      ],
      ['a proof with one bit flipped', { ...valid, proof: flip(proof) }, 'CONTRACT_BAD_PROOF'],
      // the key
      ['the identity as key (small order)', whole(other({ publicKey: IDENTITY }), k), 'CONTRACT_BAD_PROOF'],
      ['a key off the curve', whole(other({ publicKey: OFF_CURVE }), k), 'CONTRACT_BAD_PROOF'],
      ['validator-0’s key', whole(other({ publicKey: vk(c, 0).publicKey }), vk(c, 0)), 'CONTRACT_EXISTS'],
      ['validator-3’s key', whole(other({ publicKey: vk(c, 3).publicKey }), vk(c, 3)), 'CONTRACT_EXISTS'],
      [
        'a member’s organisation key (gen-a)',
        whole(other({ publicKey: mk(c, 'gen-a').publicKey }), mk(c, 'gen-a')),
        'CONTRACT_EXISTS',
      ],
      [
        'the trading centre’s organisation key',
        whole(other({ publicKey: mk(c, 'trading-centre').publicKey }), mk(c, 'trading-centre')),
        'CONTRACT_EXISTS',
      ],
      // the name
      ['a name in use (validator-0)', whole(other({ name: 'validator-0' }), k), 'CONTRACT_EXISTS'],
      ['a name in use (validator-3)', whole(other({ name: 'validator-3' }), k), 'CONTRACT_EXISTS'],
    ];
    // the endpoint: each signed and proven as it is, so only the endpoint is wrong
    for (const p2p of [
      '',
      'v4.grid.example',
      'v4.grid.example:0',
      'v4.grid.example:65536',
      'V4.grid.example:7400',
      'v4.grid.example:07400',
      '[::1]:7400',
      '10.0.0.256:7400',
      ':7400',
      'v4_grid:7400',
    ])
      cases.push([`the endpoint “${p2p}”`, whole(other({ p2p }), k), 'CONTRACT_BAD_PROOF']);

    assert.deepEqual(receiptOf(c, changeTx(c, 'trading-centre', valid)), OK, 'the baseline is accepted');
    for (const [what, payload, code] of cases) refused(c, changeTx(c, 'trading-centre', payload), code, what);

    // the sender: a member other than the trading centre gets a failed receipt; an outsider's is invalid
    for (const id of ['gen-a', 'agg-a', 'consumer-1'])
      refused(c, changeTx(c, id, valid), 'CONTRACT_WRONG_ROLE', `an add by ${id}`);
    assert.equal(invalidReason(c, outsiderTx(valid)), 'LEDGER_UNAUTHORISED');

    // the valid add: pending until the next multiple of 16, in slot 4
    startInterval(c);
    accepted(c, changeTx(c, 'trading-centre', valid), 4, change);
    const activation = pendingChange(c.state)!.activation;

    // one change at a time: while it is pending, any other valid change is refused
    const k5 = keyNamed('add/5');
    const add5: ValidatorChange = {
      type: 'add',
      name: 'validator-5',
      publicKey: k5.publicKey,
      p2p: 'v5.grid.example:7400',
    };
    const remove3: ValidatorChange = { type: 'remove', name: 'validator-3' };
    const rekey1: ValidatorChange = {
      type: 'rekey',
      name: 'validator-1',
      publicKey: keyNamed('add/1b').publicKey,
    };
    const quorumOf = [0, 1, 2].map((i) => [i, vk(c, i)] as const);
    refused(c, changeTx(c, 'trading-centre', signed(add5, k5, quorumOf)), 'CONTRACT_EXISTS', 'a second add');
    refused(c, changeTx(c, 'trading-centre', valid), 'CONTRACT_EXISTS', 'the same add again');
    refused(
      c,
      changeTx(c, 'trading-centre', signed(remove3, null, quorumOf)),
      'CONTRACT_EXISTS',
      'a removal',
    );
    refused(
      c,
      changeTx(c, 'gen-a', signed(rekey1, keyNamed('add/1b'), [[1, vk(c, 1)]])),
      'CONTRACT_EXISTS',
      'a rekey',
    );
    // …until the activation block has run
    runTo(c, activation - 1n);
    // in the activation block itself, the change is still pending while its transactions run
    assert.deepEqual(
      receiptOf(c, changeTx(c, 'trading-centre', signed(add5, k5, quorumOf))),
      failed('CONTRACT_EXISTS'),
    );
    runTo(c, activation);
    assert.equal(pendingChange(c.state), null);
    assert.deepEqual(
      receiptOf(c, changeTx(c, 'gen-a', signed(rekey1, keyNamed('add/1b'), [[1, vk(c, 1)]], 1))),
      OK,
    );
  });

  it('refuses a former organisation key, or one that has signed transactions, as a validator key', () => {
    // docs/protocol.md §4.2: "a key is used once, for one purpose, ever". memberHistory.ts
    // assertFreshOrgKey refuses a validator key (any epoch, or pending) as an organisation key, but
    // validator.change only checks the *current* organisation keys (orgkey/): a member's retired
    // key (retiredkey/), which also has a nonce (nonce/), becomes a consensus key.
    const c = new ContractChain('validators/retired');
    const oldKey = mk(c, 'gen-a');
    assert.deepEqual(c.one(rotateTx(c, 'gen-a', oldKey, keyNamed('retired/gen-a-2'))), OK);
    const change: ValidatorChange = {
      type: 'add',
      name: 'validator-4',
      publicKey: oldKey.publicKey,
      p2p: 'v4.grid.example:7400',
    };
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        signed(
          change,
          oldKey,
          [0, 1, 2].map((i) => [i, vk(c, i)] as const),
        ),
      ),
      'CONTRACT_EXISTS',
      'gen-a’s retired organisation key as a new validator’s key',
    );
  });

  it('a set at its largest takes no add (CONTRACT_LIMIT)', () => {
    const c = new ContractChain('validators/largest');
    // a state whose current epoch holds MAX_VALIDATORS validators (the genesis four among them)
    const full: Epoch = {
      number: 1,
      base: 0n,
      validators: Array.from({ length: MAX_VALIDATORS }, (_, slot) => ({
        slot,
        name: `validator-${slot}`,
        publicKey: slot < 4 ? vk(c, slot).publicKey : sha256(utf8(`largest/${slot}`)),
        p2p: slot < 4 ? '' : `v${slot}.grid.example:7400`,
      })),
    };
    c.state.apply([
      { key: concatBytes(utf8('epoch/'), new Writer().u32(1).finish()), value: encodeEpoch(full) },
      { key: utf8('epoch/latest'), value: new Writer().u32(1).finish() },
    ]);
    assert.equal(currentEpoch(c.state).validators.length, MAX_VALIDATORS);
    const k = keyNamed('largest/new');
    const change: ValidatorChange = {
      type: 'add',
      name: 'one-more',
      publicKey: k.publicKey,
      p2p: 'more.grid.example:7400',
    };
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        signed(
          change,
          k,
          [0, 1, 2].map((i) => [i, vk(c, i)] as const),
          1,
        ),
      ),
      'CONTRACT_LIMIT',
      'an add to a full set',
    );
  });
});

describe('validator.change: remove', () => {
  it('a tamper matrix: each altered or misused removal is refused with its code and changes nothing', () => {
    const c = new ContractChain('validators/remove');
    const change: ValidatorChange = { type: 'remove', name: 'validator-3' };
    const A = (slot: number, key = vk(c, slot)) => approval(slot, key, change);
    const valid = payloadOf(change, null, [A(0), A(1), A(2)]);
    const signedBy = (ch: ValidatorChange) =>
      payloadOf(
        ch,
        null,
        [0, 1, 2].map((i) => approval(i, vk(c, i), ch)),
      );
    const cases: [string, Payload, string][] = [
      ['no approvals', { ...valid, approvals: [] }, 'CONTRACT_BAD_SIGNATURE'],
      ['two approvals', { ...valid, approvals: [A(0), A(1)] }, 'CONTRACT_BAD_SIGNATURE'],
      [
        'an approval by a slot no validator holds',
        { ...valid, approvals: [A(0), A(1), { ...A(2), slot: 4 }] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'a validator’s slot signed by a member’s key',
        { ...valid, approvals: [A(0), A(1), A(2, mk(c, 'gen-a'))] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      ['a duplicated approval', { ...valid, approvals: [A(0), A(1), A(1)] }, 'CONTRACT_BAD_SIGNATURE'],
      [
        'an approval for epoch 1',
        { ...valid, approvals: [A(0), A(1), approval(2, vk(c, 2), change, 1)] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval for another chain',
        { ...valid, approvals: [A(0), A(1), approval(2, vk(c, 2), change, 0, 'another-chain')] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of removing validator-2',
        { ...valid, approvals: [A(0), A(1), approval(2, vk(c, 2), { type: 'remove', name: 'validator-2' })] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of re-keying validator-3',
        {
          ...valid,
          approvals: [
            A(0),
            A(1),
            approval(2, vk(c, 2), { type: 'rekey', name: 'validator-3', publicKey: keyNamed('z').publicKey }),
          ],
        },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval with one bit flipped',
        { ...valid, approvals: [A(0), A(1), { slot: 2, signature: flip(A(2).signature) }] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      ['an unknown name', signedBy({ type: 'remove', name: 'validator-9' }), 'CONTRACT_NOT_FOUND'],
      ['a member’s id as the name', signedBy({ type: 'remove', name: 'gen-a' }), 'CONTRACT_NOT_FOUND'],
      ['a key', { ...valid, key: keyNamed('k').publicKey }, 'CONTRACT_BAD_PROOF'],
      ['a proof', { ...valid, proof: proofBy(keyNamed('k'), change) }, 'CONTRACT_BAD_PROOF'],
      ['one non-zero byte of key', { ...valid, key: flip(ZERO32, 31) }, 'CONTRACT_BAD_PROOF'],
      ['an endpoint', { ...valid, p2p: 'v3.grid.example:7400' }, 'CONTRACT_BAD_PROOF'],
    ];
    assert.deepEqual(receiptOf(c, changeTx(c, 'trading-centre', valid)), OK, 'the baseline is accepted');
    // the validator being removed may approve its own removal
    assert.deepEqual(
      receiptOf(c, changeTx(c, 'trading-centre', payloadOf(change, null, [A(1), A(2), A(3)]))),
      OK,
    );
    for (const [what, payload, code] of cases) refused(c, changeTx(c, 'trading-centre', payload), code, what);
    for (const id of ['gen-a', 'agg-a', 'consumer-1'])
      refused(c, changeTx(c, id, valid), 'CONTRACT_WRONG_ROLE', `a removal by ${id}`);
    assert.equal(invalidReason(c, outsiderTx(valid)), 'LEDGER_UNAUTHORISED');

    startInterval(c);
    accepted(c, changeTx(c, 'trading-centre', valid), 3, change);
    refused(
      c,
      changeTx(c, 'trading-centre', signedBy({ type: 'remove', name: 'validator-2' })),
      'CONTRACT_EXISTS',
      'a second removal',
    );
    refused(c, changeTx(c, 'trading-centre', valid), 'CONTRACT_EXISTS', 'the same removal again');
  });

  it('the last validator cannot be removed; a set of one still grows and re-keys', () => {
    const c = new ContractChain('validators/last');
    const keys = new Map<number, OrgKeyPair>([0, 1, 2, 3].map((i) => [i, vk(c, i)]));
    /** Removes `slot` with the approvals of a quorum of the current set, and runs to its activation. */
    const removeSlot = (slot: number) => {
      const e = currentEpoch(c.state);
      const change: ValidatorChange = { type: 'remove', name: `validator-${slot}` };
      const signers = e.validators
        .slice(0, quorumSize(e.validators.length))
        .map((v) => [v.slot, keys.get(v.slot)!] as const);
      assert.deepEqual(c.one(changeTx(c, 'trading-centre', signed(change, null, signers, e.number))), OK);
      runTo(c, pendingChange(c.state)!.activation);
    };
    removeSlot(3);
    removeSlot(2);
    removeSlot(1);
    const e = currentEpoch(c.state);
    assert.deepEqual([e.number, e.validators.map((v) => v.slot)], [3, [0]]);
    const last: ValidatorChange = { type: 'remove', name: 'validator-0' };
    refused(
      c,
      changeTx(c, 'trading-centre', signed(last, null, [[0, vk(c, 0)]], 3)),
      'CONTRACT_LIMIT',
      'removing the last validator',
    );
    // one validator is a quorum of one: it alone approves a rekey or an add
    const k = keyNamed('last/new');
    const add: ValidatorChange = {
      type: 'add',
      name: 'validator-4',
      publicKey: k.publicKey,
      p2p: 'v4.grid.example:7400',
    };
    accepted(c, changeTx(c, 'trading-centre', signed(add, k, [[0, vk(c, 0)]], 3)), 4, add);
  });
});

describe('validator.change: rekey', () => {
  it('a tamper matrix: each altered or misused rekey is refused with its code and changes nothing', () => {
    const c = new ContractChain('validators/rekey');
    const k = keyNamed('rekey/2b');
    const change: ValidatorChange = { type: 'rekey', name: 'validator-2', publicKey: k.publicKey };
    const proof = proofBy(k, change);
    const A = (slot: number, key = vk(c, slot)) => approval(slot, key, change);
    const valid = payloadOf(change, proof, [A(2)]);
    const other = (o: Partial<ValidatorChange>) => ({ ...change, ...o }) as ValidatorChange;
    const whole = (ch: ValidatorChange, key: OrgKeyPair) =>
      payloadOf(ch, proofBy(key, ch), [approval(2, vk(c, 2), ch)]);
    const cases: [string, Payload, string][] = [
      ['no approval', { ...valid, approvals: [] }, 'CONTRACT_BAD_SIGNATURE'],
      [
        'a quorum of the others, but not validator-2',
        { ...valid, approvals: [A(0), A(1), A(3)] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      ['slot 2 signed by the new key', { ...valid, approvals: [A(2, k)] }, 'CONTRACT_BAD_SIGNATURE'],
      [
        'slot 2 signed by a member’s key',
        { ...valid, approvals: [A(2, mk(c, 'gen-a'))] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'validator-2’s signature under slot 1',
        { ...valid, approvals: [{ ...A(2), slot: 1 }] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      ['a duplicated approval', { ...valid, approvals: [A(2), A(2)] }, 'CONTRACT_BAD_SIGNATURE'],
      [
        'an approval for epoch 1',
        { ...valid, approvals: [approval(2, vk(c, 2), change, 1)] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval for another chain',
        { ...valid, approvals: [approval(2, vk(c, 2), change, 0, 'another-chain')] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of another new key',
        { ...valid, approvals: [approval(2, vk(c, 2), other({ publicKey: keyNamed('w').publicKey }))] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval of adding that key',
        {
          ...valid,
          approvals: [
            approval(2, vk(c, 2), {
              type: 'add',
              name: 'validator-2',
              publicKey: k.publicKey,
              p2p: 'v2.grid.example:7400',
            }),
          ],
        },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'an approval with one bit flipped',
        { ...valid, approvals: [{ slot: 2, signature: flip(A(2).signature) }] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      [
        'its own approval and a bad one',
        { ...valid, approvals: [{ slot: 0, signature: flip(A(0).signature) }, A(2)] },
        'CONTRACT_BAD_SIGNATURE',
      ],
      ['no proof', { ...valid, proof: ZERO64 }, 'CONTRACT_BAD_PROOF'],
      ['a proof by the old key', { ...valid, proof: proofBy(vk(c, 2), change) }, 'CONTRACT_BAD_PROOF'],
      ['a proof for epoch 1', { ...valid, proof: proofBy(k, change, 1) }, 'CONTRACT_BAD_PROOF'],
      [
        'a proof for another chain',
        { ...valid, proof: proofBy(k, change, 0, 'another-chain') },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'a proof of re-keying validator-1',
        { ...valid, proof: proofBy(k, other({ name: 'validator-1' })) },
        'CONTRACT_BAD_PROOF',
      ],
      [
        'the approval bytes signed as the proof',
        { ...valid, proof: orgSign(k, changeApprovalBytes(CHAIN_ID, 0, change)) },
        'CONTRACT_BAD_PROOF',
      ],
      ['the identity as key (small order)', whole(other({ publicKey: IDENTITY }), k), 'CONTRACT_BAD_PROOF'],
      ['its own current key', whole(other({ publicKey: vk(c, 2).publicKey }), vk(c, 2)), 'CONTRACT_EXISTS'],
      ['validator-1’s key', whole(other({ publicKey: vk(c, 1).publicKey }), vk(c, 1)), 'CONTRACT_EXISTS'],
      [
        'a member’s organisation key',
        whole(other({ publicKey: mk(c, 'consumer-1').publicKey }), mk(c, 'consumer-1')),
        'CONTRACT_EXISTS',
      ],
      ['an unknown name', whole(other({ name: 'validator-7' }), k), 'CONTRACT_NOT_FOUND'],
      ['an endpoint', { ...valid, p2p: 'v2.grid.example:7400' }, 'CONTRACT_BAD_PROOF'],
    ];
    // any member may send a rekey
    for (const id of ['trading-centre', 'gen-a', 'agg-a', 'consumer-1'])
      assert.deepEqual(receiptOf(c, changeTx(c, id, valid)), OK, `a rekey by ${id}`);
    // other validators' approvals beside its own do no harm
    assert.deepEqual(receiptOf(c, changeTx(c, 'gen-a', { ...valid, approvals: [A(0), A(2)] })), OK);
    for (const [what, payload, code] of cases) refused(c, changeTx(c, 'gen-a', payload), code, what);
    assert.equal(invalidReason(c, outsiderTx(valid)), 'LEDGER_UNAUTHORISED');

    startInterval(c);
    accepted(c, changeTx(c, 'agg-a', valid), 2, change);
    const k1 = keyNamed('rekey/1b');
    const rekey1: ValidatorChange = { type: 'rekey', name: 'validator-1', publicKey: k1.publicKey };
    refused(
      c,
      changeTx(c, 'gen-a', signed(rekey1, k1, [[1, vk(c, 1)]])),
      'CONTRACT_EXISTS',
      'a second rekey',
    );
    refused(c, changeTx(c, 'gen-a', valid), 'CONTRACT_EXISTS', 'the same rekey again');
  });
});

describe('validator.change after its activation block: the new epoch is in force', () => {
  it('later changes need the new set’s approvals in the new epoch; old approvals, proofs, keys and slots are refused', () => {
    const c = new ContractChain('validators/epochs');
    const keys = new Map<number, OrgKeyPair>([0, 1, 2, 3].map((i) => [i, vk(c, i)]));
    const signers = (...slots: number[]) => slots.map((s) => [s, keys.get(s)!] as const);

    // epoch 0 → 1: validator-4 joins (slot 4)
    const k4 = keyNamed('epochs/4');
    const add4: ValidatorChange = {
      type: 'add',
      name: 'validator-4',
      publicKey: k4.publicKey,
      p2p: 'v4.grid.example:7400',
    };
    accepted(c, changeTx(c, 'trading-centre', signed(add4, k4, signers(0, 1, 2))), 4, add4);
    runTo(c, 15n);
    // the epoch-0 approvals of a change prepared before activation…
    const remove0: ValidatorChange = { type: 'remove', name: 'validator-0' };
    const staleRemove = signed(remove0, null, signers(0, 1, 2, 3), 0);
    runTo(c, 16n);
    keys.set(4, k4);
    const e1 = currentEpoch(c.state);
    assert.deepEqual([e1.number, e1.base, e1.validators.map((v) => v.slot)], [1, 16n, [0, 1, 2, 3, 4]]);
    assert.equal(quorumSize(5), 4);
    // …are refused now, as is a quorum of the old size, or an old-epoch approval in a new-epoch set
    refused(
      c,
      changeTx(c, 'trading-centre', staleRemove),
      'CONTRACT_BAD_SIGNATURE',
      'approvals made for epoch 0',
    );
    refused(
      c,
      changeTx(c, 'trading-centre', signed(remove0, null, signers(0, 1, 2), 1)),
      'CONTRACT_BAD_SIGNATURE',
      'three approvals (the new quorum is 4)',
    );
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        payloadOf(remove0, null, [
          ...signers(0, 1, 2).map(([s, k]) => approval(s, k, remove0, 1)),
          approval(3, keys.get(3)!, remove0, 0),
        ]),
      ),
      'CONTRACT_BAD_SIGNATURE',
      'one of four approvals made for epoch 0',
    );
    // a proof of possession made for epoch 0 no longer proves anything
    const k5 = keyNamed('epochs/5');
    const add5: ValidatorChange = {
      type: 'add',
      name: 'validator-5',
      publicKey: k5.publicKey,
      p2p: 'v5.grid.example:7400',
    };
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        payloadOf(
          add5,
          proofBy(k5, add5, 0),
          signers(0, 1, 2, 4).map(([s, k]) => approval(s, k, add5, 1)),
        ),
      ),
      'CONTRACT_BAD_PROOF',
      'a proof for epoch 0',
    );
    // the new validator's approval counts
    assert.deepEqual(
      receiptOf(c, changeTx(c, 'trading-centre', signed(remove0, null, signers(0, 1, 2, 4), 1))),
      OK,
    );
    assert.deepEqual(
      receiptOf(c, changeTx(c, 'trading-centre', signed(add5, k5, signers(1, 2, 3, 4), 1))),
      OK,
    );

    // epoch 1 → 2: validator-1 re-keys
    const k1 = keyNamed('epochs/1b');
    const rekey1: ValidatorChange = { type: 'rekey', name: 'validator-1', publicKey: k1.publicKey };
    refused(
      c,
      changeTx(c, 'gen-a', payloadOf(rekey1, proofBy(k1, rekey1, 1), [approval(1, keys.get(1)!, rekey1, 0)])),
      'CONTRACT_BAD_SIGNATURE',
      'a rekey approved for epoch 0',
    );
    refused(
      c,
      changeTx(c, 'gen-a', signed(rekey1, k1, signers(1), 0)),
      'CONTRACT_BAD_PROOF',
      'a rekey proven and approved for epoch 0',
    );
    accepted(c, changeTx(c, 'gen-a', signed(rekey1, k1, signers(1), 1)), 1, rekey1);
    const oldKey1 = keys.get(1)!;
    runTo(c, pendingChange(c.state)!.activation);
    keys.set(1, k1);
    assert.equal(currentEpoch(c.state).number, 2);
    // validator-1's old key no longer approves; its new one does
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        payloadOf(remove0, null, [
          approval(0, keys.get(0)!, remove0, 2),
          approval(1, oldKey1, remove0, 2),
          ...signers(2, 4).map(([s, k]) => approval(s, k, remove0, 2)),
        ]),
      ),
      'CONTRACT_BAD_SIGNATURE',
      'validator-1 approving with its replaced key',
    );
    assert.deepEqual(
      receiptOf(c, changeTx(c, 'trading-centre', signed(remove0, null, signers(0, 1, 2, 4), 2))),
      OK,
    );
    // a key that any epoch used is never a new validator's key
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        signed({ ...add5, publicKey: oldKey1.publicKey }, oldKey1, signers(0, 1, 2, 4), 2),
      ),
      'CONTRACT_EXISTS',
      'validator-1’s replaced key',
    );
    refused(
      c,
      changeTx(c, 'trading-centre', signed({ ...add5, publicKey: k1.publicKey }, k1, signers(0, 1, 2, 4), 2)),
      'CONTRACT_EXISTS',
      'validator-1’s new key',
    );
    refused(
      c,
      changeTx(
        c,
        'gen-a',
        signed({ type: 'rekey', name: 'validator-2', publicKey: oldKey1.publicKey }, oldKey1, signers(2), 2),
      ),
      'CONTRACT_EXISTS',
      're-keying to a replaced key',
    );

    // epoch 2 → 3: validator-3 leaves
    const remove3: ValidatorChange = { type: 'remove', name: 'validator-3' };
    accepted(c, changeTx(c, 'trading-centre', signed(remove3, null, signers(0, 1, 2, 4), 2)), 3, remove3);
    const removedKey = keys.get(3)!;
    runTo(c, pendingChange(c.state)!.activation);
    keys.delete(3);
    const e3 = currentEpoch(c.state);
    assert.deepEqual([e3.number, e3.validators.map((v) => v.slot)], [3, [0, 1, 2, 4]]);
    // the removed validator's approval counts for nothing, and its key is not given again
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        payloadOf(add5, proofBy(k5, add5, 3), [
          ...signers(0, 1).map(([s, k]) => approval(s, k, add5, 3)),
          approval(3, removedKey, add5, 3),
        ]),
      ),
      'CONTRACT_BAD_SIGNATURE',
      'an approval by the removed validator',
    );
    refused(
      c,
      changeTx(
        c,
        'trading-centre',
        signed({ ...add5, publicKey: removedKey.publicKey }, removedKey, signers(0, 1, 2), 3),
      ),
      'CONTRACT_EXISTS',
      'the removed validator’s key',
    );
    refused(
      c,
      changeTx(
        c,
        'gen-a',
        signed({ type: 'rekey', name: 'validator-3', publicKey: k5.publicKey }, k5, [[3, removedKey]], 3),
      ),
      'CONTRACT_NOT_FOUND',
      're-keying the removed validator',
    );
    // a new validator gets slot 5, never the removed slot 3
    accepted(c, changeTx(c, 'trading-centre', signed(add5, k5, signers(0, 2, 4), 3)), 5, add5);
  });

  it('a request built with the client library, approved by a quorum, is accepted; the same request a validator short is not', () => {
    const c = new ContractChain('validators/client');
    const k = keyNamed('client/4');
    const request = requestChange(
      CHAIN_ID,
      0,
      { type: 'add', name: 'validator-4', publicKey: k.publicKey, p2p: 'v4.grid.example:7400' },
      k,
    );
    const two = approveChange(approveChange(request, 2, vk(c, 2)), 0, vk(c, 0));
    refused(c, changeTx(c, 'trading-centre', changePayload(two)), 'CONTRACT_BAD_SIGNATURE', 'two approvals');
    accepted(
      c,
      changeTx(c, 'trading-centre', changePayload(approveChange(two, 3, vk(c, 3)))),
      4,
      request.change,
    );
  });
});
