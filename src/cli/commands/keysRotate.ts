/**
 * `dpp keys rotate [--cert]` (docs/protocol.md §4.2–§4.3, docs/cli.md): a member replaces its
 * organisation key — a new key made here, the rotation signed with the old one and carrying the new
 * one's proof of possession — or, with `--cert`, the trading centre replaces the regulator's
 * pseudonym-certification key.
 *
 * Crash-safe: the new secret is written to the key store as a pending entry (`org-next`,
 * `regulator-cert-next`) before anything is sent, and replaces the old one once the chain holds it.
 * Run again after an interruption, the command compares the chain with the store and finishes what
 * was started (the same pending key, never a second one). In an organisation's folder the card is
 * re-signed with the new key. Works from a `dpp init` consortium folder (`--as`) or an
 * organisation's own folder (`--org`).
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { rotateCertKey } from '../../client/actions/rotateCertKey.ts';
import { rotateOrgKey } from '../../client/actions/rotateOrgKey.ts';
import type { KeyStoreEntry } from '../../client/keyStore.ts';
import type { TxReceipt } from '../../client/participantClient.ts';
import { bytesEqual, fromHex, toHex } from '../../codec/bytes.ts';
import { type OrgKeyPair, orgKeyPair } from '../../crypto/ed25519.ts';
import { systemRandom } from '../../crypto/scalars.ts';
import { isDppError } from '../../errors.ts';
import { MEMBER_ROLES } from '../../ledger/memberRecord.ts';
import {
  type MemberSession,
  openMemberSession,
  type SessionOptions,
  sessionCommand,
} from '../memberSession.ts';
import { CliError, emit, progress, receiptLine } from '../output.ts';

/** Adds `dpp keys rotate`. */
export function register(program: Command): void {
  const keys = program.commands.find((c) => c.name() === 'keys') ?? program.command('keys');
  sessionCommand(
    keys
      .command('rotate')
      .description(
        'replace this organisation’s key (signed with the old one); with --cert, the trading centre’s certification key',
      )
      .option('--cert', 'the trading centre: rotate the regulator’s pseudonym-certification key instead'),
  )
    .addHelpText(
      'after',
      '\nThe new key is made here and kept in the key store (pending until the chain holds it). Interrupted, run it again: it finishes the same rotation.',
    )
    .action((o: SessionOptions & { readonly cert?: boolean }) => keysRotate(o));
}

/** The secret a rotation replaces: the key store's entries and how the chain names the key now. */
interface Rotated {
  readonly what: string;
  readonly entry: string;
  readonly pending: string;
  readonly type: string;
  readonly pendingType: string;
  /** The public key the chain holds now. */
  onChain(s: MemberSession): Promise<Uint8Array>;
  send(s: MemberSession, oldKey: Uint8Array, newKey: OrgKeyPair): Promise<TxReceipt>;
}

const ORG: Rotated = {
  what: 'organisation key',
  entry: 'org',
  pending: 'org-next',
  type: 'org-seed',
  pendingType: 'org-seed-pending',
  async onChain(s) {
    const m = (await s.reader().members()).find((x) => x.id === s.id);
    if (m === undefined)
      throw new CliError(
        'CLI_UNKNOWN_MEMBER',
        `${s.id} is not a member on chain`,
        'the trading centre admits it first (`dpp member admit`)',
      );
    return fromHex(m.orgKey);
  },
  send: (s, oldKey, newKey) => rotateOrgKey(s.client(progress()), { oldKey, newKey }),
};

const CERT: Rotated = {
  what: 'certification key',
  entry: 'regulator-cert',
  pending: 'regulator-cert-next',
  type: 'regulator-cert-seed',
  pendingType: 'regulator-cert-pending',
  async onChain(s) {
    const { current } = await s.reader().certKeys();
    if (current === null)
      throw new CliError(
        'CLI_NO_REGULATOR',
        'the regulator’s keys are not on chain yet',
        'they are published with the first round (`dpp round open`)',
      );
    return fromHex(current);
  },
  send: (s, oldKey, newKey) => rotateCertKey(s.client(progress()), { oldKey, newKey }),
};

