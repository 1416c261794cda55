/**
 * The fail points (src/node/failPoints.ts): DPP_FAIL_POINT parsed strictly (a name or number, an
 * optional hit ≥ 1; anything else NODE_BAD_CONFIG naming the points), and an armed process killed
 * by SIGKILL exactly the hit-th time it reaches its point — earlier hits, other points and an
 * unarmed process run on. The end-to-end sweep is test/e2e/crashPoints.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { isDppError } from '../../src/errors.ts';
import { FAIL_POINTS, parseFailPoint } from '../../src/node/failPoints.ts';

const MODULE = resolve(import.meta.dirname, '../../src/node/failPoints.ts');

/** Runs a child that reaches `send.after` five times and `persist.after-write` once, printing each. */
function runArmed(value: string | undefined) {
  const script = `
    const { failPoint } = await import(${JSON.stringify(MODULE)});
    failPoint('persist.after-write'); console.log('persist');
    for (let i = 1; i <= 5; i++) { failPoint('send.after'); console.log('send ' + i); }`;
  const env = { ...process.env };
  delete env.DPP_FAIL_POINT;
  if (value !== undefined) env.DPP_FAIL_POINT = value;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
  });
  return { signal: r.signal, status: r.status, out: r.stdout.trim().split('\n'), err: r.stderr };
}

describe('fail points', () => {
  it('parses a name or a number, with an optional hit', () => {
    assert.equal(parseFailPoint(undefined), null);
    assert.equal(parseFailPoint(''), null);
    assert.deepEqual(parseFailPoint('persist.after-write'), {
      name: 'persist.after-write',
      number: 2,
      hit: 1,
    });
    assert.deepEqual(parseFailPoint('4:7'), { name: 'commit.before-store', number: 4, hit: 7 });
    assert.deepEqual(parseFailPoint('send.after:3'), { name: 'send.after', number: 3, hit: 3 });
    FAIL_POINTS.forEach((name, i) => {
      assert.equal(parseFailPoint(String(i + 1))?.name, name);
    });
  });

  it('refuses anything else with NODE_BAD_CONFIG naming the points', () => {
    const bad = ['x', '0', String(FAIL_POINTS.length + 1), '01', 'send.after:0', 'send.after:', ':2', '2:x'];
    for (const value of [...bad, '2:1:1', ' 2', 'SEND.AFTER', '2:1234567890']) {
      assert.throws(
        () => parseFailPoint(value),
        (e: unknown) => isDppError(e, 'NODE_BAD_CONFIG') && /1 persist\.before-write, 2 /.test(e.message),
        value,
      );
    }
  });

  it('kills the process with SIGKILL the hit-th time its point is reached, not before', () => {
    const r = runArmed('send.after:3');
    assert.equal(r.signal, 'SIGKILL');
    assert.deepEqual(r.out, ['persist', 'send 1', 'send 2']);
    assert.match(r.err, /^fail point 3 send\.after reached \(hit 3\): SIGKILL$/m);
  });

  it('does nothing unarmed, or armed at a point not reached that often', () => {
    for (const value of [undefined, 'send.after:6', 'commit.after-store']) {
      const r = runArmed(value);
      assert.equal(r.status, 0, `${value}: ${r.err}`);
      assert.deepEqual(r.out, ['persist', 'send 1', 'send 2', 'send 3', 'send 4', 'send 5']);
    }
  });
});
