/**
 * Read-only views of the contracts' state for the API, the CLI and the dashboard (docs/protocol.md
 * §2): plain JSON — integers as decimal strings, bytes and keys as hex — exactly what any validator
 * stores, so a view never holds more than the chain does (consumers appear only as pseudonyms).
 * What they return is typed as ./views.ts declares the API's answers (`toJson` gives `Jsonified`
 * records), so a query and its view cannot drift apart unnoticed by the typecheck.
 */
import { fromHex, toHex } from '../codec/bytes.ts';
import type { Group } from '../crypto/group.ts';
import type { StateReader } from '../ledger/worldState.ts';
import { allocationOf } from '../market/allocation.ts';
import { bilateralMode } from '../market/baselines/bilateral.ts';
import { catalogMode } from '../market/baselines/catalog.ts';
import { centralisedMode } from '../market/baselines/centralised.ts';
import { prepare } from '../market/prepared.ts';
import { validateScenario } from '../market/scenario.ts';
import { scenarioToJson } from '../market/scenarioJson.ts';
import { settleAtQuantisedPrices } from '../market/statements.ts';
import type { ModeOutcome, Scenario } from '../market/types.ts';
import { roundScenario } from './clearing.ts';
import { Draft, readRecord } from './draft.ts';
import {
  aggregatorBillCountKey,
  aggregatorBillKey,
  balanceKey,
  billKey,
  billOfKey,
  clearingKey,
  demandEntryKey,
  demandKey,
  generatorBillCountKey,
  generatorBillKey,
  inboxCountKey,
  inboxEntryKey,
  LAST_ROUND_KEY,
  LAST_TRACE_KEY,
  offerKey,
  pseudonymKey,
  REGULATOR_KEY,
  receivingKey,
  reputationKey,
  responseEntryKey,
  responseKey,
  ringCountKey,
  ringKey,
  roundKey,
  roundResponsesKey,
  saleKey,
  scoreKey,
  traceKey,
} from './keys.ts';
import { isSuspended, memberById } from './kinds.ts';
import { certKeyChanges, joinedMembers, keyChanges, memberInfo } from './memberHistory.ts';
import { receivingKeyRecord } from './membership.ts';
import {
  type BillRecord,
  balanceRecord,
  billRecord,
  clearingRecord,
  counterRecord,
  demandRecord,
  offerRecord,
  pseudonymEntryRecord,
  pseudonymRecord,
  regulatorRecord,
  reputationRecord,
  responseRecord,
  ringRecord,
  roundRecord,
  roundScoreRecord,
  type SaleRecord,
  saleRecord,
  traceRecord,
  txEntryRecord,
} from './records.ts';
import { clearingInputs, reputationOf } from './rounds.ts';
import { GRID_ACCOUNT } from './settlement.ts';
import type { Jsonified, ScenarioView, TRADING_MODES } from './views.ts';

/** A round's consumers' total cost and direct energy under each trading mode. */
export interface TradingModes {
  readonly catalogCostMicroYuan: bigint;
  readonly modes: readonly {
    readonly mode: (typeof TRADING_MODES)[number];
    readonly costMicroYuan: bigint;
    readonly directWh: bigint;
  }[];
}

/** Which part of a list to answer: `limit` entries from `offset` (docs/api.md "Lists"). */
export interface PageRequest {
  readonly offset: number;
  readonly limit: number;
}

/** The most entries one page of a list holds, and the default. */
export const MAX_PAGE_LIMIT = 1_000;
export const DEFAULT_PAGE_LIMIT = 100;

/** A page of a list: its entries, how many match in all, and where it starts. */
export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

/** The page of entries get(0..total−1). */
function pageOf<T>(total: number, { offset, limit }: PageRequest, get: (i: number) => T): Page<T> {
  const end = Math.min(total, offset + limit);
  const items: T[] = [];
  for (let i = offset; i < end; i++) items.push(get(i));
  return { items, total, offset, limit };
}

/** Filters over a round's bills (all optional; combined with "and"). */
export interface BillFilter {
  readonly status?: BillRecord['status'];
  readonly generator?: string;
  readonly aggregator?: string;
  /** The consumer's pseudonym. */
  readonly consumer?: Uint8Array;
}

/** bigint → string, Uint8Array → hex, recursively (records to JSON, as ./views.ts describes them). */
export function toJson<T>(value: T): Jsonified<T> {
  return jsonOf(value) as Jsonified<T>;
}

function jsonOf(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(jsonOf);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonOf(v)]));
  }
  return value;
}

/** Queries over one state (the node's committed store, or any StateReader). */
export class ContractQueries {
  constructor(
    private readonly state: StateReader,
    private readonly group: Group,
  ) {}

