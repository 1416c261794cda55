/**
 * `dpp bill show|confirm|dispute|escalate|inbox|acknowledge` (docs/protocol.md §7). A bill is one
 * consumer's statement for a round, addressed to one generator (its counterparty: the same for its whole ring).
 *   show         a round's bills — a window of them (./listPage.ts), filtered by status, addressed
 *                generator or aggregator on the node — each with the generator it is addressed to,
 *                its suppliers, contracted energy, energy part and average price, what was consumed,
 *                and its parts and total (contracts/billAmount.ts) or "not metered yet"; with
 *                `--as <consumer>`, only that consumer's own (found by the pseudonyms in its key
 *                store; the chain knows bills only by pseudonym), and what it owes and paid over all
 *                its pseudonyms;
 *   confirm, dispute
 *                the consumer signs its verdict with the bill's pseudonym and ring-signcrypts it to
 *                the receiving key of the generator the bill is addressed to, within the bill's ring
 *                of its aggregator's pseudonyms; its aggregator's node forwards it;
 *   escalate     the consumer, under the bill's pseudonym, reports to the regulator a response its
 *                generator left unacknowledged past the acknowledgement window;
 *   inbox        a generator decrypts the pending responses addressed to it (the chain lists each
 *                round's responses by addressee, never by sender), a window of them;
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
import type { BillQuery, MarketReader } from '../../client/marketReader.ts';
import { keptPseudonym, keptPseudonyms, RECEIVING_ENTRY, sentResponses } from '../../client/memberSecrets.ts';
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import {
  type BillStatement,
  billAmount,
  billAmountJson,
  billStatement,
  billStatementJson,
} from '../../contracts/billAmount.ts';
import {
  BILL_STATUSES,
  type BillRecord,
  MAX_ROUND_DEMANDS,
  type ResponseRecord,
  type Verdict,
} from '../../contracts/records.ts';
import { isDppError } from '../../errors.ts';
import { averagePrice, billLines, statementText } from '../billView.ts';
import { type AsOptions, Consortium, type MemberStore, participantCommand } from '../consortium.ts';
import {
  type ListOptions,
  type ListWindow,
  listOptions,
  listWindow,
  pageOf,
  printAtMost,
  windowText,
} from '../listPage.ts';
import { CliError, emit, plural, progress, receiptLine, short, type TxReceipt, time } from '../output.ts';
import { ifGiven, oneOf, roundId, txId, wholeNumber } from '../parse.ts';
import { pickRound } from './round.ts';

/** Adds `dpp bill …`. */
export function register(program: Command): void {
  const bill = program
    .command('bill')
    .description('bills: show, confirm or dispute (ring signcryption), escalate, inbox and acknowledge');
  listOptions(
    participantCommand(
      bill
        .command('show')
        .description('a round’s bills (a window of them); with --as <consumer> only its own'),
      true,
    ),
    'bills',
  )
    .option('--status <status>', `only bills of this status (${BILL_STATUSES.join(', ')})`)
    .option('--generator <id>', 'only bills addressed to this generator')
    .option('--aggregator <id>', 'only bills of this aggregator’s consumers')
    .action(billShow);
  for (const verdict of ['confirm', 'dispute'] as const) {
    participantCommand(
      bill
        .command(verdict)
        .argument('<round>', 'round')
        .argument('<index>', 'bill number (see `dpp bill show --as <consumer>`)')
        .description(
          `(consumer) ${verdict} a bill privately: signed by its pseudonym, ring-signcrypted to the generator it is addressed to`,
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
  listOptions(
    participantCommand(
      bill.command('inbox').description('(generator) decrypt the pending bill responses addressed to it'),
    ),
    'responses',
  ).action(billInbox);
  participantCommand(
    bill
      .command('acknowledge')
      .argument('[responseIds...]', 'responses to acknowledge (default: every pending one in the inbox)')
      .description('(generator) acknowledge responses on chain: a confirmation settles the bill'),
  )
    .option('--limit <n>', 'acknowledge at most this many pending ones, oldest first (default: all)')
    .action((responses: string[], opts: AsOptions & { limit?: string }) =>
      billAcknowledge({ ...opts, responses }),
    );
}

/** The member `id` given to `option`, which must have `role`; CliError otherwise. */
function memberOfRole(c: Consortium, id: string, role: 'generator' | 'aggregator', option: string): string {
  const m = c.member(id);
  if (m.role !== role)
    throw new CliError(
      'CLI_BAD_ARGUMENT',
      `${option} takes ${role === 'generator' ? 'a generator' : 'an aggregator'}; ${id} is a ${m.role}`,
      'see `dpp members`',
    );
  return m.id;
}

/** A bill as `dpp bill show --json` gives it. */
function billJson(b: BillRecord) {
  return {
    round: b.round.toString(),
    index: b.index,
    /** The generator the bill is addressed to: its counterparty, the same for its whole ring. */
    generator: b.generator,
    suppliers: b.suppliers,
    pseudonym: toHex(b.consumer),
    aggregator: b.aggregator,
    ring: b.ring,
    status: b.status,
    contractedWh: b.contractedWh.toString(),
    /** The energy part at contracted energy, at each supplier's price. */
    contractedMicroYuan: b.contractedMicroYuan.toString(),
    /** contractedMicroYuan × 1000 ÷ contractedWh: an average over the suppliers' prices. */
    averagePriceMicroYuanPerKWh: averagePrice(b)?.toString() ?? null,
    meter:
      b.meter === null
        ? null
        : { consumedWh: b.meter.consumedWh.toString(), meteredAtMs: b.meter.meteredAtMs.toString() },
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
    try {
      own.push(...(await reader.bills(round, { consumer: toHex(key.publicKey) })));
    } catch (err) {
      // a pseudonym kept for a round that never opened on this chain: it has no bills
      if (isDppError(err, 'API_NOT_FOUND')) continue;
      throw err;
    }
  }
  return billStatement(own, kept.length);
}

/** Options of `dpp bill show`. */
interface BillShowOptions extends AsOptions, ListOptions {
  readonly status?: string;
  readonly generator?: string;
  readonly aggregator?: string;
}

/** `dpp bill show`. */
async function billShow(o: BillShowOptions): Promise<void> {
  const rid = ifGiven(o.round, roundId);
  const window = listWindow(o);
  const status = ifGiven(o.status, (t) => oneOf(t, BILL_STATUSES, '--status', '--status disputed'));
  const c = await Consortium.load(o);
  const who = o.as === undefined ? undefined : c.member(o.as);
  if (who !== undefined && who.role !== 'consumer')
    throw new CliError(
      'CLI_WRONG_ROLE',
      `${who.id} is a ${who.role}; --as picks a consumer whose bills to show`,
      who.role === 'generator'
        ? `--generator ${who.id} shows the bills addressed to it`
        : who.role === 'aggregator'
          ? `--aggregator ${who.id} shows its consumers' bills`
          : 'leave out --as to see every bill of the round',
    );
  const filter: BillQuery = {
    ...(status === undefined ? {} : { status }),
    ...ifGiven(o.generator, (g) => ({ generator: memberOfRole(c, g, 'generator', '--generator') })),
    ...ifGiven(o.aggregator, (a) => ({ aggregator: memberOfRole(c, a, 'aggregator', '--aggregator') })),
  };
  const via = who ?? c.tradingCentre();
  const round = await pickRound(c, via, rid);
  // The node filters: only the bills that match travel (a consumer's own: by its pseudonym).
  let page = { items: [] as BillRecord[], total: 0, ...window };
  let statement: BillStatement | undefined;
  const read = async (f: BillQuery) => {
    const { bills, total } = await c.reader(via).billsPage(BigInt(round.id), f, window);
    page = { items: bills, total, ...window };
  };
  if (who === undefined) await read(filter);
  else {
    const store = await c.open(who);
    const key = keptPseudonym(c.group, store.store.entries, BigInt(round.id));
    if (key !== undefined) await read({ ...filter, consumer: toHex(key.publicKey) });
    statement = await consumerStatement(c, who, store);
  }
  const filterText = [
    status === undefined ? '' : `status ${status}`,
    filter.generator === undefined ? '' : `addressed to ${filter.generator}`,
    filter.aggregator === undefined ? '' : `of ${filter.aggregator}'s consumers`,
    who === undefined ? '' : `of ${who.id}`,
  ].filter((x) => x !== '');
  emit(
    o.json === true,
    {
      round: round.id,
      filter,
      total: page.total,
      offset: page.offset,
      limit: page.limit,
      bills: page.items.map(billJson),
      ...(statement === undefined ? {} : { statement: billStatementJson(statement) }),
    },
    () => {
      // "round 1 · status issued · addressed to g1.bus1: bills 1–20 of 1,666 (next: --offset 20); 10,000 in the round"
      const matching = windowText('bill', 'bills', page.items.length, window, page.total);
      console.log(
        filterText.length === 0
          ? `round ${round.id}: ${matching}`
          : `round ${round.id} · ${filterText.join(' · ')}: ${matching}; ${plural(round.bills, 'bill')} in the round`,
      );
      for (const b of page.items) {
        for (const line of billLines(b, pc.bold(b.status))) console.log(`  ${line}`);
        // A disputed or escalated bill's response is what the regulator traces (`dpp trace <id>`).
        if (b.response !== null && (b.status === 'disputed' || b.status === 'escalated'))
          console.log(`         response ${toHex(b.response)}`);
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
  const index = wholeNumber(o.index, 'the bill number', 0, MAX_ROUND_DEMANDS - 1, 'dpp bill confirm 1 0');
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['consumer'], `${verdict} a bill`);
  const text = o.remarks ?? (verdict === 'confirm' ? 'confirmed' : 'disputed');
  if (Buffer.byteLength(text) > 200)
    throw new CliError('CLI_BAD_ARGUMENT', 'remarks are at most 200 bytes', 'shorten --remarks');
  const reader = c.reader(member);
  const r = await pickRound(c, member, round);
  const bill = await reader.bill(round, index);
  if (bill === undefined)
    throw new CliError(
      'CLI_NO_BILL',
      `round ${r.id} has no bill ${index} (it has ${r.bills.toLocaleString('en-US')})`,
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
  const ring = await reader.ring(round, bill.aggregator, bill.ring);
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
  const bill = await reader.bill(sent.round, sent.bill);
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

/**
 * Decrypts the responses given by id, or else the pending ones addressed to the generator `as` —
 * oldest first (the first whose acknowledgement window closes), those in `window` of them.
 */
async function pendingFor(
  c: Consortium,
  as: string | undefined,
  ids: readonly string[] | undefined,
  window: ListWindow = { offset: 0, limit: Number.MAX_SAFE_INTEGER },
) {
  const member = c.memberAs(as ?? '', ['generator'], 'read bill responses');
  const reader = c.reader(member);
  const all =
    ids ??
    (await reader.inbox(member.id))
      .sort((a, b) => Number(BigInt(a.receivedAtMs) - BigInt(b.receivedAtMs)))
      .map((r) => r.id);
  const wanted = pageOf(all, window);
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
  // A response names one of the bills addressed to this generator: those of its round, fetched once.
  const billCache = new Map<bigint, Map<number, BillRecord>>();
  for (const id of wanted.items) {
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
    let bills = billCache.get(response.round);
    if (bills === undefined) {
      const addressed = await reader.bills(response.round, { generator: member.id });
      bills = new Map(addressed.map((b) => [b.index, b]));
      billCache.set(response.round, bills);
    }
    const opened = await openResponse(generator, {
      id,
      receiving,
      regulatorKey: regulator.masterPublic,
      response,
      billOf: (r, i) => (r === response.round ? bills.get(i) : undefined),
    });
    out.push({ id, status: 'pending', opened });
  }
  return { member, store, rows: out, total: wanted.total };
}

/** `dpp bill inbox --as <generator>`. */
async function billInbox(o: AsOptions & ListOptions): Promise<void> {
  const window = listWindow(o);
  const c = await Consortium.load(o);
  const { member, rows, total } = await pendingFor(c, o.as, undefined, window);
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
  emit(o.json === true, { total, ...window, responses: view }, () => {
    console.log(
      `${member.id}'s inbox, oldest first: ${windowText('pending bill response', 'pending bill responses', view.length, window, total)}`,
    );
    for (const v of view)
      console.log(
        'verdict' in v
          ? `  round ${v.round} bill ${v.bill}: ${pc.bold(String(v.verdict).toUpperCase())} — “${v.remarks}” (pending: dpp bill acknowledge)\n    response ${v.response}`
          : `  response ${v.response}: ${v.status}`,
      );
  });
}

/** `dpp bill acknowledge [responseId…] --as <generator> [--limit n]`. */
async function billAcknowledge(
  o: AsOptions & { readonly responses: readonly string[]; readonly limit?: string },
): Promise<void> {
  const ids = o.responses.map((x) => txId(x, 'a response id'));
  const limit = ifGiven(o.limit, (t) => wholeNumber(t, '--limit', 1, Number.MAX_SAFE_INTEGER, '--limit 100'));
  const c = await Consortium.load(o);
  const { store, rows } = await pendingFor(
    c,
    o.as,
    ids.length === 0 ? undefined : ids,
    limit === undefined ? undefined : { offset: 0, limit },
  );
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
    p.update(`acknowledging ${done.length + 1} of ${pending.length}`);
    receipts.push(await acknowledgeResponse(generator, { opened }));
    done.push({ response: r.id, round: opened.round.toString(), bill: opened.bill, verdict: opened.verdict });
  }
  p.done();
  emit(o.json === true, { acknowledged: done, receipts }, () => {
    printAtMost(
      done.map(
        (d, i) =>
          `${receiptLine(receipts[i]!)}\n  bill ${d.bill} of round ${d.round}: ${d.verdict === 'confirm' ? 'confirmed → settled' : 'disputed → awaits the regulator'}`,
      ),
      'acknowledged',
    );
  });
}
