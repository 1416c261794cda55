/**
 * The local consortium that `npm start` and `npm run bench:round` run (docs/protocol.md §10): one
 * process acting, through the node API only, for every participant of a scenario — the trading
 * centre (and regulator), the generators, and the large consumers behind the aggregators — while
 * the validators (the trading centre's and the aggregators') run as separate processes. Each round
 * it opens a market round, obtains one-time pseudonyms for the consumers, collects offers and
 * pseudonymous demand, solves the round and closes it with the equilibrium prices (every validator
 * checks them), meters consumption and generation, has every consumer confirm its bill by ring
 * signcryption (one disputes in every third round), lets the generators find the responses
 * addressed to them on chain, decrypt and acknowledge them, has the regulator trace and resolve the
 * dispute, finalizes and reports — with the wall time of each phase. Each step is a protocol action
 * (./actions/), the same the `dpp` command runs; at most POOL participants act at once.
 *
 * Every participant sends its own transactions to its own node and reads through it (the layout
 * of ./consortiumLayout.ts): the trading centre and the generators through the trading centre's
 * validator, each consumer (under its pseudonym) and each aggregator through that aggregator's
 * validator. Nothing is read from a validator's disk. A node that is restarting (connection
 * refused) is waited for, up to a minute, and a transaction it lost is sent again (./sender.ts).
 */
import { toHex } from '../codec/bytes.ts';
import type { BillRecord, RoundTerms } from '../contracts/records.ts';
import { disputesCloseAtMs } from '../contracts/rounds.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import type { Group, Point } from '../crypto/group.ts';
import { seededRandom } from '../crypto/scalars.ts';
import type { Scenario } from '../market/types.ts';
import { generateKeyPair, type KeyPair } from '../privacy/keyPair.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';
import { acknowledgeResponse } from './actions/acknowledgeResponse.ts';
import { closeRound } from './actions/closeRound.ts';
import { demand } from './actions/demand.ts';
import { finalizeRound } from './actions/finalizeRound.ts';
import { obtainPseudonym, pseudonymRoundScores } from './actions/obtainPseudonym.ts';
import { offer } from './actions/offer.ts';
import { openResponse } from './actions/openResponse.ts';
import { openRound } from './actions/openRound.ts';
import { publishReceivingKey } from './actions/publishReceivingKey.ts';
import { publishRegulatorKeys } from './actions/publishRegulatorKeys.ts';
import { resolveDispute } from './actions/resolveDispute.ts';
import { respondToBill } from './actions/respondToBill.ts';
import { submitGenerationReadings, submitMeterReadings } from './actions/submitMeterReadings.ts';
import { traceResponse } from './actions/traceResponse.ts';
import { ClientError } from './clientError.ts';
import { consortiumLayout, TRADING_CENTRE } from './consortiumLayout.ts';
import type { KeyStoreEntry } from './keyStore.ts';
import type { ResponseSummary } from './marketReader.ts';
import { receivingEntry } from './memberSecrets.ts';
import type { ParticipantClient } from './participantClient.ts';
import { inPool } from './pool.ts';
import { Sender } from './sender.ts';

export { consortiumMembers } from './consortiumLayout.ts';

/** A member's organisation key and where it sends its transactions. */
export interface Participant {
  readonly id: string;
  readonly key: OrgKeyPair;
  /** API base URL of the node it uses. */
  readonly node: string;
}

/** What the driver needs to know about the running consortium. */
export interface LocalConsortium {
  readonly chainId: string;
  readonly group: Group;
  readonly regulator: RegulatorKeys;
  readonly tradingCentre: Participant;
  readonly generators: readonly Participant[];
  readonly aggregators: readonly Participant[];
  /** Consumers with their aggregator's id. */
  readonly consumers: readonly (Participant & { readonly aggregator: string })[];
  /** The scenario the participants' offers and demands come from. */
  readonly scenario: Scenario;
}

/** The one-line summary of a round. */
export interface RoundSummary {
  readonly round: bigint;
  readonly prices: readonly bigint[];
  readonly energyWh: bigint;
  /** Bills: one per consumer buying directly. */
  readonly bills: number;
  readonly certified: boolean;
  /** Consumers' cost against the catalog tariff, in ppm saved. */
  readonly savingPpm: number;
  readonly settled: number;
  readonly disputes: number;
  readonly traces: number;
  /** Bill responses a generator acknowledged after the round's acknowledgement window. */
  readonly lateAcknowledgements: number;
  /** Bills left unanswered at finalization (overdue) or escalated to the regulator. */
  readonly overdue: number;
  readonly escalated: number;
  readonly height: bigint;
  /** Wall time of each phase of the round, in order, seconds (waits for the round's windows included). */
  readonly phases: Readonly<Record<string, number>>;
}

