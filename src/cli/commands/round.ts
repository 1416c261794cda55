/**
 * `dpp round open|offer|demand|close|show|finalize`: a market round through the members' own
 * nodes (docs/protocol.md §5–§6, §10), each step a protocol action of ../../client/actions/.
 *   open     the trading centre publishes the regulator's keys on first use, then opens the next
 *            round with the scenario's tariffs and the given windows;
 *   offer    a generator publishes its receiving key if the chain lacks it, then offers capacity;
 *   demand   a consumer gets its one-time pseudonym for the round — it makes the key, the regulator
 *            (here: the trading centre's key store, opened locally) certifies and registers it —
 *            and states its demand signed by that pseudonym through its aggregator's node; the
 *            pseudonym's secret is saved in the consumer's key store;
 *   close    the trading centre solves the round off chain and closes it with the equilibrium
 *            prices; every validator settles and certifies the round at them;
 *   show     the counts of demands and bills, each generator's sale (price, energy sold, buyers,
 *            metered delivery) and the saving against the catalog tariff;
 *   demands  a window of the round's pseudonymous demands (./listPage.ts);
 *   finalize the trading centre closes the books after the acknowledgement window.
 */

import type { Command } from 'commander';
import pc from 'picocolors';
import { closeRound } from '../../client/actions/closeRound.ts';
import { demand } from '../../client/actions/demand.ts';
import { finalizeRound } from '../../client/actions/finalizeRound.ts';
import { obtainPseudonym, pseudonymRoundScores } from '../../client/actions/obtainPseudonym.ts';
import { offer } from '../../client/actions/offer.ts';
import { DEFAULT_RING_SIZE, openRound, type RoundWindows } from '../../client/actions/openRound.ts';
import { publishReceivingKey } from '../../client/actions/publishReceivingKey.ts';
import { publishRegulatorKeys } from '../../client/actions/publishRegulatorKeys.ts';
import type { ConsortiumMember } from '../../client/consortiumFile.ts';
import type { MarketReader, RoundView } from '../../client/marketReader.ts';
import { keptPseudonym, keptPseudonyms, RECEIVING_ENTRY } from '../../client/memberSecrets.ts';
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import { BILL_STATUSES, MAX_RING_SIZE, MIN_RING_SIZE } from '../../contracts/records.ts';
import { disputesCloseAtMs } from '../../contracts/rounds.ts';
import type { SaleView } from '../../contracts/views.ts';
import { type AsOptions, Consortium, participantCommand } from '../consortium.ts';
import { type ListOptions, listOptions, listWindow, windowText } from '../listPage.ts';
import {
  CliError,
  emit,
  mwh,
  plural,
  pricePerKWh,
  progress,
  receiptLine,
  type TxReceipt,
  time,
  yuan,
} from '../output.ts';
import { duration, ifGiven, roundId, scaledDecimal, wholeNumber } from '../parse.ts';

