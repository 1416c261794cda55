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
import type { Command } from 'commander';
import pc from 'picocolors';
import { resolveDispute } from '../../client/actions/resolveDispute.ts';
import { revokePseudonym } from '../../client/actions/revokePseudonym.ts';
import { certKeysOnChain, traceResponse } from '../../client/actions/traceResponse.ts';
import { fromHex, toHex } from '../../codec/bytes.ts';
import { RESOLUTIONS } from '../../contracts/disputes.ts';
import { MAX_ROUND_DEMANDS } from '../../contracts/records.ts';
import { certificateSigned } from '../../privacy/pseudonymCertificate.ts';
import { ringOf } from '../../privacy/ring.ts';
import { decodeSigncryption } from '../../privacy/signcryptionEncoding.ts';
import {
  decodeIdentityTrace,
  encodeIdentityTrace,
  verifyTraceOpening,
} from '../../privacy/traceCommitment.ts';
import { type AsOptions, Consortium, participantCommand } from '../consortium.ts';
import { CliError, emit, progress, receiptLine, short } from '../output.ts';
import { oneOf, roundId, txId, wholeNumber } from '../parse.ts';
import { responseOrFail } from './bill.ts';
import { pickRound } from './round.ts';

/** Adds `dpp trace`, `dpp verify-trace`, `dpp dispute resolve` and `dpp pseudonym revoke`. */
export function register(program: Command): void {
  participantCommand(
    program
      .command('trace')
      .argument('<responseId>', 'the bill response (transaction id) to trace')
      .description(
        '(trading centre) trace a response to its sender, record the audit event, write the opening',
      ),
  )
    .requiredOption('--reason <text>', 'why (recorded on chain, ≤ 200 bytes)')
    .action((response: string, opts: AsOptions & { reason: string }) => trace({ ...opts, response }));
  participantCommand(
    program
      .command('verify-trace')
      .argument('<openingFile>', 'the trace opening `dpp trace` wrote (traces/<responseId>.json)')
      .description(
        'check a trace opening against the chain: its recorded commitment, the regulator’s certificate, the PID opening',
      ),
  ).action((file: string, opts: AsOptions) => verifyTrace({ ...opts, file }));
  const dispute = program.command('dispute').description('disputes, for the regulator');
  participantCommand(
    dispute
      .command('resolve')
      .argument('<round>', 'round')
      .argument('<index>', 'bill number')
      .description('(trading centre) settle or void a disputed bill'),
  )
    .requiredOption('--outcome <outcome>', 'uphold, waive-penalties or void')
    .option('--note <text>', 'resolution note (on chain, ≤ 200 bytes)', '')
    .action((round: string, index: string, opts: AsOptions & { outcome: string; note: string }) =>
      disputeResolve({ ...opts, round, index }),
    );
  const pseudonym = program.command('pseudonym').description('pseudonyms, for the regulator');
  participantCommand(
    pseudonym
      .command('revoke')
      .argument('<key>', 'the pseudonym key (hex, as `dpp round show` and `dpp bill show` print it)')
      .description(
        '(trading centre, as regulator) revoke a pseudonym: it leaves its ring and can no longer sign',
      ),
  ).action((key: string, opts: AsOptions) => pseudonymRevoke({ ...opts, key }));
}

