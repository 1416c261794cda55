/**
 * The peers file (docs/ledger.md §8.5): where each genesis validator is reached and which member
 * runs it, as the cards declared — written by `dpp genesis assemble` beside genesis.json, read by
 * each organisation to configure its validator. It names the genesis it belongs to (chain id and
 * genesis hash) and repeats each validator's name and key, so a peers file of another genesis, or
 * out of step with this one, is refused.
 *
 *   { "type": "dpp-peers", "version": 1, "chainId", "genesisHash": hex,
 *     "validators": [{ "index", "name", "publicKey": hex, "operator": member id,
 *                      "p2p": "host:port", "api"?: "http(s)://host:port" }] }     (in index order)
 *
 * Parsing is strict (LEDGER_BAD_PEERS naming the field); `peersMismatches` compares it with a
 * genesis.
 */
import { bytesEqual, toHex } from '../codec/bytes.ts';
import { MAX_VALIDATORS } from './certificate.ts';
import { parseApiAddress, parseHostPort } from './endpoint.ts';
import type { Genesis } from './genesis.ts';
import { genesisState } from './genesis.ts';
import { jsonFields } from './jsonFields.ts';
import { LedgerError } from './ledgerError.ts';
import { isValidChainId } from './transaction.ts';

/** The file's `type` and the only version written and read. */
export const PEERS_TYPE = 'dpp-peers';
export const PEERS_VERSION = 1;

/** One validator's entry. */
export interface PeerEntry {
  readonly index: number;
  readonly name: string;
  readonly publicKey: Uint8Array;
  /** The member whose card declared this validator. */
  readonly operator: string;
  readonly p2p: string;
  readonly api?: string;
}

/** A peers file. */
export interface PeersFile {
  readonly chainId: string;
  readonly genesisHash: Uint8Array;
  readonly validators: readonly PeerEntry[];
}

const peers = jsonFields('LEDGER_BAD_PEERS', 'peers');

/** The peers file's text (2-space JSON, fields in a fixed order). */
export function peersToJson(p: PeersFile): string {
  const doc = {
    type: PEERS_TYPE,
    version: PEERS_VERSION,
    chainId: p.chainId,
    genesisHash: toHex(p.genesisHash),
    validators: p.validators.map((v) => ({
      index: v.index,
      name: v.name,
      publicKey: toHex(v.publicKey),
      operator: v.operator,
      p2p: v.p2p,
      ...(v.api === undefined ? {} : { api: v.api }),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** A peers file's text, checked field by field; throws LEDGER_BAD_PEERS. */
export function parsePeersFile(text: string): PeersFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new LedgerError('LEDGER_BAD_PEERS', 'peers: not valid JSON', {}, { cause });
  }
  const o = peers.object(value, '', ['type', 'version', 'chainId', 'genesisHash', 'validators']);
  if (o.type !== PEERS_TYPE) peers.bad('type', `must be "${PEERS_TYPE}"`);
  if (o.version !== PEERS_VERSION) peers.bad('version', `must be ${PEERS_VERSION}`);
  const chainId = peers.str(o.chainId, 'chainId');
  if (!isValidChainId(chainId)) peers.bad('chainId', 'must be 1..64 characters of [a-z0-9.-]');
  const genesisHash = peers.hex(o.genesisHash, 'genesisHash', 32);
  if (!Array.isArray(o.validators) || o.validators.length < 1 || o.validators.length > MAX_VALIDATORS)
    peers.bad('validators', `must be an array of 1..${MAX_VALIDATORS} entries`);
  const validators = (o.validators as unknown[]).map((e, i): PeerEntry => {
    const at = `validators[${i}]`;
    const v = peers.object(e, at, ['index', 'name', 'publicKey', 'operator', 'p2p'], ['api']);
    if (v.index !== i) peers.bad(`${at}.index`, `must be ${i} (entries in index order)`);
    const p2p = peers.str(v.p2p, `${at}.p2p`);
    if (parseHostPort(p2p) === null) peers.bad(`${at}.p2p`, 'must be host:port');
    const api = v.api === undefined ? undefined : peers.str(v.api, `${at}.api`);
    if (api !== undefined && parseApiAddress(api) === null)
      peers.bad(`${at}.api`, 'must be http://host:port or https://host:port');
    return {
      index: i,
      name: peers.name(v.name, `${at}.name`),
      publicKey: peers.edKey(v.publicKey, `${at}.publicKey`),
      operator: peers.name(v.operator, `${at}.operator`),
      p2p,
      ...(api === undefined ? {} : { api }),
    };
  });
  return { chainId, genesisHash, validators };
}

/**
 * How `p` disagrees with `genesis` (empty when it is this genesis's peers file): another chain or
 * genesis hash, a validator missing, extra, renamed or with another key, an operator that is not a
 * member of the genesis.
 */
export function peersMismatches(genesis: Genesis, p: PeersFile): string[] {
  const out: string[] = [];
  if (p.chainId !== genesis.chainId)
    out.push(`it is of chain ${p.chainId}, the genesis of ${genesis.chainId}`);
  const hash = genesisState(genesis).hash;
  if (!bytesEqual(p.genesisHash, hash))
    out.push(`it names genesis ${toHex(p.genesisHash)}, this genesis is ${toHex(hash)}`);
  if (p.validators.length !== genesis.validators.length)
    out.push(`it lists ${p.validators.length} validators, the genesis ${genesis.validators.length}`);
  const members = new Set(genesis.members.map((m) => m.id));
  p.validators.forEach((v, i) => {
    const g = genesis.validators[i];
    if (g === undefined) return;
    if (v.name !== g.name) out.push(`validator ${i} is ${v.name} in it, ${g.name} in the genesis`);
    else if (!bytesEqual(v.publicKey, g.publicKey))
      out.push(`validator ${i} (${v.name}) has another key in it`);
    if (!members.has(v.operator))
      out.push(`validator ${i} (${v.name}) is operated by ${v.operator}, not a member`);
  });
  return out;
}
