import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isDppError } from '../../src/errors.ts';
import { DEFAULT_TIMING, parseNodeConfig } from '../../src/node/config.ts';
import { decodeConsensusState, encodeConsensusState } from '../../src/node/consensusState.ts';

const good = {
  chainId: 'dppchain-local',
  validatorIndex: 1,
  genesisPath: 'genesis.json',
  keyPath: 'validator-1.key.json',
  dataDir: 'data-1',
  p2p: { host: '127.0.0.1', port: 7102 },
  api: { host: '127.0.0.1', port: 7103 },
  peers: [{ index: 0, host: '127.0.0.1', port: 7100 }],
};

describe('validator configuration and persisted consensus state', () => {
  it('parses a configuration, resolving paths and filling timing defaults', () => {
    const c = parseNodeConfig(good, '/srv/dpp');
    assert.equal(c.genesisPath, '/srv/dpp/genesis.json');
    assert.deepEqual(c.timing, DEFAULT_TIMING);
    assert.equal(c.peers[0]!.index, 0);
  });

  it('refuses every malformed field with NODE_BAD_CONFIG naming it', () => {
    const cases: [string, unknown][] = [
      ['validatorIndex', { ...good, validatorIndex: -1 }],
      ['p2p.port', { ...good, p2p: { host: 'h', port: 70000 } }],
      ['peers', { ...good, peers: 'x' }],
      ['chainId', { ...good, chainId: '' }],
      ['timing.viewTimeoutMs', { ...good, timing: { viewTimeoutMs: 1 } }],
      ['config', null],
    ];
    for (const [field, value] of cases) {
      assert.throws(
        () => parseNodeConfig(value, '/'),
        (e) => isDppError(e, 'NODE_BAD_CONFIG') && e.message.includes(field),
        field,
      );
    }
  });

  it('property: arbitrary JSON values either parse or throw NODE_BAD_CONFIG, nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseNodeConfig(v, '/');
        } catch (e) {
          assert.ok(isDppError(e, 'NODE_BAD_CONFIG'), String(e));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the replica’s persisted state and refuses a corrupt record', () => {
    const state = {
      view: 3n,
      inViewChange: true,
      votes: { view: 3n, height: 9n, prePrepare: null, prepare: new Uint8Array(32).fill(1), commit: null },
      prepared: null,
      floor: { height: 9n, digest: new Uint8Array(32).fill(2) },
    };
    assert.deepEqual(decodeConsensusState(encodeConsensusState(state)), state);
    // A record written before floors were persisted reads as having none.
    const { floor: _, ...older } = state;
    assert.equal(decodeConsensusState(encodeConsensusState(older as typeof state)).floor, null);
    assert.throws(
      () => decodeConsensusState(new TextEncoder().encode('{"view":1}')),
      (e) => isDppError(e, 'NODE_BAD_CONFIG'),
    );
    assert.throws(
      () => decodeConsensusState(Uint8Array.of(0xff)),
      (e) => isDppError(e, 'NODE_BAD_CONFIG'),
    );
  });
});
