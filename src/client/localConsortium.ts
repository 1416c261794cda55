/**
 * The local consortium that `npm start` runs (docs/protocol.md §10): one process acting, through
 * the node API only, for every participant of a scenario — the trading centre (and regulator),
 * the generators, and the large consumers behind three aggregators — while the four validators
 * (the trading centre and the three aggregators) run as separate processes. Each round it opens a
 * market round, obtains one-time pseudonyms for the consumers, collects offers and pseudonymous
 * demand, closes (every validator clears it identically), meters delivery, has every consumer
 * confirm its bill by ring signcryption (one disputes in every third round), lets the generators
 * find the responses addressed to them on chain, decrypt and acknowledge them, has the regulator
 * trace and resolve the dispute, finalizes and reports.
 *
 * Every participant sends its own transactions to its own node and reads through it: the trading
 * centre and the generators through the trading centre's validator, each consumer (under its
 * pseudonym) and each aggregator through that aggregator's validator. Nothing is read from a
 * validator's disk. A node that is restarting (connection refused) is waited for, up to a minute,
 * and a transaction it lost is sent again.
 */
import { fromHex, toHex } from '../codec/bytes.ts';
import { acknowledgePayload } from '../contracts/billResponses.ts';
import { resolvePayload, traceRecordPayload } from '../contracts/disputes.ts';
import { finalizePayload } from '../contracts/finalize.ts';
import { receivingKeyPayload, receivingKeyProofBytes } from '../contracts/membership.ts';
import { meterPayload } from '../contracts/metering.ts';
import { pseudonymRegisterPayload } from '../contracts/pseudonyms.ts';
import { type BillRecord, regulatorRecord } from '../contracts/records.ts';
import {
  demandPayload,
  disputesCloseAtMs,
  offerPayload,
  roundClosePayload,
  roundOpenPayload,
} from '../contracts/rounds.ts';
import type { Codec } from '../contracts/schema.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import type { Group, Point } from '../crypto/group.ts';
import { seededRandom } from '../crypto/scalars.ts';
import { isDppError } from '../errors.ts';
import type { MemberSpec } from '../ledger/networkKeys.ts';
import type { SignedTransaction } from '../ledger/txSigning.ts';
import type { Scenario } from '../market/types.ts';
import { generateKeyPair, type KeyPair } from '../privacy/keyPair.ts';
import { decodeCertificate } from '../privacy/pseudonymCertificate.ts';
import type { RegulatorKeys } from '../privacy/regulator.ts';
import { ringOf } from '../privacy/ring.ts';
import { schnorrSign } from '../privacy/schnorr.ts';
import { decodeSigncryption } from '../privacy/signcryptionEncoding.ts';
import { traceToIdentity } from '../privacy/trace.ts';
import { commitTrace } from '../privacy/traceCommitment.ts';
import { buildBillResponse, openBillResponse } from './billResponse.ts';
import { ClientError } from './clientError.ts';
import { type ChainParams, pseudonymContractTx } from './contractTx.ts';
import type { KeyStoreEntry } from './keyStore.ts';
import { MarketReader } from './marketReader.ts';
import { NodeClient } from './nodeClient.ts';
import { consumerReputationPpm, issueOneTimePseudonym, reputationLevel } from './pseudonyms.ts';
import { sendOrgTx, txIdOf, waitCommitted, waitForHeight } from './txSubmitter.ts';

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
  readonly contracts: number;
  readonly certified: boolean;
  /** Consumers' cost against the catalog tariff, in ppm saved. */
  readonly savingPpm: number;
  readonly settled: number;
  readonly disputes: number;
  readonly traces: number;
  readonly height: bigint;
}

/** Round timing (ms after the round opens). */
export interface RoundTiming {
  readonly deliveryStartMs: number;
  readonly deliveryEndMs: number;
  readonly responseDeadlineMs: number;
  readonly ackWindowMs: number;
}

/** Short windows for the local demo: a "delivery hour" compressed to a few seconds. */
export const DEMO_TIMING: RoundTiming = {
  deliveryStartMs: 1_000,
  deliveryEndMs: 2_000,
  responseDeadlineMs: 15_000,
  ackWindowMs: 3_000,
};

/** The members of a scenario's consortium: the trading centre, an aggregator per consumer group, generators, consumers. */
export function consortiumMembers(scenario: Scenario): MemberSpec[] {
  const groups = [...new Set(scenario.consumers.map((c) => c.group))].sort();
  return [
    { id: 'trading-centre', role: 'trading-centre' },
    ...groups.map((g): MemberSpec => ({ id: aggregatorOf(g), role: 'aggregator' })),
    ...scenario.generators.map((g): MemberSpec => ({ id: g.id, role: 'generator' })),
    ...scenario.consumers.map(
      (c): MemberSpec => ({ id: c.id, role: 'consumer', aggregator: aggregatorOf(c.group) }),
    ),
  ];
}