  private read<T>(key: Uint8Array, codec: Parameters<typeof readRecord<T>>[3]): T | undefined {
    return readRecord(this.state, this.group, key, codec);
  }

  /** The regulator's public keys, or null before setup. */
  regulator() {
    const r = this.read(REGULATOR_KEY, regulatorRecord);
    return r === undefined ? null : toJson(r);
  }

  /** The id of the latest round (0 before any). */
  lastRound(): bigint {
    return this.read(LAST_ROUND_KEY, counterRecord)?.value ?? 0n;
  }

  /** True when round `id` was opened. */
  hasRound(id: bigint): boolean {
    return this.state.get(roundKey(id)) !== undefined;
  }

  /** The member `id` as the state holds it (genesis or `member.register`), or undefined. */
  member(id: string) {
    return memberById({ state: this.state }, id);
  }

  /**
   * True when `account` exists: the grid company's, a member's (its id), or a registered pseudonym's
   * (`p:<hex>`) — whether or not money has moved on it yet (its balance is then 0).
   */
  hasAccount(account: string): boolean {
    if (account === GRID_ACCOUNT) return true;
    if (account.startsWith('p:')) {
      const hex = account.slice(2);
      return /^[0-9a-f]{64}$/.test(hex) && this.state.get(pseudonymKey(fromHex(hex))) !== undefined;
    }
    return this.member(account) !== undefined;
  }

  /** A round with its offers and clearing (its demands and bills are counted; page them); undefined when it does not exist. */
  round(id: bigint) {
    const round = this.read(roundKey(id), roundRecord);
    if (round === undefined) return undefined;
    const clearing = this.read(clearingKey(id), clearingRecord);
    return toJson({
      ...round,
      offers: round.offers.map((generator) => ({
        generator,
        ...this.read(offerKey(id, generator), offerRecord)!,
      })),
      clearing: clearing ?? null,
    });
  }

  /** A page of a round's demands in order of arrival; undefined when the round does not exist. */
  demands(id: bigint, page: PageRequest) {
    const round = this.read(roundKey(id), roundRecord);
    if (round === undefined) return undefined;
    return pageOf(round.demands, page, (i) => {
      const pseudonym = this.read(demandEntryKey(id, i), pseudonymEntryRecord)!.key;
      return toJson({ pseudonym, ...this.read(demandKey(id, pseudonym), demandRecord)! });
    });
  }

  /**
   * The round's market scenario, for anyone to solve (the trading centre's `round.close` carries the
   * prices its solver found): for an open round with each generator's current reputation — what
   * `round.close` would clear now — and for a cleared one with the reputations it cleared with.
   * Undefined when the round does not exist.
   */
  scenario(id: bigint): Scenario | undefined {
    const round = this.read(roundKey(id), roundRecord);
    if (round === undefined) return undefined;
    const draft = new Draft(this.state, this.group);
    const clearing = this.read(clearingKey(id), clearingRecord);
    const recorded = new Map(clearing?.prices.map((p) => [p.generator, p.reputationPpm]));
    const { offers, demands } = clearingInputs(
      draft,
      round,
      (g) => recorded.get(g) ?? reputationOf(draft, g).reputationPpm,
    );
    return roundScenario(round.terms, offers, demands);
  }
  /** The round's scenario as JSON (../market/scenarioJson.ts), or undefined. */
  scenarioJson(id: bigint): ScenarioView | undefined {
    const scenario = this.scenario(id);
    return scenario === undefined ? undefined : (scenarioToJson(scenario) as ScenarioView);
  }

  /**
   * A cleared round under each trading mode, from what the chain holds: the round's scenario (its
   * offers, pseudonymous demand, tariffs and the reputations it cleared with) settled by the
   * catalog tariff alone, one-to-one bilateral contracts and centralised matching
   * (../market/baselines), beside the equilibrium every validator recorded. Undefined before clearing.
   */
  tradingModes(id: bigint): TradingModes | undefined {
    const round = this.read(roundKey(id), roundRecord);
    const clearing = this.read(clearingKey(id), clearingRecord);
    if (round === undefined || clearing === undefined) return undefined;
    const reputation = new Map(clearing.prices.map((p) => [p.generator, p.reputationPpm]));
    const draft = new Draft(this.state, this.group);
    const { offers, demands } = clearingInputs(draft, round, (g) => reputation.get(g) ?? 0);
    const ours = {
      mode: 'stackelberg' as const,
      costMicroYuan: clearing.costMicroYuan,
      directWh: clearing.energyWh,
    };
    if (offers.length === 0 || demands.length === 0)
      return { catalogCostMicroYuan: clearing.catalogCostMicroYuan, modes: [ours] };
    const scenario = validateScenario(roundScenario(round.terms, offers, demands));
    const total = <const M extends (typeof TRADING_MODES)[number]>(mode: M, o: ModeOutcome) => {
      if (o.mode !== mode) throw new RangeError(`the ${mode} baseline settled as ${o.mode}`);
      return {
        mode,
        costMicroYuan: o.consumers.reduce((s, c) => s + c.costMicroYuan, 0n),
        directWh: o.consumers.reduce((s, c) => s + c.directWh, 0n),
      };
    };
    return {
      catalogCostMicroYuan: clearing.catalogCostMicroYuan,
      modes: [
        ours,
        total('catalog', catalogMode(scenario)),
        total('bilateral', bilateralMode(scenario)),
        total('centralised', centralisedMode(scenario).outcome),
      ],
    };
  }

