/**
 * One validator across reconfigurations (src/consensus/epochReplica.ts) and the rules of a set that
 * starts after height 0 (the `base`): the switch happens exactly at the commit that ends an epoch,
 * before any other input; messages and persisted state are tagged with their epoch; a validator
 * outside the set does nothing; a message of a later epoch makes it fetch its epoch's blocks; a view
 * change at the base carries no certificate, and one below the base, or at it with one, is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EpochEffect, type EpochMembers, EpochReplica } from '../../src/consensus/epochReplica.ts';
import { type Signed, signingBytes, type ViewChange } from '../../src/consensus/messages.ts';
import { DEFAULT_REPLICA_TIMING, Replica, type ReplicaRestore } from '../../src/consensus/replica.ts';
import { standInCrypto, standInSecrets } from '../../src/consensus/sim/standInCrypto.ts';
import { checkViewChange } from '../../src/consensus/viewChange.ts';
import { consensusDomain } from '../../src/ledger/validatorSet.ts';

const CHAIN = 'dpp-epochs';
const secrets = standInSecrets(7, 6);

/** Validator `validator`'s crypto in a set of `slots`: index i is slot slots[i]. */
function cryptoIn(slots: readonly number[], validator: number) {
  const c = standInCrypto(secrets, validator);
  return {
    ...c,
    verify: (i: number, b: Uint8Array, s: Uint8Array) =>
      i >= 0 && i < slots.length && c.verify(slots[i]!, b, s),
  };
}

/** Epochs: 0 = slots 0–3 from height 0, 1 = slots 0–4 after height 4, 2 = slots 0, 1, 3, 4 after height 8. */
const EPOCHS: EpochMembers[] = [
  { number: 0, base: 0n, slots: [0, 1, 2, 3] },
  { number: 1, base: 4n, slots: [0, 1, 2, 3, 4] },
  { number: 2, base: 8n, slots: [0, 1, 3, 4] },
];
const epochAfter = (h: bigint) => EPOCHS.filter((e) => e.base <= h).at(-1)!;

function validator(slot: number, committedHeight: bigint, made: EpochMembers[] = []): EpochReplica {
  return new EpochReplica(
    {
      epochAfter,
      replica: (m, self, restore) => {
        made.push(m);
        return new Replica(
          {
            ...DEFAULT_REPLICA_TIMING,
            chainId: consensusDomain(CHAIN, m.number),
            base: m.base,
            n: m.slots.length,
            self,
          },
          cryptoIn(m.slots, slot),
          { validate: () => true },
          restore,
        );
      },
    },
    slot,
    { persisted: null, committedHeight, lastCommit: null },
  );
}

const sends = (effects: EpochEffect[]) => effects.filter((e) => e.type === 'send');