/** The aggregator of a scenario's consumer group. */
export function aggregatorOf(group: string): string {
  return `aggregator-${group.toLowerCase()}`;
}

/**
 * The consortium as the driver sees it: node 0 is the trading centre's validator, node i + 1 the
 * i-th aggregator's (groups sorted); generators use the trading centre's node.
 */
export function localConsortium(
  scenario: Scenario,
  chainId: string,
  group: Group,
  regulator: RegulatorKeys,
  memberKeys: readonly { readonly id: string; readonly key: OrgKeyPair }[],
  nodes: readonly string[],
): LocalConsortium {
  const groups = [...new Set(scenario.consumers.map((c) => c.group))].sort();
  const key = (id: string): OrgKeyPair => {
    const k = memberKeys.find((m) => m.id === id);
    if (k === undefined) throw new ClientError('CLIENT_NOT_FOUND', `no key for member ${id}`);
    return k.key;
  };
  const nodeOf = (i: number): string => nodes[i] ?? nodes[0]!;
  return {
    chainId,
    group,
    regulator,
    tradingCentre: { id: 'trading-centre', key: key('trading-centre'), node: nodeOf(0) },
    generators: scenario.generators.map((g) => ({ id: g.id, key: key(g.id), node: nodeOf(0) })),
    aggregators: groups.map((g, i) => ({
      id: aggregatorOf(g),
      key: key(aggregatorOf(g)),
      node: nodeOf(i + 1),
    })),
    consumers: scenario.consumers.map((c) => ({
      id: c.id,
      key: key(c.id),
      aggregator: aggregatorOf(c.group),
      node: nodeOf(groups.indexOf(c.group) + 1),
    })),
    scenario,
  };
}

/** Drives the consortium round after round through its nodes' APIs. */
export class ConsortiumDriver {
  private readonly nonces = new Map<string, bigint>();
  private committedHeight = 0n;
  private readonly gates = new Map<string, { readonly height: bigint; readonly ready: Promise<void> }>();
  private readonly receiving = new Map<string, KeyPair>();
  private readonly random = seededRandom('dpp-local-meters');
  /** Each consumer's round scores so far, as the regulator tracks them. */
  private readonly scores = new Map<string, number[]>();
  private readonly chain: ChainParams;
  /** The response window of the next round: the timing's, widened when a loaded machine nears it. */
  private responseWindowMs: number;

  constructor(
    private readonly c: LocalConsortium,
    private readonly timing: RoundTiming = DEMO_TIMING,
    private readonly progress: (message: string) => void = () => {},
    /** Told of each secret a participant creates (receiving keys, pseudonyms), to keep it in its key store. */
    private readonly onSecret: (member: string, entry: KeyStoreEntry) => void = () => {},
  ) {
    this.chain = { chainId: c.chainId, group: c.group };
    this.responseWindowMs = timing.responseDeadlineMs;
  }

  /** Publishes the regulator's keys and the generators' receiving keys (once, before round 1). */
  async setUp(): Promise<void> {
    const { c } = this;
    const txs: Promise<void>[] = [];
    txs.push(
      this.sendOrg(c.tradingCentre, 'regulator.setup', regulatorRecord, {
        masterPublic: c.regulator.masterPublic,
        certPublicKey: c.regulator.certPublicKey,
      }),
    );
    for (const g of c.generators) {
      const z = generateKeyPair(c.group);
      this.receiving.set(g.id, z);
      this.onSecret(g.id, { name: 'receiving', type: 'receiving-secret', bytes: z.secret });
      const message = receivingKeyProofBytes(c.chainId, g.id, z.publicKey);
      const proof = schnorrSign(c.group, 'receiving-key', z.secret, z.publicKey, message);
      txs.push(this.sendOrg(g, 'member.receiving-key', receivingKeyPayload, { key: z.publicKey, proof }));
    }
    await Promise.all(txs);
  }

