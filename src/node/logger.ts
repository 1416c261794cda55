/** The node's structured logger (pino, JSON lines on stderr), named after the validator. */
import pino, { type Logger } from 'pino';

/** A logger for validator `name`; level from DPP_LOG_LEVEL (default info). */
export function nodeLogger(name: string): Logger {
  return pino({ name, level: process.env.DPP_LOG_LEVEL ?? 'info' }, pino.destination(2));
}

export type { Logger };
