/**
 * `dpp bill show|confirm|dispute|escalate|inbox|acknowledge` (docs/protocol.md §7).
 *   show         a round's bills — with `--as <consumer>`, only that consumer's own (found by the
 *                pseudonyms in its key store; the chain knows bills only by pseudonym);
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
import pc from 'picocolors';
import {
  buildBillResponse,
  buildEscalation,
  type OpenedResponse,
  openBillResponse,
} from '../../client/billResponse.ts';
import type { MarketReader } from '../../client/marketReader.ts';
import { txIdOf } from '../../client/txSubmitter.ts';
import { bytesEqual, concatBytes, fromHex, toHex } from '../../codec/bytes.ts';
import { acknowledgePayload } from '../../contracts/billResponses.ts';
import type { BillRecord, ResponseRecord, Verdict } from '../../contracts/records.ts';
import { decodeScalar, type Scalar } from '../../crypto/group.ts';
import type { Consortium, MemberStore } from '../consortium.ts';
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
  yuan,
} from '../output.ts';
import { pickRound } from './round.ts';

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
    totalMicroYuan: (
      b.energyMicroYuan +
      b.transmissionMicroYuan +
      b.fundsMicroYuan +
      b.consumerPenaltyMicroYuan
    ).toString(),
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

/** `dpp bill show`. */
export async function runBillShow(
  c: Consortium,
  as: string | undefined,
  roundArg: bigint | undefined,
  json: boolean,
): Promise<void> {
  const who = as === undefined ? undefined : c.member(as);
  if (who !== undefined && who.role !== 'consumer')
    throw new CliError(
      'CLI_WRONG_ROLE',
      `${who.id} is a ${who.role}; --as picks a consumer whose bills to show`,
      'leave out --as to see every bill of the round',
    );
  const via = who ?? c.tradingCentre();
  const round = await pickRound(c, via, roundArg);
  let bills = await c.reader(via).bills(BigInt(round.id));
  if (who !== undefined) {
    const store = await c.open(who);
    const key = c.keyPair(store, `pseudonym-r${round.id}`);
    bills = key === undefined ? [] : bills.filter((b) => bytesEqual(b.consumer, key.publicKey));
  }
  const rows = bills.map(billJson);
  emit(json, { round: round.id, bills: rows }, () => {
    if (rows.length === 0) {
      console.log(`no bills${who === undefined ? '' : ` of ${who.id}`} in round ${round.id}`);
      return;
    }
    for (const b of rows) {
      const metered =
        b.meter === null ? 'not metered' : `billed ${mwh(b.billedWh)} → ${yuan(b.totalMicroYuan)}`;
      console.log(
        `  #${String(b.index).padEnd(3)} ${b.generator.padEnd(12)} → ${short(b.pseudonym)} (${b.aggregator}) ${mwh(b.contractedWh)} at ${pricePerKWh(b.priceMicroYuanPerKWh)} · ${metered} · ${pc.bold(b.status)}`,
      );
      // A disputed or escalated bill's response is what the regulator traces (`dpp trace <id>`).
      if (b.response !== null && (b.status === 'disputed' || b.status === 'escalated'))
        console.log(`       response ${b.response}`);
    }
  });
}

