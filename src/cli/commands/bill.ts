/**
 * `dpp bill show|confirm|dispute|escalate|inbox|acknowledge` (docs/protocol.md §7).
 *   show         a round's bills, each with its parts and total (contracts/billAmount.ts) or "not
 *                metered yet" — with `--as <consumer>`, only that consumer's own (found by the
 *                pseudonyms in its key store; the chain knows bills only by pseudonym), and what it
 *                owes and paid over all its pseudonyms;
 *   confirm, dispute
 *                the consumer signs its verdict with the bill's pseudonym and ring-signcrypts it to
 *                the generator's receiving key within its aggregator's ring; its aggregator's node
 *                forwards it;
 *   escalate     the consumer, under the bill's pseudonym, reports to the regulator a response its
 *                generator left unacknowledged past the acknowledgement window;
 *   inbox        a generator decrypts the pending responses addressed to it (the chain lists each
 *                round's responses by addressee, never by sender);
 *   acknowledge  …and acknowledges them on chain, revealing bill and verdict (not the remarks).
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { acknowledgeResponse } from '../../client/actions/acknowledgeResponse.ts';
import { escalateResponse } from '../../client/actions/escalateResponse.ts';
import { openResponse } from '../../client/actions/openResponse.ts';
import { respondToBill } from '../../client/actions/respondToBill.ts';
import type { OpenedResponse } from '../../client/billResponse.ts';
import type { ConsortiumMember } from '../../client/consortiumFile.ts';
import type { MarketReader } from '../../client/marketReader.ts';
import { keptPseudonym, keptPseudonyms, RECEIVING_ENTRY, sentResponses } from '../../client/memberSecrets.ts';
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import {
  type BillStatement,
  billAmount,
  billAmountJson,
  billStatement,
  billStatementJson,
} from '../../contracts/billAmount.ts';
import type { BillRecord, ResponseRecord, Verdict } from '../../contracts/records.ts';
import { isDppError } from '../../errors.ts';
import { amountText, statementText } from '../billView.ts';
import { type AsOptions, Consortium, type MemberStore, participantCommand } from '../consortium.ts';
import {
  CliError,
  emit,
  mwh,
  pricePerKWh,
  progress,
  receiptLine,
  short,
  type TxReceipt,
  time,
} from '../output.ts';
import { ifGiven, roundId, txId, wholeNumber } from '../parse.ts';
import { pickRound } from './round.ts';

/** Adds `dpp bill …`. */
export function register(program: Command): void {
  const bill = program
    .command('bill')
    .description('bills: show, confirm or dispute (ring signcryption), escalate, inbox and acknowledge');
  participantCommand(
    bill.command('show').description('a round’s bills; with --as <consumer> only its own'),
    true,
  ).action(billShow);
  for (const verdict of ['confirm', 'dispute'] as const) {
    participantCommand(
      bill
        .command(verdict)
        .argument('<round>', 'round')
        .argument('<index>', 'bill index (see `dpp bill show --as <consumer>`)')
        .description(
          `(consumer) ${verdict} a bill privately: signed by its pseudonym, ring-signcrypted to the generator`,
        ),
    )
      .option('--remarks <text>', 'free text for the generator (≤ 200 bytes, never on chain in clear)')
      .action((round: string, index: string, opts: AsOptions & { remarks?: string }) =>
        billRespond({ ...opts, round, index, verdict }),
      );
  }
  participantCommand(
    bill
      .command('escalate')
      .argument('<responseId>', 'the response `dpp bill confirm|dispute` sent')
      .description('(consumer) report to the regulator a response its generator did not acknowledge in time'),
  )
    .option('--reason <text>', 'why (on chain, ≤ 200 bytes)', 'not acknowledged within the window')
    .option('--wait', 'wait until the generator’s acknowledgement window has closed')
    .action((response: string, opts: AsOptions & { reason: string; wait?: boolean }) =>
      billEscalate({ ...opts, response }),
    );
  participantCommand(
    bill.command('inbox').description('(generator) decrypt the bill responses addressed to it'),
  ).action(billInbox);
  participantCommand(
    bill
      .command('acknowledge')
      .argument('[responseIds...]', 'responses to acknowledge (default: every pending one in the inbox)')
      .description('(generator) acknowledge responses on chain: a confirmation settles the bill'),
  ).action((responses: string[], opts: AsOptions) => billAcknowledge({ ...opts, responses }));
}

