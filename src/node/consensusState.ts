/**
 * The replica's persisted state (votes cast, view, prepared certificate, the new view's floor) as stored in the node's
 * LevelDB metadata under `consensus`. Local to one validator, so JSON (bigints as decimal strings,
 * bytes as hex) is enough; decoding validates every field, and a corrupt record is refused.
 */
import { fromHex, toHex } from '../codec/bytes.ts';
import type { PersistedState } from '../consensus/replica.ts';
import { NodeError } from './nodeError.ts';

/** The metadata key. */
export const CONSENSUS_STATE_KEY = 'consensus';

/** JSON bytes of the state. */
export function encodeConsensusState(state: PersistedState): Uint8Array {
  const json = JSON.stringify(state, (_, v) =>
    typeof v === 'bigint' ? { n: v.toString() } : v instanceof Uint8Array ? { x: toHex(v) } : v,
  );
  return new TextEncoder().encode(json);
}

/** The state back from its bytes; throws NodeError on anything malformed. */
export function decodeConsensusState(bytes: Uint8Array): PersistedState {
  try {
    const state = JSON.parse(new TextDecoder().decode(bytes), (_, v) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === 'n' && typeof v.n === 'string') return BigInt(v.n);
        if (keys.length === 1 && keys[0] === 'x' && typeof v.x === 'string') return fromHex(v.x);
      }
      return v;
    }) as PersistedState;
    if (
      typeof state.view !== 'bigint' ||
      typeof state.inViewChange !== 'boolean' ||
      typeof state.votes?.view !== 'bigint'
    ) {
      throw new Error('missing fields');
    }
    // Records written before the new view's floor was persisted have none.
    const floor = state.floor ?? null;
    if (
      floor !== null &&
      (typeof floor.height !== 'bigint' || !(floor.digest === null || floor.digest instanceof Uint8Array))
    ) {
      throw new Error('malformed floor');
    }
    return { ...state, floor };
  } catch (cause) {
    throw new NodeError('NODE_BAD_CONFIG', `stored consensus state is corrupt: ${(cause as Error).message}`);
  }
}
