/**
 * `dpp round open|offer|demand|close|show|finalize`: a market round through the members' own
 * nodes (docs/protocol.md §5–§6, §10).
 *   open     the trading centre publishes the regulator's keys on first use, then opens the next
 *            round with the scenario's tariffs and the given windows;
 *   offer    a generator publishes its receiving key if the chain lacks it, then offers capacity;
 *   demand   a consumer gets its one-time pseudonym for the round — it makes the key, the regulator
 *            (here: the trading centre's key store, opened locally) certifies and registers it —
 *            and states its demand signed by that pseudonym through its aggregator's node; the
 *            pseudonym's secret is saved in the consumer's key store;
 *   close    the trading centre closes the round; every validator clears it identically;
 *   show     prices, contracts and the saving against the catalog tariff;
 *   finalize the trading centre closes the books after the acknowledgement window.
 */

import pc from 'picocolors';
import type { ConsortiumMember } from '../../client/consortiumFile.ts';
import { pseudonymContractTx } from '../../client/contractTx.ts';
import type { RoundView } from '../../client/marketReader.ts';
import {
  certifyForRound,
  consumerReputationPpm,
  reputationLevel,
  requestPseudonym,
} from '../../client/pseudonyms.ts';
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import { finalizePayload } from '../../contracts/finalize.ts';
import { receivingKeyPayload, receivingKeyProofBytes } from '../../contracts/membership.ts';
import { pseudonymRegisterPayload } from '../../contracts/pseudonyms.ts';
import { regulatorRecord } from '../../contracts/records.ts';
import {
  demandPayload,
  disputesCloseAtMs,
  offerPayload,
  roundClosePayload,
  roundOpenPayload,
} from '../../contracts/rounds.ts';
import { decodeScalar } from '../../crypto/group.ts';
import { issuePseudoIdentity } from '../../privacy/pseudoIdentity.ts';
import { schnorrSign } from '../../privacy/schnorr.ts';
import type { Consortium } from '../consortium.ts';
import {
  CliError,
  emit,
  mwh,
  plural,
  pricePerKWh,
  progress,
  receiptLine,
  short,
  type TxReceipt,
  time,
  yuan,
} from '../output.ts';

/** Windows of a new round, in ms. */
export interface RoundWindows {
  readonly deliveryStartMs: bigint;
  readonly deliveryLengthMs: bigint;
  readonly responseWindowMs: bigint;
  readonly ackWindowMs: bigint;
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

/** `dpp round open`. */
export async function runRoundOpen(
  c: Consortium,
  as: string | undefined,
  w: RoundWindows,
  period: string | undefined,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['trading-centre'], 'open a round');
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
  const receipts: TxReceipt[] = [];
  if ((await reader.regulator()) === null) {
    const reg = c.regulatorKeys(tc);
    p.update('publishing the regulator’s keys (first round)');
    receipts.push(
      await c.sendOrg(
        tc,
        'regulator.setup',
        regulatorRecord,
        {
          masterPublic: reg.masterPublic,
          certPublicKey: reg.certPublicKey,
        },
        p,
      ),
    );
  }
  const s = c.scenario();
  const tariff = s.consumers[0]!;
  const now = await reader.chainTimeMs();
  const id = latest + 1n;
  const start = now + w.deliveryStartMs;
  const end = start + w.deliveryLengthMs;
  receipts.push(
    await c.sendOrg(
      tc,
      'round.open',
      roundOpenPayload,
      {
        id,
        terms: {
          period: period ?? `round ${id}`,
          deliveryStartMs: start,
          deliveryEndMs: end,
          responseDeadlineMs: end + w.responseWindowMs,
          ackWindowMs: w.ackWindowMs,
          catalogMicroYuanPerKWh: tariff.catalogMicroYuanPerKWh,
          transmissionMicroYuanPerKWh: tariff.transmissionMicroYuanPerKWh,
          fundsMicroYuanPerKWh: tariff.fundsMicroYuanPerKWh,
          benchmarkMicroYuanPerKWh: s.parameters.benchmarkMicroYuanPerKWh,
          reputationWeightMicroYuanPerKWh: s.parameters.reputationWeightMicroYuanPerKWh,
          substitutionPpm: s.parameters.substitutionPpm,
          outsideOption: s.parameters.outsideOption,
          tolerancePpm: 50_000,
          penaltyMicroYuanPerKWh: tariff.catalogMicroYuanPerKWh / 10n,
        },
      },
      p,
    ),
  );
  p.done();
  const round = (await reader.round(id))!;
  emit(json, { round: id.toString(), terms: round.terms, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(`round ${pc.bold(id.toString())} is open: “${round.terms.period}”`);
    console.log(`  delivery ${time(round.terms.deliveryStartMs)} → ${time(round.terms.deliveryEndMs)}`);
    console.log(
      `  responses by ${time(round.terms.responseDeadlineMs)}, acknowledged within ${Number(round.terms.ackWindowMs) / 1000} s`,
    );
    console.log(`  catalog ${pricePerKWh(round.terms.catalogMicroYuanPerKWh)}`);
  });
}

