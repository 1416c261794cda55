/**
 * Membership after genesis (docs/protocol.md §4.1–§4.2, docs/cli.md):
 *
 * - `dpp member admit --card <file>` (the trading centre): admits an organisation from the member
 *   card it made with `dpp keys new`; the validators check the card's signature, chain and role.
 * - `dpp member recover-key <id> --new-key <hex> | --card <file> --reason <text>` (the trading
 *   centre): replaces the organisation key a member lost, leaving an audit record on chain; with
 *   the member's new card the chain checks that the member holds the new key.
 * - `dpp member history [id]`: how each member joined (height, genesis / register / card) and every
 *   change of its organisation key (rotation or recovery: who, when, old and new key, why); with
 *   `--cert`, the rotations of the regulator's certification key.
 *
 * The trading centre acts from a `dpp init` consortium folder (`--as`) or from its own
 * organisation folder (`--org`, ../memberSession.ts).
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { admitMember } from '../../client/actions/admitMember.ts';
import { recoverOrgKey } from '../../client/actions/recoverOrgKey.ts';
import { fromHex, toHex } from '../../codec/bytes.ts';
import type { KeyChangeView, MemberView } from '../../contracts/views.ts';
import { isValidEd25519PublicKey } from '../../crypto/ed25519Strict.ts';
import type { MemberCard } from '../../ledger/memberCard.ts';
import { isValidName } from '../../ledger/memberRecord.ts';
import { loadCard, roleWords } from '../genesisView.ts';
import { openChainReader, openMemberSession, type SessionOptions, sessionCommand } from '../memberSession.ts';
import { CliError, emit, progress, receiptLine, time } from '../output.ts';

/** Adds `dpp member admit | recover-key | history`. */
export function register(program: Command): void {
  const member =
    program.commands.find((c) => c.name() === 'member') ??
    program.command('member').description('membership, for the trading centre');
  sessionCommand(
    member
      .command('admit')
      .description('(trading centre) admit an organisation after genesis from its signed member card')
      .requiredOption('--card <file>', 'the card.json the organisation made with `dpp keys new`'),
  ).action((o: SessionOptions & { readonly card: string }) => memberAdmit(o));
  sessionCommand(
    member
      .command('recover-key')
      .argument('<id>', 'the member that lost its organisation key')
      .description('(trading centre) replace a member’s lost organisation key, with an audit record on chain')
      .option('--new-key <hex>', 'the member’s new organisation key (64 hex digits)')
      .option('--card <file>', 'the member’s new card (`dpp keys new`): proves it holds the new key')
      .requiredOption('--reason <text>', 'why (recorded on chain, at most 200 bytes)'),
  ).action(
    (
      id: string,
      o: SessionOptions & { readonly newKey?: string; readonly card?: string; readonly reason: string },
    ) => memberRecoverKey({ ...o, id }),
  );
  sessionCommand(
    member
      .command('history')
      .argument('[id]', 'one member (default: every member)')
      .description(
        'how members joined and their organisation-key changes (rotations, recoveries), from the chain',
      )
      .option('--cert', 'the rotations of the regulator’s certification key instead'),
  ).action((id: string | undefined, o: SessionOptions & { readonly cert?: boolean }) =>
    memberHistory({ ...o, ...(id === undefined ? {} : { id }) }),
  );
}

/** A card file, for this chain, of a role that joins after genesis. */
function cardFor(path: string, chainId: string): MemberCard {
  const card = loadCard(path);
  if (card.chainId !== chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `${path} is a card for chain ${card.chainId}, not ${chainId}: nothing was sent`,
      `the organisation makes its card with --chain-id ${chainId}`,
    );
  return card;
}

