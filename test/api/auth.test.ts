/**
 * Sign-in sessions (src/api/sessions.ts, routes/auth.ts) and the routes the dashboard adds: a signed
 * challenge opens a session; a replayed, expired, wrong-key or non-member answer is refused with its
 * typed code and opens nothing; malformed requests are API_BAD_REQUEST; the regulator route needs a
 * trading-centre session and a node holding the regulator's keys; and random bodies, tokens and
 * dashboard paths never get a 5xx or a session.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { SessionStore } from '../../src/api/sessions.ts';
import { fromHex, toHex } from '../../src/codec/bytes.ts';
import { orgKeyPair, orgSign } from '../../src/crypto/ed25519.ts';
import { libsodiumGroup } from '../../src/crypto/groupLibsodium.ts';
import { isDppError } from '../../src/errors.ts';
import type { MemberRecord } from '../../src/ledger/memberRecord.ts';
import { sessionChallengeBytes } from '../../src/ledger/sessionChallenge.ts';
import { setupRegulator } from '../../src/privacy/regulator.ts';
import { startTestChain, type TestChain } from './fixtures.ts';

const alice = orgKeyPair(new Uint8Array(32).fill(1));
const mallory = orgKeyPair(new Uint8Array(32).fill(2));
const MEMBERS = new Map<string, MemberRecord>([
  ['alice', { id: 'alice', role: 'generator', orgKey: alice.publicKey }],
]);

function store(clock: { now: number }) {
  let counter = 0;
  return new SessionStore(
    'chain-x',
    (id) => MEMBERS.get(id),
    undefined,
    () => clock.now,
    (n) => new Uint8Array(n).fill(++counter % 256),
  );
}

const sign = (key: typeof alice, challenge: string, member = 'alice', chainId = 'chain-x') =>
  toHex(orgSign(key, sessionChallengeBytes(chainId, fromHex(challenge), member)));

const refusedWith = (code: string) => (err: unknown) => isDppError(err, code);

describe('sessions: signed challenges', () => {
  it('opens a session for a member’s signature, and the token names it', () => {
    const clock = { now: 1_000 };
    const s = store(clock);
    const { challenge } = s.challenge();
    const opened = s.open('alice', challenge, sign(alice, challenge));
    assert.equal(opened.member, 'alice');
    assert.equal(opened.role, 'generator');
    assert.equal(s.session(`Bearer ${opened.token}`).member, 'alice');
    assert.equal(s.require(`Bearer ${opened.token}`, 'generator').member, 'alice');
    assert.throws(() => s.require(`Bearer ${opened.token}`, 'trading-centre'), refusedWith('API_FORBIDDEN'));
    s.close(`Bearer ${opened.token}`);
    assert.throws(() => s.session(`Bearer ${opened.token}`), refusedWith('API_AUTH_REQUIRED'));
  });

  it('refuses a replayed, expired, wrong-key, other-chain or non-member answer, and consumes the challenge', () => {
    const clock = { now: 1_000 };
    const s = store(clock);
    const c1 = s.challenge().challenge;
    const good = sign(alice, c1);
    s.open('alice', c1, good);
    assert.throws(() => s.open('alice', c1, good), refusedWith('API_AUTH_CHALLENGE_UNKNOWN'), 'replayed');

    const c2 = s.challenge().challenge;
    clock.now += 60_001;
    assert.throws(() => s.open('alice', c2, sign(alice, c2)), refusedWith('API_AUTH_CHALLENGE_EXPIRED'));

    const c3 = s.challenge().challenge;
    assert.throws(() => s.open('alice', c3, sign(mallory, c3)), refusedWith('API_AUTH_BAD_SIGNATURE'));
    assert.throws(
      () => s.open('alice', c3, sign(alice, c3)),
      refusedWith('API_AUTH_CHALLENGE_UNKNOWN'),
      'consumed',
    );

    const c4 = s.challenge().challenge;
    assert.throws(
      () => s.open('alice', c4, sign(alice, c4, 'alice', 'chain-y')),
      refusedWith('API_AUTH_BAD_SIGNATURE'),
    );
    const c5 = s.challenge().challenge;
    assert.throws(() => s.open('bob', c5, sign(alice, c5, 'bob')), refusedWith('API_AUTH_NOT_MEMBER'));
    const never = 'ab'.repeat(32);
    assert.throws(
      () => s.open('alice', never, sign(alice, never)),
      refusedWith('API_AUTH_CHALLENGE_UNKNOWN'),
    );
  });

  it('expires sessions and refuses malformed or unknown tokens', () => {
    const clock = { now: 1_000 };
    const s = store(clock);
    const { challenge } = s.challenge();
    const { token } = s.open('alice', challenge, sign(alice, challenge));
    for (const h of [
      undefined,
      '',
      'Bearer',
      `Basic ${token}`,
      `Bearer ${token}x`,
      `Bearer ${'0'.repeat(64)}`,
    ])
      assert.throws(() => s.session(h), refusedWith('API_AUTH_REQUIRED'), String(h));
    clock.now += 3_600_001;
    assert.throws(() => s.session(`Bearer ${token}`), refusedWith('API_AUTH_REQUIRED'));
  });

  it('property: no random signature opens a session, and every refusal is typed', () => {
    const clock = { now: 1_000 };
    const s = store(clock);
    const codes = new Set(['API_AUTH_CHALLENGE_UNKNOWN', 'API_AUTH_BAD_SIGNATURE', 'API_AUTH_NOT_MEMBER']);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.boolean(),
        fc.constantFrom('alice', 'bob'),
        (sig, fresh, member) => {
          const challenge = fresh ? s.challenge().challenge : 'cd'.repeat(32);
          try {
            s.open(member, challenge, toHex(sig));
            return false;
          } catch (err) {
            return isDppError(err) && codes.has(err.code);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stays bounded under a flood of challenges', () => {
    const clock = { now: 1_000 };
    const s = new SessionStore(
      'c',
      () => undefined,
      { challengeTtlMs: 60_000, sessionTtlMs: 1, maxChallenges: 10, maxSessions: 10 },
      () => clock.now,
    );
    const first = s.challenge().challenge;
    for (let i = 0; i < 100; i++) s.challenge();
    assert.throws(
      () => s.open('alice', first, sign(alice, first)),
      refusedWith('API_AUTH_CHALLENGE_UNKNOWN'),
    );
  });
});

describe('auth, members, regulator and dashboard routes over HTTP', { timeout: 120_000 }, () => {
  let chain: TestChain;
  let api: RunningApiServer;
  let plain: RunningApiServer;
  let dashboardDir: string;

  before(async () => {
    chain = await startTestChain();
    dashboardDir = mkdtempSync(join(tmpdir(), 'dpp-dash-'));
    mkdirSync(join(dashboardDir, 'assets'));
    writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>dashboard</title>');
    writeFileSync(join(dashboardDir, 'assets', 'app.js'), 'console.log(1)');
    const group = await libsodiumGroup();
    api = await startApiServer(
      chain.node,
      { host: '127.0.0.1', port: 0 },
      {
        rateLimit: false,
        processMetrics: false,
        dashboardDir,
        regulator: {
          memberId: 'trading-centre',
          keys: setupRegulator(group),
          orgKey: chain.member('trading-centre').key,
        },
      },
    );
    plain = await startApiServer(
      chain.node,
      { host: '127.0.0.1', port: 0 },
      { rateLimit: false, processMetrics: false },
    );
  });
  after(async () => {
    await api?.close();
    await plain?.close();
    await chain?.stop();
    rmSync(dashboardDir, { recursive: true, force: true });
  });

  const call = async (base: string, method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {}
    return { status: res.status, json, text };
  };

  const signInAs = async (id: string): Promise<string> => {
    const c = (await call(api.url, 'GET', '/v1/auth/challenge')).json as {
      challenge: string;
      chainId: string;
    };
    assert.equal(c.chainId, chain.chainId);
    const signature = toHex(
      orgSign(chain.member(id).key, sessionChallengeBytes(c.chainId, fromHex(c.challenge), id)),
    );
    const r = await call(api.url, 'POST', '/v1/auth/session', {
      member: id,
      challenge: c.challenge,
      signature,
    });
    assert.equal(r.status, 200, r.text);
    return r.json.token as string;
  };

  it('signs in, tells who the token is, refuses a replay with 401 and signs out', async () => {
    const c = (await call(api.url, 'GET', '/v1/auth/challenge')).json as {
      challenge: string;
      chainId: string;
    };
    const body = {
      member: 'generator-a',
      challenge: c.challenge,
      signature: toHex(
        orgSign(
          chain.member('generator-a').key,
          sessionChallengeBytes(c.chainId, fromHex(c.challenge), 'generator-a'),
        ),
      ),
    };
    const ok = await call(api.url, 'POST', '/v1/auth/session', body);
    assert.equal(ok.status, 200);
    assert.deepEqual(
      (await call(api.url, 'GET', '/v1/auth/session', undefined, ok.json.token as string)).json.member,
      'generator-a',
    );
    const replay = await call(api.url, 'POST', '/v1/auth/session', body);
    assert.equal(replay.status, 401);
    assert.equal(replay.json.code, 'API_AUTH_CHALLENGE_UNKNOWN');
    await call(api.url, 'DELETE', '/v1/auth/session', undefined, ok.json.token as string);
    assert.equal(
      (await call(api.url, 'GET', '/v1/auth/session', undefined, ok.json.token as string)).json.code,
      'API_AUTH_REQUIRED',
    );
  });

  it('refuses malformed sign-in bodies with API_BAD_REQUEST naming the field', async () => {
    const c = (await call(api.url, 'GET', '/v1/auth/challenge')).json as { challenge: string };
    const good = { member: 'generator-a', challenge: c.challenge, signature: '00'.repeat(64) };
    for (const [body, path] of [
      [{ ...good, challenge: 'zz' }, 'body.challenge'],
      [{ ...good, signature: '00'.repeat(63) }, 'body.signature'],
      [{ ...good, member: 'Not A Member' }, 'body.member'],
      [{ ...good, extra: 1 }, 'body'],
      [{ challenge: c.challenge, signature: good.signature }, 'body.member'],
    ] as const) {
      const r = await call(api.url, 'POST', '/v1/auth/session', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.code, 'API_BAD_REQUEST');
      assert.equal((r.json.details as { path: string }).path, path);
    }
  });

  it('lists the members with their organisation keys', async () => {
    const r = (await call(api.url, 'GET', '/v1/members')).json as {
      members: { id: string; orgKey: string; suspended: boolean }[];
    };
    const g = r.members.find((m) => m.id === 'generator-a')!;
    assert.equal(g.orgKey, toHex(chain.member('generator-a').key.publicKey));
    assert.equal(g.suspended, false);
  });

  it('the regulator route needs the trading centre’s session and a node with the regulator keys', async () => {
    const body = { response: 'ab'.repeat(32), reason: 'audit' };
    assert.equal((await call(api.url, 'POST', '/v1/regulator/traces', body)).json.code, 'API_AUTH_REQUIRED');
    const gen = await signInAs('generator-a');
    const forbidden = await call(api.url, 'POST', '/v1/regulator/traces', body, gen);
    assert.deepEqual([forbidden.status, forbidden.json.code], [403, 'API_FORBIDDEN']);
    const tc = await signInAs('trading-centre');
    const missing = await call(api.url, 'POST', '/v1/regulator/traces', body, tc);
    assert.deepEqual([missing.status, missing.json.code], [404, 'API_NOT_FOUND']);
    const none = await call(plain.url, 'POST', '/v1/regulator/traces', body, tc);
    assert.deepEqual([none.status, none.json.code], [404, 'API_NOT_REGULATOR']);
  });

  it('serves the dashboard where it is built, and says how to build it where not', async () => {
    const index = await fetch(`${api.url}/dashboard/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /<title>dashboard/);
    assert.equal(
      (await fetch(`${api.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } })).status,
      302,
    );
    assert.deepEqual(await (await fetch(`${api.url}/`)).json(), {
      dashboard: '/dashboard/',
      api: '/openapi.json',
    });
    const missing = await call(plain.url, 'GET', '/dashboard/');
    assert.deepEqual([missing.status, missing.json.code], [404, 'API_DASHBOARD_NOT_BUILT']);
    const network = (await call(api.url, 'GET', '/v1/network')).json as { validators: unknown[] };
    assert.equal(network.validators.length, 4);
    assert.deepEqual((await call(api.url, 'GET', '/v1/reputation/generator-a/history')).json, {
      member: 'generator-a',
      points: [],
    });
  });

  it('fuzz: random sign-in bodies, tokens, trace requests and dashboard paths never get a 5xx or a session', async () => {
    const before = chain.node.status().height;
    const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(toHex);
    const body = fc.oneof(
      fc.record({
        member: fc.constantFrom('generator-a', 'trading-centre', 'x', ''),
        challenge: fc.oneof(hex(32), fc.string()),
        signature: fc.oneof(hex(64), fc.string()),
      }),
      fc.jsonValue(),
    );
    const path = fc.oneof(
      fc.constantFrom(
        '/dashboard/',
        '/dashboard/assets/app.js',
        '/dashboard/../package.json',
        '/dashboard/%2e%2e/%2e%2e/etc/passwd',
        '/dashboard/assets/',
        '/',
      ),
      fc.string({ maxLength: 30 }).map((s) => `/dashboard/${encodeURIComponent(s)}`),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.oneof(hex(32), fc.string({ maxLength: 80 })), path, async (b, token, p) => {
        for (const r of [
          await call(api.url, 'POST', '/v1/auth/session', b),
          await call(api.url, 'GET', '/v1/auth/session', undefined, token),
          await call(api.url, 'POST', '/v1/regulator/traces', { response: token, reason: 'x' }, token),
        ]) {
          assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 200)}`);
          assert.equal(typeof r.json.code, 'string');
        }
        const d = await fetch(`${api.url}${p}`, { redirect: 'manual' });
        assert.ok(d.status < 500, `${p} → ${d.status}`);
        const text = await d.text();
        assert.doesNotMatch(text, /"dependencies"|root:x:0/);
        if (d.status >= 400) assert.equal(typeof (JSON.parse(text) as { code?: unknown }).code, 'string');
      }),
      { numRuns: 150 },
    );
    assert.equal(chain.node.status().height, before);
  });
});
