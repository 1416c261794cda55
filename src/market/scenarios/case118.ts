/**
 * The case118 scenario: MATPOWER's IEEE 118-bus case (54 generators, 99 loads, 4,242 MW of load,
 * 9,966.2 MW of capacity). All its buses are in one area, so its consumers form one aggregator group
 * (A1). Loads are known by active power only, so their size class uses the stated power factor.
 */

import { type BuiltScenario, scenarioFromCase } from './case30.ts';
import type { MatpowerCase } from './matpower.ts';
import type { TariffSet } from './tariffs.ts';

/** The case118 scenario. */
export function case118Scenario(data: MatpowerCase, tariffs: TariffSet): BuiltScenario {
  return scenarioFromCase('case118', data, tariffs, () => 'A1');
}
