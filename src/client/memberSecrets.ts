/**
 * The secrets a member keeps in its key store (./keyStore.ts), under one naming that `dpp init`
 * (./consortiumSetup.ts), the local demo's stores (./demoKeyStores.ts), the `dpp` command, the
 * trading centre's validator and the dashboard's sign-in read alike: every member's organisation
 * seed (`org`); the trading centre's regulator master secret and certificate-key seed
 * (`regulator-master`, `regulator-cert`); a generator's receiving key (`receiving`); the seed of the
 * validator key an organisation made with `dpp keys new --validator` (`validator`); a consumer's
 * one-time pseudonym of each round (`pseudonym-r<round>`) and each bill response it sent
 * (`response-r<round>-b<bill>`: the response's id and the trace secret that later proves it sent
 * it, docs/privacy.md §5).
 */
import { concatBytes, fromHex, toHex } from '../codec/bytes.ts';
import { type OrgKeyPair, orgKeyPair } from '../crypto/ed25519.ts';
import { decodeScalar, type Group, type Scalar } from '../crypto/group.ts';
import { randomScalar, systemRandom } from '../crypto/scalars.ts';
import type { MemberRole } from '../ledger/memberRecord.ts';
import type { KeyPair } from '../privacy/keyPair.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';
import type { KeyStoreEntry, OpenedKeyStore } from './keyStore.ts';

/** A member's organisation seed, as kept. */
export function orgSeedEntry(seed: Uint8Array): KeyStoreEntry {
  return { name: 'org', type: 'org-seed', bytes: seed };
}

/** The organisation key kept in `store`. */
export function keptOrgKey(store: Pick<OpenedKeyStore, 'entry'>): OrgKeyPair {
  return orgKeyPair(store.entry('org').bytes);
}

/**
 * The secrets a new member of `role` keeps from the start: its organisation seed; for the trading
 * centre also the regulator's master secret and certificate-key seed; for a generator its
 * receiving key (`dpp init` and `dpp keys new` make the same).
 */
export function newMemberEntries(group: Group, role: MemberRole, orgSeed: Uint8Array): KeyStoreEntry[] {
  const entries = [orgSeedEntry(orgSeed)];
  if (role === 'trading-centre') entries.push(...regulatorEntries(randomScalar(group), systemRandom(32)));
  if (role === 'generator') entries.push(receivingEntry(randomScalar(group)));
  return entries;
}

/** The entry of the seed of the member's validator key. */
const VALIDATOR_ENTRY = 'validator';

/** The seed of the validator key a member runs, as kept. */
export function validatorSeedEntry(seed: Uint8Array): KeyStoreEntry {
  return { name: VALIDATOR_ENTRY, type: 'validator-seed', bytes: seed };
}

/** The seed of the validator key kept in `store`, or undefined when it keeps none. */
export function keptValidatorSeed(store: Pick<OpenedKeyStore, 'entries'>): Uint8Array | undefined {
  return store.entries.find((e) => e.name === VALIDATOR_ENTRY && e.type === 'validator-seed')?.bytes;
}

/** The regulator's master secret and certificate-key seed, as the trading centre keeps them. */
export function regulatorEntries(masterSecret: Scalar, certSeed: Uint8Array): KeyStoreEntry[] {
  return [
    { name: 'regulator-master', type: 'regulator-master', bytes: masterSecret },
    { name: 'regulator-cert', type: 'regulator-cert-seed', bytes: certSeed },
  ];
}

/** The regulator's keys kept in the trading centre's `store`. */
export function keptRegulatorKeys(group: Group, store: Pick<OpenedKeyStore, 'entry'>): RegulatorKeys {
  const masterSecret = decodeScalar(store.entry('regulator-master').bytes);
  const certKey = orgKeyPair(store.entry('regulator-cert').bytes);
  return {
    masterSecret,
    masterPublic: group.mulBase(masterSecret),
    certKey,
    certPublicKey: certKey.publicKey,
  };
}

/** The entry of a generator's receiving key. */
export const RECEIVING_ENTRY = 'receiving';

/** A generator's receiving key (its secret z), as kept. */
export function receivingEntry(secret: Scalar): KeyStoreEntry {
  return { name: RECEIVING_ENTRY, type: 'receiving-secret', bytes: secret };
}

/** The name of a consumer's pseudonym of round `round`. */
function pseudonymEntryName(round: bigint): string {
  return `pseudonym-r${round}`;
}

/** A consumer's one-time pseudonym of round `round`, as kept. */
export function pseudonymEntry(round: bigint, key: KeyPair): KeyStoreEntry {
  return { name: pseudonymEntryName(round), type: 'pseudonym-secret', bytes: key.secret };
}

/** The pseudonyms kept in `entries`, by round, in round order. */
export function keptPseudonyms(
  group: Group,
  entries: readonly KeyStoreEntry[],
): { readonly round: bigint; readonly key: KeyPair }[] {
  return entries
    .flatMap((e) => {
      const m = /^pseudonym-r(\d+)$/.exec(e.name);
      if (m === null) return [];
      const secret = decodeScalar(e.bytes);
      return [{ round: BigInt(m[1]!), key: { secret, publicKey: group.mulBase(secret) } }];
    })
    .sort((a, b) => (a.round < b.round ? -1 : a.round > b.round ? 1 : 0));
}

/** The kept pseudonym of round `round` whose public key is `publicKey`, or undefined. */
export function keptPseudonym(
  group: Group,
  entries: readonly KeyStoreEntry[],
  round: bigint,
): KeyPair | undefined {
  return keptPseudonyms(group, entries).find((p) => p.round === round)?.key;
}

/** A bill response a consumer sent, as kept: its id (hex) and trace secret, under its round and bill. */
export function sentResponseEntry(
  round: bigint,
  bill: number,
  responseId: string,
  traceSecret: Scalar,
): KeyStoreEntry {
  return {
    name: `response-r${round}-b${bill}`,
    type: 'bill-response',
    bytes: concatBytes(fromHex(responseId), traceSecret),
  };
}

/** A kept bill response. */
export interface SentResponse {
  readonly response: string;
  readonly traceSecret: Scalar;
  readonly round: bigint;
  readonly bill: number;
}

/** The bill responses kept in `entries`: which bill each answered, and its trace secret. */
export function sentResponses(entries: readonly KeyStoreEntry[]): SentResponse[] {
  return entries.flatMap((e) => {
    const m = /^response-r(\d+)-b(\d+)$/.exec(e.name);
    if (e.type !== 'bill-response' || m === null || e.bytes.length !== 64) return [];
    return [
      {
        response: toHex(e.bytes.subarray(0, 32)),
        traceSecret: decodeScalar(e.bytes.subarray(32)),
        round: BigInt(m[1]!),
        bill: Number(m[2]),
      },
    ];
  });
}
