/**
 * Generates the frozen known-answer vectors of the ring signcryption, test/vectors/ringSigncryption.json,
 * from fixed seeds: `npm run vectors` rewrites the file; test/privacy/vectors.test.ts checks that
 * the committed file still matches what this script produces, and verifies every vector from its
 * bytes alone on both backends. Change the file only with a new encoding version.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromHex, toHex } from '../src/codec/bytes.ts';
import { type Group, IDENTITY_BYTES } from '../src/crypto/group.ts';
import { libsodiumGroup } from '../src/crypto/groupLibsodium.ts';
import { seededRandom } from '../src/crypto/scalars.ts';
import { generateKeyPair } from '../src/privacy/keyPair.ts';
import { setupRegulator } from '../src/privacy/regulator.ts';
import { ringOf } from '../src/privacy/ring.ts';
import { signcrypt } from '../src/privacy/ringSigncryption.ts';
import { encodeSigncryption } from '../src/privacy/signcryptionEncoding.ts';
import { trace } from '../src/privacy/trace.ts';

/** One valid vector: every secret needed to recompute it, and the expected outputs. */
export interface ValidVector {
  seed: string;
  n: number;
  signerIndex: number;
  context: { chainId: string; purpose: string; nonceHex: string };
  messageHex: string;
  regulatorSecretHex: string;
  regulatorPublicHex: string;
  ringHex: string[];
  signerSecretHex: string;
  receiverSecretHex: string;
  receiverPublicHex: string;
  signcryptionHex: string;
  trace: { memberIndex: number; eHex: string; zHex: string };
}

/** One invalid encoding and the error code its decoding must raise. */
export interface InvalidVector {
  description: string;
  signcryptionHex: string;
  errorCode: string;
}

/** The whole vector file. */
export interface VectorFile {
  scheme: string;
  group: string;
  generator: string;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

const CASES: readonly { n: number; signerIndex: number; message: string }[] = [
  { n: 1, signerIndex: 0, message: 'bill 1: CONFIRMED' },
  { n: 2, signerIndex: 1, message: 'bill 2: DISPUTED — metered 980 000 Wh, contracted 1 000 000 Wh' },
  { n: 3, signerIndex: 0, message: '' },
  { n: 8, signerIndex: 5, message: 'bill 8: CONFIRMED' },
  { n: 16, signerIndex: 15, message: 'bill 16: CONFIRMED' },
];

/** Builds every vector deterministically from its seed. */
export function buildVectors(group: Group): VectorFile {
  const valid = CASES.map(({ n, signerIndex, message }) => {
    const seed = `dpp/vectors/rsc/v1/n${n}`;
    const random = seededRandom(seed);
    const regulator = setupRegulator(group, random);
    const keys = Array.from({ length: n }, () => generateKeyPair(group, random));
    const receiver = generateKeyPair(group, random);
    const ring = ringOf(keys.map((k) => k.publicKey));
    const signer = keys.find((k) => toHex(k.publicKey) === toHex(ring.members[signerIndex]!))!;
    const context = { chainId: 'dppchain-vectors', purpose: 'bill-confirmation', nonce: fromHex('00000001') };
    const params = { group, regulatorKey: regulator.masterPublic };
    const m = new TextEncoder().encode(message);
    const sc = signcrypt(params, signer, ring, receiver.publicKey, context, m, random);
    const t = trace(params, regulator, sc, ring, random);
    return {
      seed,
      n,
      signerIndex,
      context: { chainId: context.chainId, purpose: context.purpose, nonceHex: toHex(context.nonce) },
      messageHex: toHex(m),
      regulatorSecretHex: toHex(regulator.masterSecret),
      regulatorPublicHex: toHex(regulator.masterPublic),
      ringHex: ring.members.map(toHex),
      signerSecretHex: toHex(signer.secret),
      receiverSecretHex: toHex(receiver.secret),
      receiverPublicHex: toHex(receiver.publicKey),
      signcryptionHex: toHex(encodeSigncryption(sc)),
      trace: { memberIndex: t.memberIndex, eHex: toHex(t.proof.e), zHex: toHex(t.proof.z) },
    };
  });
  return {
    scheme: 'dpp/rsc/v1',
    group: 'edwards25519',
    generator: 'scripts/generateVectors.ts',
    valid,
    invalid: invalidVectors(valid[1]!),
  };
}

/** Encodings that a decoder must refuse, derived from the n = 2 vector. */
function invalidVectors(v: ValidVector): InvalidVector[] {
  const bytes = fromHex(v.signcryptionHex);
  const t1At = offsetOfT1(bytes);
  const lastScalar = bytes.length - 32;
  const patched = (at: number, part: Uint8Array): string => {
    const b = bytes.slice();
    b.set(part, at);
    return toHex(b);
  };
  const order = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
  return [
    {
      description: 'version byte 2',
      signcryptionHex: patched(0, Uint8Array.of(2)),
      errorCode: 'DECODE_BAD_VERSION',
    },
    {
      description: 'T1 is the identity',
      signcryptionHex: patched(t1At, IDENTITY_BYTES),
      errorCode: 'DECODE_INVALID_POINT',
    },
    {
      description: 'last response is ℓ (non-canonical zero)',
      signcryptionHex: patched(lastScalar, order),
      errorCode: 'DECODE_NON_CANONICAL',
    },
    {
      description: 'one trailing byte',
      signcryptionHex: `${v.signcryptionHex}00`,
      errorCode: 'DECODE_TRAILING_BYTES',
    },
    {
      description: 'truncated by one byte',
      signcryptionHex: v.signcryptionHex.slice(0, -2),
      errorCode: 'DECODE_TRUNCATED',
    },
  ];
}

/** Offset of T1: version, group, three length-prefixed context fields, then Z ‖ K ‖ T1. */
function offsetOfT1(bytes: Uint8Array): number {
  let at = 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let field = 0; field < 3; field++) at += 4 + view.getUint32(at);
  return at + 64;
}

if (process.argv[1]?.endsWith('generateVectors.ts')) {
  const file = resolve(import.meta.dirname, '../test/vectors/ringSigncryption.json');
  writeFileSync(file, `${JSON.stringify(buildVectors(await libsodiumGroup()), null, 2)}\n`);
  console.log(`wrote ${file}`);
}