/** Round windows of the local driver, in ms (docs/protocol.md §6). */
export interface RoundTiming {
  /** Offers, demand and pseudonyms are taken for this long after the round opens. */
  readonly gateClosureMs: number;
  /** From gate closure to the start of delivery: the close must commit within it. */
  readonly deliveryLeadMs: number;
  readonly deliveryLengthMs: number;
  /** From the end of delivery to the response deadline: metering and the consumers' answers. */
  readonly responseWindowMs: number;
  /** A generator acknowledges a response within this long. */
  readonly ackWindowMs: number;
}

/**
 * Short windows for the local demo: a "delivery hour" compressed to a few seconds. The driver widens
 * any of them that a loaded machine used more than half of (./localConsortium.ts `adapt`), but only
 * from the next round on, so the acknowledgement window — which a load spike within a round can
 * overrun, and which scores the generators — starts with margin: 20 s (8 s was overrun once, by a
 * round that ran beside another test's validator networks in `npm test`).
 */
export const DEMO_TIMING: RoundTiming = {
  gateClosureMs: 6_000,
  deliveryLeadMs: 3_000,
  deliveryLengthMs: 1_000,
  responseWindowMs: 12_000,
  ackWindowMs: 20_000,
};

/**
 * The windows a first round of `consumers` consumers opens with: the demo's for case30, and for a
 * larger consortium room for the work that grows with it — per consumer, about 15 ms of
 * pseudonyms and demand before gate closure, 1 ms of clearing before delivery, 40 ms of metering and
 * ring-signcrypted responses before the deadline (measured on this 2-core machine with `npm run
 * bench:round`, with margin). The driver widens any window a round used more than half of.
 */
export function timingFor(consumers: number): RoundTiming {
  return {
    gateClosureMs: Math.max(DEMO_TIMING.gateClosureMs, 3_000 + 15 * consumers),
    deliveryLeadMs: Math.max(DEMO_TIMING.deliveryLeadMs, 2_000 + consumers),
    deliveryLengthMs: DEMO_TIMING.deliveryLengthMs,
    responseWindowMs: Math.max(DEMO_TIMING.responseWindowMs, 5_000 + 40 * consumers),
    ackWindowMs: DEMO_TIMING.ackWindowMs,
  };
}

/** The longest any demo window is widened to. */
const MAX_WINDOW_MS = 300_000;

/** How long a participant waits for a node that is restarting. */
const RETRY_MS = 60_000;

/** Most participants acting at once (each one HTTP request or signcryption at a time). */
const POOL = 64;

/**
 * The consortium as the driver sees it: each member with its key and the API of the node it uses
 * (`nodes[i]` is validator i's; ./consortiumLayout.ts says who uses which).
 */
export function localConsortium(
  scenario: Scenario,
  chainId: string,
  group: Group,
  regulator: RegulatorKeys,
  memberKeys: readonly { readonly id: string; readonly key: OrgKeyPair }[],
  nodes: readonly string[],
): LocalConsortium {
  const layout = consortiumLayout(scenario, nodes.length);
  const keyOf = new Map(memberKeys.map((m) => [m.id, m]));
  const participant = (spec: (typeof layout.members)[number]): Participant => {
    const k = keyOf.get(spec.id);
    if (k === undefined) throw new ClientError('CLIENT_NOT_FOUND', `no key for member ${spec.id}`);
    return { id: spec.id, key: k.key, node: nodes[layout.nodeOf(spec)] ?? nodes[0]! };
  };
  const withRole = (role: string) => layout.members.filter((m) => m.role === role);
  return {
    chainId,
    group,
    regulator,
    tradingCentre: participant({ id: TRADING_CENTRE, role: 'trading-centre' }),
    generators: withRole('generator').map(participant),
    aggregators: withRole('aggregator').map(participant),
    consumers: withRole('consumer').map((m) => ({ ...participant(m), aggregator: m.aggregator! })),
    scenario,
  };
}

