/**
 * Numbered fail points in the validator's persist, send and commit paths, for crash tests (after
 * CometBFT's `libs/fail` and its test_failure_indices.sh). `DPP_FAIL_POINT=<name or number>[:<hit>]`
 * arms one point: the hit-th time (default 1) the process reaches it, it dies at once as `kill -9`
 * would — SIGKILL to itself, no cleanup, no flush — leaving on disk what the writes before it wrote
 * (a process crash, not a power cut: the OS keeps even unsynced data). The variable is read once,
 * when this module loads; unarmed (the default), a check is one comparison with null. test/e2e/crashPoints.test.ts crashes a validator at each point
 * in turn and restarts it from its data directory (docs/consensus.md §4).
 */
import { writeSync } from 'node:fs';
import { NodeError } from './nodeError.ts';

/** The fail points; a point's number is its position here, from 1. */
export const FAIL_POINTS = [
  // 1: a `persist` reached, not written: the previous votes on disk, none of the messages after it sent
  'persist.before-write',
  // 2: the votes written (synced), the messages that cast them not sent
  'persist.after-write',
  // 3: one message handed to the transport, the effects after it (messages, persists, commits) not carried out
  'send.after',
  // 4: a certified block not executed or stored: the store's head is its parent, the votes for it on disk
  'commit.before-store',
  // 5: the block stored (one synced batch), the listeners and the effects after it (the persist, a checkpoint) not run
  'commit.after-store',
] as const;

/** The name of a fail point. */
export type FailPointName = (typeof FAIL_POINTS)[number];

/** The point DPP_FAIL_POINT arms and the hit that kills. */
export interface ArmedFailPoint {
  readonly name: FailPointName;
  /** 1-based position in FAIL_POINTS. */
  readonly number: number;
  /** The process dies the hit-th time it reaches the point. */
  readonly hit: number;
}

/** DPP_FAIL_POINT's value as an armed point; null when unset or empty; NODE_BAD_CONFIG when malformed. */
export function parseFailPoint(value: string | undefined): ArmedFailPoint | null {
  if (value === undefined || value === '') return null;
  const m = /^([a-z.-]+|[1-9]\d*)(?::([1-9]\d{0,8}))?$/.exec(value);
  const number =
    m === null ? 0 : /^\d/.test(m[1]!) ? Number(m[1]) : FAIL_POINTS.indexOf(m[1] as FailPointName) + 1;
  const name = FAIL_POINTS[number - 1];
  if (m === null || name === undefined) {
    throw new NodeError(
      'NODE_BAD_CONFIG',
      `DPP_FAIL_POINT=${JSON.stringify(value)} is not <point>[:<hit>]: the point is one of ${FAIL_POINTS.map((p, i) => `${i + 1} ${p}`).join(', ')}, the hit a whole number ≥ 1`,
    );
  }
  return { name, number, hit: m[2] === undefined ? 1 : Number(m[2]) };
}

const armed = (() => {
  try {
    return parseFailPoint(process.env.DPP_FAIL_POINT);
  } catch (err) {
    return err as NodeError;
  }
})();
const armedName: FailPointName | null = armed instanceof NodeError ? null : (armed?.name ?? null);
let reached = 0;

/** The point this process has armed, or null; throws NODE_BAD_CONFIG when DPP_FAIL_POINT is malformed. */
export function armedFailPoint(): ArmedFailPoint | null {
  if (armed instanceof NodeError) throw armed;
  return armed;
}

/** Dies here with SIGKILL when `point` is armed and this is its hit-th time; otherwise does nothing. */
export function failPoint(point: FailPointName): void {
  if (point !== armedName) return;
  reached++;
  const a = armed as ArmedFailPoint;
  if (reached !== a.hit) return;
  try {
    // one line for whoever reads the log (tests assert it); a synchronous write, nothing buffered
    writeSync(2, `fail point ${a.number} ${a.name} reached (hit ${a.hit}): SIGKILL\n`);
  } catch {
    // stderr closed or full: die anyway
  }
  // A signal a process sends itself is delivered before kill() returns: nothing after this runs.
  process.kill(process.pid, 'SIGKILL');
}