/** CLI_KEY_IN_USE when `key` is or was a member's organisation key (the chain would refuse it: CONTRACT_EXISTS). */
function keyUnused(members: readonly MemberView[], key: Uint8Array): void {
  const hex = toHex(key);
  const holder =
    members.find((m) => m.orgKey === hex) ?? members.find((m) => m.keyChanges.some((k) => k.oldKey === hex));
  if (holder !== undefined)
    throw new CliError(
      'CLI_KEY_IN_USE',
      `key ${hex.slice(0, 16)}… ${holder.orgKey === hex ? 'is' : 'was'} ${holder.id}'s organisation key: nothing was sent`,
      'a key is never used twice: the organisation makes a new one (`dpp keys new`)',
    );
}

/** `dpp member admit --card <file>`. */
async function memberAdmit(o: SessionOptions & { readonly card: string }): Promise<void> {
  const s = await openMemberSession(o, ['trading-centre'], 'admit a member');
  const card = cardFor(o.card, s.chain.chainId);
  if (card.role === 'trading-centre')
    throw new CliError(
      'CLI_WRONG_ROLE',
      `${card.id}'s card is a trading centre's: a consortium has one, made at genesis`,
    );
  const members = await s.reader().members();
  if (members.some((m) => m.id === card.id))
    throw new CliError(
      'CLI_EXISTS',
      `${card.id} is a member already: nothing was sent`,
      `see \`dpp member history ${card.id}\``,
    );
  keyUnused(members, card.orgKey);
  const p = progress();
  p.update(`admitting ${card.id}`);
  const receipt = await admitMember(s.client(p), { card });
  p.done();
  emit(
    o.json === true,
    {
      member: card.id,
      role: card.role,
      orgKey: toHex(card.orgKey),
      aggregator: card.aggregator ?? null,
      joinedHeight: receipt.height,
      validatorNotAdmitted: card.validator?.name ?? null,
      receipt,
    },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `  ${card.id} joined as ${roleWords(card.role)} at height ${receipt.height}, with organisation key ${toHex(card.orgKey)}`,
      );
      if (card.validator !== undefined)
        console.log(
          pc.dim(
            `  its card declares validator ${card.validator.name}: that is not admitted with it (a validator joins through validator.change)`,
          ),
        );
    },
  );
}

/** `dpp member recover-key <id> --new-key <hex> | --card <file> --reason <text>`. */
async function memberRecoverKey(
  o: SessionOptions & {
    readonly id: string;
    readonly newKey?: string;
    readonly card?: string;
    readonly reason: string;
  },
): Promise<void> {
  if (!isValidName(o.id))
    throw new CliError('CLI_BAD_ID', `"${o.id}" is not a member id`, 'see `dpp member history`');
  if ((o.newKey === undefined) === (o.card === undefined))
    throw new CliError(
      'CLI_BAD_OPTION',
      'give the new key either as --new-key <hex> or in the member’s new card, --card <file>',
      'with --card the chain also checks that the member holds the key',
    );
  const reason = o.reason.trim();
  if (reason.length === 0 || new TextEncoder().encode(o.reason).length > 200)
    throw new CliError(
      'CLI_BAD_REASON',
      '--reason must say why, in 1..200 bytes',
      'e.g. --reason "key store lost with a failed disk"',
    );
  let newKey: Uint8Array;
  if (o.newKey !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(o.newKey) || !isValidEd25519PublicKey(fromHex(o.newKey)))
      throw new CliError(
        'CLI_BAD_KEY',
        `--new-key must be an Ed25519 public key, 64 lower-case hex digits, got "${o.newKey}"`,
        'the member’s new card.json (`dpp keys new`) holds it as orgKey; or pass the card with --card',
      );
    newKey = fromHex(o.newKey);
  }
  const s = await openMemberSession(o, ['trading-centre'], 'recover a member’s key');
  const card = o.card === undefined ? undefined : cardFor(o.card, s.chain.chainId);
  if (card !== undefined) {
    if (card.id !== o.id)
      throw new CliError('CLI_BAD_OPTION', `${o.card} is ${card.id}'s card, not ${o.id}'s: nothing was sent`);
    newKey = card.orgKey;
  }
  const members = await s.reader().members();
  const m = members.find((x) => x.id === o.id);
  if (m === undefined)
    throw new CliError('CLI_UNKNOWN_MEMBER', `${o.id} is not a member on chain`, 'see `dpp member history`');
  if (m.role === 'trading-centre')
    throw new CliError(
      'CLI_WRONG_ROLE',
      'the trading centre’s own key is not recovered: it rotates it (`dpp keys rotate`); its loss is out of scope',
    );
  keyUnused(members, newKey!);
  const p = progress();
  p.update(`replacing ${o.id}'s organisation key`);
  const receipt = await recoverOrgKey(s.client(p), {
    member: o.id,
    newKey: newKey!,
    reason,
    ...(card === undefined ? {} : { card }),
  });
  p.done();
  emit(
    o.json === true,
    {
      member: o.id,
      oldKey: m.orgKey,
      newKey: toHex(newKey!),
      reason,
      possessionProven: card !== undefined,
      receipt,
    },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `  ${o.id}'s organisation key is now ${toHex(newKey!)}; ${m.orgKey.slice(0, 16)}… is refused from now on`,
      );
      console.log(
        card === undefined
          ? pc.yellow(
              '  the chain took the new key on the trading centre’s word (no card: possession not proven)',
            )
          : '  the member’s card proved on chain that it holds the new key',
      );
      console.log(pc.dim(`  the audit record: dpp member history ${o.id}`));
    },
  );
}

