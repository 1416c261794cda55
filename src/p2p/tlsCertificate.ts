/**
 * The throwaway TLS certificate a transport presents as a listener (docs/p2p.md §1): a fresh ECDSA
 * P-256 key and a self-signed X.509 certificate made at start (RFC 5280, by `@peculiar/x509` over
 * WebCrypto; Node cannot make certificates itself), never written to disk. It authenticates nothing:
 * a validator proves its Ed25519 validator key in the p2p handshake, whose signature covers the TLS
 * channel binding (./channelBinding.ts). The certificate only lets TLS 1.3 run.
 */
import { P2pError } from './p2pError.ts';

/** A certificate and its private key, PEM, for `tls.createSecureContext`. */
export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A new self-signed certificate for `CN=<commonName>`, valid from a day ago for a year. */
export async function ephemeralTlsCredentials(commonName: string): Promise<TlsCredentials> {
  try {
    // tsyringe, under @peculiar/x509, wants the Reflect metadata API; loaded on first use only, so
    // that commands that never start a transport do not pay for it.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const webcrypto = globalThis.crypto;
    x509.cryptoProvider.set(webcrypto);
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const now = Date.now();
    const serial = webcrypto.getRandomValues(new Uint8Array(16));
    serial[0]! &= 0x7f; // a positive INTEGER (RFC 5280 §4.1.2.2)
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: Buffer.from(serial).toString('hex'),
      name: `CN=${commonName.replace(/[^A-Za-z0-9 .-]/g, '_')}`,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 365 * DAY_MS),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return { cert: cert.toString('pem'), key: pem('PRIVATE KEY', new Uint8Array(pkcs8)) };
  } catch (cause) {
    throw new P2pError(
      'P2P_LISTEN_FAILED',
      `cannot make the transport's TLS certificate: ${String(cause)}`,
      {},
      { cause },
    );
  }
}

function pem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
