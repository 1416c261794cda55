/**
 * Targeted tests of the view-change rules (docs/consensus.md §5), one per rule, with certificates
 * built from real (stand-in) signatures: the new view re-proposes the payload of the
 * highest-view prepared certificate, settles the highest certified height, and refuses view
 * changes whose certificates do not verify and new views that do not follow from Q of them.
 * These interleavings — two prepared certificates for one height in one quorum of view changes —
 * are rare in random runs; the mutation gate (test/mutants) relies on these tests for them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type NewView,
  type PrePrepare,
  type PreparedCertificate,
  prePrepareVoteBytes,
  prepareVoteBytes,
  type Signed,
  type ViewChange,
} from '../../src/consensus/messages.ts';
import { primaryOf } from '../../src/consensus/primary.ts';
import { checkNewView, checkViewChange, decideNewView } from '../../src/consensus/viewChange.ts';
import { type CertifiedDigest, commitVoteBytes } from '../../src/ledger/certificate.ts';
import { CHAIN, Cluster, payloadFor } from './harness.ts';

const c = new Cluster(4);
const set = { chainId: CHAIN, n: 4 };
const crypto = c.crypto(0);

const sign = <M extends Signed['message']>(from: number, message: M) => c.sign(from, message);

/** A valid prepared certificate for `payload` at (view, height): the primary and `backups` signed it. */
function prepared(view: bigint, height: bigint, payload: Uint8Array, backups: number[]): PreparedCertificate {
  const digest = crypto.digest(payload);
  const primary = primaryOf(view, 4);
  return {
    view,
    height,
    digest,
    prePrepareSignature: c.crypto(primary).sign(prePrepareVoteBytes(CHAIN, primary, view, height, digest)),
    prepares: backups.map((v) => ({
      validator: v,
      signature: c.crypto(v).sign(prepareVoteBytes(CHAIN, v, view, height, digest)),
    })),
  };
}

/** A commit certificate for `payload` at `height`, signed by validators 0–2. */
function committed(height: bigint, payload: Uint8Array): CertifiedDigest {
  const digest = crypto.digest(payload);
  const votes = [0, 1, 2].map((v) => ({
    validatorIndex: v,
    signature: c.crypto(v).sign(commitVoteBytes(CHAIN, 0n, height, digest)),
  }));
  return { height, digest, certificate: { view: 0n, votes } };
}

function viewChange(
  from: number,
  newView: bigint,
  cert: PreparedCertificate | null,
  payload: Uint8Array | null = null,
  last: CertifiedDigest | null = null,
): Signed<ViewChange> {
  return sign(from, {
    type: 'view-change',
    newView,
    committedHeight: last?.height ?? 0n,
    committed: last,
    prepared: cert,
    preparedPayload: payload,
  });
}

function newView(
  view: bigint,
  vcs: Signed<ViewChange>[],
  payload: Uint8Array | null,
  height = 1n,
): Signed<NewView> {
  const primary = primaryOf(view, 4);
  const prePrepare =
    payload === null
      ? null
      : sign<PrePrepare>(primary, {
          type: 'pre-prepare',
          view,
          height,
          digest: crypto.digest(payload),
          payload,
        });
  const stripped = vcs.map((v) => ({ ...v, message: { ...v.message, preparedPayload: null } }));
  return sign(primary, { type: 'new-view', view, viewChanges: stripped, prePrepare });
}

const older = payloadFor(1n, 0n, 0); // prepared in view 0
const newer = payloadFor(1n, 1n, 1); // prepared in view 1, so possibly committed there
const certOlder = prepared(0n, 1n, older, [1, 2]);
const certNewer = prepared(1n, 1n, newer, [2, 3]);

describe('view change: the new view follows from Q view changes', () => {
  it('re-proposes the payload of the highest-view prepared certificate, whatever the order', () => {
    const vcs = [
      viewChange(0, 2n, certOlder, older),
      viewChange(1, 2n, null),
      viewChange(3, 2n, certNewer, newer),
    ];
    for (const order of [vcs, [...vcs].reverse()]) {
      const decision = decideNewView(order.map((v) => v.message));
      assert.deepEqual(decision.required?.digest, crypto.digest(newer));
    }
    assert.notEqual(
      checkNewView(crypto, set, newView(2n, vcs, newer)),
      null,
      'the new view re-proposing it is valid',
    );
    assert.equal(
      checkNewView(crypto, set, newView(2n, vcs, older)),
      null,
      'one re-proposing the older is refused',
    );
    assert.equal(checkNewView(crypto, set, newView(2n, vcs, null)), null, 'one proposing freely is refused');
  });

  it('settles the highest certified height among the view changes', () => {
    const one = committed(1n, older);
    const vcs = [viewChange(0, 2n, null), viewChange(1, 2n, null, null, one), viewChange(3, 2n, null)];
    assert.equal(decideNewView(vcs.map((v) => v.message)).committedHeight, 1n);
    assert.notEqual(checkNewView(crypto, set, newView(2n, vcs, null)), null);
    // Below it, a prepared certificate for height 1 no longer obliges anything.
    const mixed = [
      viewChange(0, 2n, certOlder, older),
      viewChange(1, 2n, null, null, one),
      viewChange(3, 2n, null),
    ];
    assert.equal(decideNewView(mixed.map((v) => v.message)).required, null);
  });

  it('refuses a view change whose prepared certificate does not verify, is for another height or a later view', () => {
    assert.notEqual(checkViewChange(crypto, set, viewChange(0, 2n, certNewer, newer)), null);
    const forgedPrepares = {
      ...certNewer,
      prepares: certNewer.prepares.map((p) => ({ ...p, signature: new Uint8Array(64) })),
    };
    const forgedPrimary = { ...certNewer, prePrepareSignature: new Uint8Array(64) };
    const tooFew = { ...certNewer, prepares: certNewer.prepares.slice(0, 1) };
    const wrongHeight = prepared(1n, 2n, newer, [2, 3]);
    const laterView = prepared(2n, 1n, newer, [1, 3]);
    for (const [what, cert] of [
      ['forged prepares', forgedPrepares],
      ['forged pre-prepare', forgedPrimary],
      ['Q − 2 prepares', tooFew],
      ['another height', wrongHeight],
      ['the new view itself', laterView],
    ] as const) {
      assert.equal(checkViewChange(crypto, set, viewChange(0, 2n, cert)), null, what);
    }
  });

  it('refuses a new view with Q − 1 view changes, from a non-primary, or with a view change for another view', () => {
    const vcs = [viewChange(0, 2n, null), viewChange(1, 2n, null), viewChange(3, 2n, null)];
    assert.notEqual(checkNewView(crypto, set, newView(2n, vcs, null)), null);
    assert.equal(checkNewView(crypto, set, newView(2n, vcs.slice(0, 2), null)), null, 'Q − 1 view changes');
    const nv = newView(2n, vcs, null);
    assert.equal(checkNewView(crypto, set, sign(3, nv.message)), null, 'not from the primary of view 2');
    const stray = [vcs[0]!, vcs[1]!, viewChange(3, 3n, null)];
    assert.equal(checkNewView(crypto, set, newView(2n, stray, null)), null, 'a view change for view 3');
    const twice = [vcs[0]!, vcs[1]!, vcs[1]!];
    assert.equal(checkNewView(crypto, set, newView(2n, twice, null)), null, 'one validator counted twice');
  });
});
