/**
 * Every contract decoder under hostile bytes: for each kind of CONTRACT_HANDLERS (`decodePayload`)
 * and each state record codec, random bytes and mutations of real encodings — single-bit flips,
 * truncations, trailing bytes, inserted, deleted and overwritten bytes, other versions — either
 * decode to a value whose re-encoding is byte-identical to the input, or throw a DecodeError (a
 * DppError with a DECODE_ code); never another exception. Both group backends must agree on every
 * input. The samples are the payloads and state values of a whole round (./scenario.ts fullRound),
 * so every kind and every record is covered by a real encoding. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { approveChange, changePayload, requestChange } from '../../src/client/validatorChange.ts';
import { bytesEqual, toHex } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import {
  acknowledgePayload,
  billResponsePlaintext,
  escalatePayload,
  respondPayload,
} from '../../src/contracts/billResponses.ts';
import { rotateCertKeyPayload } from '../../src/contracts/certKeyRotation.ts';
import { resolvePayload, traceRecordPayload } from '../../src/contracts/disputes.ts';
import { finalizePayload } from '../../src/contracts/finalize.ts';
import { memberAdmitPayload } from '../../src/contracts/memberAdmission.ts';
import {
  certKeyChangeRecord,
  joinedEntryRecord,
  keyChangeRecord,
  memberInfoRecord,
  retiredKeyRecord,
} from '../../src/contracts/memberHistory.ts';
import {
  memberRegisterPayload,
  memberSuspendPayload,
  receivingKeyPayload,
  receivingKeyRecord,
} from '../../src/contracts/membership.ts';
import { generationPayload, meterPayload } from '../../src/contracts/metering.ts';
import { recoverKeyPayload, rotateKeyPayload } from '../../src/contracts/orgKeys.ts';
import { pseudonymRegisterPayload, pseudonymRevokePayload } from '../../src/contracts/pseudonyms.ts';
import * as records from '../../src/contracts/records.ts';
import { CONTRACT_HANDLERS } from '../../src/contracts/registry.ts';
import {
  demandPayload,
  offerPayload,
  roundClosePayload,
  roundOpenPayload,
} from '../../src/contracts/rounds.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { validatorChangePayload } from '../../src/contracts/validators.ts';
import { sha256 } from '../../src/crypto/digest.ts';
import { orgKeyPair } from '../../src/crypto/ed25519.ts';
import type { Group } from '../../src/crypto/group.ts';
import { nobleGroup } from '../../src/crypto/groupNoble.ts';
import { isDppError } from '../../src/errors.ts';
import type { Block } from '../../src/ledger/block.ts';
import { quorumSize } from '../../src/ledger/certificate.ts';
import { MEMO_KIND } from '../../src/ledger/memo.ts';
import { decodeTransaction } from '../../src/ledger/transaction.ts';
import {
  currentEpoch,
  decodeEpoch,
  decodePendingChange,
  type Epoch,
  encodeEpoch,
  encodePendingChange,
  type PendingChange,
  pendingChange,
  type ValidatorChange,
} from '../../src/ledger/validatorSet.ts';
import type { Signcryption } from '../../src/privacy/signcryptionEncoding.ts';
import { encodeSigncryption } from '../../src/privacy/signcryptionEncoding.ts';
import { CHAIN_ID } from '../ledger/fixtures.ts';
import { ContractChain, group } from './harness.ts';
import { membershipChanges } from './membershipScenario.ts';
import { fullRound } from './scenario.ts';

const noble = await nobleGroup();
/** The contract kinds with a payload schema (the ledger's memo carries raw bytes: any ≤ 256 is canonical). */
const KINDS = CONTRACT_HANDLERS.filter((h) => h.kind !== MEMO_KIND);
const SEED = Number(process.env.DPP_FC_SEED ?? 7_340_001);
const RUNS = Number(process.env.DPP_FC_RUNS ?? 600);

