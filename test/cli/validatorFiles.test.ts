/**
 * What an organisation's folder receives to run its validator (src/cli/validatorFiles.ts, shared by
 * `dpp genesis install` and `dpp validator install`): the node configuration names each peer's API
 * with its scheme (an HTTPS one flagged, so `dpp node restore` asks it over HTTPS) and never names
 * the validator itself; the trading centre's names its key store; and a key file holding another
 * key than the key store's — the new key of a rekey — is never overwritten.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CliError } from '../../src/cli/output.ts';
import { refuseOtherKeyFile, validatorConfig } from '../../src/cli/validatorFiles.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import { systemRandom } from '../../src/crypto/scalars.ts';
import { writeValidatorKeyFile } from '../../src/ledger/networkKeys.ts';
import { parseNodeConfig } from '../../src/node/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'dpp-validator-files-'));
const listen = { p2p: { host: '0.0.0.0', port: 7400 }, api: { host: '127.0.0.1', port: 7401 } };

describe('cli/validatorFiles: an organisation’s validator files', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the configuration: peers but itself, each API with its scheme; the trading centre’s key store', () => {
    const peers = [
      { index: 0, p2p: 'tc.grid.example:7400', api: 'https://tc.grid.example:7401' },
      { index: 1, p2p: '10.0.1.20:7400', api: 'http://10.0.1.20:7401' },
      { index: 2, p2p: '10.0.2.30:7400' },
      { index: 4, p2p: '10.0.3.40:7400' },
    ];
    const config = parseNodeConfig(validatorConfig('grid-east', 4, peers, listen, 'aggregator'), dir);
    assert.equal(config.validatorIndex, 4);
    assert.deepEqual(
      config.peers.map((p) => [p.index, p.host, p.port, p.api]),
      [
        [0, 'tc.grid.example', 7400, { host: 'tc.grid.example', port: 7401, https: true }],
        [1, '10.0.1.20', 7400, { host: '10.0.1.20', port: 7401 }],
        [2, '10.0.2.30', 7400, undefined],
      ],
    );
    assert.equal(config.regulatorKeyStore, undefined);
    const tc = parseNodeConfig(validatorConfig('grid-east', 0, peers, listen, 'trading-centre'), dir);
    assert.deepEqual(tc.regulatorKeyStore, { path: join(dir, 'keystore.json'), insecure: false });
  });

  it('a key file of another key than the store’s is refused, and left as it was', () => {
    const storeSeed = systemRandom(32);
    refuseOtherKeyFile(dir, dir, storeSeed); // no key file yet: fine
    const write = (seed: Uint8Array) =>
      writeValidatorKeyFile(join(dir, 'validator.key.json'), 'grid-east', {
        index: 4,
        name: 'validator-agg-b',
        key: orgKeyPair(seed),
        seed,
      });
    write(storeSeed);
    refuseOtherKeyFile(dir, dir, storeSeed); // the store's own key: fine (install writes it again)
    const rekeyed = systemRandom(32);
    write(rekeyed);
    const before = readFileSync(join(dir, 'validator.key.json'), 'utf8');
    assert.throws(
      () => refuseOtherKeyFile(dir, dir, storeSeed),
      (err) =>
        err instanceof CliError &&
        err.code === 'CLI_KEY_MISMATCH' &&
        /validator\.key\.json holds another validator key than .*keystore\.json \(re-keyed since\?\)/.test(
          err.message,
        ),
    );
    assert.equal(readFileSync(join(dir, 'validator.key.json'), 'utf8'), before);
  });
});
