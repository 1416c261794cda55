/**
 * What a consumer signcrypts in a bill response (docs/protocol.md §7): the bill, its verdict, free
 * remarks and its pseudonym's signature. Its own file, so that the dashboard decodes it in the
 * browser without the contract handlers (./billResponses.ts re-exports it).
 */
import { text, VERDICTS } from './records.ts';
import { oneOf, record, scalar, struct, u32, u64 } from './schema.ts';

/** What the consumer signcrypts: the bill, its verdict, free remarks and its pseudonym's signature. */
export const billResponsePlaintext = record('bill-response', 1, {
  round: u64(),
  bill: u32(),
  verdict: oneOf(VERDICTS),
  remarks: text,
  signature: struct({ e: scalar, z: scalar }),
});
