/**
 * The trading centre as regulator (docs/protocol.md §8–§9):
 *   `dpp trace <responseId> --reason …` traces a bill response to its sender's organisation with
 *   the master secret, records the audit event on chain (a commitment, never the identity) and
 *   writes the opening — salt and identity trace, which anyone checks against the commitment —
 *   to traces/<responseId>.json for the parties;
 *   `dpp verify-trace <openingFile>` lets a party (or any auditor) check such an opening against
 *   the chain: the commitment recorded by `trace.record`, the response's signcryption and ring, the
 *   regulator's keys and the certificate registered for the traced pseudonym;
 *   `dpp dispute resolve <round> <index> --outcome …` settles or voids a disputed bill;
 *   `dpp pseudonym revoke <key>` revokes a pseudonym: it leaves its ring and can no longer sign.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pc from 'picocolors';
import { fromHex, toHex } from '../../codec/bytes.ts';
import { RESOLUTIONS, resolvePayload, traceRecordPayload } from '../../contracts/disputes.ts';
import { pseudonymRevokePayload } from '../../contracts/pseudonyms.ts';
import { decodeCertificate, type PseudonymCertificate } from '../../privacy/pseudonymCertificate.ts';
import { ringOf } from '../../privacy/ring.ts';
import { decodeSigncryption } from '../../privacy/signcryptionEncoding.ts';
import { traceToIdentity } from '../../privacy/trace.ts';
import {
  commitTrace,
  decodeIdentityTrace,
  encodeIdentityTrace,
  verifyTraceOpening,
} from '../../privacy/traceCommitment.ts';
import type { Consortium } from '../consortium.ts';
import { CliError, emit, progress, receiptLine, short } from '../output.ts';
import { responseOrFail } from './bill.ts';
import { pickRound } from './round.ts';

/** `dpp trace`. */
export async function runTrace(
  c: Consortium,
  as: string | undefined,
  responseId: string,
  reason: string,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['trading-centre'], 'trace a response');
  if (reason.trim() === '' || Buffer.byteLength(reason) > 200)
    throw new CliError(
      'CLI_BAD_ARGUMENT',
      'a trace needs a reason of 1 to 200 bytes (it is recorded on chain)',
      'e.g. --reason "disputed bill 3"',
    );
  const reader = c.reader(member);
  const response = await responseOrFail(
    reader,
    responseId,
    'check the id printed by `dpp bill confirm|dispute`',
  );
  const tc = await c.open(member);
  const regulator = c.regulatorKeys(tc);
  const certificates = new Map<string, PseudonymCertificate>();
  for (const y of response.ring) {
    const reg = await reader.pseudonym(y);
    if (reg !== undefined) certificates.set(toHex(y), decodeCertificate(c.group, fromHex(reg.certificate)));
  }
  const params = { group: c.group, regulatorKey: regulator.masterPublic };
  const sc = decodeSigncryption(c.group, response.signcryption);
  const trace = traceToIdentity(params, regulator, sc, ringOf(response.ring), (y) =>
    certificates.get(toHex(y)),
  );
  const { opening, commitment } = commitTrace(trace);
  const p = progress();
  const receipt = await c.sendOrg(
    tc,
    'trace.record',
    traceRecordPayload,
    { response: fromHex(responseId), reason, commitment },
    p,
  );
  p.done();
  mkdirSync(join(c.dir, 'traces'), { recursive: true });
  const file = join(c.dir, 'traces', `${responseId}.json`);
  const doc = {
    type: 'dpp-trace-opening',
    response: responseId,
    commitment: toHex(commitment),
    salt: toHex(opening.salt),
    trace: toHex(encodeIdentityTrace(trace)),
    memberIndex: trace.memberIndex,
    pseudonym: toHex(trace.pseudonym),
    organisation: trace.opening.realIdentity,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  emit(json, { ...doc, openingFile: file, receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    console.log(
      `response ${short(responseId)} was sent by ring member #${trace.memberIndex} (pseudonym ${short(doc.pseudonym)}), organisation ${pc.bold(doc.organisation)}`,
    );
    console.log(`  audit event on chain: reason “${reason}”, commitment ${short(doc.commitment)}`);
    console.log(`  opening for the parties: ${relative(process.cwd(), file)}`);
  });
}

