/** Typed errors of the market layer: a scenario or a request that the engine refuses, and why. */
import { DppError, type ErrorDetails } from '../errors.ts';

/** Why the market engine refused its input. */
export type MarketErrorCode =
  | 'MARKET_EMPTY'
  | 'MARKET_DUPLICATE_ID'
  | 'MARKET_BAD_ID'
  | 'MARKET_OUT_OF_RANGE'
  | 'MARKET_BAD_DATA'
  | 'MARKET_BAD_RECORD';

/** A market input was refused (bad scenario, bad data file, bad reputation record). */
export class MarketError extends DppError {
  override readonly name = 'MarketError';
  declare readonly code: MarketErrorCode;

  constructor(code: MarketErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