/** Adds `dpp round …`. */
export function register(program: Command): void {
  const round = program
    .command('round')
    .description('market rounds: open, offer, demand, close, show, demands, finalize');
  participantCommand(
    round
      .command('open')
      .description('(trading centre) open the next round; publishes the regulator keys on first use'),
  )
    .option('--period <label>', 'label of the delivery period')
    .option(
      '--gate-closure <duration>',
      'offers, demand and pseudonyms are taken for this long after now (chain time)',
      '5m',
    )
    .option('--delivery-start <duration>', 'delivery starts this long after gate closure', '5m')
    .option('--delivery-length <duration>', 'length of the delivery window', '1m')
    .option(
      '--response-window <duration>',
      'meter readings and the consumers’ answers are due this long after delivery',
      '30m',
    )
    .option('--ack-window <duration>', 'a generator acknowledges a response within this long', '10m')
    .option(
      '--ring-size <n>',
      `anonymity set of a bill response: rings of n to 2n − 1 of an aggregator's billed consumers (${MIN_RING_SIZE}–${MAX_RING_SIZE})`,
      String(DEFAULT_RING_SIZE),
    )
    .action(roundOpen);
  participantCommand(
    round
      .command('offer')
      .description('(generator) offer capacity; publishes its receiving key first if needed'),
    true,
  )
    .option('--capacity-mwh <MWh>', 'capacity offered (default: the scenario’s)')
    .option('--cost-linear <µ¥/kWh>', 'linear cost coefficient (default: the scenario’s)')
    .action(roundOffer);
  participantCommand(
    round
      .command('demand')
      .description('(consumer) get a one-time pseudonym for the round and state demand under it')
      .addHelpText(
        'after',
        '\nThe regulator issues the pseudonym: in this local tool that means opening the trading centre’s key store too, so its passphrase is needed (asked, or DPP_PASSPHRASE). The pseudonym’s secret is saved in the consumer’s key store.',
      ),
    true,
  )
    .option('--demand-mwh <MWh>', 'energy demanded (default: the scenario’s)')
    .option('--diversification <µ¥/kWh>', 'diversification preference φ (default: the scenario’s)')
    .action(roundDemand);
  participantCommand(
    round
      .command('close')
      .description(
        '(trading centre) solve the round and close it at the equilibrium prices; every validator checks them',
      ),
    true,
  ).action(roundClose);
  participantCommand(
    round
      .command('show')
      .argument('[id]', 'round (default: the latest)')
      .description('demands, bills, each generator’s sale and the saving vs the catalog tariff'),
  ).action((id: string | undefined, opts: AsOptions) => roundShow({ ...opts, id }));
  listOptions(
    participantCommand(
      round
        .command('demands')
        .argument('[id]', 'round (default: the latest)')
        .description('the round’s pseudonymous demands, in order of arrival (a window of them)'),
    ),
    'demands',
  ).action((id: string | undefined, opts: AsOptions & ListOptions) => roundDemands({ ...opts, id }));
  participantCommand(
    round.command('finalize').description('(trading centre) close the books and update reputations'),
    true,
  )
    .option('--wait', 'wait until the acknowledgement window has closed')
    .action(roundFinalize);
}

/** The round `id`, or the latest one when undefined; CliError when there is none. */
export async function pickRound(
  c: Consortium,
  via: ConsortiumMember,
  id: bigint | undefined,
): Promise<RoundView> {
  const reader = c.reader(via);
  const rid = id ?? (await reader.latestRound());
  const round = rid === 0n ? undefined : await reader.round(rid);
  if (round === undefined)
    throw new CliError(
      'CLI_NO_ROUND',
      rid === 0n ? 'no round has been opened yet' : `there is no round ${rid}`,
      'the trading centre opens one with `dpp round open`',
    );
  return round;
}

function requirePhase(round: RoundView, phase: RoundView['phase'], doWhat: string, hint: string): void {
  if (round.phase !== phase)
    throw new CliError(
      'CLI_WRONG_PHASE',
      `round ${round.id} is ${round.phase}; ${doWhat} needs it ${phase}`,
      hint,
    );
}

/** Refuses `doWhat` once the round's gate has closed (the contracts would refuse it: CONTRACT_TOO_LATE). */
async function requireGateOpen(c: Consortium, via: ConsortiumMember, round: RoundView, doWhat: string) {
  const gate = BigInt(round.terms.gateClosureMs);
  if ((await c.reader(via).chainTimeMs()) >= gate)
    throw new CliError(
      'CLI_GATE_CLOSED',
      `round ${round.id}'s gate closed at ${time(gate)}: ${doWhat} is no longer taken`,
      `the trading centre closes it with \`dpp round close\`; take part in the next round`,
    );
}

/** Options of `dpp round open`. */
interface RoundOpenOptions extends AsOptions {
  readonly period?: string;
  readonly gateClosure: string;
  readonly deliveryStart: string;
  readonly deliveryLength: string;
  readonly responseWindow: string;
  readonly ackWindow: string;
  readonly ringSize: string;
}

