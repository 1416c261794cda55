/**
 * Sign-in sessions of the node API (docs/dashboard.md §Sign-in). A client asks for a one-time
 * challenge (32 random bytes, valid 60 s), signs `sessionChallengeBytes(chainId, challenge, member)`
 * with its member's organisation key, and exchanges the signature for a bearer token (32 random
 * bytes, valid 1 h). The node checks the signature against the organisation key of the member
 * record in its committed state; the key itself never reaches the node. A challenge is consumed by
 * its first use, right or wrong, so a signature cannot be replayed and a challenge cannot be
 * guessed at. Both tables are bounded (the oldest entries go first) and live in memory only: a
 * restarted node forgets its sessions, and the client signs in again.
 *
 * Refusals: API_AUTH_CHALLENGE_UNKNOWN (never issued, already used, or forgotten),
 * API_AUTH_CHALLENGE_EXPIRED, API_AUTH_NOT_MEMBER, API_AUTH_BAD_SIGNATURE, API_AUTH_REQUIRED (no,
 * malformed, unknown or expired token) — all 401; API_FORBIDDEN (403) for a member whose role may
 * not do what it asked.
 */
import { fromHex, toHex } from '../codec/bytes.ts';
import { orgVerify } from '../crypto/ed25519.ts';
import { type RandomSource, systemRandom } from '../crypto/scalars.ts';
import type { MemberRecord, MemberRole } from '../ledger/memberRecord.ts';
import { SESSION_CHALLENGE_BYTES, sessionChallengeBytes } from '../ledger/sessionChallenge.ts';
import { ApiError } from './apiError.ts';

/** Lifetimes and bounds. */
export interface SessionLimits {
  readonly challengeTtlMs: number;
  readonly sessionTtlMs: number;
  readonly maxChallenges: number;
  readonly maxSessions: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  challengeTtlMs: 60_000,
  sessionTtlMs: 3_600_000,
  maxChallenges: 10_000,
  maxSessions: 10_000,
};

/** A signed-in member. */
export interface Session {
  readonly member: string;
  readonly role: MemberRole;
  readonly expiresAtMs: number;
}

/** The challenges issued and the sessions opened by one API server. */
export class SessionStore {
  private readonly challenges = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly chainId: string,
    private readonly memberOf: (id: string) => MemberRecord | undefined,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
    private readonly random: RandomSource = systemRandom,
  ) {}

  /** A fresh one-time challenge. */
  challenge(): { challenge: string; expiresAtMs: number } {
    const challenge = toHex(this.random(SESSION_CHALLENGE_BYTES));
    const expiresAtMs = this.now() + this.limits.challengeTtlMs;
    if (this.challenges.size >= this.limits.maxChallenges) this.prune(this.challenges, (t) => t);
    if (this.challenges.size >= this.limits.maxChallenges)
      this.challenges.delete(this.challenges.keys().next().value!);
    this.challenges.set(challenge, expiresAtMs);
    return { challenge, expiresAtMs };
  }

  /**
   * Consumes a challenge this store issued (right or wrong, it is gone); throws
   * API_AUTH_CHALLENGE_UNKNOWN or API_AUTH_CHALLENGE_EXPIRED. Returns its bytes, for the caller to
   * check a signature over (a session here; a snapshot in routes/snapshot.ts).
   */
  take(challengeHex: string): Uint8Array {
    const challenge = challengeHex.toLowerCase();
    const expiresAt = this.challenges.get(challenge);
    this.challenges.delete(challenge);
    if (expiresAt === undefined)
      throw new ApiError(
        'API_AUTH_CHALLENGE_UNKNOWN',
        'unknown or already used challenge: ask for a new one',
      );
    if (this.now() > expiresAt)
      throw new ApiError('API_AUTH_CHALLENGE_EXPIRED', 'the challenge expired: ask for a new one');
    return fromHex(challenge);
  }

  /** Exchanges a signed challenge for a session; consumes the challenge whatever the outcome. */
  open(member: string, challengeHex: string, signatureHex: string): Session & { token: string } {
    const challenge = this.take(challengeHex);
    const record = this.memberOf(member);
    if (record === undefined) throw new ApiError('API_AUTH_NOT_MEMBER', `${member} is not a member`);
    const message = sessionChallengeBytes(this.chainId, challenge, member);
    if (!orgVerify(record.orgKey, message, fromHex(signatureHex)))
      throw new ApiError('API_AUTH_BAD_SIGNATURE', `not signed with ${member}'s organisation key`);
    const token = toHex(this.random(32));
    const session: Session = {
      member,
      role: record.role,
      expiresAtMs: this.now() + this.limits.sessionTtlMs,
    };
    if (this.sessions.size >= this.limits.maxSessions) this.prune(this.sessions, (s) => s.expiresAtMs);
    if (this.sessions.size >= this.limits.maxSessions)
      this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(token, session);
    return { ...session, token };
  }

  /** The session of an `Authorization: Bearer <token>` header; throws API_AUTH_REQUIRED. */
  session(authorization: string | undefined): Session {
    const token = /^Bearer ([0-9a-f]{64})$/i.exec(authorization ?? '')?.[1]?.toLowerCase();
    const s = token === undefined ? undefined : this.sessions.get(token);
    if (s === undefined || this.now() > s.expiresAtMs) {
      if (token !== undefined) this.sessions.delete(token);
      throw new ApiError('API_AUTH_REQUIRED', 'sign in first: Authorization: Bearer <session token>');
    }
    return s;
  }

  /** Ends the session of `authorization` (no error when there is none). */
  close(authorization: string | undefined): void {
    const token = /^Bearer ([0-9a-f]{64})$/i.exec(authorization ?? '')?.[1]?.toLowerCase();
    if (token !== undefined) this.sessions.delete(token);
  }

  /** The session of `authorization`, which must belong to a member of `role`. */
  require(authorization: string | undefined, role: MemberRole): Session {
    const s = this.session(authorization);
    if (s.role !== role)
      throw new ApiError('API_FORBIDDEN', `only the ${role} may do this; you are ${s.member}`);
    return s;
  }

  private prune<T>(table: Map<string, T>, expiry: (v: T) => number): void {
    const now = this.now();
    for (const [k, v] of table) if (now > expiry(v)) table.delete(k);
  }
}