function billJson(b: BillRecord) {
  return {
    round: b.round.toString(),
    index: b.index,
    generator: b.generator,
    pseudonym: toHex(b.consumer),
    aggregator: b.aggregator,
    status: b.status,
    contractedWh: b.contractedWh.toString(),
    priceMicroYuanPerKWh: b.priceMicroYuanPerKWh.toString(),
    meter:
      b.meter === null
        ? null
        : { deliveredWh: b.meter.deliveredWh.toString(), consumedWh: b.meter.consumedWh.toString() },
    billedWh: b.billedWh.toString(),
    /** The bill's parts and total, as the API gives them (`metered: false` before metering). */
    amount: billAmountJson(billAmount(b)),
    response: b.response === null ? null : toHex(b.response),
    resolution: b.resolution,
  };
}

/** The bill response `id` as the chain holds it; CLI_NO_RESPONSE (with `hint`) when there is none. */
export async function responseOrFail(
  reader: MarketReader,
  id: string,
  hint: string,
): Promise<ResponseRecord> {
  const response = await reader.response(id);
  if (response === undefined)
    throw new CliError('CLI_NO_RESPONSE', `no bill response ${short(id)} on chain`, hint);
  return response;
}

/**
 * What `member` (a consumer) owes and paid over all its pseudonyms: the chain knows its bills only
 * under one-time pseudonyms, and only its key store (`pseudonym-r<round>` entries) links them.
 */
export async function consumerStatement(
  c: Consortium,
  member: ConsortiumMember,
  store: MemberStore,
): Promise<BillStatement> {
  const reader = c.reader(member);
  const own: BillRecord[] = [];
  const kept = keptPseudonyms(c.group, store.store.entries);
  for (const { round, key } of kept) {
    let bills: BillRecord[];
    try {
      bills = await reader.bills(round);
    } catch (err) {
      // a pseudonym kept for a round that never opened on this chain: it has no bills
      if (isDppError(err, 'API_NOT_FOUND')) continue;
      throw err;
    }
    own.push(...bills.filter((b) => bytesEqual(b.consumer, key.publicKey)));
  }
  return billStatement(own, kept.length);
}

/** `dpp bill show`. */
async function billShow(o: AsOptions): Promise<void> {
  const rid = ifGiven(o.round, roundId);
  const c = await Consortium.load(o);
  const who = o.as === undefined ? undefined : c.member(o.as);
  if (who !== undefined && who.role !== 'consumer')
    throw new CliError(
      'CLI_WRONG_ROLE',
      `${who.id} is a ${who.role}; --as picks a consumer whose bills to show`,
      'leave out --as to see every bill of the round',
    );
  const via = who ?? c.tradingCentre();
  const round = await pickRound(c, via, rid);
  let bills = await c.reader(via).bills(BigInt(round.id));
  let statement: BillStatement | undefined;
  if (who !== undefined) {
    const store = await c.open(who);
    const key = keptPseudonym(c.group, store.store.entries, BigInt(round.id));
    bills = key === undefined ? [] : bills.filter((b) => bytesEqual(b.consumer, key.publicKey));
    statement = await consumerStatement(c, who, store);
  }
  const rows = bills.map(billJson);
  emit(
    o.json === true,
    {
      round: round.id,
      bills: rows,
      ...(statement === undefined ? {} : { statement: billStatementJson(statement) }),
    },
    () => {
      if (rows.length === 0)
        console.log(`no bills${who === undefined ? '' : ` of ${who.id}`} in round ${round.id}`);
      for (const [i, b] of rows.entries()) {
        console.log(
          `  #${String(b.index).padEnd(3)} ${b.generator.padEnd(12)} → ${short(b.pseudonym)} (${b.aggregator}) ${mwh(b.contractedWh)} at ${pricePerKWh(b.priceMicroYuanPerKWh)} · ${pc.bold(b.status)}`,
        );
        console.log(`       ${amountText(billAmount(bills[i]!))}`);
        // A disputed or escalated bill's response is what the regulator traces (`dpp trace <id>`).
        if (b.response !== null && (b.status === 'disputed' || b.status === 'escalated'))
          console.log(`       response ${b.response}`);
      }
      if (who !== undefined && statement !== undefined) console.log(`${who.id} ${statementText(statement)}`);
    },
  );
}

