/**
 * What `dpp genesis assemble | verify | install` read and print: the public files of a consortium
 * made by separate organisations — member cards, genesis.json, peers.json — read with the file
 * named in every refusal (the ledger's typed code kept), and a genesis shown as an organisation
 * checks it: chain id, hash, validators with their operators and endpoints, members by role.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pc from 'picocolors';
import { toHex } from '../codec/bytes.ts';
import { quorumSize } from '../ledger/certificate.ts';
import { type Genesis, parseGenesis } from '../ledger/genesis.ts';
import type { SourcedCard } from '../ledger/genesisAssembly.ts';
import { LedgerError } from '../ledger/ledgerError.ts';
import { type MemberCard, parseMemberCard } from '../ledger/memberCard.ts';
import { MEMBER_ROLES, type MemberRole } from '../ledger/memberRecord.ts';
import { type PeersFile, parsePeersFile } from '../ledger/peersFile.ts';
import { CliError, plural, time } from './output.ts';

/** Members listed one by one up to this many (more: counts only; --json lists them all). */
const LIST_MEMBERS = 30;

/** The text of `path`; CLI_NO_FILE naming `what` when it cannot be read. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new CliError('CLI_NO_FILE', `cannot read ${what} ${path}`, 'check the path');
  }
}

/** Runs `parse`; a DppError it throws gets `source: ` before its message, keeping its code. */
function withSource<T>(source: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof LedgerError)
      throw new LedgerError(
        err.code,
        `${source}: ${err.message}`,
        { ...err.details, source },
        { cause: err },
      );
    throw err;
  }
}

/** A card file, checked (fields and signatures). */
export function loadCard(path: string): MemberCard {
  return withSource(path, () => parseMemberCard(readText(path, 'card')));
}

/** Every card of `paths`: a file is one card, a folder holds cards as its `*.json` files (in name order). */
export function loadCards(paths: readonly string[]): SourcedCard[] {
  const files = paths.flatMap((p) => {
    let folder: boolean;
    try {
      folder = statSync(p).isDirectory();
    } catch {
      throw new CliError('CLI_NO_FILE', `cannot read card ${p}`, 'check the path');
    }
    if (!folder) return [p];
    const inside = readdirSync(p)
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map((n) => join(p, n));
    if (inside.length === 0)
      throw new CliError(
        'CLI_NO_FILE',
        `${p} holds no card (*.json)`,
        'pass the folder the cards were collected in',
      );
    return inside;
  });
  return files.map((source) => ({ source, card: loadCard(source) }));
}

/** A genesis file, checked. */
export function loadGenesis(path: string): { readonly text: string; readonly genesis: Genesis } {
  const text = readText(path, 'genesis');
  return { text, genesis: withSource(path, () => parseGenesis(text)) };
}

/** A peers file, checked. */
export function loadPeers(path: string): { readonly text: string; readonly peers: PeersFile } {
  const text = readText(path, 'peers file');
  return { text, peers: withSource(path, () => parsePeersFile(text)) };
}

/** How many members have each role, in role order: "1 trading centre, 2 generators, …". */
export function roleCounts(genesis: Genesis): string {
  return MEMBER_ROLES.map((r) => {
    const n = genesis.members.filter((m) => m.role === r).length;
    return r === 'trading-centre' ? plural(n, 'trading centre') : plural(n, r);
  })
    .filter((s) => !s.startsWith('0 '))
    .join(', ');
}

/** The genesis as JSON: chain, hash, time, validators (with operators and endpoints when `peers`), members. */
export function genesisJson(genesis: Genesis, hash: Uint8Array, peers?: PeersFile): Record<string, unknown> {
  const n = genesis.validators.length;
  return {
    chainId: genesis.chainId,
    genesisHash: toHex(hash),
    genesisTimeMs: genesis.genesisTimeMs,
    quorum: quorumSize(n),
    faultsTolerated: Math.floor((n - 1) / 3),
    validators: genesis.validators.map((v, i) => {
      const p = peers?.validators[i];
      return {
        index: i,
        name: v.name,
        publicKey: toHex(v.publicKey),
        ...(p === undefined
          ? {}
          : { operator: p.operator, p2p: p.p2p, ...(p.api === undefined ? {} : { api: p.api }) }),
      };
    }),
    members: genesis.members.map((m) => ({
      id: m.id,
      role: m.role,
      orgKey: toHex(m.orgKey),
      ...(m.aggregator === undefined ? {} : { aggregator: m.aggregator }),
    })),
  };
}

/** "the trading centre", "a generator", "an aggregator", "a consumer". */
export function roleWords(role: MemberRole): string {
  return role === 'trading-centre'
    ? 'the trading centre'
    : role === 'aggregator'
      ? 'an aggregator'
      : `a ${role}`;
}

/** Prints the genesis as an organisation checks it. */
export function printGenesis(genesis: Genesis, hash: Uint8Array, peers?: PeersFile): void {
  const n = genesis.validators.length;
  console.log(`genesis of chain ${pc.bold(genesis.chainId)}`);
  console.log(`  hash        ${pc.bold(toHex(hash))}`);
  console.log(`  time        ${time(genesis.genesisTimeMs)}`);
  console.log(
    `  validators  ${n} (a commit needs ${quorumSize(n)}; tolerates ${plural(Math.floor((n - 1) / 3), 'faulty validator')})`,
  );
  const width = Math.max(...genesis.validators.map((v) => v.name.length));
  const opWidth = Math.max(0, ...(peers?.validators.map((p) => p.operator.length) ?? []));
  const p2pWidth = Math.max(0, ...(peers?.validators.map((p) => p.p2p.length) ?? []));
  genesis.validators.forEach((v, i) => {
    const p = peers?.validators[i];
    const where =
      p === undefined
        ? ''
        : `  ${p.operator.padEnd(opWidth)}  ${p.p2p.padEnd(p2pWidth)}${p.api === undefined ? '' : `  ${p.api}`}`;
    console.log(
      `    ${String(i).padStart(2)}  ${v.name.padEnd(width)}  ${toHex(v.publicKey).slice(0, 16)}…${where}`.trimEnd(),
    );
  });
  console.log(`  members     ${genesis.members.length}: ${roleCounts(genesis)}`);
  if (genesis.members.length > LIST_MEMBERS) {
    console.log(pc.dim(`    (more than ${LIST_MEMBERS}: --json lists them all)`));
    return;
  }
  const idWidth = Math.max(...genesis.members.map((m) => m.id.length));
  for (const m of genesis.members)
    console.log(
      `    ${m.id.padEnd(idWidth)}  ${m.role.padEnd(14)}  ${toHex(m.orgKey).slice(0, 16)}…${m.aggregator === undefined ? '' : `  via ${m.aggregator}`}`,
    );
}
