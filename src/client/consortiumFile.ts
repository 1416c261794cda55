/**
 * `consortium.json`: what `dpp init` wrote about a local consortium and every participant command
 * reads — the chain id, the validators (API URL, config file, which member operates each), and the
 * members (role, a consumer's aggregator, which validator's API it talks to, where its key store
 * is). Public facts only: the secrets live in the members' key stores (./keyStore.ts). Parsing is
 * strict (zod): unknown fields, bad ids or dangling references → CLIENT_BAD_ARGUMENT.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MEMBER_ID } from '../contracts/records.ts';
import { parseGenesis } from '../ledger/genesis.ts';
import { MEMBER_ROLES, type MemberRole } from '../ledger/memberRecord.ts';
import { ClientError } from './clientError.ts';

/** The file's `type` and the only version read. */
export const CONSORTIUM_FILE_TYPE = 'dpp-consortium';
export const CONSORTIUM_FILE_VERSION = 1;

const Id = z.string().regex(MEMBER_ID, 'a member id: 1..64 characters of [a-z0-9.-]');
const RelPath = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path inside the consortium folder');

const Validator = z
  .object({
    index: z.number().int().min(0).max(63),
    name: z.string().min(1).max(64),
    api: z.url({ protocol: /^http$/ }),
    p2pPort: z.number().int().min(1).max(65535),
    config: RelPath,
    /** The member whose validator this is (null: run by the consortium). */
    operator: Id.nullable(),
  })
  .strict();

const Member = z
  .object({
    id: Id,
    role: z.enum(MEMBER_ROLES as [MemberRole, ...MemberRole[]]),
    aggregator: Id.optional(),
    /** Index of the validator whose API the member uses. */
    node: z.number().int().min(0),
    keyStore: RelPath,
  })
  .strict();

const File = z
  .object({
    type: z.literal(CONSORTIUM_FILE_TYPE),
    version: z.literal(CONSORTIUM_FILE_VERSION),
    chainId: z.string().min(1).max(64),
    scenario: z.string().min(1).max(64),
    /** Relative path of the scenario's JSON copy (offers' and demands' defaults). */
    scenarioFile: RelPath,
    genesis: RelPath,
    /** True when the key stores were written in plaintext (`dpp init --insecure`). */
    insecure: z.boolean(),
    validators: z.array(Validator).min(1).max(64),
    members: z.array(Member).min(1).max(10_000),
  })
  .strict();

/** A validator entry. */
export type ConsortiumValidator = z.output<typeof Validator>;
/** A member entry. */
export type ConsortiumMember = z.output<typeof File>['members'][number];
/** The whole file. */
export type ConsortiumFile = z.output<typeof File>;

/** Checks a parsed consortium file (shape, unique ids, references); throws CLIENT_BAD_ARGUMENT. */
export function parseConsortiumFile(value: unknown): ConsortiumFile {
  const parsed = File.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClientError(
      'CLIENT_BAD_ARGUMENT',
      `consortium.json: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const file = parsed.data;
  const bad = (why: string): never => {
    throw new ClientError('CLIENT_BAD_ARGUMENT', `consortium.json: ${why}`);
  };
  file.validators.forEach((v, i) => {
    if (v.index !== i) bad(`validators[${i}] has index ${v.index}`);
  });
  const ids = new Map(file.members.map((m) => [m.id, m]));
  if (ids.size !== file.members.length) bad('a member id appears twice');
  for (const m of file.members) {
    if (m.node >= file.validators.length) bad(`${m.id} uses validator ${m.node}, which does not exist`);
    if ((m.role === 'consumer') !== (m.aggregator !== undefined))
      bad(`${m.id}: a consumer, and only a consumer, names its aggregator`);
    if (m.aggregator !== undefined && ids.get(m.aggregator)?.role !== 'aggregator')
      bad(`${m.id}: ${m.aggregator} is not an aggregator`);
  }
  if (file.members.filter((m) => m.role === 'trading-centre').length !== 1)
    bad('exactly one trading centre is needed');
  return file;
}

/** Reads `path`; a missing file → CLIENT_NOT_FOUND, a malformed one → CLIENT_BAD_ARGUMENT. */
export function readConsortiumFile(path: string): ConsortiumFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ClientError('CLIENT_NOT_FOUND', `no consortium file at ${path}`, { path }, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ClientError('CLIENT_BAD_ARGUMENT', `${path} is not JSON`, { path });
  }
  return parseConsortiumFile(value);
}

/** The canonical text of a consortium file. */
export function consortiumFileText(file: ConsortiumFile): string {
  return `${JSON.stringify(parseConsortiumFile(file), null, 2)}\n`;
}

/** The genesis validator keys of the consortium in `dir` (to verify commit certificates). */
export function consortiumValidatorKeys(dir: string, file: ConsortiumFile): Uint8Array[] {
  let text: string;
  try {
    text = readFileSync(join(dir, file.genesis), 'utf8');
  } catch (cause) {
    throw new ClientError('CLIENT_NOT_FOUND', `no genesis at ${file.genesis}`, {}, { cause });
  }
  return parseGenesis(text).validators.map((v) => v.publicKey);
}