/** Options of `dpp bill confirm|dispute <round> <index>`. */
interface BillRespondOptions extends Omit<AsOptions, 'round'> {
  readonly round: string;
  readonly index: string;
  readonly verdict: Verdict;
  readonly remarks?: string;
}

/** `dpp bill confirm|dispute <round> <index>`. */
async function billRespond(o: BillRespondOptions): Promise<void> {
  const { verdict } = o;
  const round = roundId(o.round);
  const index = wholeNumber(o.index, 'the bill index', 0, 65535, 'dpp bill confirm 1 0');
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['consumer'], `${verdict} a bill`);
  const text = o.remarks ?? (verdict === 'confirm' ? 'confirmed' : 'disputed');
  if (Buffer.byteLength(text) > 200)
    throw new CliError('CLI_BAD_ARGUMENT', 'remarks are at most 200 bytes', 'shorten --remarks');
  const reader = c.reader(member);
  const r = await pickRound(c, member, round);
  const bill = (await reader.bills(round)).find((b) => b.index === index);
  if (bill === undefined)
    throw new CliError(
      'CLI_NO_BILL',
      `round ${r.id} has no bill ${index}`,
      `see \`dpp bill show --round ${r.id} --as ${member.id}\``,
    );
  const store = await c.open(member);
  const key = keptPseudonym(c.group, store.store.entries, round);
  if (key === undefined || !bytesEqual(key.publicKey, bill.consumer))
    throw new CliError(
      'CLI_NOT_YOURS',
      `bill ${index} of round ${round} is not ${member.id}'s`,
      `see \`dpp bill show --round ${round} --as ${member.id}\``,
    );
  if (bill.status !== 'issued')
    throw new CliError(
      'CLI_BAD_STATUS',
      `bill ${index} is ${bill.status}; only an issued (metered) bill is answered`,
      bill.status === 'contracted' ? 'wait for the aggregator to meter it' : 'nothing to do',
    );
  if ((await reader.pseudonym(key.publicKey))?.revoked === true)
    throw new CliError(
      'CLI_REVOKED',
      `${member.id}'s pseudonym ${short(toHex(key.publicKey))} of round ${round} was revoked by the regulator; it can no longer sign`,
      'ask the trading centre why',
    );
  const deadline = BigInt(r.terms.responseDeadlineMs);
  if ((await reader.chainTimeMs()) > deadline)
    throw new CliError(
      'CLI_TOO_LATE',
      `responses to round ${round}'s bills were due by ${time(deadline)}`,
      'an unanswered bill becomes overdue when the round is finalized',
    );
  const regulator = await reader.regulator();
  const receiver = await reader.receivingKey(bill.generator);
  if (regulator === null || receiver === undefined)
    throw new CliError(
      'CLI_NOT_READY',
      'the regulator’s or the generator’s keys are missing on chain',
      'has the round been run through `dpp round open` and `dpp round offer`?',
    );
  const ring = await reader.ring(round, bill.aggregator);
  const p = progress();
  p.update(`signcrypting within a ring of ${ring.length}`);
  // The response's id and trace secret are kept in the consumer's encrypted store before it is sent
  // (both link the consumer to its response): escalating it later needs them.
  const sent = await respondToBill(c.as(store, p), {
    bill,
    pseudonym: key,
    verdict,
    remarks: text,
    regulatorKey: regulator.masterPublic,
    receiver,
    ring,
    keep: (entry) => store.save([entry]),
  });
  p.done();
  const id = sent.responseId;
  emit(
    o.json === true,
    {
      response: id,
      round: round.toString(),
      bill: index,
      verdict,
      ringSize: sent.ringSize,
      receipts: [sent.receipt],
    },
    () => {
      console.log(receiptLine(sent.receipt));
      console.log(
        `${verdict === 'confirm' ? 'confirmation' : 'dispute'} of bill ${index} sent to ${bill.generator}: validators saw only that one of ${ring.length} consumers behind ${bill.aggregator} sent it`,
      );
      console.log(`response ${id}`);
      console.log(
        pc.dim(
          `if ${bill.generator} does not acknowledge it in time: dpp bill escalate ${id} --as ${member.id}`,
        ),
      );
    },
  );
}

