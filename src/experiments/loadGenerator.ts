/**
 * The load generator of the throughput benchmark (bench/tps.ts) and the energy experiment
 * (./energyRun.ts): memo transactions signed before any timing starts, then offered at a fixed
 * rate in 50 ms ticks, each sender's batch posted to one validator (`POST /v1/txs`, senders spread
 * over the validators), so the signing cost never enters what is measured.
 */
import { Writer } from '../codec/writer.ts';
import type { OrgKeyPair } from '../crypto/ed25519.ts';
import { type SignedTransaction, signOrgTransaction } from '../ledger/txSigning.ts';

const TICK_MS = 50;

/** `perSender` memo transactions for each key, with nonces 1, 2, … (what `offer` sends, in order). */
export function signMemoLoad(
  chainId: string,
  keys: readonly OrgKeyPair[],
  perSender: number,
): SignedTransaction[][] {
  return keys.map((key, s) =>
    Array.from({ length: perSender }, (_, k) =>
      signOrgTransaction(
        { chainId, kind: 'memo', payload: new TextEncoder().encode(`sender ${s} memo ${k + 1}`) },
        BigInt(k + 1),
        key,
      ),
    ),
  );
}

/** Offers pre-signed transactions to validators at a fixed rate; each sender's nonces go out in order. */
export class LoadGenerator {
  private readonly cursor: number[];

  constructor(
    private readonly signed: readonly (readonly SignedTransaction[])[],
    private readonly apiUrls: readonly string[],
  ) {
    this.cursor = new Array<number>(signed.length).fill(0);
  }

  /**
   * Offers `rate` transactions per second for `seconds`; `onAccepted` hears the ids each batch got
   * accepted with and when it was sent (performance.now()). Resolves with how many were accepted.
   */
  async offer(
    rate: number,
    seconds: number,
    onAccepted: (ids: readonly string[], sentAtMs: number) => void = () => {},
  ): Promise<number> {
    const senders = this.signed.length;
    let accepted = 0;
    const start = performance.now();
    for (let t = 0; t < seconds * 1000; t += TICK_MS) {
      const due = Math.round((rate * TICK_MS) / 1000);
      const batches = new Map<number, Uint8Array[]>();
      for (let k = 0; k < due; k++) {
        const s = (t / TICK_MS + k) % senders;
        const st = this.signed[s]![this.cursor[s]!++];
        if (st === undefined) continue;
        const list = batches.get(s) ?? [];
        list.push(st.bytes);
        batches.set(s, list);
      }
      const sentAt = performance.now();
      await Promise.all(
        [...batches].map(async ([s, txs]) => {
          const w = new Writer();
          for (const tx of txs) w.bytes(tx);
          const res = await fetch(`${this.apiUrls[s % this.apiUrls.length]!}/v1/txs`, {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream' },
            body: w.finish(),
          });
          const ids = ((await res.json()) as { ids?: string[] }).ids ?? [];
          accepted += ids.length;
          onAccepted(ids, sentAt);
        }),
      );
      const wait = start + t + TICK_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return accepted;
  }
}
