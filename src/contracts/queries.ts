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
import { bilateralMode } from '../market/baselines/bilateral.ts';
import { catalogMode } from '../market/baselines/catalog.ts';
import { centralisedMode } from '../market/baselines/centralised.ts';
import { validateScenario } from '../market/scenario.ts';
import type { ModeOutcome } from '../market/types.ts';
import { roundScenario } from './clearing.ts';
import { Draft, readRecord } from './draft.ts';
import {
  balanceKey,
  billKey,
  clearingKey,
  demandKey,
  LAST_ROUND_KEY,
  LAST_TRACE_KEY,
  offerKey,
  pseudonymKey,
  REGULATOR_KEY,
  receivingKey,
  reputationKey,
  responseKey,
  ringKey,
  roundKey,
  roundResponsesKey,
  scoreKey,
  traceKey,
} from './keys.ts';
import { isSuspended, memberById } from './kinds.ts';
import { receivingKeyRecord } from './membership.ts';
import {
  type BillRecord,
  balanceRecord,
  billRecord,
  clearingRecord,
  counterRecord,
  demandRecord,
  offerRecord,
  pseudonymRecord,
  regulatorRecord,
  reputationRecord,
  responseIndexRecord,
  responseRecord,
  ringRecord,
  roundRecord,
  roundScoreRecord,
  traceRecord,
} from './records.ts';
import { clearingInputs } from './rounds.ts';
import { GRID_ACCOUNT } from './settlement.ts';
import type { Jsonified, TRADING_MODES } from './views.ts';

/** A round's consumers' total cost and direct energy under each trading mode. */
export interface TradingModes {
  readonly catalogCostMicroYuan: bigint;
  readonly modes: readonly {
    readonly mode: (typeof TRADING_MODES)[number];
    readonly costMicroYuan: bigint;
    readonly directWh: bigint;
  }[];
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

  /** A round with its offers, demands and clearing; undefined when it does not exist. */
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
      demands: round.demands.map((pseudonym) => ({
        pseudonym,
        ...this.read(demandKey(id, pseudonym), demandRecord)!,
      })),
      clearing: clearing ?? null,
    });
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

  /** The bills (energy contracts) of a round, in index order. */
  bills(id: bigint): BillRecord[] {
    const round = this.read(roundKey(id), roundRecord);
    if (round === undefined) return [];
    return Array.from({ length: round.contracts }, (_, i) => this.read(billKey(id, i), billRecord)!);
  }

  /** One bill, or undefined. */
  bill(id: bigint, index: number): BillRecord | undefined {
    return this.read(billKey(id, index), billRecord);
  }

  /** The ring of (round, aggregator) as registered (revoked pseudonyms removed). */
  ring(id: bigint, aggregator: string): Uint8Array[] {
    return [...(this.read(ringKey(id, aggregator), ringRecord)?.members ?? [])];
  }

  /** A pseudonym's registration, or undefined. */
  pseudonym(key: Uint8Array) {
    return this.read(pseudonymKey(key), pseudonymRecord);
  }

  /** A stored bill response, or undefined. */
  response(txId: Uint8Array) {
    return this.read(responseKey(txId), responseRecord);
  }

  /** The ids of a round's bill responses, in order of arrival. */
  responseIds(round: bigint): Uint8Array[] {
    return [...(this.read(roundResponsesKey(round), responseIndexRecord)?.ids ?? [])];
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

  /** Every trace audit event, oldest first. */
  traces() {
    const n = this.read(LAST_TRACE_KEY, counterRecord)?.value ?? 0n;
    const out = [];
    for (let s = 1n; s <= n; s++) out.push(this.read(traceKey(s), traceRecord)!);
    return out;
  }
}