/**
 * `dpp verify-trace`: checks a trace opening (the file `dpp trace` wrote) against the chain, read
 * through `via`'s node. It fails unless the chain's audit log holds the opening's commitment for
 * that response and the identity trace verifies with the regulator's keys and the certificate the
 * chain registered for the traced pseudonym — so neither a forged certificate nor a trace the
 * regulator never recorded passes.
 */
export async function runVerifyTrace(
  c: Consortium,
  as: string | undefined,
  file: string,
  json: boolean,
): Promise<void> {
  const via = as === undefined ? c.tradingCentre() : c.member(as);
  const doc = readOpeningFile(file);
  const reader = c.reader(via);
  const response = await responseOrFail(reader, doc.response, 'the opening names a response not on chain');
  const recorded = (await reader.traces()).filter(
    (t) => t.response === doc.response && t.commitment === doc.commitment,
  );
  if (recorded.length === 0)
    throw new CliError(
      'CLI_TRACE_NOT_RECORDED',
      `the chain records no trace of response ${short(doc.response)} with commitment ${short(doc.commitment)}`,
      'a trace counts only once `trace.record` committed it; see `dpp chain show` or GET /v1/traces',
    );
  const regulator = await reader.regulator();
  if (regulator === null)
    throw new CliError(
      'CLI_NO_REGULATOR',
      'the regulator’s keys are not on chain',
      'is this the right chain?',
    );
  const registered = new Map<string, Uint8Array>();
  for (const y of response.ring) {
    const reg = await reader.pseudonym(y);
    if (reg !== undefined) registered.set(toHex(y), fromHex(reg.certificate));
  }
  let trace: ReturnType<typeof decodeIdentityTrace>;
  try {
    trace = decodeIdentityTrace(c.group, fromHex(doc.trace));
  } catch (cause) {
    throw new CliError('CLI_BAD_OPENING', `${file}: the trace does not decode (${String(cause)})`);
  }
  const anchors = {
    params: { group: c.group, regulatorKey: regulator.masterPublic },
    certPublicKey: regulator.certPublicKey,
    registeredCertificate: (y: Uint8Array) => registered.get(toHex(y)),
  };
  const sc = decodeSigncryption(c.group, response.signcryption);
  const opening = { salt: fromHex(doc.salt), trace };
  if (!verifyTraceOpening(anchors, sc, ringOf(response.ring), fromHex(doc.commitment), opening))
    throw new CliError(
      'CLI_TRACE_INVALID',
      `the opening in ${file} does not verify: it is not the regulator’s trace of this response`,
      'ask the regulator for the opening it committed to on chain',
    );
  const result = {
    response: doc.response,
    commitment: doc.commitment,
    traceSeq: recorded.map((t) => t.seq),
    memberIndex: trace.memberIndex,
    pseudonym: toHex(trace.pseudonym),
    organisation: trace.opening.realIdentity,
    verified: true,
  };
  emit(json, result, () => {
    console.log(
      `${pc.green('✓')} response ${short(doc.response)} was sent by ring member #${trace.memberIndex} (pseudonym ${short(result.pseudonym)}), organisation ${pc.bold(result.organisation)}`,
    );
    console.log(
      `  checked: the audit event's commitment, the ring trace, the regulator's certificate as registered on chain, the PID opening`,
    );
  });
}

