/**
 * Downloads a consistent snapshot of a running validator (POST /v1/snapshot, docs/api.md) for
 * `dpp node backup`: asks the node for a one-time challenge, signs it with the validator's own key
 * (`dpp/snapshot/v1`, ../ledger/sessionChallenge.ts) and streams the answer. The bytes are checked
 * as they arrive by whoever consumes them (../node/backupFolder.ts decodes the stream and its end
 * record); a connection that breaks off is CLIENT_NETWORK.
 */
import { z } from 'zod';
import { fromHex, toHex } from '../codec/bytes.ts';
import { type OrgKeyPair, orgSign } from '../crypto/ed25519.ts';
import { snapshotChallengeBytes } from '../ledger/sessionChallenge.ts';
import { ClientError } from './clientError.ts';

/** Whose snapshot, signed by whom. */
export interface SnapshotRequest {
  /** The validator's API, e.g. http://127.0.0.1:7401. */
  readonly apiUrl: string;
  readonly chainId: string;
  readonly validator: number;
  /** The validator's own key pair (its key file). */
  readonly key: OrgKeyPair;
  /** How long to wait for the node to start answering (default 10 s); the transfer itself may take longer. */
  readonly timeoutMs?: number;
}

const Challenge = z.object({ challenge: z.string().regex(/^[0-9a-f]{64}$/), chainId: z.string() }).loose();
const Refusal = z.object({ code: z.string(), message: z.string() }).loose();

/** The snapshot stream of the validator behind `r.apiUrl`, in chunks as they arrive. */
export async function downloadSnapshot(r: SnapshotRequest): Promise<AsyncIterable<Uint8Array>> {
  const base = new URL(r.apiUrl).origin;
  const timeoutMs = r.timeoutMs ?? 10_000;
  const asked = await call(`${base}/v1/auth/challenge`, { method: 'GET' }, timeoutMs);
  const c = Challenge.safeParse(await asked.json().catch(() => null));
  if (!c.success) throw new ClientError('CLIENT_BAD_RESPONSE', 'GET /v1/auth/challenge: unexpected answer');
  // [REFUSE] a node of another chain: the signature would be worthless there anyway
  if (c.data.chainId !== r.chainId)
    throw new ClientError('CLIENT_BAD_ARGUMENT', `${base} serves chain ${c.data.chainId}, not ${r.chainId}`);
  const signature = orgSign(r.key, snapshotChallengeBytes(r.chainId, fromHex(c.data.challenge), r.validator));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let res: Response;
  try {
    res = await call(
      `${base}/v1/snapshot`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          challenge: c.data.challenge,
          signature: toHex(signature),
          validator: r.validator,
        }),
        signal: controller.signal,
      },
      timeoutMs,
    );
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok) {
    const e = Refusal.safeParse(await res.json().catch(() => null));
    if (!e.success) throw new ClientError('CLIENT_BAD_RESPONSE', `POST /v1/snapshot: HTTP ${res.status}`);
    throw new ClientError(e.data.code, e.data.message, { status: res.status });
  }
  const body = res.body;
  if (body === null) throw new ClientError('CLIENT_BAD_RESPONSE', 'POST /v1/snapshot: no body');
  return chunksOf(body);
}

async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const next = await reader.read().catch((cause: unknown) => {
        throw new ClientError(
          'CLIENT_NETWORK',
          `the snapshot download broke off: ${(cause as Error).message}`,
          {},
          { cause },
        );
      });
      if (next.done) return;
      yield next.value;
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(timeoutMs), ...init });
  } catch (cause) {
    const timedOut = (cause as Error).name === 'TimeoutError' || (cause as Error).name === 'AbortError';
    throw new ClientError(
      timedOut ? 'CLIENT_TIMEOUT' : 'CLIENT_NETWORK',
      `${init.method} ${new URL(url).pathname}: ${timedOut ? `no answer in ${timeoutMs} ms` : (cause as Error).message}`,
      {},
      { cause },
    );
  }
}
