/**
 * A round at more than demo scale on real processes (issue 14): `dpp start --generators 20
 * --consumers 300` — 4 validator processes, every participant's client in the driver — runs one
 * round and every consumer's bill settles: 300 pseudonyms and demands, the equilibrium solved off
 * chain and checked by every validator, 300 bills in rings of 16..31, metering in batches, 300
 * ring-signcrypted confirmations acknowledged by the generators their rings are addressed to. The
 * summary line is read from the chain's own records. The full province size is `npm run
 * bench:round`'s job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDpp } from '../dppProcess.ts';
import { freeBasePort } from '../ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'dpp-province-'));

describe('a 20 × 300 round on 4 validator processes', { timeout: 420_000 }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('settles one bill per consumer buying directly, with nothing late, escalated or overdue', async () => {
    const basePort = await freeBasePort(23_000, 100, 8);
    const r = runDpp(
      [
        'start',
        '--generators',
        '20',
        '--consumers',
        '300',
        '--rounds',
        '1',
        '--dir',
        join(dir, 'start'),
        '--base-port',
        String(basePort),
      ],
      { timeoutMs: 400_000 },
    );
    assert.equal(r.status, 0, `dpp start failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      /from a random scenario: 1 trading centre, 20 generators, 3 aggregators, 300 large consumers/,
    );
    const line = r.stdout.split('\n').find((l) => /^round 1 · /.test(l));
    assert.ok(line !== undefined, r.stdout);
    const m = /traded by (\d+) consumers · .* (\d+)\/(\d+) bills settled/.exec(line);
    assert.ok(m !== null, line);
    assert.ok(Number(m[3]) > 250, `most of the 300 consumers buy directly: ${line}`);
    assert.equal(m[1], m[3], `one bill per consumer buying directly: ${line}`);
    assert.equal(m[2], m[3], `every bill settled: ${line}`);
    assert.doesNotMatch(line, /⚠/, `nothing went wrong: ${line}`);
  });
});
