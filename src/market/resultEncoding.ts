/**
 * The canonical bytes of a settled round (domain tag `dpp/market-result/v1`), written with the
 * project's canonical Writer: what validators would hash and compare. Two validators agree on a
 * round exactly when these bytes are equal; the determinism tests compare them across runs, input
 * orders and threads.
 */
import { Writer } from '../codec/writer.ts';
import type { MarketResult } from './stackelberg.ts';

/** Domain-separation tag of the encoding. */
export const MARKET_RESULT_TAG = 'dpp/market-result/v1';

/** The canonical encoding of a result. */
export function encodeMarketResult(r: MarketResult): Uint8Array {
  const w = new Writer().string(MARKET_RESULT_TAG).string(r.scenario.name);
  const signed = (v: bigint): void => {
    w.u8(v < 0n ? 1 : 0).u64(v < 0n ? -v : v);
  };
  w.u32(r.prices.length);
  for (const p of r.prices) w.string(p.generatorId).u64(p.priceMicroYuanPerKWh);
  w.u32(r.contracts.length);
  for (const k of r.contracts)
    w.string(k.consumerId).string(k.generatorId).u64(k.energyWh).u64(k.priceMicroYuanPerKWh);
  w.u32(r.outcome.consumers.length);
  for (const c of r.outcome.consumers) {
    w.string(c.id).string(c.group).u64(c.demandWh).u64(c.directWh).u64(c.gridWh);
    signed(c.costMicroYuan);
  }
  w.u32(r.outcome.generators.length);
  for (const g of r.outcome.generators) {
    w.string(g.id).u64(g.directWh).u64(g.gridWh);
    signed(g.revenueMicroYuan);
    signed(g.profitMicroYuan);
  }
  w.u32(r.solver.iterations).u8(r.solver.converged ? 1 : 0);
  return w.finish();
}
