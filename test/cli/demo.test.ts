import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDpp } from '../dppProcess.ts';

const run = (...args: string[]) => runDpp(args, { timeoutMs: 60_000 });

describe('dpp command (a real process, as npm start runs it)', () => {
  it('`dpp demo` verifies, decrypts and traces, and exits 0', () => {
    const r = run('demo', '--ring-size', '3');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /verified: .*yes/);
    assert.match(r.stdout, /plaintext: "bill 17: CONFIRMED/);
    assert.match(r.stdout, /organisation .*consumer-[ABC]\.example/);
    assert.match(r.stdout, /the regulator's certificate and the PID opening: .*valid/);
  });

  it('a bad option gets a one-line error with a hint, exit 1, no stack trace', () => {
    const r = run('demo', '--ring-size', '0');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ring size must be a whole number from 1 to 1024/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('an unknown command is refused with usage', () => {
    const r = run('mine-bitcoin');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown command/);
  });
});
