/**
 * Membership after genesis on the in-memory contract chain (./harness.ts), for the tests that need
 * it: organisations' signed member cards (as `dpp keys new` makes them), and one of each change —
 * a generator admitted from its card (which declares a validator), a consumer admitted from its
 * card, a generator rotating its organisation key, the trading centre recovering an aggregator's
 * lost key without a card and a consumer's with its new card, and the regulator's certification
 * key rotated. Every step asserts an ok receipt. Keys are seeded.
 */
import assert from 'node:assert/strict';
import { admissionPayload } from '../../src/client/actions/admitMember.ts';
import { certRotationPayload } from '../../src/client/actions/rotateCertKey.ts';
import { rotationPayload } from '../../src/client/actions/rotateOrgKey.ts';
import { orgContractTx } from '../../src/client/contractTx.ts';
import { rotateCertKeyPayload } from '../../src/contracts/certKeyRotation.ts';
import { memberAdmitPayload } from '../../src/contracts/memberAdmission.ts';
import { recoverKeyPayload, rotateKeyPayload } from '../../src/contracts/orgKeys.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { sha256 } from '../../src/crypto/digest.ts';
import { type OrgKeyPair, orgKeyPair } from '../../src/crypto/ed25519.ts';
import { type MemberCard, type MemberCardBody, signMemberCard } from '../../src/ledger/memberCard.ts';
import type { MemberRole } from '../../src/ledger/memberRecord.ts';
import { nextNonce } from '../../src/ledger/orgAuth.ts';
import type { SignedTransaction } from '../../src/ledger/txSigning.ts';
import { CHAIN_ID, type ContractChain, group } from './harness.ts';
import { OK } from './scenario.ts';

/** A seeded Ed25519 key pair named `name`. */
export function keyNamed(name: string): OrgKeyPair {
  return orgKeyPair(sha256(new TextEncoder().encode(`membership/${name}`)));
}

/** An organisation's signed card, as `dpp keys new` makes it (its validator key, when it declares one, signs too). */
export function cardOf(
  id: string,
  role: MemberRole,
  key: OrgKeyPair,
  opts: { readonly aggregator?: string; readonly validator?: OrgKeyPair; readonly chainId?: string } = {},
): MemberCard {
  const body: MemberCardBody = {
    chainId: opts.chainId ?? CHAIN_ID,
    id,
    role,
    orgKey: key.publicKey,
    ...(opts.aggregator === undefined ? {} : { aggregator: opts.aggregator }),
    ...(opts.validator === undefined
      ? {}
      : {
          validator: {
            name: `validator-${id}`,
            publicKey: opts.validator.publicKey,
            p2p: `${id}.grid.example:7400`,
            api: `https://${id}.grid.example:7401`,
          },
        }),
  };
  return signMemberCard(body, key, opts.validator);
}

/** An org transaction signed by `key` (any key: a member's new one, an old one) with `nonce` (default: its next). */
export function signedBy<T>(
  c: ContractChain,
  key: OrgKeyPair,
  kind: string,
  codec: Codec<T>,
  value: T,
  nonce = nextNonce(c.state, key.publicKey),
): SignedTransaction {
  return orgContractTx({ chainId: CHAIN_ID, group }, kind, codec, value, key, nonce);
}

/** The trading centre admits `card`'s organisation. */
export function admitTx(c: ContractChain, card: MemberCard, offset = 0n): SignedTransaction {
  return c.org('trading-centre', 'member.admit', memberAdmitPayload, admissionPayload(card), offset);
}

/** `id` (currently holding `oldKey`) rotates to `newKey`, signing with `oldKey`. */
export function rotateTx(
  c: ContractChain,
  id: string,
  oldKey: OrgKeyPair,
  newKey: OrgKeyPair,
): SignedTransaction {
  return signedBy(
    c,
    oldKey,
    'member.rotate-key',
    rotateKeyPayload,
    rotationPayload(CHAIN_ID, id, oldKey.publicKey, newKey),
  );
}

/** The trading centre recovers `id`'s key to `newKey` (with `card` as proof, when given). */
export function recoverTx(
  c: ContractChain,
  id: string,
  newKey: Uint8Array,
  reason: string,
  card?: MemberCard,
  offset = 0n,
): SignedTransaction {
  return c.org(
    'trading-centre',
    'member.recover-key',
    recoverKeyPayload,
    { id, newKey, reason, card: card === undefined ? null : admissionPayload(card) },
    offset,
  );
}

/** What `membershipChanges` left: each organisation's current key. */
export interface MembershipChanges {
  readonly keys: ReadonlyMap<string, OrgKeyPair>;
  readonly certKey: OrgKeyPair;
}

/**
 * One of each membership change after genesis (the regulator must be set up: ./scenario.ts
 * setUpRound or fullRound does it): gen-new admitted from a card that declares a validator,
 * steel-new (a consumer of agg-a) from its card, gen-a rotating its key, agg-b's lost key
 * recovered without a card and consumer-4's with its new card, and the certification key rotated.
 */
export function membershipChanges(c: ContractChain): MembershipChanges {
  const keys = new Map<string, OrgKeyPair>();
  const genNew = keyNamed('gen-new');
  const steel = keyNamed('steel-new');
  const admitted = [
    admitTx(c, cardOf('gen-new', 'generator', genNew, { validator: keyNamed('gen-new/validator') })),
    admitTx(c, cardOf('steel-new', 'consumer', steel, { aggregator: 'agg-a' }), 1n),
  ];
  assert.deepEqual(
    c.block(admitted),
    admitted.map(() => OK),
  );
  keys.set('gen-new', genNew).set('steel-new', steel);

  const genA = keyNamed('gen-a/2');
  assert.deepEqual(c.one(rotateTx(c, 'gen-a', c.key('gen-a').key, genA)), OK);
  keys.set('gen-a', genA);

  const aggB = keyNamed('agg-b/recovered');
  const consumer4 = keyNamed('consumer-4/recovered');
  const recoveries = [
    recoverTx(c, 'agg-b', aggB.publicKey, 'its key store was on a disk that failed'),
    recoverTx(
      c,
      'consumer-4',
      consumer4.publicKey,
      'lost passphrase',
      cardOf('consumer-4', 'consumer', consumer4, { aggregator: 'agg-b' }),
      1n,
    ),
  ];
  assert.deepEqual(
    c.block(recoveries),
    recoveries.map(() => OK),
  );
  keys.set('agg-b', aggB).set('consumer-4', consumer4);

  const certKey = keyNamed('cert/2');
  assert.deepEqual(
    c.one(
      c.org(
        'trading-centre',
        'regulator.rotate-cert-key',
        rotateCertKeyPayload,
        certRotationPayload(CHAIN_ID, c.regulator.certPublicKey, certKey),
      ),
    ),
    OK,
  );
  return { keys, certKey };
}