/** `dpp round open`. */
async function roundOpen(o: RoundOpenOptions): Promise<void> {
  const windows: RoundWindows = {
    gateClosureMs: duration(o.gateClosure, '--gate-closure'),
    deliveryLeadMs: duration(o.deliveryStart, '--delivery-start'),
    deliveryLengthMs: duration(o.deliveryLength, '--delivery-length'),
    responseWindowMs: duration(o.responseWindow, '--response-window'),
    ackWindowMs: duration(o.ackWindow, '--ack-window'),
  };
  const ringSize = wholeNumber(o.ringSize, '--ring-size', MIN_RING_SIZE, MAX_RING_SIZE, '--ring-size 16');
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['trading-centre'], 'open a round');
  const reader = c.reader(member);
  const latest = await reader.latestRound();
  if (latest > 0n) {
    const last = (await reader.round(latest))!;
    if (last.phase === 'open')
      throw new CliError(
        'CLI_WRONG_PHASE',
        `round ${latest} is still open`,
        `close it first: dpp round close --round ${latest}`,
      );
  }
  const tc = await c.open(member);
  const p = progress();
  const client = c.as(tc, p);
  const receipts: TxReceipt[] = [];
  if ((await reader.regulator()) === null) {
    p.update('publishing the regulator’s keys (first round)');
    receipts.push(await publishRegulatorKeys(client, { regulator: c.regulatorKeys(tc) }));
  }
  const id = latest + 1n;
  const opened = await openRound(client, {
    id,
    scenario: c.scenario(),
    windows,
    ringSize,
    ...(o.period === undefined ? {} : { period: o.period }),
  });
  receipts.push(opened.receipt);
  p.done();
  const round = (await reader.round(id))!;
  emit(o.json === true, { round: id.toString(), terms: round.terms, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(`round ${pc.bold(id.toString())} is open: “${round.terms.period}”`);
    console.log(
      `  offers and demand until gate closure at ${time(round.terms.gateClosureMs)}; close it between then and delivery`,
    );
    console.log(`  delivery ${time(round.terms.deliveryStartMs)} → ${time(round.terms.deliveryEndMs)}`);
    console.log(
      `  responses by ${time(round.terms.responseDeadlineMs)}, acknowledged within ${Number(round.terms.ackWindowMs) / 1000} s`,
    );
    console.log(
      `  catalog ${pricePerKWh(round.terms.catalogMicroYuanPerKWh)}; bill responses in rings of ${round.terms.ringSize}–${2 * round.terms.ringSize - 1} consumers`,
    );
  });
}

/** Options of `dpp round offer`. */
interface RoundOfferOptions extends AsOptions {
  readonly capacityMwh?: string;
  readonly costLinear?: string;
}

/** `dpp round offer`. */
async function roundOffer(o: RoundOfferOptions): Promise<void> {
  const capacityWh = ifGiven(o.capacityMwh, (t) =>
    scaledDecimal(t, '--capacity-mwh', 6, '--capacity-mwh 40'),
  );
  const linearCost = ifGiven(o.costLinear, (t) =>
    scaledDecimal(t, '--cost-linear', 0, '--cost-linear 150000'),
  );
  const rid = ifGiven(o.round, roundId);
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['generator'], 'offer');
  const round = await pickRound(c, member, rid);
  requirePhase(round, 'open', 'an offer', 'offers are taken between `dpp round open` and gate closure');
  await requireGateOpen(c, member, round, 'an offer');
  const spec = c.scenario().generators.find((g) => g.id === member.id);
  const capacity = capacityWh ?? spec?.capacityWh;
  if (capacity === undefined || capacity === 0n)
    throw new CliError('CLI_BAD_NUMBER', 'the capacity must be positive', 'e.g. --capacity-mwh 40');
  const store = await c.open(member);
  const reader = c.reader(member);
  const p = progress();
  const client = c.as(store, p);
  const receipts: TxReceipt[] = [];
  const receiving = c.keyPair(store, RECEIVING_ENTRY);
  if (receiving === undefined)
    throw new CliError(
      'CLI_NO_KEY',
      `${member.id}'s key store has no receiving key`,
      're-create the consortium with `dpp init`',
    );
  const published = await reader.receivingKey(member.id);
  if (published === undefined || !bytesEqual(published, receiving.publicKey)) {
    p.update('publishing the receiving key (consumers signcrypt their bill responses to it)');
    receipts.push(await publishReceivingKey(client, { key: receiving }));
  }
  const value = {
    round: BigInt(round.id),
    capacityWh: capacity,
    costQuadraticMicroYuanPerMWh2: spec?.costQuadraticMicroYuanPerMWh2 ?? 0n,
    costLinearMicroYuanPerKWh: linearCost ?? spec?.costLinearMicroYuanPerKWh ?? 0n,
    costFixedMicroYuan: spec?.costFixedMicroYuan ?? 0n,
  };
  receipts.push(await offer(client, value));
  p.done();
  emit(o.json === true, { round: round.id, generator: member.id, offer: value, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(
      `${member.id} offers ${mwh(value.capacityWh)} in round ${round.id} (marginal cost from ${pricePerKWh(value.costLinearMicroYuanPerKWh)})`,
    );
  });
}

