/**
 * The simulator's block payloads: u64 height ‖ u64 view ‖ u16 proposer ‖ parent digest (32) ‖ filler.
 * Naming the parent lets the simulated application refuse a proposal on the wrong parent and the
 * safety monitor check that every committed chain links up.
 */
import { Writer } from '../../codec/writer.ts';

const PARENT_AT = 18;
/** The length of a payload without filler. */
export const MIN_PAYLOAD_BYTES = PARENT_AT + 32;

/** A payload for `height`, proposed in `view` by `proposer` on top of `parent`. */
export function simPayload(
  height: bigint,
  view: bigint,
  proposer: number,
  parent: Uint8Array,
  filler: Uint8Array,
): Uint8Array {
  return new Writer().u64(height).u64(view).u16(proposer).fixed(parent, 32).bytes(filler).finish();
}

/** The height a payload names, or null when it is too short to be one. */
export function heightOf(payload: Uint8Array): bigint | null {
  if (payload.length < MIN_PAYLOAD_BYTES) return null;
  return new DataView(payload.buffer, payload.byteOffset).getBigUint64(0);
}

/** The parent digest a payload names, or null when it is too short to be one. */
export function parentOf(payload: Uint8Array): Uint8Array | null {
  return payload.length >= MIN_PAYLOAD_BYTES ? payload.subarray(PARENT_AT, PARENT_AT + 32) : null;
}