/** The payload codec of every org and pseudonym kind (bill.respond re-encodes in two layers). */
const PAYLOAD_CODECS: Readonly<Record<string, Codec<unknown>>> = {
  'regulator.setup': records.regulatorRecord,
  'member.register': memberRegisterPayload,
  'member.suspend': memberSuspendPayload,
  'member.receiving-key': receivingKeyPayload,
  'member.admit': memberAdmitPayload,
  'member.rotate-key': rotateKeyPayload,
  'member.recover-key': recoverKeyPayload,
  'regulator.rotate-cert-key': rotateCertKeyPayload,
  'pseudonym.register': pseudonymRegisterPayload,
  'pseudonym.revoke': pseudonymRevokePayload,
  'round.open': roundOpenPayload,
  'market.offer': offerPayload,
  'market.demand': demandPayload,
  'round.close': roundClosePayload,
  'meter.submit': meterPayload,
  'meter.generation': generationPayload,
  'bill.acknowledge': acknowledgePayload,
  'bill.escalate': escalatePayload,
  'dispute.resolve': resolvePayload,
  'trace.record': traceRecordPayload,
  'round.finalize': finalizePayload,
  'validator.change': validatorChangePayload,
} as Record<string, Codec<unknown>>;

/** The ledger's validator-set records (src/ledger/validatorSet.ts), which validator.change writes, as codecs. */
const epochRecord: Codec<Epoch> = {
  name: 'validator-epoch',
  encode: encodeEpoch,
  decode: (b) => decodeEpoch(b),
};
const pendingChangeRecord: Codec<PendingChange> = {
  name: 'validator-change-pending',
  encode: encodePendingChange,
  decode: (b) => decodePendingChange(b),
};

/** A decoded value's canonical re-encoding, per kind. */
function reencodePayload(kind: string, value: unknown): Uint8Array {
  if (kind === 'bill.respond') {
    const { fields, sc } = value as { fields: { signcryption: Uint8Array }; sc: Signcryption };
    // the inner signcryption must itself be canonical, not only carried as opaque bytes
    assert.ok(bytesEqual(encodeSigncryption(sc), fields.signcryption), 'signcryption re-encodes');
    return respondPayload.encode(fields as never);
  }
  const codec = PAYLOAD_CODECS[kind];
  assert.ok(codec !== undefined, `no codec for ${kind}`);
  return codec.encode(value);
}

/** State key prefix → the record stored under it (counters excepted). */
const RECORD_BY_PREFIX: readonly [string, Codec<unknown>][] = (
  [
    ['round/last', records.counterRecord],
    ['trace/last', records.counterRecord],
    ['regulator/', records.regulatorRecord],
    ['pseudonym/', records.pseudonymRecord],
    ['ring/', records.ringRecord],
    ['rings/', records.counterRecord],
    ['round/\u0000', records.roundRecord],
    ['offer/', records.offerRecord],
    ['demand/', records.demandRecord],
    ['demandat/', records.pseudonymEntryRecord],
    ['clearing/', records.clearingRecord],
    ['bill/', records.billRecord],
    ['billof/', records.counterRecord],
    ['aggbills/', records.counterRecord],
    ['aggbill/', records.counterRecord],
    ['sale/', records.saleRecord],
    ['response/', records.responseRecord],
    ['responses/', records.counterRecord],
    ['responseat/', records.txEntryRecord],
    ['inbox/', records.counterRecord],
    ['inboxat/', records.txEntryRecord],
    ['reputation/', records.reputationRecord],
    ['score/', records.roundScoreRecord],
    ['balance/', records.balanceRecord],
    ['trace/\u0000', records.traceRecord],
    ['receiving/', receivingKeyRecord],
    ['memberinfo/', memberInfoRecord],
    ['joined/last', records.counterRecord],
    ['joined/\u0000', joinedEntryRecord],
    ['keychange/', keyChangeRecord],
    ['retiredkey/', retiredKeyRecord],
    ['certkey/last', records.counterRecord],
    ['certkey/\u0000', certKeyChangeRecord],
    ['validator-change/', pendingChangeRecord],
    // `epoch/‖u32 number` (epoch numbers below 2^24), not `epoch/latest`
    ['epoch/\u0000\u0000', epochRecord],
  ] as [string, Codec<never>][]
).map(([p, c]) => [p, c as unknown as Codec<unknown>]);