  /** Runs round `id` from opening to finalization; one consumer disputes (default: every third round). */
  async runRound(id: bigint, withDispute = id % 3n === 0n): Promise<RoundSummary> {
    const { c, timing } = this;
    const tc = c.tradingCentre;
    const reader = this.reader(tc);
    const tariffs = c.scenario.consumers[0]!;
    const market = c.scenario.parameters;
    const now = await this.retry(() => reader.chainTimeMs());
    this.progress(`round ${id}: opening`);
    const terms = {
      period: `local round ${id}`,
      deliveryStartMs: now + BigInt(timing.deliveryStartMs),
      deliveryEndMs: now + BigInt(timing.deliveryEndMs),
      responseDeadlineMs: now + BigInt(this.responseWindowMs),
      ackWindowMs: BigInt(timing.ackWindowMs),
      catalogMicroYuanPerKWh: tariffs.catalogMicroYuanPerKWh,
      transmissionMicroYuanPerKWh: tariffs.transmissionMicroYuanPerKWh,
      fundsMicroYuanPerKWh: tariffs.fundsMicroYuanPerKWh,
      benchmarkMicroYuanPerKWh: market.benchmarkMicroYuanPerKWh,
      reputationWeightMicroYuanPerKWh: market.reputationWeightMicroYuanPerKWh,
      substitutionPpm: market.substitutionPpm,
      outsideOption: market.outsideOption,
      tolerancePpm: 50_000,
      penaltyMicroYuanPerKWh: tariffs.catalogMicroYuanPerKWh / 10n,
    };
    await this.sendOrg(tc, 'round.open', roundOpenPayload, { id, terms });
    const closesAt = disputesCloseAtMs(terms);

    // One-time pseudonyms: the consumer makes the key, the regulator certifies and registers it.
    this.progress(`round ${id}: issuing ${c.consumers.length} one-time pseudonyms`);
    const pseudonyms = new Map<string, KeyPair>();
    const issuedAt = await this.retry(() => reader.chainTimeMs());
    await Promise.all(
      c.consumers.map((consumer) => {
        const { key, payload } = issueOneTimePseudonym(
          c.group,
          c.regulator,
          consumer.id,
          issuedAt,
          closesAt + 3_600_000n,
          id,
          consumer.aggregator,
          reputationLevel(consumerReputationPpm(this.scores.get(consumer.id) ?? [])),
        );
        pseudonyms.set(consumer.id, key);
        this.onSecret(consumer.id, { name: `pseudonym-r${id}`, type: 'pseudonym-secret', bytes: key.secret });
        return this.sendOrg(tc, 'pseudonym.register', pseudonymRegisterPayload, payload);
      }),
    );

    this.progress(`round ${id}: offers and pseudonymous demand`);
    const specs = new Map(c.scenario.generators.map((g) => [g.id, g]));
    const demands = new Map(c.scenario.consumers.map((d) => [d.id, d]));
    await Promise.all([
      ...c.generators.map((g) => {
        const s = specs.get(g.id)!;
        return this.sendOrg(g, 'market.offer', offerPayload, {
          round: id,
          capacityWh: s.capacityWh,
          costQuadraticMicroYuanPerMWh2: s.costQuadraticMicroYuanPerMWh2,
          costLinearMicroYuanPerKWh: s.costLinearMicroYuanPerKWh,
          costFixedMicroYuan: s.costFixedMicroYuan,
        });
      }),
      ...c.consumers.map((consumer) => {
        const d = demands.get(consumer.id)!;
        const demand = {
          round: id,
          demandWh: d.demandWh,
          diversificationMicroYuanPerKWh: d.diversificationMicroYuanPerKWh,
        };
        return this.send(
          consumer,
          pseudonymContractTx(
            this.chain,
            'market.demand',
            demandPayload,
            demand,
            pseudonyms.get(consumer.id)!,
          ),
        );
      }),
    ]);

    this.progress(`round ${id}: closing — every validator computes the equilibrium`);
    await this.sendOrg(tc, 'round.close', roundClosePayload, { round: id });
    const bills = await this.retry(() => reader.bills(id));

    this.progress(`round ${id}: ${bills.length} energy contracts; waiting for the delivery window to end`);
    await this.waitForChainTime(terms.deliveryEndMs);
    await Promise.all(
      c.aggregators.map((agg) => {
        const readings = bills
          .filter((b) => b.aggregator === agg.id)
          .map((b) => ({
            bill: b.index,
            deliveredWh: this.meter(b.contractedWh, 0.02),
            consumedWh: this.meter(b.contractedWh, 0.1),
          }));
        return readings.length === 0
          ? undefined
          : this.sendOrg(agg, 'meter.submit', meterPayload, { round: id, readings });
      }),
    );

    // Private bill responses: every consumer signcrypts its verdict to the generator, through its aggregator.
    this.progress(`round ${id}: consumers confirm their bills by ring signcryption`);
    const owner = new Map([...pseudonyms].map(([member, key]) => [toHex(key.publicKey), member]));
    const params = { group: c.group, regulatorKey: c.regulator.masterPublic };
    const rings = new Map<string, Promise<Point[]>>();
    await Promise.all(
      bills.map(async (bill, k) => {
        const consumer = c.consumers.find((x) => x.id === owner.get(toHex(bill.consumer)))!;
        let ring = rings.get(bill.aggregator);
        if (ring === undefined) {
          ring = this.retry(() => this.reader(consumer).ring(id, bill.aggregator));
          rings.set(bill.aggregator, ring);
        }
        const dispute = withDispute && k === 0;
        const { tx } = buildBillResponse({
          chainId: c.chainId,
          params,
          pseudonym: pseudonyms.get(consumer.id)!,
          ring: await ring,
          round: id,
          bill: bill.index,
          aggregator: bill.aggregator,
          generator: bill.generator,
          receiver: this.receiving.get(bill.generator)!.publicKey,
          verdict: dispute ? 'dispute' : 'confirm',
          remarks: dispute ? 'metered consumption looks too high' : 'confirmed',
        });
        await this.send(consumer, tx);
      }),
    );
    // On a loaded machine everything before the responses takes longer: when they used more than half
    // the window, the next round gets twice what they used (at most 5 minutes), so none comes too late.
    const used = Number((await this.retry(() => reader.chainTimeMs())) - now);
    if (used > this.responseWindowMs / 2) {
      this.responseWindowMs = Math.min(300_000, Math.max(this.responseWindowMs, 2 * used));
      this.progress(
        `round ${id}: responses took ${(used / 1000).toFixed(1)} s; the next round allows ${(this.responseWindowMs / 1000).toFixed(0)} s`,
      );
    }

    // Generators find the responses addressed to them on chain, decrypt, check and acknowledge.
    this.progress(`round ${id}: generators decrypt and acknowledge`);
    const metered = new Map((await this.retry(() => reader.bills(id))).map((b) => [b.index, b]));
    const disputed: string[] = [];
    for (const generator of c.generators) {
      const greader = this.reader(generator);
      for (const summary of await this.retry(() => greader.inbox(generator.id))) {
        const response = (await this.retry(() => greader.response(summary.id)))!;
        const receiving = this.receiving.get(generator.id)!;
        const opened = openBillResponse(
          c.chainId,
          params,
          receiving,
          fromHex(summary.id),
          response,
          (r, i) => (r === id ? metered.get(i) : undefined),
        );
        if (opened.verdict === 'dispute') disputed.push(summary.id);
        await this.sendOrg(generator, 'bill.acknowledge', acknowledgePayload, opened.acknowledgement);
      }
    }

    // The regulator traces each disputed response (audit event on chain) and resolves the bill.
    for (const rid of disputed) {
      this.progress(`round ${id}: the regulator traces a disputed response`);
      const response = (await this.retry(() => reader.response(rid)))!;
      const certificates = new Map<string, ReturnType<typeof decodeCertificate>>();
      for (const y of response.ring) {
        const reg = (await this.retry(() => reader.pseudonym(y)))!;
        certificates.set(toHex(y), decodeCertificate(c.group, fromHex(reg.certificate)));
      }
      const sc = decodeSigncryption(c.group, response.signcryption);
      const trace = traceToIdentity(params, c.regulator, sc, ringOf(response.ring), (y) =>
        certificates.get(toHex(y)),
      );
      const { commitment } = commitTrace(trace);
      await this.sendOrg(tc, 'trace.record', traceRecordPayload, {
        response: fromHex(rid),
        reason: 'disputed bill',
        commitment,
      });
      const bill = (await this.retry(() => reader.bills(id))).find(
        (b) => b.response !== null && toHex(b.response) === rid,
      )!;
      await this.sendOrg(tc, 'dispute.resolve', resolvePayload, {
        round: id,
        bill: bill.index,
        outcome: 'waive-penalties',
        note: 'meter reading within the accuracy class; penalties waived',
      });
    }

    this.progress(`round ${id}: finalizing — reputations move`);
    await this.waitForChainTime(closesAt);
    await this.sendOrg(tc, 'round.finalize', finalizePayload, { round: id });
    // The regulator (which alone links a consumer's pseudonyms) keeps each consumer's round scores.
    for (const [member, key] of pseudonyms) {
      const score = (await this.retry(() => reader.pseudonym(key.publicKey)))?.roundScorePpm;
      if (score !== null && score !== undefined)
        this.scores.set(member, [...(this.scores.get(member) ?? []), score]);
    }
    const final: BillRecord[] = await this.retry(() => reader.bills(id));
    const clearing = (await this.retry(() => reader.round(id)))!.clearing!;
    const status = await this.retry(() => new NodeClient(tc.node).status());
    const cost = BigInt(clearing.costMicroYuan);
    const catalog = BigInt(clearing.catalogCostMicroYuan);
    return {
      round: id,
      prices: clearing.prices.map((p) => BigInt(p.priceMicroYuanPerKWh)),
      energyWh: BigInt(clearing.energyWh),
      contracts: final.length,
      certified: clearing.certified,
      savingPpm: catalog === 0n ? 0 : Number(((catalog - cost) * 1_000_000n) / catalog),
      settled: final.filter((b) => b.status === 'settled').length,
      disputes: disputed.length,
      traces: disputed.length,
      height: BigInt(status.height),
    };
  }

