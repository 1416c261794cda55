/**
 * The outbox of a consortium folder: a transaction a command sent but did not see committed (its
 * node did not answer, or no quorum committed it in time) is kept as outbox/<id>.json — its kind,
 * the member whose node it went through and the signed bytes — so that `dpp tx resend <id>` sends
 * exactly the same bytes again (the same id: a copy of a committed transaction is refused as a
 * duplicate) instead of signing a new one. Resending removes it once it is seen committed.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SignedTransaction, txIdOf, txIdOfBytes } from '../client/txSubmitter.ts';
import { fromHex, toHex } from '../codec/bytes.ts';
import { CliError } from './output.ts';

/** A kept transaction. */
export interface KeptTx {
  readonly id: string;
  readonly kind: string;
  /** The member whose node it was sent through. */
  readonly via: string;
  readonly tx: Uint8Array;
}

/** The outbox folder. */
export class Outbox {
  constructor(private readonly dir: string) {}

  /** Keeps `tx`, sent through `via`'s node. */
  keep(tx: SignedTransaction, via: string): void {
    mkdirSync(this.dir, { recursive: true });
    const id = txIdOf(tx);
    const doc = { id, kind: tx.tx.kind, via, tx: toHex(tx.bytes) };
    const path = this.pathOf(id);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  /** The kept transaction `id`; CLI_NOT_IN_OUTBOX when there is none. */
  get(id: string): KeptTx {
    let doc: { id?: unknown; kind?: unknown; via?: unknown; tx?: unknown };
    try {
      doc = JSON.parse(readFileSync(this.pathOf(id), 'utf8'));
    } catch {
      throw new CliError(
        'CLI_NOT_IN_OUTBOX',
        `no unsent transaction ${id} in ${this.dir}`,
        `only a transaction a command reported as not committed is kept; \`dpp tx show ${id}\` says where it stands`,
      );
    }
    const tx = typeof doc.tx === 'string' && /^([0-9a-f]{2})+$/.test(doc.tx) ? fromHex(doc.tx) : undefined;
    if (
      tx === undefined ||
      txIdOfBytes(tx) !== id ||
      typeof doc.kind !== 'string' ||
      typeof doc.via !== 'string'
    )
      throw new CliError(
        'CLI_BAD_OUTBOX',
        `${this.pathOf(id)} is not the kept transaction ${id}`,
        'it was altered: delete it',
      );
    return { id, kind: doc.kind, via: doc.via, tx };
  }

  /** Forgets `id` (once it is committed). */
  remove(id: string): void {
    rmSync(this.pathOf(id), { force: true });
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
