/** The table of authorisation schemes, by name and by wire code (docs/ledger.md §2.2). */
import type { Authorisation, AuthScheme, AuthSchemeName } from './authorisation.ts';
import { orgAuth } from './orgAuth.ts';
import { pseudonymAuth } from './pseudonymAuth.ts';
import { ringAuth } from './ringAuth.ts';

const BY_NAME: { readonly [N in AuthSchemeName]: AuthScheme<Extract<Authorisation, { scheme: N }>> } = {
  org: orgAuth,
  pseudonym: pseudonymAuth,
  ring: ringAuth,
};

const BY_CODE = new Map<number, AuthScheme>(Object.values(BY_NAME).map((s: AuthScheme) => [s.code, s]));

/** The scheme of an authorisation. */
export function schemeOf(auth: Authorisation): AuthScheme {
  return BY_NAME[auth.scheme];
}

/** The scheme with wire code `code`, or undefined. */
export function schemeByCode(code: number): AuthScheme | undefined {
  return BY_CODE.get(code);
}
