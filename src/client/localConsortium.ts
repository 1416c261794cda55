/**
 * The local consortium that `npm start` runs (docs/protocol.md §10): one process acting, through
 * the node API only, for every participant of a scenario — the trading centre (and regulator),
 * the generators, and the large consumers behind three aggregators — while the four validators
 * (the trading centre and the three aggregators) run as separate processes. Each round it opens a
 * market round, obtains one-time pseudonyms for the consumers, collects offers and pseudonymous
 * demand, closes (every validator clears it identically), meters delivery, has every consumer
 * confirm its bill by ring signcryption (one disputes in every third round), lets the generators
 * decrypt and acknowledge, has the regulator trace and resolve the dispute, finalizes and reports.
 *
 * Every participant sends its own transactions to its own node: the trading centre and the
 * generators to the trading centre's validator, each consumer (under its pseudonym) and each
 * aggregator to that aggregator's validator. Nothing is read from a validator's disk.
 */
import { fromHex, toHex } from '../codec/bytes.ts';
import { acknowledgePayload } from '../contracts/billResponses.ts';
import { resolvePayload, traceRecordPayload } from '../contracts/disputes.ts';
import { finalizePayload } from '../contracts/finalize.ts';
import { receivingKeyPayload, receivingKeyProofBytes } from '../contracts/membership.ts';
import { meterPayload } from '../contracts/metering.ts';
import { pseudonymRegisterPayload } from '../contracts/pseudonyms.ts';
import { type BillRecord, billRecord, regulatorRecord, responseRecord } from '../contracts/records.ts';
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
import type { MemberSpec } from '../ledger/networkKeys.ts';
import { transactionId } from '../ledger/transaction.ts';
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
import { orgContractTx, pseudonymContractTx } from './contractTx.ts';
import { issueOneTimePseudonym } from './pseudonyms.ts';

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
  private readonly receiving = new Map<string, KeyPair>();
  private readonly random = seededRandom('dpp-local-meters');
  private reputations = new Map<string, number>();

  constructor(
    private readonly c: LocalConsortium,
    private readonly timing: RoundTiming = DEMO_TIMING,
    private readonly progress: (message: string) => void = () => {},
  ) {}

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
      const proof = schnorrSign(
        c.group,
        'receiving-key',
        z.secret,
        z.publicKey,
        receivingKeyProofBytes(c.chainId, g.id, z.publicKey),
      );
      txs.push(this.sendOrg(g, 'member.receiving-key', receivingKeyPayload, { key: z.publicKey, proof }));
    }
    await Promise.all(txs);
  }

  /** Runs round `id` from opening to finalization; one consumer disputes (default: every third round). */
  async runRound(id: bigint, withDispute = id % 3n === 0n): Promise<RoundSummary> {
    const { c, timing } = this;
    const tc = c.tradingCentre;
    const sample = c.scenario.consumers[0]!;
    const now = await this.chainTime();
    this.progress(`round ${id}: opening`);
    await this.sendOrg(tc, 'round.open', roundOpenPayload, {
      id,
      terms: {
        period: `local round ${id}`,
        deliveryStartMs: now + BigInt(timing.deliveryStartMs),
        deliveryEndMs: now + BigInt(timing.deliveryEndMs),
        responseDeadlineMs: now + BigInt(timing.responseDeadlineMs),
        ackWindowMs: BigInt(timing.ackWindowMs),
        catalogMicroYuanPerKWh: sample.catalogMicroYuanPerKWh,
        transmissionMicroYuanPerKWh: sample.transmissionMicroYuanPerKWh,
        fundsMicroYuanPerKWh: sample.fundsMicroYuanPerKWh,
        benchmarkMicroYuanPerKWh: c.scenario.parameters.benchmarkMicroYuanPerKWh,
        reputationWeightMicroYuanPerKWh: c.scenario.parameters.reputationWeightMicroYuanPerKWh,
        substitutionPpm: c.scenario.parameters.substitutionPpm,
        outsideOption: c.scenario.parameters.outsideOption,
        tolerancePpm: 50_000,
        penaltyMicroYuanPerKWh: sample.catalogMicroYuanPerKWh / 10n,
      },
    });
    const opened = await this.get<{ terms: { responseDeadlineMs: string; deliveryEndMs: string } }>(
      tc.node,
      `/v1/rounds/${id}`,
    );
    const deliveryEnd = BigInt(opened.terms.deliveryEndMs);
    const closesAt = disputesCloseAtMs({
      responseDeadlineMs: BigInt(opened.terms.responseDeadlineMs),
      ackWindowMs: BigInt(timing.ackWindowMs),
    });

    // One-time pseudonyms: the consumer makes the key, the regulator certifies and registers it.
    this.progress(`round ${id}: issuing ${c.consumers.length} one-time pseudonyms`);
    const pseudonyms = new Map<string, KeyPair>();
    const chainNow = await this.chainTime();
    await Promise.all(
      c.consumers.map((consumer) => {
        const { key, payload } = issueOneTimePseudonym(
          c.group,
          c.regulator,
          consumer.id,
          chainNow,
          closesAt + 3_600_000n,
          id,
          consumer.aggregator,
          this.reputations.get(consumer.id) ?? 500_000,
        );
        pseudonyms.set(consumer.id, key);
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
        const tx = pseudonymContractTx(
          { chainId: c.chainId, group: c.group },
          'market.demand',
          demandPayload,
          {
            round: id,
            demandWh: d.demandWh,
            diversificationMicroYuanPerKWh: d.diversificationMicroYuanPerKWh,
          },
          pseudonyms.get(consumer.id)!,
        );
        return this.submit(consumer.node, tx);
      }),
    ]);

    this.progress(`round ${id}: closing — every validator computes the equilibrium`);
    await this.sendOrg(tc, 'round.close', roundClosePayload, { round: id });
    const round = await this.get<{
      clearing: {
        certified: boolean;
        energyWh: string;
        costMicroYuan: string;
        catalogCostMicroYuan: string;
        prices: { priceMicroYuanPerKWh: string }[];
      };
    }>(tc.node, `/v1/rounds/${id}`);
    const bills = await this.bills(id);

    this.progress(`round ${id}: ${bills.length} energy contracts; waiting for the delivery window to end`);
    await this.waitForChainTime(deliveryEnd);
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
          ? Promise.resolve()
          : this.sendOrg(agg, 'meter.submit', meterPayload, { round: id, readings });
      }),
    );

    // Private bill responses: every consumer signcrypts its verdict to the generator, through its aggregator.
    this.progress(`round ${id}: consumers confirm their bills by ring signcryption`);
    const metered = await this.bills(id);
    const owner = new Map([...pseudonyms].map(([member, key]) => [toHex(key.publicKey), member]));
    const disputeIndex = withDispute ? 0 : -1;
    const params = { group: c.group, regulatorKey: c.regulator.masterPublic };
    const rings = new Map<string, Point[]>();
    const responseIds: string[] = [];
    await Promise.all(
      metered.map(async (bill, k) => {
        const member = owner.get(toHex(bill.consumer))!;
        const consumer = c.consumers.find((x) => x.id === member)!;
        let ring = rings.get(bill.aggregator);
        if (ring === undefined) {
          const r = await this.get<{ members: string[] }>(
            consumer.node,
            `/v1/rounds/${id}/rings/${bill.aggregator}`,
          );
          ring = r.members.map((h) => c.group.decodePoint(fromHex(h)));
          rings.set(bill.aggregator, ring);
        }
        const receiver = this.receiving.get(bill.generator)!.publicKey;
        const tx = buildBillResponse({
          chainId: c.chainId,
          params,
          pseudonym: pseudonyms.get(member)!,
          ring,
          round: id,
          bill: bill.index,
          aggregator: bill.aggregator,
          generator: bill.generator,
          receiver,
          verdict: k === disputeIndex ? 'dispute' : 'confirm',
          remarks: k === disputeIndex ? 'metered consumption looks too high' : 'confirmed',
        });
        responseIds.push(toHex(transactionId(tx.bytes)));
        await this.submit(consumer.node, tx);
      }),
    );

    // Generators read the responses addressed to them, check them and acknowledge on chain.
    this.progress(`round ${id}: generators decrypt and acknowledge`);
    const disputed: string[] = [];
    for (const rid of responseIds) {
      const response = await this.response(tc.node, rid);
      const generator = c.generators.find((g) => g.id === response.generator)!;
      const billsById = new Map(metered.map((b) => [b.index, b]));
      const opened = openBillResponse(
        c.chainId,
        params,
        this.receiving.get(generator.id)!,
        fromHex(rid),
        response,
        (r, i) => (r === id ? billsById.get(i) : undefined),
      );
      if (opened.verdict === 'dispute') disputed.push(rid);
      await this.sendOrg(generator, 'bill.acknowledge', acknowledgePayload, opened.acknowledgement);
    }

    // The regulator traces each disputed response (audit event on chain) and resolves the bill.
    for (const rid of disputed) {
      this.progress(`round ${id}: the regulator traces a disputed response`);
      const response = await this.response(tc.node, rid);
      const sc = decodeSigncryption(c.group, response.signcryption);
      const certificates = new Map<string, ReturnType<typeof decodeCertificate>>();
      for (const y of response.ring) {
        const reg = await this.get<{ certificate: string }>(tc.node, `/v1/pseudonyms/${toHex(y)}`);
        certificates.set(toHex(y), decodeCertificate(c.group, fromHex(reg.certificate)));
      }
      const trace = traceToIdentity(params, c.regulator, sc, ringOf(response.ring), (y) =>
        certificates.get(toHex(y)),
      );
      const { commitment } = commitTrace(trace);
      await this.sendOrg(tc, 'trace.record', traceRecordPayload, {
        response: fromHex(rid),
        reason: 'disputed bill',
        commitment,
      });
      const bill = (await this.bills(id)).find((b) => b.response !== null && toHex(b.response) === rid)!;
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
    for (const [member, key] of pseudonyms) {
      const reg = await this.get<{ reputationAfterPpm: number | null }>(
        tc.node,
        `/v1/pseudonyms/${toHex(key.publicKey)}`,
      );
      if (reg.reputationAfterPpm !== null) this.reputations.set(member, reg.reputationAfterPpm);
    }
    const final = await this.bills(id);
    const status = await this.get<{ height: string }>(tc.node, '/v1/status');
    const cost = BigInt(round.clearing.costMicroYuan);
    const catalog = BigInt(round.clearing.catalogCostMicroYuan);
    return {
      round: id,
      prices: round.clearing.prices.map((p) => BigInt(p.priceMicroYuanPerKWh)),
      energyWh: BigInt(round.clearing.energyWh),
      contracts: final.length,
      certified: round.clearing.certified,
      savingPpm: catalog === 0n ? 0 : Number(((catalog - cost) * 1_000_000n) / catalog),
      settled: final.filter((b) => b.status === 'settled').length,
      disputes: disputed.length,
      traces: disputed.length,
      height: BigInt(status.height),
    };
  }

  // ─── transport ───────────────────────────────────────────────────────────────────────────────

  private async sendOrg<T>(who: Participant, kind: string, codec: Codec<T>, value: T): Promise<void> {
    const nonce = (this.nonces.get(who.id) ?? 0n) + 1n;
    this.nonces.set(who.id, nonce);
    await this.submit(
      who.node,
      orgContractTx({ chainId: this.c.chainId, group: this.c.group }, kind, codec, value, who.key, nonce),
    );
  }

  /** Submits a transaction and waits until it is committed with an ok receipt. */
  private async submit(node: string, tx: SignedTransaction): Promise<void> {
    const { id } = await this.request<{ id: string }>(node, '/v1/tx', { tx: toHex(tx.bytes) });
    for (let i = 0; i < 600; i++) {
      const s = await this.get<{ status: string; receipt?: { status: string; code?: string } }>(
        node,
        `/v1/tx/${id}`,
      );
      if (s.status === 'committed') {
        if (s.receipt?.status !== 'ok') {
          throw new ClientError(
            'CLIENT_NODE_ERROR',
            `${tx.tx.kind} ${id.slice(0, 12)}… failed: ${s.receipt?.code}`,
          );
        }
        return;
      }
      await sleep(50);
    }
    throw new ClientError('CLIENT_TIMEOUT', `${tx.tx.kind} ${id.slice(0, 12)}… not committed after 30 s`);
  }

  private async bills(round: bigint): Promise<BillRecord[]> {
    const r = await this.get<{ bills: Record<string, unknown>[] }>(
      this.c.tradingCentre.node,
      `/v1/rounds/${round}/bills`,
    );
    return r.bills.map((b) => fromJson(b, billRecord, this.c.group));
  }

  private async response(node: string, id: string) {
    return fromJson(
      await this.get<Record<string, unknown>>(node, `/v1/responses/${id}`),
      responseRecord,
      this.c.group,
    );
  }

  private async chainTime(): Promise<bigint> {
    const r = await this.get<{ blocks: { timestampMs: string }[] }>(
      this.c.tradingCentre.node,
      '/v1/blocks?limit=1',
    );
    return BigInt(r.blocks.at(-1)!.timestampMs);
  }

  private async waitForChainTime(t: bigint): Promise<void> {
    while ((await this.chainTime()) < t) await sleep(200);
  }

  /** A metered energy within ±`spread` of the contract (seeded, so runs repeat). */
  private meter(contractedWh: bigint, spread: number): bigint {
    const b = this.random(4);
    const u = (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
    const factor = 1 - spread + 2 * spread * u;
    return (contractedWh * BigInt(Math.round(factor * 1_000_000))) / 1_000_000n;
  }

  private get<T>(node: string, path: string): Promise<T> {
    return this.request<T>(node, path);
  }

  private async request<T>(node: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(
      `${node}${path}`,
      body === undefined
        ? {}
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    const json = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok)
      throw new ClientError(
        'CLIENT_NODE_ERROR',
        `${path}: ${json.message ?? res.status} [${json.code ?? 'HTTP'}]`,
      );
    return json;
  }
}

/** The record behind a JSON view, decoded strictly from its canonical bytes (`record`). */
function fromJson<T>(json: Record<string, unknown>, codec: Codec<T>, group: Group): T {
  if (typeof json.record !== 'string')
    throw new ClientError('CLIENT_BAD_RESPONSE', `the node sent no ${codec.name} record`);
  return codec.decode(fromHex(json.record), group);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