  // ─── transport ───────────────────────────────────────────────────────────────────────────────

  private reader(who: Participant): MarketReader {
    return new MarketReader(who.node, this.c.group);
  }

  /** An org transaction with the sender's next nonce (tracked here: this driver is its only sender). */
  private async sendOrg<T>(who: Participant, kind: string, codec: Codec<T>, value: T): Promise<void> {
    const nonceHint = (this.nonces.get(who.id) ?? 0n) + 1n;
    this.nonces.set(who.id, nonceHint);
    const client = new NodeClient(who.node);
    await this.caughtUp(who.node);
    const { nonce, committed } = await this.retry(() =>
      sendOrgTx(client, this.chain, who.key, kind, codec, value, { nonceHint }),
    );
    if (nonce > (this.nonces.get(who.id) ?? 0n)) this.nonces.set(who.id, nonce);
    this.sawCommit(committed.height);
  }

  /**
   * A pseudonym- or ring-authorised transaction, through `who`'s node. Sent again after a restart
   * of that node, it may already be pending or on chain (a duplicate or a used unique id): then it
   * is only waited for.
   */
  private async send(who: Participant, tx: SignedTransaction): Promise<void> {
    const client = new NodeClient(who.node);
    await this.caughtUp(who.node);
    const committed = await this.retry(async () => {
      try {
        await client.submit(tx.bytes);
      } catch (err) {
        if (!isDppError(err, 'NODE_DUPLICATE_TX') && !isDppError(err, 'LEDGER_REPLAY')) throw err;
      }
      return waitCommitted(client, txIdOf(tx), tx.tx.kind);
    });
    this.sawCommit(committed.height);
  }

