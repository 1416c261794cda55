/** The logging the transport needs: a pino-compatible subset (object first, then message). */

/** A structured logger; a pino logger fits as is. */
export interface P2pLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

const noop = (): void => {};

/** Discards everything (the default). */
export const silentLogger: P2pLogger = { debug: noop, info: noop, warn: noop, error: noop };