/** Drives the consortium round after round through its nodes' APIs. */
export class ConsortiumDriver {
  private readonly sender: Sender;
  private readonly tc: ParticipantClient;
  private readonly receiving = new Map<string, KeyPair>();
  private readonly random = seededRandom('dpp-local-meters');
  /** Each consumer's round scores so far, as the regulator tracks them. */
  private readonly scores = new Map<string, number[]>();
  /** The windows of the next round: the timing's, each widened when a loaded machine neared it. */
  private windows: RoundTiming;

  constructor(
    private readonly c: LocalConsortium,
    timing: RoundTiming = timingFor(c.consumers.length),
    private readonly progress: (message: string) => void = () => {},
    /** Told of each secret a participant creates (receiving keys, pseudonyms), to keep it in its key store. */
    private readonly onSecret: (member: string, entry: KeyStoreEntry) => void = () => {},
    /** The rounds' ring size (default: ./actions/openRound.ts DEFAULT_RING_SIZE). */
    private readonly ringSize?: number,
  ) {
    this.sender = new Sender({ chain: { chainId: c.chainId, group: c.group }, retryMs: RETRY_MS });
    this.tc = this.as(c.tradingCentre);
    this.windows = timing;
  }

  /** The windows the next round opens with. */
  get timing(): RoundTiming {
    return this.windows;
  }

  /** Publishes the regulator's keys and the generators' receiving keys (once, before round 1). */
  async setUp(): Promise<void> {
    const { c } = this;
    await Promise.all([
      publishRegulatorKeys(this.tc, { regulator: c.regulator }),
      ...c.generators.map((g) => {
        const key = generateKeyPair(c.group);
        this.receiving.set(g.id, key);
        this.onSecret(g.id, receivingEntry(key.secret));
        return publishReceivingKey(this.as(g), { key });
      }),
    ]);
  }

  /** Runs round `id` from opening to finalization; one consumer disputes (default: every third round). */
  async runRound(id: bigint, withDispute = id % 3n === 0n): Promise<RoundSummary> {
    const { tc } = this;
    const clock = phaseClock();
    this.progress(`round ${id}: opening`);
    const { terms, openedAtMs } = await openRound(tc, {
      id,
      scenario: this.c.scenario,
      windows: windowsOf(this.windows),
      period: `local round ${id}`,
      ...(this.ringSize === undefined ? {} : { ringSize: this.ringSize }),
    });

    this.progress(`round ${id}: issuing ${this.c.consumers.length} one-time pseudonyms`);
    const pseudonyms = await this.issuePseudonyms(id, terms);
    clock.lap('pseudonyms');

    this.progress(`round ${id}: offers and pseudonymous demand`);
    await this.offersAndDemand(id, pseudonyms);
    clock.lap('offers and demand');
    this.adapt(
      id,
      'gateClosureMs',
      Number((await this.chainTime()) - openedAtMs),
      'pseudonyms, offers and demand',
    );

    this.progress(
      `round ${id}: waiting for gate closure, then solving and closing — every validator checks the equilibrium`,
    );
    await tc.waitForChainTime({ until: terms.gateClosureMs, what: 'waiting for gate closure' });
    clock.lap('waiting for gate closure');
    const closed = await closeRound(tc, { round: id });
    clock.lap('clearing');
    this.adapt(id, 'deliveryLeadMs', Number((await this.chainTime()) - terms.gateClosureMs), 'closing');
    if (closed.round.phase === 'cancelled')
      throw new ClientError(
        'CLIENT_ROUND_CANCELLED',
        `round ${id} was cancelled: ${closed.round.cancelReason}`,
        {
          round: id.toString(),
        },
      );
    const bills = await tc.read((r) => r.bills(id));

    this.progress(`round ${id}: ${bills.length} bills; waiting for the delivery window to end`);
    await tc.waitForChainTime({ until: terms.deliveryEndMs, what: 'waiting for the delivery window to end' });
    clock.lap('waiting for delivery');
    await this.meter(id, bills);
    clock.lap('metering');

    this.progress(`round ${id}: consumers confirm their bills by ring signcryption; generators acknowledge`);
    const disputed = await this.respondAndAcknowledge(id, terms, pseudonyms, withDispute);
    clock.lap('confirmations');

    for (const responseId of disputed) {
      this.progress(`round ${id}: the regulator traces a disputed response`);
      await this.traceAndResolve(id, responseId);
    }
    clock.lap('disputes');

    this.progress(`round ${id}: finalizing — reputations move`);
    await tc.waitForChainTime({ until: disputesCloseAtMs(terms), what: 'waiting for the disputes to close' });
    clock.lap('waiting for disputes to close');
    await finalizeRound(tc, { round: id });
    await this.keepScores(pseudonyms);
    clock.lap('finalization');
    return this.summary(id, disputed.length, clock.phases);
  }