/** `dpp bill confirm|dispute <round> <index>`. */
export async function runBillRespond(
  c: Consortium,
  as: string | undefined,
  round: bigint,
  index: number,
  verdict: Verdict,
  remarks: string | undefined,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['consumer'], `${verdict} a bill`);
  const text = remarks ?? (verdict === 'confirm' ? 'confirmed' : 'disputed');
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
  const key = c.keyPair(store, `pseudonym-r${round}`);
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
  const { tx, traceSecret } = buildBillResponse({
    chainId: c.file.chainId,
    params: { group: c.group, regulatorKey: regulator.masterPublic },
    pseudonym: key,
    ring,
    round,
    bill: index,
    aggregator: bill.aggregator,
    generator: bill.generator,
    receiver,
    verdict,
    remarks: text,
  });
  const id = txIdOf(tx);
  // Kept in the consumer's encrypted store before sending (both link the consumer to its response):
  // escalating the response later needs its id and the trace secret that proves it is the consumer's.
  store.save([
    {
      name: sentResponseName(round, index),
      type: 'bill-response',
      bytes: concatBytes(fromHex(id), traceSecret),
    },
  ]);
  const receipt = await c.send(member, tx, p);
  p.done();
  emit(
    json,
    {
      response: id,
      round: round.toString(),
      bill: index,
      verdict,
      ringSize: ring.length,
      receipts: [receipt],
    },
    () => {
      console.log(receiptLine(receipt));
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

/** The key-store entry that remembers the response a consumer sent for a bill. */
function sentResponseName(round: bigint, bill: number): string {
  return `response-r${round}-b${bill}`;
}

/** The responses a consumer's store remembers sending: which bill each answered, and its trace secret. */
function sentResponses(
  store: MemberStore,
): { response: string; traceSecret: Scalar; round: bigint; bill: number }[] {
  return store.store.entries.flatMap((e) => {
    const m = /^response-r(\d+)-b(\d+)$/.exec(e.name);
    if (e.type !== 'bill-response' || m === null || e.bytes.length !== 64) return [];
    const [response, secret] = [e.bytes.subarray(0, 32), e.bytes.subarray(32)];
    return [
      {
        response: toHex(response),
        traceSecret: decodeScalar(secret),
        round: BigInt(m[1]!),
        bill: Number(m[2]),
      },
    ];
  });
}

/** `dpp bill escalate <responseId> --as <consumer>`. */
export async function runBillEscalate(
  c: Consortium,
  as: string | undefined,
  responseId: string,
  reason: string,
  wait: boolean,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['consumer'], 'escalate a bill response');
  if (Buffer.byteLength(reason) > 200)
    throw new CliError('CLI_BAD_ARGUMENT', 'the reason is at most 200 bytes', 'shorten --reason');
  const reader = c.reader(member);
  const response = await responseOrFail(reader, responseId, 'use the id `dpp bill confirm|dispute` printed');
  // Validators know the sender only as one of the ring; the consumer's own store says which bill
  // its response answered and keeps the secret that proves it sent it (the contract refuses an
  // escalation without that proof).
  const store = await c.open(member);
  const sent = sentResponses(store).find((x) => x.response === responseId);
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
  const key = c.keyPair(store, `pseudonym-r${sent.round}`);
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
    if (!wait)
      throw new CliError(
        'CLI_TOO_EARLY',
        `${response.generator} may acknowledge it until ${time(from - 1n)}`,
        'run it again then, or add --wait',
      );
    await c.waitForChainTime(member, from, p, `waiting for ${response.generator}'s acknowledgement window`);
  }
  const regulator = (await reader.regulator())!;
  const tx = buildEscalation({
    chainId: c.file.chainId,
    params: { group: c.group, regulatorKey: regulator.masterPublic },
    pseudonym: key,
    response: fromHex(responseId),
    signcryption: response.signcryption,
    traceSecret: sent.traceSecret,
    round: sent.round,
    bill: sent.bill,
    reason,
  });
  const receipt = await c.send(member, tx, p);
  p.done();
  emit(
    json,
    { response: responseId, round: response.round.toString(), bill: bill.index, receipts: [receipt] },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `bill ${bill.index} of round ${response.round} escalated to the regulator: ${response.generator} did not acknowledge response ${short(responseId)}`,
      );
    },
  );
}

/** Decrypts the pending responses addressed to `generator` (or the given ones). */
async function pendingFor(c: Consortium, generatorId: string, ids: readonly string[] | undefined) {
  const member = c.memberAs(generatorId, ['generator'], 'read bill responses');
  const reader = c.reader(member);
  const wanted = ids ?? (await reader.inbox(member.id)).map((r) => r.id);
  const store = await c.open(member);
  const receiving = c.keyPair(store, 'receiving');
  const regulator = await reader.regulator();
  if (receiving === undefined || regulator === null)
    throw new CliError(
      'CLI_NOT_READY',
      'no receiving key or regulator keys yet',
      'offer in a round first (`dpp round offer`)',
    );
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
    const opened = openBillResponse(
      c.file.chainId,
      { group: c.group, regulatorKey: regulator.masterPublic },
      receiving,
      fromHex(id),
      response,
      (r, i) => (r === response.round ? bills.find((b) => b.index === i) : undefined),
    );
    out.push({ id, status: 'pending', opened });
  }
  return { member, store, rows: out };
}

/** `dpp bill inbox --as <generator>`. */
export async function runBillInbox(c: Consortium, as: string | undefined, json: boolean): Promise<void> {
  const { rows } = await pendingFor(c, as ?? '', undefined);
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
  emit(json, { responses: view }, () => {
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
export async function runBillAcknowledge(
  c: Consortium,
  as: string | undefined,
  ids: readonly string[],
  json: boolean,
): Promise<void> {
  const { store, rows } = await pendingFor(c, as ?? '', ids.length === 0 ? undefined : ids);
  const pending = rows.filter((r) => r.opened !== null);
  if (pending.length === 0)
    throw new CliError(
      'CLI_NOTHING_TO_DO',
      'no pending bill responses to acknowledge',
      'consumers answer with `dpp bill confirm|dispute`',
    );
  const p = progress();
  const receipts: TxReceipt[] = [];
  const done: { response: string; round: string; bill: number; verdict: Verdict }[] = [];
  for (const r of pending) {
    const o = r.opened!;
    receipts.push(await c.sendOrg(store, 'bill.acknowledge', acknowledgePayload, o.acknowledgement, p));
    done.push({ response: r.id, round: o.round.toString(), bill: o.bill, verdict: o.verdict });
  }
  p.done();
  emit(json, { acknowledged: done, receipts }, () => {
    for (const [i, d] of done.entries()) {
      console.log(receiptLine(receipts[i]!));
      console.log(
        `  bill ${d.bill} of round ${d.round}: ${d.verdict === 'confirm' ? 'confirmed → settled' : 'disputed → awaits the regulator'}`,
      );
    }
  });
}