/** Options of `dpp bill escalate <responseId>`. */
interface BillEscalateOptions extends AsOptions {
  readonly response: string;
  readonly reason: string;
  readonly wait?: boolean;
}

/** `dpp bill escalate <responseId> --as <consumer>`. */
async function billEscalate(o: BillEscalateOptions): Promise<void> {
  const responseId = txId(o.response, 'a response id');
  const { reason } = o;
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['consumer'], 'escalate a bill response');
  if (Buffer.byteLength(reason) > 200)
    throw new CliError('CLI_BAD_ARGUMENT', 'the reason is at most 200 bytes', 'shorten --reason');
  const reader = c.reader(member);
  const response = await responseOrFail(reader, responseId, 'use the id `dpp bill confirm|dispute` printed');
  // Validators know the sender only as one of the ring; the consumer's own store says which bill
  // its response answered and keeps the secret that proves it sent it (the contract refuses an
  // escalation without that proof).
  const store = await c.open(member);
  const sent = sentResponses(store.store.entries).find((x) => x.response === responseId);
  if (sent === undefined)
    throw new CliError(
      'CLI_NOT_YOURS',
      `response ${short(responseId)} was not sent with ${member.id}'s key store`,
      'escalate a response you sent with `dpp bill confirm|dispute`',
    );
  if (response.status !== 'pending')
    throw new CliError(
      'CLI_BAD_STATUS',
      `response ${short(responseId)} is ${response.status}; only a pending one is escalated`,
      `see \`dpp bill show --round ${sent.round} --as ${member.id}\``,
    );
  const bill = (await reader.bills(sent.round)).find((b) => b.index === sent.bill);
  const key = keptPseudonym(c.group, store.store.entries, sent.round);
  if (bill === undefined || key === undefined || bill.status !== 'issued')
    throw new CliError(
      'CLI_BAD_STATUS',
      `bill ${sent.bill} of round ${sent.round} is ${bill?.status ?? 'gone'}; only an issued bill is escalated`,
      `see \`dpp bill show --round ${sent.round} --as ${member.id}\``,
    );
  const round = await pickRound(c, member, response.round);
  const from = response.receivedAtMs + BigInt(round.terms.ackWindowMs) + 1n;
  const p = progress();
  if ((await reader.chainTimeMs()) < from) {
    if (o.wait !== true)
      throw new CliError(
        'CLI_TOO_EARLY',
        `${response.generator} may acknowledge it until ${time(from - 1n)}`,
        'run it again then, or add --wait',
      );
    await c.waitForChainTime(member, from, p, `waiting for ${response.generator}'s acknowledgement window`);
  }
  const regulator = (await reader.regulator())!;
  const receipt = await escalateResponse(c.as(store, p), {
    sent,
    signcryption: response.signcryption,
    pseudonym: key,
    regulatorKey: regulator.masterPublic,
    reason,
  });
  p.done();
  emit(
    o.json === true,
    { response: responseId, round: response.round.toString(), bill: bill.index, receipts: [receipt] },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `bill ${bill.index} of round ${response.round} escalated to the regulator: ${response.generator} did not acknowledge response ${short(responseId)}`,
      );
    },
  );
}