/** `dpp round offer`. */
export async function runRoundOffer(
  c: Consortium,
  as: string | undefined,
  roundArg: bigint | undefined,
  capacityWh: bigint | undefined,
  linearCost: bigint | undefined,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['generator'], 'offer');
  const round = await pickRound(c, member, roundArg);
  requirePhase(round, 'open', 'an offer', 'offers are taken between `dpp round open` and `dpp round close`');
  const spec = c.scenario().generators.find((g) => g.id === member.id);
  const capacity = capacityWh ?? spec?.capacityWh;
  if (capacity === undefined || capacity === 0n)
    throw new CliError('CLI_BAD_NUMBER', 'the capacity must be positive', 'e.g. --capacity-mwh 40');
  const store = await c.open(member);
  const reader = c.reader(member);
  const p = progress();
  const receipts: TxReceipt[] = [];
  const receiving = c.keyPair(store, 'receiving');
  if (receiving === undefined)
    throw new CliError(
      'CLI_NO_KEY',
      `${member.id}'s key store has no receiving key`,
      're-create the consortium with `dpp init`',
    );
  const published = await reader.receivingKey(member.id);
  if (published === undefined || !bytesEqual(published, receiving.publicKey)) {
    p.update('publishing the receiving key (consumers signcrypt their bill responses to it)');
    const proof = schnorrSign(
      c.group,
      'receiving-key',
      receiving.secret,
      receiving.publicKey,
      receivingKeyProofBytes(c.file.chainId, member.id, receiving.publicKey),
    );
    receipts.push(
      await c.sendOrg(
        store,
        'member.receiving-key',
        receivingKeyPayload,
        { key: receiving.publicKey, proof },
        p,
      ),
    );
  }
  const offer = {
    round: BigInt(round.id),
    capacityWh: capacity,
    costQuadraticMicroYuanPerMWh2: spec?.costQuadraticMicroYuanPerMWh2 ?? 0n,
    costLinearMicroYuanPerKWh: linearCost ?? spec?.costLinearMicroYuanPerKWh ?? 0n,
    costFixedMicroYuan: spec?.costFixedMicroYuan ?? 0n,
  };
  receipts.push(await c.sendOrg(store, 'market.offer', offerPayload, offer, p));
  p.done();
  emit(json, { round: round.id, generator: member.id, offer, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(
      `${member.id} offers ${mwh(offer.capacityWh)} in round ${round.id} (marginal cost from ${pricePerKWh(offer.costLinearMicroYuanPerKWh)})`,
    );
  });
}

/** `dpp round demand`. */
export async function runRoundDemand(
  c: Consortium,
  as: string | undefined,
  roundArg: bigint | undefined,
  demandWhArg: bigint | undefined,
  diversification: bigint | undefined,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['consumer'], 'state demand');
  const round = await pickRound(c, member, roundArg);
  requirePhase(round, 'open', 'demand', 'demand is taken between `dpp round open` and `dpp round close`');
  const id = BigInt(round.id);
  const spec = c.scenario().consumers.find((x) => x.id === member.id);
  const demandWh = demandWhArg ?? spec?.demandWh;
  if (demandWh === undefined || demandWh === 0n)
    throw new CliError('CLI_BAD_NUMBER', 'the demand must be positive', 'e.g. --demand-mwh 20');
  const tcMember = c.tradingCentre();
  const store = await c.open(member);
  const reader = c.reader(member);
  const p = progress();
  const receipts: TxReceipt[] = [];
  const name = `pseudonym-r${id}`;
  let key = c.keyPair(store, name);
  const registered = key === undefined ? undefined : await reader.pseudonym(key.publicKey);
  if (key === undefined || registered === undefined) {
    // The regulator's half runs here with the trading centre's key store (a local consortium).
    const tc = await c.open(tcMember, 'the regulator issues your one-time pseudonym');
    const regulator = c.regulatorKeys(tc);
    if ((await reader.regulator()) === null)
      throw new CliError(
        'CLI_NO_REGULATOR',
        'the regulator’s keys are not on chain yet',
        'the trading centre publishes them with `dpp round open`',
      );
    const expiresAt = disputesCloseAtMs(termsOf(round)) + 3_600_000n;
    const pid = issuePseudoIdentity(c.group, regulator, member.id);
    const req = requestPseudonym(c.group, pid, expiresAt);
    key = req.key;
    store.save([{ name, type: 'pseudonym-secret', bytes: key.secret }]);
    const payload = certifyForRound(
      c.group,
      regulator,
      req.request,
      await reader.chainTimeMs(),
      id,
      member.aggregator!,
      await attestedReputation(c, store, id),
    );
    p.update('the regulator registers your one-time pseudonym');
    receipts.push(await c.sendOrg(tc, 'pseudonym.register', pseudonymRegisterPayload, payload, p));
  }
  const demand = {
    round: id,
    demandWh,
    diversificationMicroYuanPerKWh: diversification ?? spec?.diversificationMicroYuanPerKWh ?? 0n,
  };
  const tx = pseudonymContractTx(c.chain, 'market.demand', demandPayload, demand, key);
  receipts.push(await c.send(member, tx, p));
  p.done();
  const pseudonym = toHex(key.publicKey);
  emit(json, { round: round.id, pseudonym, demand, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(
      `${member.id} demands ${mwh(demandWh)} in round ${round.id} as pseudonym ${short(pseudonym)} (behind ${member.aggregator})`,
    );
  });
}