/** A chain that keeps every committed payload by kind and every state value written. */
class RecordingChain extends ContractChain {
  readonly payloads = new Map<string, Uint8Array[]>();
  readonly values = new Map<string, Uint8Array[]>();

  override commit(block: Block) {
    const result = super.commit(block);
    for (const bytes of block.txs) {
      const tx = decodeTransaction(group, bytes);
      this.payloads.set(tx.kind, [...(this.payloads.get(tx.kind) ?? []), tx.payload]);
    }
    for (const w of result.writes) {
      if (w.value === null) continue;
      const key = new TextDecoder('latin1').decode(w.key);
      const hit = RECORD_BY_PREFIX.find(([p]) =>
        p.endsWith('\u0000') ? key.startsWith(p.slice(0, -1)) && !key.endsWith('/last') : key.startsWith(p),
      );
      if (hit !== undefined) this.values.set(hit[1].name, [...(this.values.get(hit[1].name) ?? []), w.value]);
    }
    return result;
  }
}

const chain = new RecordingChain('decoder-fuzz');
fullRound(chain);
membershipChanges(chain);
validatorChanges(chain);

/**
 * One validator change of each type, each run to its activation block (so the samples hold every
 * payload type, a pending change of each type and the epoch records they lead to): validator-4
 * added, validator-1 re-keyed (sent by consumer-1), validator-4 removed.
 */
function validatorChanges(c: ContractChain): void {
  const key = (name: string) => orgKeyPair(sha256(new TextEncoder().encode(`decoder-fuzz/${name}`)));
  const keys = new Map(c.net.validatorKeys.map((v) => [v.index, v.key]));
  const send = (sender: string, change: ValidatorChange, newKey?: ReturnType<typeof key>) => {
    const epoch = currentEpoch(c.state);
    const approvers =
      change.type === 'rekey'
        ? epoch.validators.filter((v) => v.name === change.name)
        : epoch.validators.slice(0, quorumSize(epoch.validators.length));
    const request = approvers.reduce(
      (r, v) => approveChange(r, v.slot, keys.get(v.slot)!),
      requestChange(CHAIN_ID, epoch.number, change, newKey),
    );
    assert.deepEqual(
      c.one(c.org(sender, 'validator.change', validatorChangePayload, changePayload(request))),
      {
        status: 'ok',
      },
    );
    const activation = pendingChange(c.state)!.activation;
    while (c.chain.head.height < activation) c.block([]);
    assert.equal(currentEpoch(c.state).number, epoch.number + 1);
  };
  const k4 = key('validator-4');
  send(
    'trading-centre',
    { type: 'add', name: 'validator-4', publicKey: k4.publicKey, p2p: 'v4.grid.example:7400' },
    k4,
  );
  keys.set(4, k4);
  const k1 = key('validator-1b');
  send('consumer-1', { type: 'rekey', name: 'validator-1', publicKey: k1.publicKey }, k1);
  keys.set(1, k1);
  send('trading-centre', { type: 'remove', name: 'validator-4' });
}

const plaintextSample = billResponsePlaintext.encode({
  round: 1n,
  bill: 3,
  verdict: 'dispute',
  remarks: 'the meter was read twice',
  signature: {
    e: group.scalarFromWide(new Uint8Array(64).fill(1)),
    z: group.scalarFromWide(new Uint8Array(64).fill(2)),
  },
});

/** Random bytes, a mutation of a sample, or a sample behind another version byte. */
function inputs(samples: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .record({
      base: fc.constantFrom(...samples),
      at: fc.nat(),
      op: fc.constantFrom('flip', 'truncate', 'trailing', 'insert', 'delete', 'set', 'version'),
      byte: fc.integer({ min: 0, max: 255 }),
      extra: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    })
    .map(({ base, at, op, byte, extra }) => {
      const arr = [...base];
      const i = at % Math.max(arr.length, 1);
      if (op === 'flip') arr[i] = (arr[i] ?? 0) ^ (1 << (byte % 8));
      else if (op === 'truncate') arr.length = i;
      else if (op === 'trailing') arr.push(...extra);
      else if (op === 'insert') arr.splice(i, 0, byte);
      else if (op === 'delete') arr.splice(i, 1);
      else if (op === 'set') arr[i] = byte;
      else arr[0] = byte;
      return Uint8Array.from(arr);
    });
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }).map((b) => Uint8Array.of(1, ...b)) },
    { weight: 1, arbitrary: fc.constantFrom(...samples) },
    { weight: 6, arbitrary: mutated },
  );
}