describe('a validator across validator sets', () => {
  it('switches at the commit that ends its epoch, to the next set in view 0 and its domain', () => {
    const made: EpochMembers[] = [];
    const v = validator(1, 3n, made);
    assert.equal(v.current().number, 0);
    assert.deepEqual(v.committed(3n, 0), [], 'no switch inside an epoch');
    const out = v.committed(4n, 0);
    assert.deepEqual(out[0], { type: 'epoch', epoch: EPOCHS[1], member: true });
    assert.equal(v.current().number, 1);
    assert.deepEqual(
      made.map((m) => m.number),
      [0, 1],
    );
    const s = v.status();
    assert.equal(s.epoch, 1);
    assert.equal(s.view, 0n);
    assert.equal(s.committedHeight, 4n);
    for (const e of sends(v.tick(10_000))) assert.equal(e.type === 'send' && e.epoch, 1);
  });

  it('tags persisted state with its epoch, and names validators by slot', () => {
    const v = validator(4, 8n); // epoch 2: slots 0, 1, 3, 4 — slot 4 is index 3
    assert.equal(v.index(), 3);
    const effects = v.start(0);
    assert.equal(v.status().primary, 0, 'the primary of view 0 is the first slot');
    const all = [...effects, ...v.tick(DEFAULT_REPLICA_TIMING.viewTimeoutMs + 1)];
    const persists = all.filter((e) => e.type === 'persist');
    assert.ok(persists.length > 0);
    for (const p of persists) assert.equal(p.type === 'persist' && p.epoch, 2);
    // view 1's primary is index 1; a view change goes to every other slot of the set
    assert.equal(v.status().view, 1n);
    const vc = sends(all).find((e) => e.type === 'send' && e.signed.message.type === 'view-change');
    assert.ok(vc?.type === 'send' && vc.to === 'all' && vc.signed.sender === 3);
  });

  it('a validator outside the set does nothing; one that was removed stops at its epoch end', () => {
    const joiner = validator(4, 2n);
    assert.equal(joiner.status().member, false);
    assert.deepEqual(joiner.start(0), []);
    assert.deepEqual(joiner.tick(100_000), []);
    const leaver = validator(2, 7n);
    assert.equal(leaver.status().member, true);
    const out = leaver.committed(8n, 0);
    assert.deepEqual(out, [{ type: 'epoch', epoch: EPOCHS[2], member: false }]);
    assert.equal(leaver.index(), -1);
    assert.deepEqual(leaver.tick(100_000), []);
  });

  it('a message of a later epoch makes it fetch its own epoch’s blocks from the sender', () => {
    const v = validator(1, 2n);
    v.start(0);
    const dummy = {
      sender: 0,
      message: { type: 'fetch-blocks', fromHeight: 1n, count: 1 },
      signature: new Uint8Array(64),
    } as Signed;
    const out = v.receive(1, 3, dummy);
    const fetches = sends(out).filter((e) => e.type === 'send' && e.signed.message.type === 'fetch-blocks');
    assert.equal(fetches.length, 1);
    const f = fetches[0]!;
    assert.ok(f.type === 'send' && f.to === 3 && f.epoch === 0);
    assert.deepEqual(v.receive(1, 5, dummy), [], 'not from a validator outside its set');
  });
});

describe('a set that starts after height 0', () => {
  const set = { chainId: consensusDomain(CHAIN, 1), n: 5, base: 4n };
  const crypto = cryptoIn(EPOCHS[1]!.slots, 2);
  const vc = (message: ViewChange): Signed<ViewChange> => ({
    sender: 2,
    message,
    signature: crypto.sign(signingBytes(set.chainId, 2, message)),
  });
  const base = { type: 'view-change', newView: 1n, prepared: null, preparedPayload: null } as const;

  it('takes a view change at its base without a certificate', () => {
    assert.notEqual(
      checkViewChange(crypto, set, vc({ ...base, committedHeight: 4n, committed: null })),
      null,
    );
  });

  it('refuses one below its base, or at it with a certificate of the set before', () => {
    assert.equal(checkViewChange(crypto, set, vc({ ...base, committedHeight: 3n, committed: null })), null);
    const old = { height: 4n, digest: new Uint8Array(32), certificate: { view: 0n, votes: [] } };
    assert.equal(checkViewChange(crypto, set, vc({ ...base, committedHeight: 4n, committed: old })), null);
  });

  it('a replica resumed at its base reports no commit certificate in its view changes', () => {
    const restore: ReplicaRestore = {
      persisted: null,
      committedHeight: 4n,
      lastCommit: { height: 4n, digest: new Uint8Array(32), certificate: { view: 0n, votes: [] } },
    };
    const r = new Replica(
      { ...DEFAULT_REPLICA_TIMING, ...set, self: 2 },
      crypto,
      { validate: () => true },
      restore,
    );
    r.start(0);
    const out = r.tick(DEFAULT_REPLICA_TIMING.viewTimeoutMs + 1);
    const mine = out.find((e) => e.type === 'send' && e.signed.message.type === 'view-change');
    assert.ok(mine !== undefined && mine.type === 'send');
    const m = mine.signed.message as ViewChange;
    assert.equal(m.committedHeight, 4n);
    assert.equal(m.committed, null);
    assert.throws(
      () =>
        new Replica(
          { ...DEFAULT_REPLICA_TIMING, ...set, self: 2 },
          crypto,
          { validate: () => true },
          { ...restore, committedHeight: 3n, lastCommit: null },
        ),
      RangeError,
    );
  });
});