  /** One-time pseudonyms: each consumer makes its key, the regulator certifies it, the trading centre registers it. */
  private async issuePseudonyms(id: bigint, terms: RoundTerms): Promise<Map<string, KeyPair>> {
    const nowMs = await this.chainTime();
    const issued = await inPool(this.c.consumers, POOL, (consumer) =>
      obtainPseudonym(this.tc, {
        member: consumer.id,
        aggregator: consumer.aggregator,
        round: id,
        terms,
        regulator: this.c.regulator,
        roundScores: this.scores.get(consumer.id) ?? [],
        nowMs,
        keep: (entry) => this.onSecret(consumer.id, entry),
      }),
    );
    return new Map(this.c.consumers.map((consumer, i) => [consumer.id, issued[i]!.key]));
  }

  /** The generators offer what the scenario says; each consumer demands under its pseudonym, through its aggregator's node. */
  private async offersAndDemand(id: bigint, pseudonyms: ReadonlyMap<string, KeyPair>): Promise<void> {
    const { c } = this;
    const specs = new Map(c.scenario.generators.map((g) => [g.id, g]));
    const demands = new Map(c.scenario.consumers.map((d) => [d.id, d]));
    await Promise.all([
      inPool(c.generators, POOL, (g) => {
        const s = specs.get(g.id)!;
        return offer(this.as(g), {
          round: id,
          capacityWh: s.capacityWh,
          costQuadraticMicroYuanPerMWh2: s.costQuadraticMicroYuanPerMWh2,
          costLinearMicroYuanPerKWh: s.costLinearMicroYuanPerKWh,
          costFixedMicroYuan: s.costFixedMicroYuan,
        });
      }),
      inPool(c.consumers, POOL, (consumer) => {
        const d = demands.get(consumer.id)!;
        return demand(this.as(consumer), {
          round: id,
          demandWh: d.demandWh,
          diversificationMicroYuanPerKWh: d.diversificationMicroYuanPerKWh,
          pseudonym: pseudonyms.get(consumer.id)!,
        });
      }),
    ]);
  }

  /**
   * Each aggregator meters its consumers' bills (seeded deviations: ±10 % consumed) and the trading
   * centre the generators' deliveries (±2 % of what each sold), the actions batching long lists.
   */
  private async meter(id: bigint, bills: readonly BillRecord[]): Promise<void> {
    const sales = await this.tc.read((r) => r.sales(id));
    const generation = sales
      .filter((s) => s.soldWh !== '0')
      .map((s) => ({ generator: s.generator, deliveredWh: this.metered(BigInt(s.soldWh), 0.02) }));
    await Promise.all([
      generation.length === 0
        ? undefined
        : submitGenerationReadings(this.tc, { round: id, readings: generation }),
      ...this.c.aggregators.map((agg) => {
        const readings = bills
          .filter((b) => b.aggregator === agg.id)
          .map((b) => ({ bill: b.index, consumedWh: this.metered(b.contractedWh, 0.1) }));
        return readings.length === 0 ? undefined : submitMeterReadings(this.as(agg), { round: id, readings });
      }),
    ]);
  }