/**
 * The reputation level the regulator attests on a new pseudonym: the consumer's reputation moved by
 * the round scores of its earlier pseudonyms (here found in the consumer's own key store).
 */
async function attestedReputation(
  c: Consortium,
  store: Awaited<ReturnType<Consortium['open']>>,
  round: bigint,
): Promise<number> {
  const earlier = store.store.entries
    .map((e) => ({ e, r: /^pseudonym-r(\d+)$/.exec(e.name) }))
    .filter((x) => x.r !== null && BigInt(x.r[1]!) < round)
    .sort((a, b) => (BigInt(a.r![1]!) < BigInt(b.r![1]!) ? -1 : 1));
  const scores: number[] = [];
  for (const { e } of earlier) {
    const reg = await c.reader(store.member).pseudonym(c.group.mulBase(decodeScalar(e.bytes)));
    if (reg?.roundScorePpm != null) scores.push(reg.roundScorePpm);
  }
  return reputationLevel(consumerReputationPpm(scores));
}

/** `dpp round close`. */
export async function runRoundClose(
  c: Consortium,
  as: string | undefined,
  roundArg: bigint | undefined,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['trading-centre'], 'close a round');
  const round = await pickRound(c, member, roundArg);
  requirePhase(
    round,
    'open',
    'closing',
    `round ${round.id} was closed already; see \`dpp round show ${round.id}\``,
  );
  const tc = await c.open(member);
  const p = progress();
  p.update('closing — every validator computes the equilibrium');
  const receipt = await c.sendOrg(tc, 'round.close', roundClosePayload, { round: BigInt(round.id) }, p);
  p.done();
  const cleared = (await c.reader(member).round(BigInt(round.id)))!;
  emit(json, { ...summary(cleared), receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    printRound(cleared);
  });
}

/** `dpp round show [id]`. */
export async function runRoundShow(
  c: Consortium,
  as: string | undefined,
  roundArg: bigint | undefined,
  json: boolean,
): Promise<void> {
  const via = as === undefined ? c.tradingCentre() : c.member(as);
  const round = await pickRound(c, via, roundArg);
  const bills = await c.reader(via).bills(BigInt(round.id));
  const byStatus: Record<string, number> = {};
  for (const b of bills) byStatus[b.status] = (byStatus[b.status] ?? 0) + 1;
  emit(json, { ...summary(round), terms: round.terms, bills: byStatus }, () => {
    printRound(round);
    if (bills.length > 0)
      console.log(
        `  bills: ${Object.entries(byStatus)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}`,
      );
  });
}

/** `dpp round finalize`. */
export async function runRoundFinalize(
  c: Consortium,
  as: string | undefined,
  roundArg: bigint | undefined,
  wait: boolean,
  json: boolean,
): Promise<void> {
  const member = c.memberAs(as, ['trading-centre'], 'finalize a round');
  const round = await pickRound(c, member, roundArg);
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
    if (!wait)
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
  const receipt = await c.sendOrg(tc, 'round.finalize', finalizePayload, { round: BigInt(round.id) }, p);
  p.done();
  const bills = await reader.bills(BigInt(round.id));
  const settled = bills.filter((b) => b.status === 'settled').length;
  emit(
    json,
    { round: round.id, phase: 'finalized', settled, bills: bills.length, receipts: [receipt] },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `round ${round.id} finalized: ${settled}/${bills.length} bills settled; reputations updated (dpp reputation)`,
      );
    },
  );
}

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
    period: r.terms.period,
    offers: r.offers.length,
    demands: r.demands.length,
    contracts: r.contracts,
    clearing: cl,
    savingPpm: saving,
  };
}

function printRound(r: RoundView): void {
  const s = summary(r);
  console.log(
    `round ${pc.bold(r.id)} (${r.terms.period}): ${pc.bold(r.phase)} · ${plural(s.offers, 'offer')} · ${plural(s.demands, 'pseudonymous demand')}`,
  );
  console.log(
    `  delivery ${time(r.terms.deliveryStartMs)} → ${time(r.terms.deliveryEndMs)}; responses by ${time(r.terms.responseDeadlineMs)}`,
  );
  const cl = r.clearing;
  if (cl === null) return;
  for (const pr of cl.prices)
    console.log(`  ${pr.generator.padEnd(16)} ${pricePerKWh(pr.priceMicroYuanPerKWh)}`);
  console.log(
    `  ${plural(r.contracts, 'energy contract')}, ${mwh(cl.energyWh)} traded directly; equilibrium ${cl.certified ? 'certified' : pc.yellow('NOT certified')}`,
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