/** Options of `dpp round demand`. */
interface RoundDemandOptions extends AsOptions {
  readonly demandMwh?: string;
  readonly diversification?: string;
}

/** `dpp round demand`. */
async function roundDemand(o: RoundDemandOptions): Promise<void> {
  const demandWhArg = ifGiven(o.demandMwh, (t) => scaledDecimal(t, '--demand-mwh', 6, '--demand-mwh 20'));
  const diversification = ifGiven(o.diversification, (t) =>
    scaledDecimal(t, '--diversification', 0, '--diversification 60000'),
  );
  const rid = ifGiven(o.round, roundId);
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['consumer'], 'state demand');
  const round = await pickRound(c, member, rid);
  requirePhase(round, 'open', 'demand', 'demand is taken between `dpp round open` and gate closure');
  await requireGateOpen(c, member, round, 'demand');
  const id = BigInt(round.id);
  const spec = c.scenario().consumers.find((x) => x.id === member.id);
  const demandWh = demandWhArg ?? spec?.demandWh;
  if (demandWh === undefined || demandWh === 0n)
    throw new CliError('CLI_BAD_NUMBER', 'the demand must be positive', 'e.g. --demand-mwh 20');
  const store = await c.open(member);
  const reader = c.reader(member);
  const p = progress();
  const consumer = c.as(store, p);
  const receipts: TxReceipt[] = [];
  let key = keptPseudonym(c.group, store.store.entries, id);
  const registered = key === undefined ? undefined : await reader.pseudonym(key.publicKey);
  if (key === undefined || registered === undefined) {
    // The regulator's half runs here with the trading centre's key store (a local consortium).
    const tc = await c.open(c.tradingCentre(), 'the regulator issues your one-time pseudonym');
    const regulator = c.regulatorKeys(tc);
    if ((await reader.regulator()) === null)
      throw new CliError(
        'CLI_NO_REGULATOR',
        'the regulator’s keys are not on chain yet',
        'the trading centre publishes them with `dpp round open`',
      );
    // The regulator attests the consumer's reputation moved by its earlier pseudonyms' round scores
    // (here found in the consumer's own key store).
    const earlier = keptPseudonyms(c.group, store.store.entries).filter((k) => k.round < id);
    const roundScores = await pseudonymRoundScores(consumer, {
      pseudonyms: earlier.map((k) => k.key.publicKey),
    });
    p.update('the regulator registers your one-time pseudonym');
    const obtained = await obtainPseudonym(c.as(tc, p), {
      member: member.id,
      aggregator: member.aggregator!,
      round: id,
      terms: termsOf(round),
      regulator,
      roundScores,
      keep: (entry) => store.save([entry]),
    });
    key = obtained.key;
    receipts.push(obtained.receipt);
  }
  const value = {
    round: id,
    demandWh,
    diversificationMicroYuanPerKWh: diversification ?? spec?.diversificationMicroYuanPerKWh ?? 0n,
  };
  receipts.push(await demand(consumer, { ...value, pseudonym: key }));
  p.done();
  const pseudonym = toHex(key.publicKey);
  emit(o.json === true, { round: round.id, pseudonym, demand: value, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(
      `${member.id} demands ${mwh(demandWh)} in round ${round.id} as pseudonym ${pseudonym} (behind ${member.aggregator})`,
    );
  });
}