  /**
   * Remembers the highest block one of the driver's transactions committed in: every later
   * submission waits until its node has committed it too, so a transaction never reaches a node
   * that has not yet seen what it depends on (a demand whose pseudonym another node registered).
   */
  private sawCommit(height: bigint): void {
    if (height > this.committedHeight) this.committedHeight = height;
  }

  /**
   * Resolves once `node` has committed `committedHeight`. The sends of one phase start together and
   * share one wait per node, so they go on in the order they were made — one sender's nonces reach
   * its node in order, as they did with no wait at all.
   */
  private caughtUp(node: string): Promise<void> {
    const height = this.committedHeight;
    const gate = this.gates.get(node);
    if (gate !== undefined && gate.height >= height) return gate.ready;
    const ready = this.retry(() => waitForHeight(new NodeClient(node), { afterHeight: height }));
    this.gates.set(node, { height, ready });
    return ready;
  }

  /**
   * Runs `op`, again while the node is unreachable (restarting) or lost the transaction it was
   * given; a minute at most. Any other error is the operation's answer.
   */
  private async retry<T>(op: () => Promise<T>): Promise<T> {
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        return await op();
      } catch (err) {
        const transient = isDppError(err, 'CLIENT_NETWORK') || isDppError(err, 'CLIENT_TX_DROPPED');
        if (!transient || Date.now() > until) throw err;
        await sleep(250);
      }
    }
  }

  private async waitForChainTime(t: bigint): Promise<void> {
    const reader = this.reader(this.c.tradingCentre);
    while ((await this.retry(() => reader.chainTimeMs())) < t) await sleep(200);
  }

  /** A metered energy within ±`spread` of the contract (seeded, so runs repeat). */
  private meter(contractedWh: bigint, spread: number): bigint {
    const b = this.random(4);
    const u = (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
    const factor = 1 - spread + 2 * spread * u;
    return (contractedWh * BigInt(Math.round(factor * 1_000_000))) / 1_000_000n;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
