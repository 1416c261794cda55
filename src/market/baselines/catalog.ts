/**
 * Baseline 1, catalog tariff only (../shared/DESIGN.md "Market model"): no direct trade. Every
 * consumer buys its whole demand from the grid at its catalog tariff; generators sell to the grid
 * at the benchmark price what they would produce for it (their outside option, when it is on).
 */

import { settle } from '../modeOutcome.ts';
import { validateScenario } from '../scenario.ts';
import type { ModeOutcome, Scenario } from '../types.ts';

/** Settles the round with no direct contracts. */
export function catalogMode(scenario: Scenario): ModeOutcome {
  return settle(validateScenario(scenario), 'catalog', []);
}