/** The fields of a `dpp-trace-opening` file; CliError naming what is wrong. */
function readOpeningFile(file: string): {
  response: string;
  commitment: string;
  salt: string;
  trace: string;
} {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CliError(
      'CLI_BAD_OPENING',
      `cannot read ${file}: ${String(cause)}`,
      'pass the traces/<id>.json file `dpp trace` wrote',
    );
  }
  const d = doc as Record<string, unknown>;
  const hex = (name: string, length: number): string => {
    const v = d[name];
    if (typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${length}}$`).test(v))
      throw new CliError(
        'CLI_BAD_OPENING',
        `${file}: "${name}" must be ${length / 2} bytes of lowercase hex`,
      );
    return v;
  };
  if (d.type !== 'dpp-trace-opening')
    throw new CliError('CLI_BAD_OPENING', `${file} is not a trace opening (type "dpp-trace-opening")`);
  const trace = d.trace;
  if (typeof trace !== 'string' || !/^([0-9a-f]{2})+$/.test(trace))
    throw new CliError('CLI_BAD_OPENING', `${file}: "trace" must be lowercase hex`);
  return { response: hex('response', 64), commitment: hex('commitment', 64), salt: hex('salt', 64), trace };
}

/** `dpp dispute resolve`. */
export async function runDisputeResolve(
  c: Consortium,
  as: string | undefined,
  round: bigint,
  index: number,
  outcome: string,
  note: string,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['trading-centre'], 'resolve a dispute');
  if (!(RESOLUTIONS as readonly string[]).includes(outcome))
    throw new CliError(
      'CLI_BAD_ARGUMENT',
      `--outcome must be one of ${RESOLUTIONS.join(', ')}, got "${outcome}"`,
      'e.g. --outcome waive-penalties',
    );
  if (Buffer.byteLength(note) > 200)
    throw new CliError('CLI_BAD_ARGUMENT', 'the note is at most 200 bytes', 'shorten --note');
  await pickRound(c, member, round);
  const bill = (await c.reader(member).bills(round)).find((b) => b.index === index);
  if (bill === undefined)
    throw new CliError(
      'CLI_NO_BILL',
      `round ${round} has no bill ${index}`,
      `see \`dpp bill show --round ${round}\``,
    );
  if (bill.status !== 'disputed' && bill.status !== 'escalated')
    throw new CliError(
      'CLI_BAD_STATUS',
      `bill ${index} is ${bill.status}; only a disputed or escalated bill is resolved`,
      `see \`dpp bill show --round ${round}\``,
    );
  const tc = await c.open(member);
  const p = progress();
  const receipt = await c.sendOrg(
    tc,
    'dispute.resolve',
    resolvePayload,
    { round, bill: index, outcome: outcome as (typeof RESOLUTIONS)[number], note },
    p,
  );
  p.done();
  emit(json, { round: round.toString(), bill: index, outcome, receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    console.log(`bill ${index} of round ${round}: ${outcome}`);
  });
}

/** `dpp pseudonym revoke <key>`. */
export async function runPseudonymRevoke(
  c: Consortium,
  as: string | undefined,
  keyHex: string,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['trading-centre'], 'revoke a pseudonym');
  const key = fromHex(keyHex);
  const reg = await c.reader(member).pseudonym(key);
  if (reg === undefined)
    throw new CliError(
      'CLI_NO_PSEUDONYM',
      `no pseudonym ${short(keyHex)} is registered`,
      'pseudonyms are listed with their round: `dpp round show`',
    );
  if (reg.revoked)
    throw new CliError('CLI_NOTHING_TO_DO', `pseudonym ${short(keyHex)} is already revoked`, 'nothing to do');
  const p = progress();
  const receipt = await c.sendOrg(
    await c.open(member),
    'pseudonym.revoke',
    pseudonymRevokePayload,
    { key: c.group.decodePoint(key) },
    p,
  );
  p.done();
  emit(json, { pseudonym: keyHex, round: reg.round, aggregator: reg.aggregator, receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    console.log(
      `pseudonym ${short(keyHex)} of round ${reg.round} (behind ${reg.aggregator}) is revoked: it left its ring and can no longer sign`,
    );
  });
}