  /**
   * Private bill responses: every consumer signcrypts its verdict to the generator its bill is
   * addressed to, through its aggregator; meanwhile the generators watch the responses addressed to
   * them and acknowledge what arrives. Returns the disputed responses.
   */
  private async respondAndAcknowledge(
    id: bigint,
    terms: RoundTerms,
    pseudonyms: ReadonlyMap<string, KeyPair>,
    withDispute: boolean,
  ): Promise<string[]> {
    const { c } = this;
    const byKey = new Map(c.consumers.map((x) => [x.id, x]));
    const owner = new Map([...pseudonyms].map(([member, key]) => [toHex(key.publicKey), byKey.get(member)!]));
    const bills = await this.tc.read((r) => r.bills(id));
    const metered = new Map(bills.map((b) => [b.index, b]));
    const disputed: string[] = [];
    const watch = { stopped: false, lagMs: 0 };
    const acknowledgements = this.acknowledgeAsTheyCome(id, metered, terms, watch, disputed);
    const rings = new Map<string, Promise<Point[]>>();
    try {
      await inPool(bills, POOL, async (bill, k) => {
        const member = owner.get(toHex(bill.consumer))!;
        const consumer = this.as(member);
        const ringId = `${bill.aggregator}/${bill.ring}`;
        let ring = rings.get(ringId);
        if (ring === undefined) {
          ring = consumer.read((r) => r.ring(id, bill.aggregator, bill.ring));
          rings.set(ringId, ring);
        }
        const dispute = withDispute && k === 0;
        // the consumer keeps what it sent, as `dpp bill confirm|dispute` does (the response id and
        // the trace secret that proves it sent it): its dashboard marks its own responses
        await respondToBill(consumer, {
          bill,
          pseudonym: pseudonyms.get(member.id)!,
          verdict: dispute ? 'dispute' : 'confirm',
          remarks: dispute ? 'metered consumption looks too high' : 'confirmed',
          regulatorKey: c.regulator.masterPublic,
          receiver: this.receiving.get(bill.generator)!.publicKey,
          ring: await ring,
          keep: (entry) => this.onSecret(member.id, entry),
        });
      });
    } catch (err) {
      watch.stopped = true;
      await acknowledgements.catch(() => {}); // the responding error is the one to report
      throw err;
    }
    // Metering and responses both fall in the response window (from the end of delivery).
    this.adapt(
      id,
      'responseWindowMs',
      Number((await this.chainTime()) - terms.deliveryEndMs),
      'metering and responses',
    );
    await acknowledgements;
    this.adapt(id, 'ackWindowMs', watch.lagMs, 'acknowledging a response');
    return disputed;
  }

  /**
   * The generators watch the round's responses until one per bill has been acknowledged: the
   * driver reads the round's response list from where it left off (one request per poll for all
   * the generators it acts for — each generator would watch its own, `GET …/responses?generator=`),
   * and the addressee decrypts and checks each new response and acknowledges it at once (its nonces
   * in order, the batch in flight together). `watch.lagMs` keeps the longest time from a response's
   * inclusion to its acknowledgement's commit; disputed responses go to `disputed`.
   */
  private async acknowledgeAsTheyCome(
    id: bigint,
    metered: ReadonlyMap<number, BillRecord>,
    terms: Pick<RoundTerms, 'responseDeadlineMs' | 'ackWindowMs'>,
    watch: { stopped: boolean; lagMs: number },
    disputed: string[],
  ): Promise<void> {
    const byId = new Map(this.c.generators.map((g) => [g.id, g]));
    let seen = 0;
    while (seen < metered.size && !watch.stopped) {
      const fresh: ResponseSummary[] = await this.tc.read((r) => r.responses(id, undefined, seen));
      if (fresh.length === 0) {
        if ((await this.chainTime()) > terms.responseDeadlineMs + terms.ackWindowMs)
          throw new ClientError(
            'CLIENT_TIMEOUT',
            `the generators received ${seen} of ${metered.size} responses by the response deadline`,
            { round: id.toString() },
          );
        await sleep(250);
        continue;
      }
      seen += fresh.length;
      const byGenerator = new Map<string, ResponseSummary[]>();
      for (const r of fresh) {
        const list = byGenerator.get(r.generator) ?? [];
        if (list.length === 0) byGenerator.set(r.generator, list);
        list.push(r);
      }
      await inPool([...byGenerator], POOL, async ([generatorId, responses]) => {
        const client = this.as(byId.get(generatorId)!);
        const receiving = this.receiving.get(generatorId)!;
        const opened = [];
        for (const summary of responses) {
          const o = await openResponse(client, {
            id: summary.id,
            receiving,
            regulatorKey: this.c.regulator.masterPublic,
            billOf: (r, i) => (r === id ? metered.get(i) : undefined),
          });
          if (o.verdict === 'dispute') disputed.push(summary.id);
          opened.push(o);
        }
        await Promise.all(opened.map((o) => acknowledgeResponse(client, { opened: o })));
      });
      const committed = await this.chainTime();
      const earliest = fresh.reduce(
        (t, r) => (BigInt(r.receivedAtMs) < t ? BigInt(r.receivedAtMs) : t),
        committed,
      );
      watch.lagMs = Math.max(watch.lagMs, Number(committed - earliest));
    }
  }

  /** The regulator traces a disputed response (an audit event on chain) and resolves its bill. */
  private async traceAndResolve(id: bigint, responseId: string): Promise<void> {
    await traceResponse(this.tc, { responseId, reason: 'disputed bill', regulator: this.c.regulator });
    const bill = (await this.tc.read((r) => r.bills(id, { status: 'disputed' }))).find(
      (b) => b.response !== null && toHex(b.response) === responseId,
    )!;
    await resolveDispute(this.tc, {
      round: id,
      bill: bill.index,
      outcome: 'waive-penalties',
      note: 'meter reading within the accuracy class; penalties waived',
    });
  }