type Outcome = { ok: true; bytes: string } | { ok: false; code: string };

/** Decodes with `decode` on `g`: canonical value, or a DecodeError; anything else fails the test. */
function outcome(
  label: string,
  input: Uint8Array,
  g: Group,
  decode: (b: Uint8Array, g: Group) => unknown,
  reencode: (v: unknown) => Uint8Array,
): Outcome {
  let value: unknown;
  try {
    value = decode(input, g);
  } catch (e) {
    assert.ok(
      e instanceof DecodeError && isDppError(e) && /^DECODE_[A-Z_]+$/.test(e.code),
      `${label} (${g.backend}) on ${toHex(input)} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    );
    return { ok: false, code: e.code };
  }
  const again = reencode(value);
  assert.ok(
    bytesEqual(again, input),
    `${label} (${g.backend}) accepted a non-canonical encoding:\n in  ${toHex(input)}\n out ${toHex(again)}`,
  );
  return { ok: true, bytes: toHex(again) };
}

function fuzz(
  label: string,
  samples: readonly Uint8Array[],
  decode: (b: Uint8Array, g: Group) => unknown,
  reencode: (v: unknown) => Uint8Array,
): void {
  // every sample decodes and re-encodes (the property's starting points are valid)
  for (const s of samples)
    assert.equal(outcome(label, s, group, decode, reencode).ok, true, `${label} sample`);
  fc.assert(
    fc.property(inputs(samples), (input) => {
      const a = outcome(label, input, group, decode, reencode);
      const b = outcome(label, input, noble, decode, reencode);
      assert.deepEqual(a, b, `${label}: the libsodium and noble backends disagree on ${toHex(input)}`);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
}

describe(`contracts: decoders under random and mutated bytes (seed ${SEED})`, { timeout: 60_000 }, () => {
  it('the samples cover every contract kind and every state record', () => {
    const kinds = KINDS.map((h) => h.kind).sort();
    assert.deepEqual([...chain.payloads.keys()].sort(), kinds);
    assert.deepEqual(
      Object.keys(PAYLOAD_CODECS).sort(),
      kinds.filter((k) => k !== 'bill.respond'),
    );
    const exported = (Object.values(records) as unknown[])
      .filter((v): v is Codec<unknown> => typeof v === 'object' && v !== null && 'decode' in v && 'name' in v)
      .map((c) => c.name);
    for (const name of exported) assert.ok(chain.values.has(name), `no state sample of record ${name}`);
  });

  for (const handler of KINDS) {
    it(`${handler.kind}: decodePayload is canonical or throws DecodeError`, () => {
      const samples = chain.payloads.get(handler.kind) ?? [];
      assert.ok(samples.length > 0);
      fuzz(
        handler.kind,
        samples,
        (b, g) => handler.decodePayload(b, g),
        (v) => reencodePayload(handler.kind, v),
      );
      // the table's codec is the handler's
      if (handler.kind !== 'bill.respond') {
        for (const s of samples)
          assert.deepEqual(handler.decodePayload(s, group), PAYLOAD_CODECS[handler.kind]!.decode(s, group));
      }
    });
  }

  for (const codec of new Set(RECORD_BY_PREFIX.map(([, c]) => c))) {
    it(`record ${codec.name}: decode is canonical or throws DecodeError`, () => {
      fuzz(
        `record ${codec.name}`,
        chain.values.get(codec.name) ?? [],
        (b, g) => codec.decode(b, g),
        (v) => codec.encode(v),
      );
    });
  }

  it('record bill-response (the signcrypted plaintext): canonical or DecodeError', () => {
    fuzz(
      'bill-response',
      [plaintextSample],
      (b, g) => billResponsePlaintext.decode(b, g),
      (v) => billResponsePlaintext.encode(v as never),
    );
  });
});