/** Decrypts the pending responses addressed to the generator `as` (or the given ones). */
async function pendingFor(c: Consortium, as: string | undefined, ids: readonly string[] | undefined) {
  const member = c.memberAs(as ?? '', ['generator'], 'read bill responses');
  const reader = c.reader(member);
  const wanted = ids ?? (await reader.inbox(member.id)).map((r) => r.id);
  const store = await c.open(member);
  const receiving = c.keyPair(store, RECEIVING_ENTRY);
  const regulator = await reader.regulator();
  if (receiving === undefined || regulator === null)
    throw new CliError(
      'CLI_NOT_READY',
      'no receiving key or regulator keys yet',
      'offer in a round first (`dpp round offer`)',
    );
  const generator = c.as(store);
  const out: { id: string; status: string; opened: OpenedResponse | null }[] = [];
  const billCache = new Map<bigint, BillRecord[]>();
  for (const id of wanted) {
    const response = await responseOrFail(reader, id, 'check the id (`dpp bill inbox` lists yours)');
    if (response.generator !== member.id)
      throw new CliError(
        'CLI_NOT_YOURS',
        `response ${short(id)} is addressed to ${response.generator}`,
        `run it --as ${response.generator}`,
      );
    if (response.status !== 'pending') {
      out.push({ id, status: response.status, opened: null });
      continue;
    }
    if (!billCache.has(response.round)) billCache.set(response.round, await reader.bills(response.round));
    const bills = billCache.get(response.round)!;
    const opened = await openResponse(generator, {
      id,
      receiving,
      regulatorKey: regulator.masterPublic,
      response,
      billOf: (r, i) => (r === response.round ? bills.find((b) => b.index === i) : undefined),
    });
    out.push({ id, status: 'pending', opened });
  }
  return { member, store, rows: out };
}

/** `dpp bill inbox --as <generator>`. */
async function billInbox(o: AsOptions): Promise<void> {
  const c = await Consortium.load(o);
  const { rows } = await pendingFor(c, o.as, undefined);
  const view = rows.map((r) => ({
    response: r.id,
    status: r.status,
    ...(r.opened === null
      ? {}
      : {
          round: r.opened.round.toString(),
          bill: r.opened.bill,
          verdict: r.opened.verdict,
          remarks: r.opened.remarks,
        }),
  }));
  emit(o.json === true, { responses: view }, () => {
    if (view.length === 0) console.log('no bill responses addressed to you');
    for (const v of view)
      console.log(
        'verdict' in v
          ? `  round ${v.round} bill ${v.bill}: ${pc.bold(String(v.verdict).toUpperCase())} — “${v.remarks}” (pending: dpp bill acknowledge)\n    response ${v.response}`
          : `  response ${v.response}: ${v.status}`,
      );
  });
}

/** `dpp bill acknowledge [responseId…] --as <generator>`. */
async function billAcknowledge(o: AsOptions & { readonly responses: readonly string[] }): Promise<void> {
  const ids = o.responses.map((x) => txId(x, 'a response id'));
  const c = await Consortium.load(o);
  const { store, rows } = await pendingFor(c, o.as, ids.length === 0 ? undefined : ids);
  const pending = rows.filter((r) => r.opened !== null);
  if (pending.length === 0)
    throw new CliError(
      'CLI_NOTHING_TO_DO',
      'no pending bill responses to acknowledge',
      'consumers answer with `dpp bill confirm|dispute`',
    );
  const p = progress();
  const generator = c.as(store, p);
  const receipts: TxReceipt[] = [];
  const done: { response: string; round: string; bill: number; verdict: Verdict }[] = [];
  for (const r of pending) {
    const opened = r.opened!;
    receipts.push(await acknowledgeResponse(generator, { opened }));
    done.push({ response: r.id, round: opened.round.toString(), bill: opened.bill, verdict: opened.verdict });
  }
  p.done();
  emit(o.json === true, { acknowledged: done, receipts }, () => {
    for (const [i, d] of done.entries()) {
      console.log(receiptLine(receipts[i]!));
      console.log(
        `  bill ${d.bill} of round ${d.round}: ${d.verdict === 'confirm' ? 'confirmed → settled' : 'disputed → awaits the regulator'}`,
      );
    }
  });
}
