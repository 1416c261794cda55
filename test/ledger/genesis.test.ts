import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8 } from '../../src/codec/bytes.ts';
import { isDppError } from '../../src/errors.ts';
import { blockHash } from '../../src/ledger/blockHeader.ts';
import { genesisState, genesisToJson, parseGenesis, validatorSet } from '../../src/ledger/genesis.ts';
import { LedgerError } from '../../src/ledger/ledgerError.ts';
import { decodeMemberRecord, decodeValidatorRecord } from '../../src/ledger/memberRecord.ts';
import { merkleRoot } from '../../src/ledger/merkle.ts';
import {
  parseMemberKeyFile,
  parseValidatorKeyFile,
  writeNetworkFiles,
} from '../../src/ledger/networkKeys.ts';
import { memberKey, orgKeyKey, validatorKey } from '../../src/ledger/stateKeys.ts';
import { EMPTY_STATE_ROOT, MemoryState, nextStateRoot } from '../../src/ledger/worldState.ts';
import { CHAIN_ID, GENESIS_TIME_MS, makeNetwork } from './fixtures.ts';

const net = makeNetwork('genesis tests');
const text = genesisToJson(net.genesis);
const doc = (): Record<string, unknown> & {
  validators: Record<string, unknown>[];
  members: Record<string, unknown>[];
} => JSON.parse(text);

function refuses(value: unknown, pathPart: string): void {
  assert.throws(
    () => parseGenesis(JSON.stringify(value)),
    (e) => isDppError(e, 'LEDGER_BAD_GENESIS') && e.message.includes(pathPart),
    pathPart,
  );
}

