import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { type RunningApiServer, startApiServer } from '../../src/api/server.ts';
import { NodeClient } from '../../src/client/nodeClient.ts';
import { isDppError } from '../../src/errors.ts';
import { parseNodeConfig } from '../../src/node/config.ts';
import { startTestChain, type TestChain } from './fixtures.ts';

/**
 * The node API over HTTPS (docs/deploy.md "Encrypted links and HTTPS"): a test CA and a server
 * certificate for 127.0.0.1 made here, the API started with `api.tls` files, reached by a client
 * that trusts the CA — Node's https, and the typed NodeClient (fetch) in a child process with
 * NODE_EXTRA_CA_CERTS — and refused by one that does not; plain HTTP gets nothing; missing,
 * unreadable or mismatched files are refused with NODE_BAD_CONFIG before anything listens.
 */

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
x509.cryptoProvider.set(globalThis.crypto);

function keys() {
  return crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A CA, and a certificate for 127.0.0.1 and localhost that it signed; PEM. */
async function testPki(): Promise<{ ca: string; cert: string; key: string; otherKey: string }> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caKeys = await keys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=dppchain test CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = await keys();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    issuer: ca.subject,
    subject: 'CN=127.0.0.1',
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    ca: ca.toString('pem'),
    cert: leaf.toString('pem'),
    key: await pkcs8Pem(leafKeys.privateKey),
    otherKey: await pkcs8Pem((await keys()).privateKey),
  };
}

/** GET `url` with Node's https, trusting `ca` (or the default roots); status and body. */
function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, ca === undefined ? {} : { ca }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** Runs the typed client in a child process that trusts `caPath` through NODE_EXTRA_CA_CERTS. */
function childClient(url: string, caPath: string | undefined): Promise<string> {
  const client = new URL('../../src/client/nodeClient.ts', import.meta.url).pathname;
  const script = [
    `import { NodeClient } from ${JSON.stringify(client)};`,
    `const c = new NodeClient(${JSON.stringify(url)}, { timeoutMs: 5000 });`,
    'try {',
    '  const s = await c.status();',
    '  const sub = c.subscribe(() => {});',
    '  await sub.ready;',
    '  sub.close();',
    "  console.log(JSON.stringify({ ok: true, chainId: s.chainId, events: 'subscribed' }));",
    '} catch (e) { console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })); }',
  ].join('\n');
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (caPath !== undefined) env.NODE_EXTRA_CA_CERTS = caPath;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env, timeout: 30_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

describe('the node API over HTTPS', () => {
  let chain: TestChain;
  let api: RunningApiServer;
  let dir: string;
  let pki: Awaited<ReturnType<typeof testPki>>;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-https-'));
    pki = await testPki();
    writeFileSync(file('ca.pem'), pki.ca);
    writeFileSync(file('api.crt'), pki.cert);
    writeFileSync(file('api.key'), pki.key, { mode: 0o600 });
    writeFileSync(file('other.key'), pki.otherKey, { mode: 0o600 });
    writeFileSync(file('garbage.pem'), 'not a certificate\n');
    chain = await startTestChain({ validators: 1 });
    // As `dpp node` does: the config's `api` endpoint, with its `tls` files, goes to startApiServer.
    const config = parseNodeConfig(
      {
        chainId: chain.chainId,
        validatorIndex: 0,
        genesisPath: 'genesis.json',
        keyPath: 'validator-0.key.json',
        dataDir: 'data-0',
        p2p: { host: '127.0.0.1', port: 0 },
        api: { host: '127.0.0.1', port: 0, tls: { certPath: 'api.crt', keyPath: 'api.key' } },
        peers: [{ index: 1, host: '127.0.0.1', port: 1, api: { host: '127.0.0.1', port: 2, https: true } }],
      },
      dir,
    );
    assert.deepEqual(config.api.tls, { certPath: file('api.crt'), keyPath: file('api.key') });
    assert.equal(config.peers[0]!.api?.https, true);
    api = await startApiServer(chain.node, config.api, { rateLimit: false, processMetrics: false });
  });
  after(async () => {
    await api?.close();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers over HTTPS a client that trusts the CA', async () => {
    assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${api.url}/v1/status`, pki.ca);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).chainId, chain.chainId);
  });

  it('is refused by a client that does not trust the CA, and speaks no plain HTTP', async () => {
    await assert.rejects(get(`${api.url}/v1/status`), /self[- ]signed|unable to (get|verify)/i);
    await assert.rejects(new NodeClient(api.url).status());
    await assert.rejects(fetch(`${api.url.replace('https:', 'http:')}/v1/status`));
  });

  it('the typed client reaches it, events included, with NODE_EXTRA_CA_CERTS naming the CA', async () => {
    const trusted = JSON.parse(await childClient(api.url, file('ca.pem')));
    assert.deepEqual(trusted, { ok: true, chainId: chain.chainId, events: 'subscribed' });
    const untrusted = JSON.parse(await childClient(api.url, undefined));
    assert.equal(untrusted.ok, false);
    assert.equal(untrusted.code, 'CLIENT_NETWORK');
  });

  it('refuses missing, unreadable and mismatched files with NODE_BAD_CONFIG naming them', async () => {
    const cases: [{ certPath: string; keyPath: string }, RegExp][] = [
      [
        { certPath: file('missing.crt'), keyPath: file('api.key') },
        /api\.tls\.certPath .*missing\.crt.*ENOENT/,
      ],
      [
        { certPath: file('api.crt'), keyPath: file('missing.key') },
        /api\.tls\.keyPath .*missing\.key.*ENOENT/,
      ],
      [{ certPath: dir, keyPath: file('api.key') }, /api\.tls\.certPath .*EISDIR/],
      [
        { certPath: file('garbage.pem'), keyPath: file('api.key') },
        /not a PEM certificate and its private key/,
      ],
      [
        { certPath: file('api.crt'), keyPath: file('other.key') },
        /not a PEM certificate and its private key/,
      ],
    ];
    for (const [tls, message] of cases) {
      await assert.rejects(
        startApiServer(chain.node, { host: '127.0.0.1', port: 0, tls }),
        (e) => isDppError(e, 'NODE_BAD_CONFIG') && message.test(e.message),
      );
    }
  });

  it('the config refuses a malformed api.tls', () => {
    const base = {
      chainId: 'c',
      validatorIndex: 0,
      genesisPath: 'g',
      keyPath: 'k',
      dataDir: 'd',
      p2p: { host: '127.0.0.1', port: 1 },
      peers: [],
    };
    const bad = [
      { host: '127.0.0.1', port: 1, tls: { certPath: 'a' } },
      { host: '127.0.0.1', port: 1, tls: { certPath: 'a', keyPath: '' } },
      { host: '127.0.0.1', port: 1, tls: { certPath: 'a', keyPath: 'b', insecure: true } },
      { host: '127.0.0.1', port: 1, tls: 'a.pem' },
    ];
    for (const api of bad)
      assert.throws(
        () => parseNodeConfig({ ...base, api }, dir),
        (e) => isDppError(e, 'NODE_BAD_CONFIG') && /api\.tls/.test(e.message),
      );
  });
});