  /** The regulator (which alone links a consumer's pseudonyms) keeps each consumer's round scores. */
  private async keepScores(pseudonyms: ReadonlyMap<string, KeyPair>): Promise<void> {
    await inPool([...pseudonyms], POOL, async ([member, key]) => {
      const scores = await pseudonymRoundScores(this.tc, { pseudonyms: [key.publicKey] });
      if (scores.length > 0) this.scores.set(member, [...(this.scores.get(member) ?? []), ...scores]);
    });
  }

  /** The round as the chain recorded it, in one line's numbers. */
  private async summary(id: bigint, disputes: number, phases: Record<string, number>): Promise<RoundSummary> {
    const { tc } = this;
    const final = await tc.read((r) => r.bills(id));
    const clearing = (await tc.read((r) => r.round(id)))!.clearing!;
    const status = await tc.status();
    const cost = BigInt(clearing.costMicroYuan);
    const catalog = BigInt(clearing.catalogCostMicroYuan);
    // What the chain recorded for the generators' acknowledgements (their round's score records).
    let lateAcknowledgements = 0;
    for (const generator of this.c.generators) {
      const scored = await tc.read((r) => r.roundScore(generator.id, id));
      if (scored !== undefined) lateAcknowledgements += scored.billsDue - scored.billsOnTime;
    }
    return {
      round: id,
      prices: clearing.prices.map((p) => BigInt(p.priceMicroYuanPerKWh)),
      energyWh: BigInt(clearing.energyWh),
      bills: final.length,
      certified: clearing.certified,
      savingPpm: catalog === 0n ? 0 : Number(((catalog - cost) * 1_000_000n) / catalog),
      settled: final.filter((b) => b.status === 'settled').length,
      disputes,
      traces: disputes,
      lateAcknowledgements,
      overdue: final.filter((b) => b.status === 'overdue').length,
      escalated: final.filter((b) => b.status === 'escalated').length,
      height: BigInt(status.height),
      phases,
    };
  }

  /**
   * Widens window `name` for the next round when this round used more than half of it (`usedMs`):
   * to twice what it used, at most MAX_WINDOW_MS — so a loaded machine does not make the demo's
   * deadlines, and the reputations they feed, an artefact of its own slowness.
   */
  private adapt(round: bigint, name: keyof RoundTiming, usedMs: number, what: string): void {
    const now = this.windows[name];
    if (usedMs <= now / 2) return;
    const next = Math.max(now, Math.min(MAX_WINDOW_MS, Math.ceil(2 * usedMs)));
    if (next === now) return;
    this.windows = { ...this.windows, [name]: next };
    this.progress(
      `round ${round}: ${what} took ${(usedMs / 1000).toFixed(1)} s; the next round allows ${(next / 1000).toFixed(0)} s`,
    );
  }

  /** `p` acting through its node. */
  private as(p: Participant): ParticipantClient {
    return this.sender.participant(p);
  }

  private chainTime(): Promise<bigint> {
    return this.tc.read((r) => r.chainTimeMs());
  }

  /** A metered energy within ±`spread` of the contract (seeded, so runs repeat). */
  private metered(contractedWh: bigint, spread: number): bigint {
    const b = this.random(4);
    const u = (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
    const factor = 1 - spread + 2 * spread * u;
    return (contractedWh * BigInt(Math.round(factor * 1_000_000))) / 1_000_000n;
  }
}

/** The driver's windows as the round's terms take them. */
function windowsOf(t: RoundTiming) {
  return {
    gateClosureMs: BigInt(t.gateClosureMs),
    deliveryLeadMs: BigInt(t.deliveryLeadMs),
    deliveryLengthMs: BigInt(t.deliveryLengthMs),
    responseWindowMs: BigInt(t.responseWindowMs),
    ackWindowMs: BigInt(t.ackWindowMs),
  };
}

/** Laps of a round's phases: each `lap(name)` records the seconds since the previous one. */
function phaseClock() {
  const phases: Record<string, number> = {};
  let last = performance.now();
  return {
    phases,
    lap(name: string): void {
      const now = performance.now();
      phases[name] = (phases[name] ?? 0) + (now - last) / 1000;
      last = now;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