/** `dpp member history [id] [--cert]`. */
async function memberHistory(
  o: SessionOptions & { readonly id?: string; readonly cert?: boolean },
): Promise<void> {
  const { reader } = await openChainReader(o);
  if (o.cert === true) {
    const view = await reader.certKeys();
    emit(o.json === true, view, () => {
      console.log(
        `  certification key now ${view.current ?? '— (the regulator’s keys are not on chain yet)'}`,
      );
      if (view.changes.length === 0) console.log('  never rotated');
      for (const c of view.changes)
        console.log(
          `  #${c.seq} height ${c.height} ${time(c.atMs)}: ${c.oldKey.slice(0, 16)}… → ${c.newKey.slice(0, 16)}…`,
        );
    });
    return;
  }
  const all = await reader.members();
  const members = o.id === undefined ? all : all.filter((m) => m.id === o.id);
  if (o.id !== undefined && members.length === 0)
    throw new CliError(
      'CLI_UNKNOWN_MEMBER',
      `${o.id} is not a member on chain`,
      'without an id the command lists every member',
    );
  emit(o.json === true, { members }, () => {
    for (const m of members) printMember(m, o.id !== undefined);
  });
}

function printMember(m: MemberView, detailed: boolean): void {
  const joined =
    m.joinedVia === 'genesis'
      ? 'genesis'
      : `height ${m.joinedHeight} (${m.joinedVia === 'card' ? 'from its card' : 'registered'})`;
  console.log(
    `  ${m.id.padEnd(20)} ${m.role.padEnd(15)} joined ${joined.padEnd(26)} key ${m.orgKey.slice(0, 16)}…${m.keyChanges.length === 0 ? '' : ` (${m.keyChanges.length} change${m.keyChanges.length === 1 ? '' : 's'})`}${m.suspended ? pc.yellow(' suspended') : ''}`,
  );
  if (detailed || m.keyChanges.length > 0)
    for (const k of m.keyChanges) console.log(`      ${changeLine(k)}`);
}

function changeLine(k: KeyChangeView): string {
  const how = k.how === 'rotate' ? 'rotated by itself' : `recovered by ${k.by}`;
  return `#${k.n} height ${k.height} ${time(k.atMs)} ${how}: ${k.oldKey.slice(0, 16)}… → ${k.newKey.slice(0, 16)}…${k.reason === '' ? '' : ` — “${k.reason}”`}${k.how === 'recover' && !k.possessionProven ? pc.yellow(' (possession not proven)') : ''}`;
}