  /**
   * A page of a round's bills in index order, filtered. A filter on the consumer, or on the
   * aggregator or the addressed generator alone, reads its index (O(page)); a filter on the status
   * scans the round's bills (a page's cost grows with the round: the statuses change, an index of
   * them would be rewritten with every response).
   */
  bills(id: bigint, filter: BillFilter, page: PageRequest): Page<BillRecord> {
    const round = this.read(roundKey(id), roundRecord);
    if (round === undefined) return pageOf(0, page, () => undefined as never);
    const bill = (i: number) => this.read(billKey(id, i), billRecord)!;
    const matches = (b: BillRecord) =>
      (filter.status === undefined || b.status === filter.status) &&
      (filter.generator === undefined || b.generator === filter.generator) &&
      (filter.aggregator === undefined || b.aggregator === filter.aggregator);
    if (filter.consumer !== undefined) {
      const index = this.billOf(id, filter.consumer);
      const found = index === undefined ? [] : [bill(index)].filter(matches);
      return pageOf(found.length, page, (i) => found[i]!);
    }
    const indexed = (count: Uint8Array, entry: (i: number) => Uint8Array) =>
      pageOf(Number(this.read(count, counterRecord)?.value ?? 0n), page, (i) =>
        bill(Number(this.read(entry(i), counterRecord)!.value)),
      );
    if (filter.aggregator !== undefined && filter.status === undefined && filter.generator === undefined) {
      const aggregator = filter.aggregator;
      return indexed(aggregatorBillCountKey(id, aggregator), (i) => aggregatorBillKey(id, aggregator, i));
    }
    if (filter.generator !== undefined && filter.status === undefined && filter.aggregator === undefined) {
      const generator = filter.generator;
      return indexed(generatorBillCountKey(id, generator), (i) => generatorBillKey(id, generator, i));
    }
    if (filter.status === undefined && filter.generator === undefined) return pageOf(round.bills, page, bill);
    const found: BillRecord[] = [];
    for (let i = 0; i < round.bills; i++) {
      const b = bill(i);
      if (matches(b)) found.push(b);
    }
    return pageOf(found.length, page, (i) => found[i]!);
  }

  /** One bill, or undefined. */
  bill(id: bigint, index: number): BillRecord | undefined {
    return this.read(billKey(id, index), billRecord);
  }

  /** The index of a pseudonym's bill in its round, or undefined (it buys nothing directly). */
  billOf(id: bigint, pseudonym: Uint8Array): number | undefined {
    const entry = this.read(billOfKey(id, pseudonym), counterRecord);
    return entry === undefined ? undefined : Number(entry.value);
  }

  /**
   * What a bill's consumer buys from each of its suppliers: recomputed from the clearing prices and
   * the round's scenario — the settlement every validator computed (O(J log G + Σ k_j)); undefined
   * when the bill does not exist.
   */
  billSplit(id: bigint, index: number) {
    const bill = this.bill(id, index);
    const clearing = this.read(clearingKey(id), clearingRecord);
    const scenario = this.scenario(id);
    if (bill === undefined || clearing === undefined || scenario === undefined) return undefined;
    const pm = prepare(scenario);
    const priceOf = new Map(clearing.prices.map((p) => [p.generator, p.priceMicroYuanPerKWh]));
    const prices = pm.scenario.generators.map((g) => priceOf.get(g.id)!);
    const { start, generator, energyWh } = allocationOf(settleAtQuantisedPrices(pm, prices));
    const consumer = toHex(bill.consumer);
    const j = pm.scenario.consumers.findIndex((c) => c.id === consumer);
    if (j < 0) return undefined;
    const split = [];
    for (let e = start[j]!; e < start[j + 1]!; e++) {
      if (energyWh[e] === 0) continue;
      const g = generator[e]!;
      split.push({
        generator: pm.scenario.generators[g]!.id,
        energyWh: BigInt(energyWh[e]!),
        priceMicroYuanPerKWh: prices[g]!,
      });
    }
    return split;
  }