/** `dpp round close`. */
async function roundClose(o: AsOptions): Promise<void> {
  const rid = ifGiven(o.round, roundId);
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['trading-centre'], 'close a round');
  const round = await pickRound(c, member, rid);
  requirePhase(
    round,
    'open',
    'closing',
    `round ${round.id} was closed already; see \`dpp round show ${round.id}\``,
  );
  const gate = BigInt(round.terms.gateClosureMs);
  const untilGate = gate - (await c.reader(member).chainTimeMs());
  if (untilGate > CLOSE_WAIT_MS)
    throw new CliError(
      'CLI_TOO_EARLY',
      `round ${round.id}'s gate closes at ${time(gate)}, in ${Math.ceil(Number(untilGate) / 60_000)} min: offers and demand are still taken`,
      'run `dpp round close` again from gate closure on (it waits when gate closure is at most 10 min away)',
    );
  const tc = await c.open(member);
  const p = progress();
  const client = c.as(tc, p);
  if (untilGate > 0n) await client.waitForChainTime({ until: gate, what: 'waiting for gate closure' });
  p.update('solving the round, then closing it — every validator checks the equilibrium');
  const closed = await closeRound(client, { round: BigInt(round.id) });
  const sales = await salesOf(c.reader(member), closed.round);
  p.done();
  emit(
    o.json === true,
    { ...summary(closed.round), sales, solveMs: Math.round(closed.solveMs), receipts: [closed.receipt] },
    () => {
      console.log(receiptLine(closed.receipt));
      console.log(
        `solved off chain in ${closed.solveMs < 1000 ? `${Math.round(closed.solveMs)} ms` : `${(closed.solveMs / 1000).toFixed(1)} s`}; every validator checked the equilibrium`,
      );
      printRound(closed.round, sales);
    },
  );
}

/** How long `dpp round close` waits for a gate closure ahead of it. */
const CLOSE_WAIT_MS = 600_000n;

/** `dpp round show [id]`. */
async function roundShow(o: AsOptions & { readonly id: string | undefined }): Promise<void> {
  const rid = ifGiven(o.id, roundId);
  const c = await Consortium.load(o);
  const via = o.as === undefined ? c.tradingCentre() : c.member(o.as);
  const round = await pickRound(c, via, rid);
  const reader = c.reader(via);
  const sales = await salesOf(reader, round);
  // one one-entry page per status: the node counts, only the totals travel
  const byStatus: Record<string, number> = {};
  if (round.bills > 0)
    for (const status of BILL_STATUSES) {
      const { total } = await reader.billsPage(BigInt(round.id), { status }, { offset: 0, limit: 1 });
      if (total > 0) byStatus[status] = total;
    }
  emit(o.json === true, { ...summary(round), terms: round.terms, billsByStatus: byStatus, sales }, () => {
    printRound(round, sales);
    if (round.bills > 0)
      console.log(
        `  bills by status: ${Object.entries(byStatus)
          .map(([s, n]) => `${n.toLocaleString('en-US')} ${s}`)
          .join(', ')} (dpp bill show --status <status> lists them)`,
      );
  });
}

/** `dpp round demands [id]`. */
async function roundDemands(o: AsOptions & ListOptions & { readonly id: string | undefined }): Promise<void> {
  const rid = ifGiven(o.id, roundId);
  const window = listWindow(o);
  const c = await Consortium.load(o);
  const via = o.as === undefined ? c.tradingCentre() : c.member(o.as);
  const round = await pickRound(c, via, rid);
  const { demands: items, total } = await c.reader(via).demandsPage(BigInt(round.id), window);
  emit(o.json === true, { round: round.id, total, ...window, demands: items }, () => {
    console.log(
      `round ${round.id}: ${windowText('pseudonymous demand', 'pseudonymous demands', items.length, window, total)}`,
    );
    for (const [i, d] of items.entries())
      console.log(
        `  ${String(window.offset + i).padStart(6)}  ${d.pseudonym}  ${mwh(d.demandWh)}  φ ${pricePerKWh(d.diversificationMicroYuanPerKWh)}`,
      );
  });
}

/** `dpp round finalize`. */
async function roundFinalize(o: AsOptions & { readonly wait?: boolean }): Promise<void> {
  const rid = ifGiven(o.round, roundId);
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['trading-centre'], 'finalize a round');
  const round = await pickRound(c, member, rid);
  requirePhase(
    round,
    'cleared',
    'finalizing',
    round.phase === 'open' ? `close it first: dpp round close` : 'it is done',
  );
  // As round.finalize checks: a response sent at the deadline may be acknowledged for one window,
  // then escalated for another (src/contracts/finalize.ts).
  const closesAt = disputesCloseAtMs(termsOf(round));
  const reader = c.reader(member);
  const p = progress();
  if ((await reader.chainTimeMs()) < closesAt) {
    if (o.wait !== true)
      throw new CliError(
        'CLI_TOO_EARLY',
        `round ${round.id} can be finalized from ${time(closesAt)}, when no response can still be acknowledged or escalated`,
        'run it again then, or add --wait',
      );
    await c.waitForChainTime(
      member,
      closesAt,
      p,
      'waiting for the acknowledgement and escalation windows to close',
    );
  }
  const tc = await c.open(member);
  const receipt = await finalizeRound(c.as(tc, p), { round: BigInt(round.id) });
  p.done();
  const { total: settled } = await reader.billsPage(
    BigInt(round.id),
    { status: 'settled' },
    { offset: 0, limit: 1 },
  );
  emit(
    o.json === true,
    { round: round.id, phase: 'finalized', settled, bills: round.bills, receipts: [receipt] },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `round ${round.id} finalized: ${settled.toLocaleString('en-US')}/${plural(round.bills, 'bill')} settled; reputations updated (dpp reputation)`,
      );
    },
  );
}

