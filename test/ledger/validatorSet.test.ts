/**
 * The validator set over time (src/ledger/validatorSet.ts, docs/ledger.md §9): the epoch and
 * pending-change records round-trip for any valid value and refuse truncated, extended and tampered
 * bytes with a DecodeError only; a change committed at height h activates at the next multiple of
 * RECONFIGURATION_INTERVAL above h, and only there does the ledger end the block with the next
 * epoch (add, remove, rekey applied; the pending record cleared); `currentEpoch`, `allEpochs`,
 * `epochOfHeight` and `nextSlot` follow a sequence of changes (slots are never reused); a real
 * activation block gives the proposer (blockBuilder) and a validator (executeBlock) the same writes
 * and state root, and a proposer that forgets the reconfiguration is caught; the chain audit checks
 * each epoch's last block and the head against their own sets. Seeded; set DPP_FC_SEED to replay.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  approveChange,
  type ChangeRequest,
  changePayload,
  requestChange,
} from '../../src/client/validatorChange.ts';
import { bytesEqual, concatBytes, toHex, utf8 } from '../../src/codec/bytes.ts';
import { DecodeError } from '../../src/codec/decodeError.ts';
import { Writer } from '../../src/codec/writer.ts';
import type { Codec } from '../../src/contracts/schema.ts';
import { validatorChangePayload } from '../../src/contracts/validators.ts';
import { sha256 } from '../../src/crypto/digest.ts';
import { type OrgKeyPair, orgKeyPair, orgSign } from '../../src/crypto/ed25519.ts';
import { isDppError } from '../../src/errors.ts';
import type { Block } from '../../src/ledger/block.ts';
import { buildBlock } from '../../src/ledger/blockBuilder.ts';
import { blockHash } from '../../src/ledger/blockHeader.ts';
import {
  type CommitCertificate,
  commitVoteBytes,
  MAX_VALIDATORS,
  quorumSize,
} from '../../src/ledger/certificate.ts';
import { auditChain } from '../../src/ledger/chainAudit.ts';
import { parseHostPort } from '../../src/ledger/endpoint.ts';
import { executeBlock } from '../../src/ledger/execution.ts';
import { genesisState, validatorSet } from '../../src/ledger/genesis.ts';
import { MEMO_KIND } from '../../src/ledger/memo.ts';
import { ensureGenesis, type LedgerStore, openStore } from '../../src/ledger/store.ts';
import {
  activationHeight,
  allEpochs,
  applyChange,
  changeApprovalBytes,
  changeKeyProofBytes,
  consensusDomain,
  currentEpoch,
  decodeEpoch,
  decodePendingChange,
  type Epoch,
  type EpochValidator,
  encodeEpoch,
  encodePendingChange,
  endOfBlockWrites,
  epochOfHeight,
  epochVoters,
  indexOfKey,
  nextSlot,
  PENDING_CHANGE_KEY,
  type PendingChange,
  pendingChange,
  RECONFIGURATION_INTERVAL,
  type ValidatorChange,
} from '../../src/ledger/validatorSet.ts';
import { verifyTransaction } from '../../src/ledger/verification.ts';
import { MemoryState, nextStateRoot, type StateWrite } from '../../src/ledger/worldState.ts';
import { CHAIN_ID, ContractChain } from '../contracts/harness.ts';
import { OK } from '../contracts/scenario.ts';

const SEED = Number(process.env.DPP_FC_SEED ?? 9_160_016);
const RUNS = Number(process.env.DPP_FC_RUNS ?? 300);
const fcOptions = { seed: SEED, numRuns: RUNS, endOnFailure: true };

/** A seeded Ed25519 key pair named `name`. */
const keyNamed = (name: string): OrgKeyPair => orgKeyPair(sha256(utf8(`validator-set/${name}`)));
const hex = (b: Uint8Array | null): string => (b === null ? 'null' : toHex(b));
const writesHex = (ws: readonly StateWrite[]): string[] => ws.map((w) => `${hex(w.key)}=${hex(w.value)}`);
const memoCodec: Codec<Uint8Array> = { name: 'memo', encode: (v) => v, decode: (b) => b };

/** The state key of epoch `n` and of the latest epoch number, as the module's header documents them. */
const epochKeyOf = (n: number): Uint8Array => concatBytes(utf8('epoch/'), new Writer().u32(n).finish());
const LATEST_KEY = utf8('epoch/latest');

/** Asserts that `f` throws a DecodeError (code `code`, when given) and nothing else. */
function throwsDecodeError(f: () => unknown, what: string, code?: string): void {
  assert.throws(
    f,
    (e: unknown) =>
      e instanceof DecodeError &&
      isDppError(e) &&
      /^DECODE_[A-Z_]+$/.test(e.code) &&
      (code === undefined || e.code === code),
    what,
  );
}

// ---------------------------------------------------------------------------------------------
// arbitraries: valid names, endpoints, keys, epochs, pending changes

const nameArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,63}$/);
const labelArb = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const ipv4Arb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const hostArb = fc.oneof(
  fc.array(labelArb, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
  ipv4Arb,
);
const p2pArb = fc
  .tuple(hostArb, fc.integer({ min: 1, max: 65535 }))
  .map(([h, p]) => `${h}:${p}`)
  .filter((s) => parseHostPort(s) !== null);
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const u64Arb = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

/** fc.record with plain objects (strict deepEqual compares prototypes with the decoders' values). */
const plain = { noNullPrototype: true } as const;
const validatorArb: fc.Arbitrary<EpochValidator> = fc.record(
  {
    slot: fc.integer({ min: 0, max: 0xffff }),
    name: nameArb,
    publicKey: keyArb,
    p2p: fc.oneof(fc.constant(''), p2pArb),
  },
  plain,
);
const epochArb: fc.Arbitrary<Epoch> = fc.record(
  {
    number: fc.integer({ min: 0, max: 0xffffffff }),
    base: u64Arb,
    validators: fc
      .uniqueArray(validatorArb, { selector: (v) => v.slot, minLength: 1, maxLength: 6 })
      .map((vs) => [...vs].sort((a, b) => a.slot - b.slot)),
  },
  plain,
);
const changeArb: fc.Arbitrary<ValidatorChange> = fc.oneof(
  fc.record({ type: fc.constant('add' as const), name: nameArb, publicKey: keyArb, p2p: p2pArb }, plain),
  fc.record({ type: fc.constant('remove' as const), name: nameArb }, plain),
  fc.record({ type: fc.constant('rekey' as const), name: nameArb, publicKey: keyArb }, plain),
);
const pendingArb: fc.Arbitrary<PendingChange> = fc.record(
  { activation: u64Arb, slot: fc.integer({ min: 0, max: 0xffff }), change: changeArb },
  plain,
);

/** A mutation of `bytes`: one byte flipped, set, inserted or deleted. */
const tamperedArb = (bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc
    .record({
      base: bytes,
      at: fc.nat(),
      op: fc.constantFrom('flip', 'set', 'insert', 'delete'),
      byte: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ base, at, op, byte }) => {
      const arr = [...base];
      const i = at % arr.length;
      if (op === 'flip') arr[i] = arr[i]! ^ (1 << (byte % 8));
      else if (op === 'set') arr[i] = byte;
      else if (op === 'insert') arr.splice(i, 0, byte);
      else arr.splice(i, 1);
      return Uint8Array.from(arr);
    });

/** Decodes `input`: a DecodeError, or a value whose encoding is `input` itself; anything else fails. */
function canonicalOrDecodeError<T>(
  input: Uint8Array,
  decode: (b: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
  what: string,
): void {
  let value: T;
  try {
    value = decode(input);
  } catch (e) {
    assert.ok(
      e instanceof DecodeError && /^DECODE_[A-Z_]+$/.test(e.code),
      `${what} on ${toHex(input)} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    );
    return;
  }
  const again = encode(value);
  assert.ok(
    bytesEqual(again, input),
    `${what} accepted a non-canonical encoding:\n in  ${toHex(input)}\n out ${toHex(again)}`,
  );
}

describe(`validator set records (seed ${SEED})`, () => {
  it('any valid epoch round-trips, and its encoding is the one the header documents', () => {
    fc.assert(
      fc.property(epochArb, (e) => {
        const bytes = encodeEpoch(e);
        assert.deepEqual(decodeEpoch(bytes), e);
        assert.equal(bytes[0], 1, 'version 1');
        assert.equal(toHex(bytes.subarray(1, 5)), toHex(new Writer().u32(e.number).finish()));
        assert.equal(toHex(bytes.subarray(5, 13)), toHex(new Writer().u64(e.base).finish()));
        assert.equal((bytes[13]! << 8) | bytes[14]!, e.validators.length);
      }),
      fcOptions,
    );
  });

  it('any valid pending change round-trips (a remove has no key, a rekey no endpoint)', () => {
    fc.assert(
      fc.property(pendingArb, (p) => {
        const bytes = encodePendingChange(p);
        assert.deepEqual(decodePendingChange(bytes), p);
        // u8 version ‖ u64 activation ‖ u8 type ‖ u16 slot ‖ …
        assert.equal(bytes[9], ['add', 'remove', 'rekey'].indexOf(p.change.type) + 1);
      }),
      fcOptions,
    );
  });

  it('every truncation of a valid encoding throws DECODE_TRUNCATED; every extension DECODE_TRAILING_BYTES', () => {
    fc.assert(
      fc.property(epochArb, pendingArb, fc.uint8Array({ minLength: 1, maxLength: 8 }), (e, p, extra) => {
        for (const [bytes, decode, what] of [
          [encodeEpoch(e), decodeEpoch, 'epoch'],
          [encodePendingChange(p), decodePendingChange, 'pending change'],
        ] as const) {
          for (let cut = 0; cut < bytes.length; cut++)
            throwsDecodeError(
              () => decode(bytes.subarray(0, cut)),
              `${what} cut at ${cut}`,
              'DECODE_TRUNCATED',
            );
          throwsDecodeError(
            () => decode(concatBytes(bytes, extra)),
            `${what} extended`,
            'DECODE_TRAILING_BYTES',
          );
        }
      }),
      { ...fcOptions, numRuns: Math.ceil(RUNS / 6) },
    );
  });

  it('a tampered epoch record decodes to its own canonical value or throws a DecodeError, never anything else', () => {
    fc.assert(
      fc.property(tamperedArb(epochArb.map(encodeEpoch)), (input) =>
        canonicalOrDecodeError(input, decodeEpoch, encodeEpoch, 'decodeEpoch'),
      ),
      fcOptions,
    );
  });

  it('a tampered pending change decodes to its own canonical value or throws a DecodeError, never anything else', () => {
    // (a remove with a key, a remove's or rekey's endpoint would re-encode to other bytes)
    fc.assert(
      fc.property(tamperedArb(pendingArb.map(encodePendingChange)), (input) =>
        canonicalOrDecodeError(input, decodePendingChange, encodePendingChange, 'decodePendingChange'),
      ),
      fcOptions,
    );
  });

  it('random bytes: a DecodeError or a canonical value, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (input) => {
        canonicalOrDecodeError(input, decodeEpoch, encodeEpoch, 'decodeEpoch');
        canonicalOrDecodeError(input, decodePendingChange, encodePendingChange, 'decodePendingChange');
      }),
      fcOptions,
    );
  });

  const sampleEpoch: Epoch = {
    number: 3,
    base: 48n,
    validators: [
      { slot: 0, name: 'validator-0', publicKey: keyNamed('a').publicKey, p2p: '' },
      { slot: 4, name: 'validator-4', publicKey: keyNamed('b').publicKey, p2p: 'v4.grid.example:7400' },
    ],
  };
  /** An epoch record written field by field (the layout of the module's header): `sampleEpoch` unless told. */
  type RawValidator = { slot: number; name: string; key?: Uint8Array; p2p: string; rawName?: Uint8Array };
  const epochBytes = (o: { version?: number; count?: number; vs?: readonly RawValidator[] }): Uint8Array => {
    const vs: readonly RawValidator[] =
      o.vs ??
      sampleEpoch.validators.map((v) => ({ slot: v.slot, name: v.name, key: v.publicKey, p2p: v.p2p }));
    const w = new Writer()
      .u8(o.version ?? 1)
      .u32(3)
      .u64(48n)
      .u16(o.count ?? vs.length);
    for (const v of vs) {
      w.u16(v.slot);
      if (v.rawName !== undefined) w.bytes(v.rawName);
      else w.string(v.name);
      w.fixed(v.key ?? keyNamed(v.name).publicKey, 32).string(v.p2p);
    }
    return w.finish();
  };

  it('refuses epoch records that break a rule, each with its code', () => {
    assert.deepEqual(decodeEpoch(epochBytes({})), sampleEpoch, 'the baseline decodes');
    const cases: [string, Uint8Array, string][] = [
      ['version 0', epochBytes({ version: 0 }), 'DECODE_BAD_VERSION'],
      ['version 2', epochBytes({ version: 2 }), 'DECODE_BAD_VERSION'],
      ['no validators', epochBytes({ vs: [] }), 'DECODE_OUT_OF_RANGE'],
      [`${MAX_VALIDATORS + 1} validators`, epochBytes({ count: MAX_VALIDATORS + 1 }), 'DECODE_OUT_OF_RANGE'],
      ['count above the entries', epochBytes({ count: 3 }), 'DECODE_TRUNCATED'],
      [
        'slots descending',
        epochBytes({
          vs: [
            { slot: 4, name: 'a', p2p: '' },
            { slot: 0, name: 'b', p2p: '' },
          ],
        }),
        'DECODE_OUT_OF_RANGE',
      ],
      [
        'a slot twice',
        epochBytes({
          vs: [
            { slot: 2, name: 'a', p2p: '' },
            { slot: 2, name: 'b', p2p: '' },
          ],
        }),
        'DECODE_OUT_OF_RANGE',
      ],
      ['an empty name', epochBytes({ vs: [{ slot: 0, name: '', p2p: '' }] }), 'DECODE_OUT_OF_RANGE'],
      [
        'an upper-case name',
        epochBytes({ vs: [{ slot: 0, name: 'Validator', p2p: '' }] }),
        'DECODE_OUT_OF_RANGE',
      ],
      [
        'a name of 65 bytes',
        epochBytes({ vs: [{ slot: 0, name: 'a'.repeat(65), p2p: '' }] }),
        'DECODE_BAD_LENGTH',
      ],
      [
        'a name that is not UTF-8',
        epochBytes({ vs: [{ slot: 0, name: '', rawName: Uint8Array.of(0xc3, 0x28), p2p: '' }] }),
        'DECODE_NON_CANONICAL',
      ],
      [
        'an endpoint without a port',
        epochBytes({ vs: [{ slot: 0, name: 'a', p2p: 'host' }] }),
        'DECODE_OUT_OF_RANGE',
      ],
      [
        'an endpoint with port 0',
        epochBytes({ vs: [{ slot: 0, name: 'a', p2p: 'host:0' }] }),
        'DECODE_OUT_OF_RANGE',
      ],
      [
        'an upper-case host',
        epochBytes({ vs: [{ slot: 0, name: 'a', p2p: 'Host:1' }] }),
        'DECODE_OUT_OF_RANGE',
      ],
      [
        'an endpoint of 261 bytes',
        epochBytes({ vs: [{ slot: 0, name: 'a', p2p: `${'a'.repeat(256)}:7400` }] }),
        'DECODE_BAD_LENGTH',
      ],
    ];
    for (const [what, bytes, code] of cases) throwsDecodeError(() => decodeEpoch(bytes), what, code);
  });

  /** A pending change's bytes, field by field. */
  const pendingBytes = (o: {
    version?: number;
    type?: number;
    name?: string;
    key?: Uint8Array;
    p2p?: string;
  }): Uint8Array =>
    new Writer()
      .u8(o.version ?? 1)
      .u64(32n)
      .u8(o.type ?? 1)
      .u16(5)
      .string(o.name ?? 'validator-5')
      .fixed(o.key ?? keyNamed('v5').publicKey, 32)
      .string(o.p2p ?? 'v5.grid.example:7400')
      .finish();

  it('refuses pending changes that break a rule, each with its code', () => {
    assert.deepEqual(decodePendingChange(pendingBytes({})), {
      activation: 32n,
      slot: 5,
      change: {
        type: 'add',
        name: 'validator-5',
        publicKey: keyNamed('v5').publicKey,
        p2p: 'v5.grid.example:7400',
      },
    });
    const cases: [string, Uint8Array, string][] = [
      ['version 0', pendingBytes({ version: 0 }), 'DECODE_BAD_VERSION'],
      ['version 2', pendingBytes({ version: 2 }), 'DECODE_BAD_VERSION'],
      ['type 0', pendingBytes({ type: 0 }), 'DECODE_BAD_TAG'],
      ['type 4', pendingBytes({ type: 4 }), 'DECODE_BAD_TAG'],
      ['type 255', pendingBytes({ type: 255 }), 'DECODE_BAD_TAG'],
      ['an invalid name', pendingBytes({ name: '-x' }), 'DECODE_OUT_OF_RANGE'],
      ['an invalid endpoint', pendingBytes({ p2p: 'v5.grid.example' }), 'DECODE_OUT_OF_RANGE'],
      ['an IPv6 endpoint', pendingBytes({ p2p: '[::1]:7400' }), 'DECODE_OUT_OF_RANGE'],
    ];
    for (const [what, bytes, code] of cases) throwsDecodeError(() => decodePendingChange(bytes), what, code);
  });

  it('refuses a remove with a key or an endpoint, a rekey with an endpoint: not canonical', () => {
    // encodePendingChange writes 32 zero bytes and "" for a remove's key and endpoint, and "" for a
    // rekey's endpoint; decodePendingChange reads them and drops them, so these bytes decode to a
    // value whose encoding is other bytes — two encodings of one record.
    const nonCanonical: [string, Uint8Array][] = [
      ['a remove with a key', pendingBytes({ type: 2, key: keyNamed('x').publicKey, p2p: '' })],
      ['a remove with an endpoint', pendingBytes({ type: 2, key: new Uint8Array(32), p2p: 'a.example:1' })],
      ['a rekey with an endpoint', pendingBytes({ type: 3, p2p: 'a.example:1' })],
    ];
    for (const [what, bytes] of nonCanonical) throwsDecodeError(() => decodePendingChange(bytes), what);
  });
});

describe('epochs, activation and the consensus domain', () => {
  it('a change committed at h activates at the first multiple of the interval above h', () => {
    assert.equal(RECONFIGURATION_INTERVAL, 16n);
    for (let h = 1n; h <= 15n; h++) assert.equal(activationHeight(h), 16n, `h = ${h}`);
    assert.equal(activationHeight(16n), 32n);
    assert.equal(activationHeight(17n), 32n);
    assert.equal(activationHeight(31n), 32n);
    assert.equal(activationHeight(32n), 48n);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 60n }), (h) => {
        const a = activationHeight(h);
        assert.ok(a > h && a - h <= RECONFIGURATION_INTERVAL && a % RECONFIGURATION_INTERVAL === 0n);
      }),
      fcOptions,
    );
  });

  it('each epoch signs in its own consensus domain; epoch 0 in the chain id itself', () => {
    assert.equal(consensusDomain('dpp-main', 0), 'dpp-main');
    assert.equal(consensusDomain('dpp-main', 1), 'dpp-main/epoch/1');
    const domains = [0, 1, 2, 10, 11].flatMap((n) => ['a', 'b'].map((c) => consensusDomain(c, n)));
    assert.equal(new Set(domains).size, domains.length);
  });

  it('applyChange: add inserts by slot, remove drops the slot, rekey replaces only the key; number + 1 and the given base', () => {
    const v = (slot: number, p2p = ''): EpochValidator => ({
      slot,
      name: `validator-${slot}`,
      publicKey: keyNamed(`k${slot}`).publicKey,
      p2p,
    });
    const e: Epoch = { number: 2, base: 32n, validators: [v(0), v(2), v(5, 'v5.example:1')] };
    const added = applyChange(
      e,
      {
        activation: 48n,
        slot: 6,
        change: { type: 'add', name: 'new', publicKey: keyNamed('n').publicKey, p2p: 'n.example:2' },
      },
      48n,
    );
    assert.deepEqual(added, {
      number: 3,
      base: 48n,
      validators: [
        v(0),
        v(2),
        v(5, 'v5.example:1'),
        { slot: 6, name: 'new', publicKey: keyNamed('n').publicKey, p2p: 'n.example:2' },
      ],
    });
    // an add below the largest slot (never made by the contract, but applyChange keeps the order)
    assert.deepEqual(
      applyChange(
        e,
        {
          activation: 48n,
          slot: 1,
          change: { type: 'add', name: 'one', publicKey: keyNamed('o').publicKey, p2p: 'o.example:3' },
        },
        48n,
      ).validators.map((x) => x.slot),
      [0, 1, 2, 5],
    );
    assert.deepEqual(
      applyChange(e, { activation: 48n, slot: 2, change: { type: 'remove', name: 'validator-2' } }, 48n),
      {
        number: 3,
        base: 48n,
        validators: [v(0), v(5, 'v5.example:1')],
      },
    );
    const rekeyed = applyChange(
      e,
      {
        activation: 48n,
        slot: 5,
        change: { type: 'rekey', name: 'validator-5', publicKey: keyNamed('r').publicKey },
      },
      48n,
    );
    assert.deepEqual(rekeyed, {
      number: 3,
      base: 48n,
      validators: [v(0), v(2), { ...v(5, 'v5.example:1'), publicKey: keyNamed('r').publicKey }],
    });
    assert.equal(indexOfKey(rekeyed, keyNamed('r').publicKey), 2);
    assert.equal(indexOfKey(rekeyed, keyNamed('k5').publicKey), -1);
    assert.deepEqual(epochVoters(rekeyed), {
      keys: rekeyed.validators.map((x) => x.publicKey),
      quorum: quorumSize(3),
    });
    // the input epoch is not modified
    assert.deepEqual(
      e.validators.map((x) => x.slot),
      [0, 2, 5],
    );
  });

  it('epochOfHeight: an epoch certifies the heights above its base up to the next base', () => {
    const mk = (number: number, base: bigint): Epoch => ({
      number,
      base,
      validators: [{ slot: 0, name: 'v', publicKey: new Uint8Array(32), p2p: '' }],
    });
    const epochs = [mk(0, 0n), mk(1, 16n), mk(2, 48n)];
    const expected: [bigint, number][] = [
      [1n, 0],
      [15n, 0],
      [16n, 0],
      [17n, 1],
      [32n, 1],
      [48n, 1],
      [49n, 2],
      [10_000n, 2],
    ];
    for (const [h, n] of expected) assert.equal(epochOfHeight(epochs, h).number, n, `height ${h}`);
    assert.equal(epochOfHeight([mk(0, 0n)], 99n).number, 0);
  });

  it('a state without the genesis validator records, or naming an epoch it lacks, is corrupt', () => {
    assert.throws(
      () => currentEpoch(new MemoryState()),
      (e) => isDppError(e, 'LEDGER_STATE_CORRUPT'),
    );
    const c = new ContractChain('validator-set/corrupt');
    c.state.apply([{ key: LATEST_KEY, value: new Writer().u32(2).finish() }]);
    assert.throws(
      () => currentEpoch(c.state),
      (e) => isDppError(e, 'LEDGER_STATE_CORRUPT'),
    );
    assert.throws(
      () => allEpochs(c.state),
      (e) => isDppError(e, 'LEDGER_STATE_CORRUPT'),
    );
  });

  it('approval and key-proof bytes: domain-separated, and bound to chain, epoch, type, name, key and endpoint', () => {
    const k = keyNamed('k').publicKey;
    const changes: ValidatorChange[] = [
      { type: 'add', name: 'validator-9', publicKey: k, p2p: 'a.example:1' },
      { type: 'add', name: 'validator-9', publicKey: k, p2p: 'a.example:2' },
      { type: 'add', name: 'validator-9', publicKey: keyNamed('other').publicKey, p2p: 'a.example:1' },
      { type: 'add', name: 'validator-8', publicKey: k, p2p: 'a.example:1' },
      { type: 'rekey', name: 'validator-9', publicKey: k },
      { type: 'remove', name: 'validator-9' },
    ];
    const all: string[] = [];
    for (const chain of ['chain-a', 'chain-b'])
      for (const epoch of [0, 1])
        for (const c of changes)
          all.push(hex(changeApprovalBytes(chain, epoch, c)), hex(changeKeyProofBytes(chain, epoch, c)));
    assert.equal(new Set(all).size, all.length, 'every variation signs other bytes');
    // the bytes depend on nothing the change does not carry (a remove's key, a rekey's endpoint)
    fc.assert(
      fc.property(changeArb, changeArb, (a, b) => {
        const norm = (c: ValidatorChange) =>
          JSON.stringify([
            c.type,
            c.name,
            c.type === 'remove' ? '' : hex(c.publicKey),
            c.type === 'add' ? c.p2p : '',
          ]);
        assert.equal(
          bytesEqual(changeApprovalBytes(CHAIN_ID, 0, a), changeApprovalBytes(CHAIN_ID, 0, b)),
          norm(a) === norm(b),
        );
      }),
      fcOptions,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// on a contract chain: changes committed, activated and followed

/** Genesis validator `i`'s consensus key (slot i). */
const validatorKey = (c: ContractChain, i: number): OrgKeyPair => c.net.validatorKeys[i]!.key;

/** `request` approved by each [slot, key]. */
function approvedBy(
  request: ChangeRequest,
  signers: readonly (readonly [number, OrgKeyPair])[],
): ChangeRequest {
  return signers.reduce((r, [slot, key]) => approveChange(r, slot, key), request);
}

/** The `validator.change` transaction of `request`, sent by `sender`. */
function changeTx(c: ContractChain, sender: string, request: ChangeRequest, offset = 0n) {
  return c.org(sender, 'validator.change', validatorChangePayload, changePayload(request), offset);
}

/** Commits empty blocks until the head is at `height`. */
function runTo(c: ContractChain, height: bigint): void {
  while (c.chain.head.height < height) c.block([]);
}

describe('reconfiguration on a chain', () => {
  it('endOfBlockWrites: nothing but at the pending change’s activation height; there the next epoch and the record cleared', () => {
    const c = new ContractChain('validator-set/end-of-block');
    const epoch0 = currentEpoch(c.state);
    assert.equal(epoch0.number, 0);
    assert.deepEqual(
      epoch0.validators.map((v) => [v.slot, v.name, hex(v.publicKey), v.p2p]),
      c.net.validatorKeys.map((v) => [v.index, v.name, hex(v.key.publicKey), '']),
    );
    for (let h = 1n; h <= 40n; h++)
      assert.deepEqual(endOfBlockWrites(c.state, h), [], `no change: height ${h}`);

    const newKey = keyNamed('validator-4');
    const change: ValidatorChange = {
      type: 'add',
      name: 'validator-4',
      publicKey: newKey.publicKey,
      p2p: 'v4.grid.example:7400',
    };
    const request = approvedBy(
      requestChange(CHAIN_ID, 0, change, newKey),
      [0, 1, 2].map((i) => [i, validatorKey(c, i)] as const),
    );
    assert.deepEqual(c.one(changeTx(c, 'trading-centre', request)), OK);
    assert.equal(c.chain.head.height, 1n);
    const pending = pendingChange(c.state);
    assert.deepEqual(pending, { activation: 16n, slot: 4, change });

    for (let h = 1n; h <= 40n; h++) {
      const writes = endOfBlockWrites(c.state, h);
      if (h !== 16n) {
        assert.deepEqual(writes, [], `height ${h}`);
        continue;
      }
      const next = applyChange(epoch0, pending!, 16n);
      assert.deepEqual(writesHex(writes), [
        `${hex(epochKeyOf(1))}=${hex(encodeEpoch(next))}`,
        `${hex(LATEST_KEY)}=${hex(new Writer().u32(1).finish())}`,
        `${hex(PENDING_CHANGE_KEY)}=null`,
      ]);
    }

    // blocks 2–15 change nothing of the set; block 16 ends with exactly those writes
    runTo(c, 15n);
    assert.equal(currentEpoch(c.state).number, 0);
    assert.notEqual(pendingChange(c.state), null);
    const expected = writesHex(endOfBlockWrites(c.state, 16n));
    c.block([]);
    assert.deepEqual(
      writesHex(c.lastWrites).sort(),
      [...expected].sort(),
      'an empty activation block writes only the reconfiguration',
    );
    assert.equal(pendingChange(c.state), null);
    const epoch1 = currentEpoch(c.state);
    assert.deepEqual(epoch1, {
      number: 1,
      base: 16n,
      validators: [
        ...epoch0.validators,
        { slot: 4, name: 'validator-4', publicKey: newKey.publicKey, p2p: 'v4.grid.example:7400' },
      ],
    });
    assert.deepEqual(allEpochs(c.state), [epoch0, epoch1]);
    // the genesis records are untouched: epoch 0 is still the genesis set
    assert.deepEqual(allEpochs(c.state)[0], epoch0);
    for (let h = 16n; h <= 64n; h++)
      assert.deepEqual(endOfBlockWrites(c.state, h), [], `after activation: ${h}`);
    c.block([]);
    assert.deepEqual(c.lastWrites, [], 'the block after activation writes nothing');
  });

  it('a sequence of add, remove, add, rekey, remove: epochs, bases, heights and slots (never reused)', () => {
    const c = new ContractChain('validator-set/sequence');
    /** The keys of the current set by slot. */
    const keys = new Map<number, OrgKeyPair>(c.net.validatorKeys.map((v) => [v.index, v.key]));
    /** Sends `change` approved by the first `quorum` validators of the current set (a rekey: by the validator itself), runs to its activation. */
    const apply = (
      change: ValidatorChange,
      newKey?: OrgKeyPair,
    ): { committed: bigint; activation: bigint; slot: number } => {
      const epoch = currentEpoch(c.state);
      const signers =
        change.type === 'rekey'
          ? epoch.validators.filter((v) => v.name === change.name)
          : epoch.validators.slice(0, quorumSize(epoch.validators.length));
      const request = approvedBy(
        requestChange(CHAIN_ID, epoch.number, change, newKey),
        signers.map((v) => [v.slot, keys.get(v.slot)!] as const),
      );
      const slotBefore = nextSlot(c.state);
      assert.deepEqual(
        c.one(changeTx(c, change.type === 'rekey' ? 'consumer-2' : 'trading-centre', request)),
        OK,
        `${change.type} ${change.name}`,
      );
      const committed = c.chain.head.height;
      const pending = pendingChange(c.state)!;
      assert.equal(pending.activation, activationHeight(committed));
      if (change.type === 'add') assert.equal(pending.slot, slotBefore, 'an add takes the next slot');
      runTo(c, pending.activation - 1n);
      assert.equal(currentEpoch(c.state).number, epoch.number, 'not before its activation block');
      runTo(c, pending.activation);
      assert.equal(currentEpoch(c.state).number, epoch.number + 1);
      assert.equal(pendingChange(c.state), null);
      if (newKey !== undefined) keys.set(pending.slot, newKey);
      if (change.type === 'remove') keys.delete(pending.slot);
      return { committed, activation: pending.activation, slot: pending.slot };
    };
    const slotsNow = () => currentEpoch(c.state).validators.map((v) => v.slot);

    assert.equal(nextSlot(c.state), 4);
    const k4 = keyNamed('seq/4');
    const a1 = apply(
      { type: 'add', name: 'validator-4', publicKey: k4.publicKey, p2p: 'v4.example:7400' },
      k4,
    );
    assert.deepEqual([a1.committed, a1.activation, a1.slot], [1n, 16n, 4]);
    assert.deepEqual(slotsNow(), [0, 1, 2, 3, 4]);
    assert.equal(nextSlot(c.state), 5);

    c.block([]); // commit the next change at 18: activation 32
    const r1 = apply({ type: 'remove', name: 'validator-1' });
    assert.deepEqual([r1.committed, r1.activation, r1.slot], [18n, 32n, 1]);
    assert.deepEqual(slotsNow(), [0, 2, 3, 4]);
    assert.equal(nextSlot(c.state), 5, 'slot 1 is not given again');

    const k5 = keyNamed('seq/5');
    const a2 = apply({ type: 'add', name: 'validator-5', publicKey: k5.publicKey, p2p: '10.0.0.5:7400' }, k5);
    assert.deepEqual([a2.committed, a2.activation, a2.slot], [33n, 48n, 5]);
    assert.deepEqual(slotsNow(), [0, 2, 3, 4, 5]);

    const k2 = keyNamed('seq/2b');
    const rk = apply({ type: 'rekey', name: 'validator-2', publicKey: k2.publicKey }, k2);
    assert.deepEqual([rk.committed, rk.activation, rk.slot], [49n, 64n, 2]);

    // removing the highest slot: the next add still gets a slot above every slot ever used
    const r2 = apply({ type: 'remove', name: 'validator-5' });
    assert.deepEqual([r2.committed, r2.activation, r2.slot], [65n, 80n, 5]);
    assert.deepEqual(slotsNow(), [0, 2, 3, 4]);
    assert.equal(nextSlot(c.state), 6, 'slot 5 is not given again either');

    const epochs = allEpochs(c.state);
    assert.deepEqual(
      epochs.map((e) => [e.number, e.base, e.validators.map((v) => v.slot)]),
      [
        [0, 0n, [0, 1, 2, 3]],
        [1, 16n, [0, 1, 2, 3, 4]],
        [2, 32n, [0, 2, 3, 4]],
        [3, 48n, [0, 2, 3, 4, 5]],
        [4, 64n, [0, 2, 3, 4, 5]],
        [5, 80n, [0, 2, 3, 4]],
      ],
    );
    assert.deepEqual(currentEpoch(c.state), epochs[5]);
    // the rekey changed only validator-2's key; names and endpoints stay
    assert.equal(hex(epochs[3]!.validators[1]!.publicKey), hex(validatorKey(c, 2).publicKey));
    assert.equal(hex(epochs[4]!.validators[1]!.publicKey), hex(k2.publicKey));
    assert.deepEqual(
      epochs[4]!.validators.map((v) => [v.name, v.p2p]),
      epochs[3]!.validators.map((v) => [v.name, v.p2p]),
    );
    for (const [h, n] of [
      [1n, 0],
      [16n, 0],
      [17n, 1],
      [32n, 1],
      [33n, 2],
      [48n, 2],
      [49n, 3],
      [64n, 3],
      [65n, 4],
      [80n, 4],
      [81n, 5],
    ] as const)
      assert.equal(epochOfHeight(epochs, h).number, n, `height ${h}`);
  });

  it('an activation block built by the proposer and executed by a validator: same writes, same root; a proposer that skips the reconfiguration is refused', () => {
    const proposer = new ContractChain('validator-set/activation');
    const validator = new ContractChain('validator-set/activation');
    proposer.followers.push(validator); // every block below is executed by both, roots compared
    const newKey = keyNamed('activation/4');
    const change: ValidatorChange = {
      type: 'add',
      name: 'validator-4',
      publicKey: newKey.publicKey,
      p2p: 'v4.example:7400',
    };
    const approved = approvedBy(
      requestChange(CHAIN_ID, 0, change, newKey),
      [0, 1, 2].map((i) => [i, validatorKey(proposer, i)] as const),
    );
    assert.deepEqual(proposer.one(changeTx(proposer, 'trading-centre', approved)), OK);
    runTo(proposer, 15n);
    assert.equal(validator.chain.head.height, 15n);

    // block 16 holds a memo and a second change (refused: the first is still pending during the block)
    const k5 = keyNamed('activation/5');
    const second = approvedBy(
      requestChange(
        CHAIN_ID,
        0,
        { type: 'add', name: 'validator-5', publicKey: k5.publicKey, p2p: 'v5.example:7400' },
        k5,
      ),
      [0, 1, 2].map((i) => [i, validatorKey(proposer, i)] as const),
    );
    const txs = [
      proposer.org('gen-a', MEMO_KIND, memoCodec, utf8('during activation')),
      changeTx(proposer, 'trading-centre', second),
    ];
    const vts = txs.map((t) => verifyTransaction(proposer.env, t.bytes));
    const parent = proposer.chain.head;
    const built = buildBlock(
      proposer.env,
      proposer.state,
      parent,
      { view: 0n, proposer: 1, timestampMs: parent.timestampMs + 1000n },
      vts,
    );
    assert.equal(built.block.header.height, 16n);
    assert.deepEqual(built.receipts, [OK, { status: 'failed', code: 'CONTRACT_EXISTS' }]);
    const reconfiguration = writesHex(endOfBlockWrites(proposer.state, 16n));
    assert.equal(reconfiguration.length, 3);
    for (const w of reconfiguration)
      assert.ok(writesHex(built.writes).includes(w), `the proposer's writes hold ${w}`);

    const executed = executeBlock(validator.env, validator.state, validator.chain.head, built.block);
    assert.deepEqual(writesHex(executed.writes), writesHex(built.writes));
    assert.equal(hex(executed.stateRoot), hex(built.block.header.stateRoot));
    assert.deepEqual(executed.receipts, built.receipts);

    // a proposer that did not apply the change: the root of its writes is refused
    const epochKeys = new Set([hex(epochKeyOf(1)), hex(LATEST_KEY), hex(PENDING_CHANGE_KEY)]);
    const forgetful: Block = {
      ...built.block,
      header: {
        ...built.block.header,
        stateRoot: nextStateRoot(
          parent.stateRoot,
          built.writes.filter((w) => !epochKeys.has(hex(w.key))),
        ),
      },
    };
    assert.throws(
      () => executeBlock(validator.env, validator.state, validator.chain.head, forgetful),
      (e) => isDppError(e, 'LEDGER_STATE_ROOT_MISMATCH'),
    );

    proposer.commit(built.block);
    validator.commit(built.block);
    assert.deepEqual(currentEpoch(validator.state), currentEpoch(proposer.state));
    assert.equal(currentEpoch(validator.state).number, 1);
    // the next block accepts the second change, now against epoch 1 (quorum 4 of 5)
    const again = approvedBy(
      requestChange(
        CHAIN_ID,
        1,
        { type: 'add', name: 'validator-5', publicKey: k5.publicKey, p2p: 'v5.example:7400' },
        k5,
      ),
      [...[0, 1, 2].map((i) => [i, validatorKey(proposer, i)] as const), [4, newKey] as const],
    );
    assert.deepEqual(proposer.one(changeTx(proposer, 'trading-centre', again)), OK);
    assert.deepEqual(pendingChange(validator.state), pendingChange(proposer.state));
    assert.equal(pendingChange(validator.state)!.slot, 5);
  });
});

// ---------------------------------------------------------------------------------------------
// the chain audit across an epoch boundary

const root = mkdtempSync(join(tmpdir(), 'dpp-validator-set-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** Votes by `signers` (index in the epoch, key) for `block` in `domain`, view 0. */
function certificate(
  block: Block,
  domain: string,
  signers: readonly (readonly [number, OrgKeyPair])[],
): CommitCertificate {
  const bytes = commitVoteBytes(domain, 0n, block.header.height, blockHash(block.header));
  return {
    view: 0n,
    votes: signers.map(([validatorIndex, key]) => ({ validatorIndex, signature: orgSign(key, bytes) })),
  };
}

/**
 * A store holding: genesis of the contract chain; block 1 adding validator-4 (slot 4, index 4 of
 * epoch 1); empty blocks to 18. Blocks up to 16 are certified by epoch 0 (validators 0–2, chain id
 * domain), later ones by epoch 1 (indices 0–3 of five, its domain); `override` replaces the
 * certificate of one height.
 */
async function epochStore(override?: { height: bigint; certify: (b: Block) => CommitCertificate }): Promise<{
  store: LedgerStore;
  c: ContractChain;
}> {
  const c = new ContractChain('validator-set/audit');
  const store = await openStore(join(root, `db-${dirs++}`));
  await ensureGenesis(store, genesisState(c.net.genesis));
  const k4 = keyNamed('audit/4');
  const request = approvedBy(
    requestChange(
      CHAIN_ID,
      0,
      { type: 'add', name: 'validator-4', publicKey: k4.publicKey, p2p: 'v4.example:7400' },
      k4,
    ),
    [0, 1, 2].map((i) => [i, validatorKey(c, i)] as const),
  );
  const keys = [...c.net.validatorKeys.map((v) => v.key), k4];
  for (let h = 1n; h <= 18n; h++) {
    const head = store.head()!;
    const txs = h === 1n ? [verifyTransaction(c.env, changeTx(c, 'trading-centre', request).bytes)] : [];
    const built = buildBlock(
      c.env,
      store,
      head.header,
      { view: 0n, proposer: 0, timestampMs: head.header.timestampMs + 1n },
      txs,
    );
    assert.deepEqual(
      built.receipts,
      txs.map(() => OK),
    );
    const cert =
      override?.height === h
        ? override.certify(built.block)
        : h <= 16n
          ? certificate(
              built.block,
              CHAIN_ID,
              [0, 1, 2].map((i) => [i, keys[i]!] as const),
            )
          : certificate(
              built.block,
              consensusDomain(CHAIN_ID, 1),
              [0, 1, 2, 3].map((i) => [i, keys[i]!] as const),
            );
    await store.commitBlock({ ...built.block, certificate: cert }, built.writes, built.receipts);
  }
  return { store, c };
}

describe('the chain audit across epochs', () => {
  it('passes a chain whose last block of each epoch and head are certified by their own sets', async () => {
    const { store, c } = await epochStore();
    try {
      assert.deepEqual(
        allEpochs(store).map((e) => [e.number, e.base, e.validators.length]),
        [
          [0, 0n, 4],
          [1, 16n, 5],
        ],
      );
      const expected = {
        chainId: CHAIN_ID,
        genesisHash: genesisState(c.net.genesis).hash,
        validatorKeys: validatorSet(c.net.genesis).keys,
      };
      assert.equal(await auditChain(store, expected), 19n);
    } finally {
      await store.close();
    }
  });

  const refusals: [
    string,
    bigint,
    (c: ContractChain, k4: OrgKeyPair) => (b: Block) => CommitCertificate,
    RegExp,
  ][] = [
    [
      'the head certified by all four of the old set, in the old domain',
      18n,
      (c) => (b) =>
        certificate(
          b,
          CHAIN_ID,
          [0, 1, 2, 3].map((i) => [i, validatorKey(c, i)] as const),
        ),
      /head/,
    ],
    [
      'the head certified by the new set, but in the old domain',
      18n,
      (c, k4) => (b) =>
        certificate(b, CHAIN_ID, [
          ...[0, 1, 2].map((i) => [i, validatorKey(c, i)] as const),
          [4, k4] as const,
        ]),
      /head/,
    ],
    [
      'the head certified by three of the five (below the new quorum of 4)',
      18n,
      (c) => (b) =>
        certificate(
          b,
          consensusDomain(CHAIN_ID, 1),
          [0, 1, 2].map((i) => [i, validatorKey(c, i)] as const),
        ),
      /head/,
    ],
    [
      'the last block of epoch 0 certified by the new set in its domain',
      16n,
      (c, k4) => (b) =>
        certificate(b, consensusDomain(CHAIN_ID, 1), [
          ...[0, 1, 2].map((i) => [i, validatorKey(c, i)] as const),
          [4, k4] as const,
        ]),
      /epoch 0/,
    ],
  ];
  for (const [what, height, certify, message] of refusals) {
    it(`refuses ${what}`, async () => {
      const k4 = keyNamed('audit/4');
      const probe = new ContractChain('validator-set/audit');
      const { store, c } = await epochStore({ height, certify: certify(probe, k4) });
      try {
        await assert.rejects(
          auditChain(store, {
            chainId: CHAIN_ID,
            genesisHash: genesisState(c.net.genesis).hash,
            validatorKeys: validatorSet(c.net.genesis).keys,
          }),
          (err) => isDppError(err, 'LEDGER_STORE_CORRUPT') && message.test(err.message),
        );
      } finally {
        await store.close();
      }
    });
  }
});