  /** Every offering generator's sale in a round (by id); empty before clearing. */
  sales(id: bigint): SaleRecord[] {
    const round = this.read(roundKey(id), roundRecord);
    if (round === undefined) return [];
    return round.offers.flatMap((g) => this.read(saleKey(id, g), saleRecord) ?? []);
  }

  /** How many rings the aggregator's billed pseudonyms form in the round (0 before clearing). */
  ringCount(id: bigint, aggregator: string): number {
    return Number(this.read(ringCountKey(id, aggregator), counterRecord)?.value ?? 0n);
  }

  /**
   * Ring `index` of (round, aggregator) as a response is verified against now: the members clearing
   * drew that are not revoked (rings.ts `activeRing` also leaves out the expired, which a pseudonym
   * is only after its round's disputes close). Undefined when the ring does not exist.
   */
  ring(id: bigint, aggregator: string, index: number): Uint8Array[] | undefined {
    const ring = this.read(ringKey(id, aggregator, index), ringRecord);
    return ring?.members.filter((y) => this.pseudonym(y)?.revoked === false);
  }

  /** A pseudonym's registration, or undefined. */
  pseudonym(key: Uint8Array) {
    return this.read(pseudonymKey(key), pseudonymRecord);
  }

  /** A stored bill response, or undefined. */
  response(txId: Uint8Array) {
    return this.read(responseKey(txId), responseRecord);
  }

  /** A page of the ids of a round's bill responses — all, or those addressed to `generator` — in order of arrival. */
  responseIds(round: bigint, generator: string | undefined, page: PageRequest): Page<Uint8Array> {
    if (generator === undefined) {
      const n = Number(this.read(roundResponsesKey(round), counterRecord)?.value ?? 0n);
      return pageOf(n, page, (i) => this.read(responseEntryKey(round, i), txEntryRecord)!.id);
    }
    const n = Number(this.read(inboxCountKey(round, generator), counterRecord)?.value ?? 0n);
    return pageOf(n, page, (i) => this.read(inboxEntryKey(round, generator, i), txEntryRecord)!.id);
  }

  /** A generator's receiving key, or undefined. */
  receivingKey(member: string): Uint8Array | undefined {
    return this.read(receivingKey(member), receivingKeyRecord)?.key;
  }

  /** An account's balance in µ¥. */
  balance(account: string): bigint {
    return this.read(balanceKey(account), balanceRecord)?.microYuan ?? 0n;
  }

  /** True while the trading centre has the member suspended (`member.suspend`). */
  suspended(member: string): boolean {
    return isSuspended({ state: this.state }, member);
  }

  /** A member's stored reputation, or undefined (a newcomer's applies). */
  reputation(member: string) {
    return this.read(reputationKey(member), reputationRecord);
  }

  /**
   * A generator's or aggregator's reputation history: the `score/` record of each round that scored
   * it, oldest first — at most the latest `limit` — walked back from its reputation's last round.
   */
  reputationHistory(member: string, limit = 1_000) {
    const out = [];
    let round = this.reputation(member)?.lastRound ?? 0n;
    while (round !== 0n && out.length < limit) {
      const step = this.read(scoreKey(round, member), roundScoreRecord)!;
      out.push({ round, ...step });
      round = step.previousRound;
    }
    return toJson(out.reverse());
  }

  /**
   * The member `id` as the members view shows it (./views.ts MemberView): its record, suspension,
   * when and how it joined and its key changes; undefined when it is no member.
   */
  memberDetails(id: string) {
    const m = this.member(id);
    if (m === undefined) return undefined;
    const info = memberInfo(this.state, this.group, id);
    return {
      id: m.id,
      role: m.role,
      aggregator: m.aggregator ?? null,
      orgKey: toHex(m.orgKey),
      suspended: this.suspended(id),
      joinedHeight: info.joinedHeight.toString(),
      joinedVia: info.via,
      keyChanges: toJson(keyChanges(this.state, this.group, id)),
    };
  }

  /** The ids of the members joined after genesis (`member.register`, `member.admit`), in order. */
  joinedMemberIds(): string[] {
    return joinedMembers(this.state, this.group);
  }

  /** The regulator's certification key now (null before setup) and its rotations, oldest first. */
  certKeys() {
    return {
      current: this.regulator()?.certPublicKey ?? null,
      changes: toJson(certKeyChanges(this.state, this.group)),
    };
  }

  /** Every trace audit event, oldest first. */
  traces() {
    const n = this.read(LAST_TRACE_KEY, counterRecord)?.value ?? 0n;
    const out = [];
    for (let s = 1n; s <= n; s++) out.push(this.read(traceKey(s), traceRecord)!);
    return out;
  }
}
