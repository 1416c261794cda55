/**
 * Unit conversions between the stored integers and the solver's floats, and the integer money
 * rule. Floats: energy in kWh, prices in yuan/kWh, money in yuan. Quantisation is explicit and
 * deterministic (IEEE-754 arithmetic only, no Math.pow/exp/log), so every validator gets the same
 * integers from the same input.
 */

/** kWh (float) of an energy in Wh. */
export function kWhOf(energyWh: bigint): number {
  return Number(energyWh) / 1000;
}

/** yuan/kWh (float) of a price in µ¥/kWh. */
export function yuanPerKWhOf(priceMicroYuanPerKWh: bigint): number {
  return Number(priceMicroYuanPerKWh) / 1e6;
}

/** The nearest µ¥/kWh to a price in yuan/kWh (halves away from zero). */
export function quantisePrice(priceYuanPerKWh: number): bigint {
  return roundHalfAway(priceYuanPerKWh * 1e6);
}

/** Whole Wh not exceeding an energy in kWh (floor, so sums never exceed a bound they respect). */
export function floorWh(energyKWh: number): bigint {
  if (!(energyKWh > 0)) return 0n;
  return BigInt(Math.floor(energyKWh * 1000 + 1e-9));
}

/** Money for an energy at a price, µ¥ = Wh × µ¥/kWh / 1000, halves rounded up. Exact in bigint. */
export function moneyFor(energyWh: bigint, priceMicroYuanPerKWh: bigint): bigint {
  return divRoundHalfUp(energyWh * priceMicroYuanPerKWh, 1000n);
}

/** n / d rounded to nearest, halves towards +∞ (d > 0). */
export function divRoundHalfUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n - q * d;
  // bigint division truncates towards zero: shift to floor first.
  const fl = r < 0n ? q - 1n : q;
  const rem = n - fl * d;
  return 2n * rem >= d ? fl + 1n : fl;
}

/** The smaller of two bigints (Math.min does not take bigint). */
export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function roundHalfAway(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite quantity: ${x}`);
  const r = x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
  return BigInt(r);
}