/** The sales of a cleared round (`[]` before clearing or for a cancelled round). */
async function salesOf(reader: MarketReader, round: RoundView): Promise<SaleView[]> {
  return round.clearing === null ? [] : reader.sales(BigInt(round.id));
}

/** A round as `dpp round show|close --json` give it: its counts, clearing and saving. */
function summary(r: RoundView) {
  const cl = r.clearing;
  const saving =
    cl === null || BigInt(cl.catalogCostMicroYuan) === 0n
      ? null
      : Number(
          ((BigInt(cl.catalogCostMicroYuan) - BigInt(cl.costMicroYuan)) * 1_000_000n) /
            BigInt(cl.catalogCostMicroYuan),
        );
  return {
    round: r.id,
    phase: r.phase,
    cancelReason: r.cancelReason,
    period: r.terms.period,
    offers: r.offers.length,
    /** Pseudonyms that demanded. */
    demands: r.demands,
    /** Bills recorded at clearing: one per consumer buying directly. */
    bills: r.bills,
    clearing: cl,
    savingPpm: saving,
  };
}

/**
 * A round in a few lines: its counts and windows, then each generator's sale —
 *   g1.bus1          0.3913 ¥/kWh · sold 12.500 MWh to 3 consumers · settled: delivered 12.400 MWh, paid 4,852.12 ¥
 * — and the energy traded and the consumers' saving.
 */
function printRound(r: RoundView, sales: readonly SaleView[]): void {
  const s = summary(r);
  console.log(
    `round ${pc.bold(r.id)} (${r.terms.period}): ${pc.bold(r.phase)} · ${plural(s.offers, 'offer')} · ${plural(s.demands, 'pseudonymous demand')} · ${plural(s.bills, 'bill')}`,
  );
  console.log(
    `  gate closure ${time(r.terms.gateClosureMs)}; delivery ${time(r.terms.deliveryStartMs)} → ${time(r.terms.deliveryEndMs)}; responses by ${time(r.terms.responseDeadlineMs)}`,
  );
  if (r.phase === 'cancelled')
    console.log(`  ${pc.yellow('cancelled')}: ${r.cancelReason ?? 'no reason recorded'}`);
  const cl = r.clearing;
  if (cl === null) return;
  for (const sale of sales) {
    const metered =
      sale.meter === null
        ? 'not metered yet'
        : `${sale.status}: delivered ${mwh(sale.meter.deliveredWh)}, paid ${yuan(BigInt(sale.energyMicroYuan) - BigInt(sale.penaltyMicroYuan))}`;
    console.log(
      `  ${sale.generator.padEnd(16)} ${pricePerKWh(sale.priceMicroYuanPerKWh)} · sold ${mwh(sale.soldWh)} to ${plural(sale.buyers, 'consumer')} · ${metered}`,
    );
  }
  console.log(
    `  ${mwh(cl.energyWh)} traded directly; equilibrium ${cl.certified ? 'certified' : pc.yellow('NOT certified')}`,
  );
  console.log(
    `  consumers pay ${yuan(cl.costMicroYuan)} vs ${yuan(cl.catalogCostMicroYuan)} at the catalog tariff${s.savingPpm === null ? '' : ` — saving ${(s.savingPpm / 1e4).toFixed(2)} %`}`,
  );
}

/** The deadline terms of a round view, as integers. */
function termsOf(round: {
  readonly terms: { readonly responseDeadlineMs: string; readonly ackWindowMs: string };
}) {
  return {
    responseDeadlineMs: BigInt(round.terms.responseDeadlineMs),
    ackWindowMs: BigInt(round.terms.ackWindowMs),
  };
}
