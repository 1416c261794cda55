/**
 * Who is looking: nobody (the public view), or a member signed in with its key store. Signing in
 * opens the store in this page's memory, asks the node for a challenge, signs it with the member's
 * organisation key (Ed25519) and exchanges the signature for a session token
 * (GET /v1/auth/challenge, POST /v1/auth/session): the key is never sent. The viewer then knows
 * its own secrets — a consumer's pseudonym keys (so the dashboard can mark its pseudonyms and total
 * its bills over them) and the ids of the bill responses its store remembers sending (`dpp bill
 * confirm|dispute` keeps them), a generator's receiving key (so it can decrypt the bill responses
 * addressed to it).
 */
import { fromHex, toHex } from '../codec/bytes.ts';
import { orgKeyPair, orgSign } from '../crypto/ed25519.ts';
import { decodeScalar, type Group } from '../crypto/group.ts';
import { sessionChallengeBytes } from '../ledger/sessionChallenge.ts';
import type { KeyPair } from '../privacy/keyPair.ts';
import { get, send } from './api.ts';
import type { BrowserKeyStore } from './keyStoreReader.ts';

/** A signed-in member. */
export interface Viewer {
  readonly member: string;
  readonly role: string;
  readonly token: string;
  readonly insecureStore: boolean;
  /** Public keys (hex) of the consumer's one-time pseudonyms → "round N". */
  readonly pseudonyms: ReadonlyMap<string, string>;
  /** Public keys (hex) of the consumer's one-time pseudonyms → their round. */
  readonly pseudonymRounds: ReadonlyMap<string, number>;
  /** Ids (hex) of the bill responses the consumer's store remembers sending → their round. */
  readonly sentResponses: ReadonlyMap<string, number>;
  /** The generator's receiving key pair. */
  readonly receiving: KeyPair | undefined;
}

/** Signs in with an opened key store. */
export async function signIn(group: Group, store: BrowserKeyStore): Promise<Viewer> {
  const org = store.entries.find((e) => e.name === 'org' && e.type === 'org-seed');
  if (org === undefined) throw new Error('this key store holds no organisation key (entry "org")');
  const key = orgKeyPair(org.bytes);
  const c = await get<{ challenge: string; chainId: string }>('/v1/auth/challenge');
  if (store.chainId !== '' && store.chainId !== c.chainId)
    throw new Error(`this key store is for chain ${store.chainId}, the node runs ${c.chainId}`);
  const signature = orgSign(key, sessionChallengeBytes(c.chainId, fromHex(c.challenge), store.memberId));
  const s = await send<{ token: string; member: string; role: string }>('POST', '/v1/auth/session', {
    member: store.memberId,
    challenge: c.challenge,
    signature: toHex(signature),
  });
  const pseudonyms = new Map<string, string>();
  const pseudonymRounds = new Map<string, number>();
  const sentResponses = new Map<string, number>();
  let receiving: KeyPair | undefined;
  for (const e of store.entries) {
    if (e.type === 'pseudonym-secret') {
      const secret = decodeScalar(e.bytes);
      const y = toHex(group.mulBase(secret));
      pseudonyms.set(y, e.name.replace(/^pseudonym-r/, 'round '));
      const round = /^pseudonym-r(\d+)$/.exec(e.name);
      if (round !== null) pseudonymRounds.set(y, Number(round[1]));
    }
    // `response-r<round>-b<bill>`: the response id (32 bytes) and its trace secret
    const sent = /^response-r(\d+)-b\d+$/.exec(e.name);
    if (e.type === 'bill-response' && e.bytes.length === 64 && sent !== null)
      sentResponses.set(toHex(e.bytes.subarray(0, 32)), Number(sent[1]));
    if (e.type === 'receiving-secret') {
      const secret = decodeScalar(e.bytes);
      receiving = { secret, publicKey: group.mulBase(secret) };
    }
  }
  return {
    member: s.member,
    role: s.role,
    token: s.token,
    insecureStore: store.insecure,
    pseudonyms,
    pseudonymRounds,
    sentResponses,
    receiving,
  };
}