/** `dpp keys rotate [--cert]`. */
async function keysRotate(o: SessionOptions & { readonly cert?: boolean }): Promise<void> {
  const r = o.cert === true ? CERT : ORG;
  const s = await openMemberSession(
    o,
    o.cert === true ? ['trading-centre'] : MEMBER_ROLES,
    o.cert === true ? 'rotate the certification key' : 'rotate its organisation key',
  );
  const seedOf = (name: string) => s.entries.find((e) => e.name === name)?.bytes;
  const currentSeed = seedOf(r.entry);
  if (currentSeed === undefined)
    throw new CliError(
      'CLI_WRONG_KEY_STORE',
      `${s.where} keeps no ${r.what}`,
      'is it the trading centre’s key store?',
    );
  const current = orgKeyPair(currentSeed);
  const pendingSeed = seedOf(r.pending);
  const onChain = await r.onChain(s);
  let receipt: TxReceipt | undefined;
  let newSeed: Uint8Array;
  if (pendingSeed !== undefined && bytesEqual(orgKeyPair(pendingSeed).publicKey, onChain)) {
    // an earlier run's rotation committed; only the key store was not updated yet
    newSeed = pendingSeed;
  } else if (!bytesEqual(current.publicKey, onChain)) {
    // a store already promoted whose card was not re-signed: heal it; otherwise the chain moved on
    if (r === ORG && s.resignCard?.() === true)
      return done(o, s, r, current, undefined, 'card.json re-signed');
    throw new CliError(
      'CLI_KEY_MISMATCH',
      `the chain holds another ${r.what} for ${s.id} (${toHex(onChain).slice(0, 16)}…) than ${s.where} (${toHex(current.publicKey).slice(0, 16)}…)`,
      r === ORG
        ? 'was it recovered by the trading centre (`dpp member history`)? Use the key store that holds the key on chain'
        : 'use the trading centre’s current key store',
    );
  } else {
    newSeed = pendingSeed ?? systemRandom(32);
    // [SAFE] the new secret is kept before anything is sent
    if (pendingSeed === undefined) s.rewrite([{ name: r.pending, type: r.pendingType, bytes: newSeed }]);
    try {
      receipt = await r.send(s, current.publicKey, orgKeyPair(newSeed));
    } catch (err) {
      // refused, or its commit not seen: the chain says whether it happened
      const now = await r.onChain(s).catch(() => undefined);
      if (now === undefined || !bytesEqual(now, orgKeyPair(newSeed).publicKey)) throw withHint(err, r);
    }
  }
  const promoted: KeyStoreEntry = { name: r.entry, type: r.type, bytes: newSeed };
  s.rewrite([promoted], [r.pending]);
  const resigned = r === ORG && s.resignCard?.() === true;
  done(
    o,
    s,
    r,
    orgKeyPair(newSeed),
    receipt,
    resigned ? 'card.json re-signed with the new key' : undefined,
    current,
  );
}

function withHint(err: unknown, r: Rotated): unknown {
  if (err instanceof CliError || !isDppError(err)) return err;
  return new CliError(
    `CLI_${err.code}`,
    `the ${r.what} was not rotated: ${err.message} [${err.code}]`,
    `the new key stays pending in the key store: run \`dpp keys rotate${r === CERT ? ' --cert' : ''}\` again to retry with it`,
  );
}

function done(
  o: SessionOptions,
  s: MemberSession,
  r: Rotated,
  key: OrgKeyPair,
  receipt: TxReceipt | undefined,
  note: string | undefined,
  old?: OrgKeyPair,
): void {
  emit(
    o.json === true,
    {
      member: s.id,
      key: r === CERT ? 'certification' : 'organisation',
      oldKey: old === undefined ? null : toHex(old.publicKey),
      newKey: toHex(key.publicKey),
      receipt: receipt ?? null,
      keyStore: s.where,
      ...(note === undefined ? {} : { note }),
    },
    () => {
      if (receipt !== undefined) console.log(receiptLine(receipt));
      else if (old !== undefined)
        console.log(`${pc.green('✓')} the rotation had committed already: the key store is now up to date`);
      const was = old === undefined ? '' : `was ${toHex(old.publicKey).slice(0, 16)}…`;
      console.log(
        `  ${s.id}'s ${r.what} is now ${toHex(key.publicKey)}${
          old === undefined
            ? ''
            : r === CERT
              ? ` (${was}: pseudonyms it certified stay registered; new certificates must be the new key's)`
              : ` (${was}, refused from now on)`
        }`,
      );
      console.log(`  key store ${s.where} updated${note === undefined ? '' : `; ${note}`}`);
      if (s.role === 'trading-centre')
        console.log(
          pc.dim(
            '  the trading centre’s validator holds its keys from when it started: restart it so its regulator route signs and traces with the new ones',
          ),
        );
    },
  );
}
