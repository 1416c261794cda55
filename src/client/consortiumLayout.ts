/**
 * The membership layout of a consortium made from a market scenario — the one definition that
 * `dpp init` (./consortiumSetup.ts), `dpp start` and the local-consortium driver
 * (./localConsortium.ts) share: the trading centre (also the regulator), one energy aggregator per
 * consumer group (`aggregator-<group>`, groups sorted), the scenario's generators and its large
 * consumers, each consumer behind its group's aggregator. Validator 0 is the trading centre's,
 * validator i the i-th aggregator's; the trading centre and the generators use validator 0, an
 * aggregator and the consumers behind it their aggregator's validator — when there are more
 * aggregators than aggregator validators, aggregator i uses validator 1 + (i mod (validators − 1)).
 */
import type { MemberSpec } from '../ledger/networkKeys.ts';
import type { Scenario } from '../market/types.ts';

/** The trading centre's member id. */
export const TRADING_CENTRE = 'trading-centre';

/** The aggregator of a scenario's consumer group. */
export function aggregatorOf(group: string): string {
  return `aggregator-${group.toLowerCase()}`;
}

/** The scenario's aggregators, in validator order (1, 2, …). */
export function aggregatorsOf(scenario: Scenario): string[] {
  return [...new Set(scenario.consumers.map((c) => c.group))].sort().map(aggregatorOf);
}

/** The members of a scenario's consortium: the trading centre, an aggregator per consumer group, generators, consumers. */
export function consortiumMembers(scenario: Scenario): MemberSpec[] {
  return [
    { id: TRADING_CENTRE, role: 'trading-centre' },
    ...aggregatorsOf(scenario).map((id): MemberSpec => ({ id, role: 'aggregator' })),
    ...scenario.generators.map((g): MemberSpec => ({ id: g.id, role: 'generator' })),
    ...scenario.consumers.map(
      (c): MemberSpec => ({ id: c.id, role: 'consumer', aggregator: aggregatorOf(c.group) }),
    ),
  ];
}

/** Validators the layout gives a node of its own: the trading centre's and one per aggregator. */
export function layoutValidators(scenario: Scenario): number {
  return 1 + aggregatorsOf(scenario).length;
}

/** The default network size of `dpp init`: the layout's validators, at least 4 (PBFT tolerates one fault). */
export function defaultValidators(scenario: Scenario): number {
  return Math.max(4, layoutValidators(scenario));
}

/** Who uses which validator in a network of `validators`. */
export interface ConsortiumLayout {
  readonly members: readonly MemberSpec[];
  /** The index of the validator whose API `member` uses. */
  nodeOf(member: MemberSpec): number;
  /** The member operating validator `index` (null: run by the consortium). */
  operatorOf(index: number): string | null;
}

/** The layout of a scenario's consortium on `validators` validators. */
export function consortiumLayout(scenario: Scenario, validators: number): ConsortiumLayout {
  const aggregators = aggregatorsOf(scenario);
  return {
    members: consortiumMembers(scenario),
    nodeOf: (member) => {
      const aggregator = member.role === 'aggregator' ? member.id : member.aggregator;
      const i = aggregator === undefined ? -1 : aggregators.indexOf(aggregator);
      return i >= 0 && validators > 1 ? 1 + (i % (validators - 1)) : 0;
    },
    operatorOf: (index) => (index === 0 ? TRADING_CENTRE : (aggregators[index - 1] ?? null)),
  };
}