/** `dpp trace`. */
async function trace(o: AsOptions & { readonly response: string; readonly reason: string }): Promise<void> {
  const responseId = txId(o.response, 'a response id');
  const { reason } = o;
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['trading-centre'], 'trace a response');
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
  const p = progress();
  const traced = await traceResponse(c.as(tc, p), {
    responseId,
    reason,
    regulator: c.regulatorKeys(tc),
    response,
  });
  p.done();
  mkdirSync(join(c.dir, 'traces'), { recursive: true });
  const file = join(c.dir, 'traces', `${responseId}.json`);
  const doc = {
    type: 'dpp-trace-opening',
    response: responseId,
    commitment: toHex(traced.commitment),
    salt: toHex(traced.opening.salt),
    trace: toHex(encodeIdentityTrace(traced.trace)),
    memberIndex: traced.trace.memberIndex,
    pseudonym: toHex(traced.trace.pseudonym),
    organisation: traced.trace.opening.realIdentity,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  emit(o.json === true, { ...doc, openingFile: file, receipts: [traced.receipt] }, () => {
    console.log(receiptLine(traced.receipt));
    console.log(
      `response ${short(responseId)} was sent by ring member #${doc.memberIndex} (pseudonym ${short(doc.pseudonym)}), organisation ${pc.bold(doc.organisation)}`,
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
async function verifyTrace(o: AsOptions & { readonly file: string }): Promise<void> {
  const { file } = o;
  const c = await Consortium.load(o);
  const via = o.as === undefined ? c.tradingCentre() : c.member(o.as);
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
  // the certification key of the certificate's time: the current one, or one it replaced (a rotation)
  const certKeys = certKeysOnChain(await reader.certKeys());
  const anchors = {
    params: { group: c.group, regulatorKey: regulator.masterPublic },
    certPublicKey: certKeys.find((k) => certificateSigned(k, trace.certificate)) ?? regulator.certPublicKey,
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
  emit(o.json === true, result, () => {
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
async function disputeResolve(
  o: Omit<AsOptions, 'round'> & {
    readonly round: string;
    readonly index: string;
    readonly outcome: string;
    readonly note: string;
  },
): Promise<void> {
  const { outcome, note } = o;
  const round = roundId(o.round);
  const index = wholeNumber(
    o.index,
    'the bill number',
    0,
    MAX_ROUND_DEMANDS - 1,
    'dpp dispute resolve 1 0 --outcome uphold',
  );
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['trading-centre'], 'resolve a dispute');
  oneOf(outcome, RESOLUTIONS, '--outcome', '--outcome waive-penalties');
  if (Buffer.byteLength(note) > 200)
    throw new CliError('CLI_BAD_ARGUMENT', 'the note is at most 200 bytes', 'shorten --note');
  await pickRound(c, member, round);
  const bill = await c.reader(member).bill(round, index);
  if (bill === undefined)
    throw new CliError(
      'CLI_NO_BILL',
      `round ${round} has no bill ${index}`,
      `see \`dpp bill show --round ${round} --status disputed\``,
    );
  if (bill.status !== 'disputed' && bill.status !== 'escalated')
    throw new CliError(
      'CLI_BAD_STATUS',
      `bill ${index} is ${bill.status}; only a disputed or escalated bill is resolved`,
      `see \`dpp bill show --round ${round} --status disputed\` and \`--status escalated\``,
    );
  const tc = await c.open(member);
  const p = progress();
  const receipt = await resolveDispute(c.as(tc, p), {
    round,
    bill: index,
    outcome: outcome as (typeof RESOLUTIONS)[number],
    note,
  });
  p.done();
  emit(o.json === true, { round: round.toString(), bill: index, outcome, receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    console.log(`bill ${index} of round ${round}: ${outcome}`);
  });
}

/** `dpp pseudonym revoke <key>`. */
async function pseudonymRevoke(o: AsOptions & { readonly key: string }): Promise<void> {
  const keyHex = txId(o.key, 'a pseudonym key', 'copy it from `dpp bill show --json` (pseudonym)');
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['trading-centre'], 'revoke a pseudonym');
  const key = fromHex(keyHex);
  const reg = await c.reader(member).pseudonym(key);
  if (reg === undefined)
    throw new CliError(
      'CLI_NO_PSEUDONYM',
      `no pseudonym ${short(keyHex)} is registered`,
      'a round’s pseudonyms are listed by `dpp round demands <round>`',
    );
  if (reg.revoked)
    throw new CliError('CLI_NOTHING_TO_DO', `pseudonym ${short(keyHex)} is already revoked`, 'nothing to do');
  const p = progress();
  const receipt = await revokePseudonym(c.as(await c.open(member), p), { key: c.group.decodePoint(key) });
  p.done();
  emit(
    o.json === true,
    { pseudonym: keyHex, round: reg.round, aggregator: reg.aggregator, receipts: [receipt] },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `pseudonym ${short(keyHex)} of round ${reg.round} (behind ${reg.aggregator}) is revoked: it left its ring and can no longer sign`,
      );
    },
  );
}