describe('genesis file', () => {
  it('round-trips through JSON and is reproducible from a seed', () => {
    const parsed = parseGenesis(text);
    assert.deepEqual(parsed, net.genesis);
    assert.equal(genesisToJson(parsed), text);
    assert.equal(genesisToJson(makeNetwork('genesis tests').genesis), text);
    assert.notEqual(genesisToJson(makeNetwork('another seed').genesis), text);
    assert.equal(parsed.chainId, CHAIN_ID);
    assert.equal(parsed.genesisTimeMs, GENESIS_TIME_MS);
  });

  it('refuses malformed files with the path of the offending field', () => {
    const d = doc;
    const with_ = (f: (o: ReturnType<typeof doc>) => void) => {
      const o = d();
      f(o);
      return o;
    };
    refuses('not an object', 'genesis must be an object');
    refuses(
      with_((o) => delete o.chainId),
      'chainId is missing',
    );
    refuses(
      with_((o) => (o.extra = 1)),
      'genesis.extra is not a known field',
    );
    refuses(
      with_((o) => (o.chainId = 'Bad Chain')),
      'chainId',
    );
    refuses(
      with_((o) => (o.genesisTimeMs = -1)),
      'genesisTimeMs',
    );
    refuses(
      with_((o) => (o.genesisTimeMs = 1.5)),
      'genesisTimeMs',
    );
    refuses(
      with_((o) => (o.genesisTimeMs = '1800000000000')),
      'genesisTimeMs',
    );
    refuses(
      with_((o) => (o.validators = [])),
      'validators must have',
    );
    refuses(
      with_((o) => (o.validators[1]!.name = o.validators[0]!.name)),
      'validators[1].name',
    );
    refuses(
      with_((o) => (o.validators[2]!.publicKey = o.validators[0]!.publicKey)),
      'validators[2].publicKey',
    );
    refuses(
      with_((o) => (o.validators[0]!.publicKey = 'AB'.repeat(32))),
      'validators[0].publicKey',
    );
    refuses(
      with_((o) => (o.validators[0]!.publicKey = `01${'00'.repeat(31)}`)),
      'not a valid Ed25519 public key',
    );
    refuses(
      with_((o) => (o.validators[0]!.secret = 'x')),
      'validators[0].secret',
    );
    refuses(
      with_((o) => (o.members[1]!.role = 'miner')),
      'members[1].role',
    );
    refuses(
      with_((o) => (o.members[1]!.id = o.members[0]!.id)),
      'members[1].id',
    );
    refuses(
      with_((o) => (o.members[1]!.orgKey = o.members[0]!.orgKey)),
      'members[1].orgKey',
    );
    refuses(
      with_((o) => (o.members[0]!.orgKey = o.validators[1]!.publicKey)),
      'members[0].orgKey is also a validator key',
    );
    refuses(
      with_((o) => (o.members[0]!.role = 'generator')),
      'exactly one trading-centre',
    );
    refuses(
      with_((o) => (o.members[1]!.role = 'trading-centre')),
      'exactly one trading-centre',
    );
    refuses(
      with_((o) => (o.members[3]!.aggregator = 'gen-a')),
      'members[3].aggregator',
    );
    refuses(
      with_((o) => (o.members[3]!.aggregator = 'nobody')),
      'members[3].aggregator',
    );
    refuses(
      with_((o) => (o.members[1]!.aggregator = 'agg-a')),
      'only a consumer',
    );
    refuses(
      with_((o) => (o.members[0]!.id = '-starts-with-dash')),
      'members[0].id',
    );
    assert.throws(
      () => parseGenesis('{'),
      (e) => isDppError(e, 'LEDGER_BAD_GENESIS'),
    );
  });

  it('never crashes on random JSON or random mutations (fuzz)', () => {
    const mutation = fc.record({
      at: fc.nat(),
      ch: fc.string({ minLength: 0, maxLength: 3 }),
      cut: fc.nat({ max: 5 }),
    });
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), mutation), (input) => {
        let t: string;
        if (typeof input === 'string') t = input;
        else {
          const i = input.at % text.length;
          t = text.slice(0, i) + input.ch + text.slice(i + input.cut);
        }
        try {
          parseGenesis(t);
        } catch (e) {
          if (!(e instanceof LedgerError) || e.code !== 'LEDGER_BAD_GENESIS') throw e;
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('genesis state and block', () => {
  it('writes members, org keys and validators under the documented keys', () => {
    const gs = genesisState(net.genesis);
    const state = new MemoryState();
    state.apply(gs.writes);
    assert.equal(gs.writes.length, net.genesis.validators.length + 2 * net.genesis.members.length);
    for (const m of net.genesis.members) {
      assert.deepEqual(decodeMemberRecord(state.get(memberKey(m.id))!), m);
      assert.deepEqual(state.get(orgKeyKey(m.orgKey)), utf8(m.id));
    }
    net.genesis.validators.forEach((v, i) => {
      assert.deepEqual(decodeValidatorRecord(state.get(validatorKey(i))!), v);
    });
    assert.equal(decodeMemberRecord(state.get(memberKey('consumer-1'))!).aggregator, 'agg-a');
  });

  it('has height 0, a zero parent, the empty tx root and the state root of its writes', () => {
    const gs = genesisState(net.genesis);
    const h = gs.block.header;
    assert.equal(h.height, 0n);
    assert.deepEqual(h.prevHash, new Uint8Array(32));
    assert.deepEqual(h.txRoot, merkleRoot([]));
    assert.deepEqual(h.stateRoot, nextStateRoot(EMPTY_STATE_ROOT, gs.writes));
    assert.equal(h.timestampMs, GENESIS_TIME_MS);
    assert.equal(toHex(gs.hash), toHex(blockHash(h)));
    assert.equal(toHex(genesisState(parseGenesis(text)).hash), toHex(gs.hash), 'reproducible from the file');
    const other = makeNetwork('genesis tests', 7);
    assert.notEqual(toHex(genesisState(other.genesis).hash), toHex(gs.hash));
    assert.equal(validatorSet(other.genesis).quorum, 5);
  });
});

describe('network files', () => {
  it('writes genesis and key files (mode 0600) that read back to the same keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-genesis-'));
    try {
      const files = writeNetworkFiles(dir, net);
      assert.deepEqual(parseGenesis(readFileSync(files.genesis, 'utf8')), net.genesis);
      assert.equal(files.keys.length, net.validatorKeys.length + net.memberKeys.length);
      const v1 = parseValidatorKeyFile(readFileSync(join(dir, 'validator-1.key.json'), 'utf8'));
      assert.equal(v1.index, 1);
      assert.equal(v1.chainId, CHAIN_ID);
      assert.deepEqual(v1.key.publicKey, net.genesis.validators[1]!.publicKey);
      const c = parseMemberKeyFile(readFileSync(join(dir, 'member-consumer-1.key.json'), 'utf8'));
      assert.equal(c.role, 'consumer');
      assert.deepEqual(c.key.publicKey, net.genesis.members[3]!.orgKey);
      assert.equal(statSync(join(dir, 'validator-0.key.json')).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key file whose seed does not derive its public key, or with unknown fields', () => {
    const v = net.validatorKeys[0]!;
    const good = {
      type: 'dpp-validator-key',
      chainId: CHAIN_ID,
      index: 0,
      name: v.name,
      publicKey: toHex(v.key.publicKey),
      seed: toHex(v.seed),
    };
    assert.equal(parseValidatorKeyFile(JSON.stringify(good)).index, 0);
    for (const bad of [
      { ...good, publicKey: toHex(net.validatorKeys[1]!.key.publicKey) },
      { ...good, seed: 'zz' },
      { ...good, index: -1 },
      { ...good, type: 'dpp-member-key' },
      { ...good, extra: true },
    ]) {
      assert.throws(
        () => parseValidatorKeyFile(JSON.stringify(bad)),
        (e) => isDppError(e, 'LEDGER_BAD_KEY_FILE'),
      );
    }
    assert.throws(
      () => parseMemberKeyFile('[]'),
      (e) => isDppError(e, 'LEDGER_BAD_KEY_FILE'),
    );
  });
});
