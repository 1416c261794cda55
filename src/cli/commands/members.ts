/**
 * `dpp members` lists the consortium's members (role, aggregator, node, suspended on chain);
 * `dpp member suspend|reinstate <id>` is the trading centre's; `dpp reputation [member]` shows
 * reputations and standing as stored on chain, with each account's balance. Consumers trade under
 * one-time pseudonyms, so their reputation lives on their pseudonyms (`dpp round show`) and they pay
 * from their pseudonyms' accounts, never their organisation's: for a consumer the command shows what
 * it owes and paid over its pseudonyms (from its key store, which alone links them), not a balance.
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { suspendMember } from '../../client/actions/suspendMember.ts';
import { type BillStatement, billStatementJson } from '../../contracts/billAmount.ts';
import { isDppError } from '../../errors.ts';
import { statementText } from '../billView.ts';
import { type AsOptions, Consortium, type ParticipantOptions, participantCommand } from '../consortium.ts';
import { CliError, emit, progress, receiptLine, yuan } from '../output.ts';
import { consumerStatement } from './bill.ts';

/** Adds `dpp members`, `dpp member suspend|reinstate` and `dpp reputation`. */
export function register(program: Command): void {
  participantCommand(
    program.command('members').description('the consortium’s members, roles and nodes'),
  ).action(listMembers);
  const member = program.command('member').description('membership, for the trading centre');
  for (const [verb, suspended] of [
    ['suspend', true],
    ['reinstate', false],
  ] as const) {
    participantCommand(
      member
        .command(verb)
        .argument('<id>', 'the member')
        .description(
          suspended
            ? '(trading centre) suspend a member: validators refuse its transactions'
            : '(trading centre) reinstate a suspended member',
        ),
    ).action((id: string, opts: AsOptions) => memberSuspend({ ...opts, id, suspended }));
  }
  participantCommand(
    program
      .command('reputation')
      .argument('[member]', 'one member (default: generators and aggregators)')
      .description('reputation, standing and balance'),
  ).action((id: string | undefined, opts: ParticipantOptions) => showReputation({ ...opts, member: id }));
}

/** Why a consumer has no balance of its own, and where to look instead. */
function paysUnderPseudonyms(id: string): string {
  return `pays from its one-time pseudonyms’ accounts, not its organisation’s (\`dpp bill show --as ${id}\` totals them with its key store)`;
}

/** `dpp members`. */
async function listMembers(o: ParticipantOptions): Promise<void> {
  const c = await Consortium.load(o);
  const suspended = await c.reader(c.tradingCentre()).suspendedMembers();
  const rows = c.file.members.map((m) => ({ ...m, suspended: suspended.has(m.id) }));
  emit(o.json === true, { chainId: c.file.chainId, members: rows }, () => {
    for (const m of rows)
      console.log(
        `  ${m.id.padEnd(20)} ${m.role.padEnd(15)} ${m.aggregator === undefined ? ''.padEnd(18) : `via ${m.aggregator}`.padEnd(18)} node ${c.file.validators[m.node]!.api}${m.suspended ? pc.yellow(' suspended') : ''}`,
      );
  });
}

/** `dpp member suspend|reinstate <id>`: while suspended a member's transactions are refused. */
async function memberSuspend(
  o: AsOptions & { readonly id: string; readonly suspended: boolean },
): Promise<void> {
  const { id, suspended } = o;
  const c = await Consortium.load(o);
  const tc = c.memberAs(o.as, ['trading-centre'], `${suspended ? 'suspend' : 'reinstate'} a member`);
  const member = c.member(id);
  if (member.role === 'trading-centre')
    throw new CliError('CLI_WRONG_ROLE', 'the trading centre cannot be suspended', 'name another member');
  const now = (await c.reader(tc).suspendedMembers()).has(id);
  if (now === suspended)
    throw new CliError(
      'CLI_NOTHING_TO_DO',
      `${id} is ${now ? 'already suspended' : 'not suspended'}`,
      now ? `reinstate it with \`dpp member reinstate ${id}\`` : 'see `dpp members`',
    );
  const p = progress();
  const receipt = await suspendMember(c.as(await c.open(tc), p), { member: id, suspended });
  p.done();
  emit(o.json === true, { member: id, suspended, receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    console.log(
      suspended
        ? `${id} is suspended: the validators refuse its transactions until it is reinstated`
        : `${id} is reinstated`,
    );
  });
}

/** `dpp reputation [member]`. */
async function showReputation(
  o: ParticipantOptions & { readonly member: string | undefined },
): Promise<void> {
  const memberId = o.member;
  const c = await Consortium.load(o);
  const members =
    memberId === undefined
      ? c.file.members.filter((m) => m.role === 'generator' || m.role === 'aggregator')
      : [c.member(memberId)];
  const reader = c.reader(c.tradingCentre());
  const rows: Record<string, unknown>[] = [];
  const lines: string[] = [];
  for (const m of members) {
    const r = await reader.reputation(m.id);
    const lastRound = r.lastRound ?? null;
    const rep = r.reputationPpm === null ? '—' : `${(r.reputationPpm / 1e4).toFixed(2)} %`;
    const status = r.status === 'active' || r.status === 'newcomer' ? r.status : pc.yellow(r.status);
    const row = { member: m.id, role: m.role, reputationPpm: r.reputationPpm, status: r.status, lastRound };
    let money: string;
    if (m.role !== 'consumer') {
      const balance = await reader.balance(m.id);
      rows.push({ ...row, balanceMicroYuan: balance.toString() });
      money = `balance ${yuan(balance)}`;
    } else {
      // A consumer pays under its pseudonyms: its organisation account is not where money moves.
      let statement: BillStatement | undefined;
      try {
        const store = await c.open(m, 'to total what it paid under its pseudonyms');
        statement = await consumerStatement(c, m, store);
      } catch (err) {
        // without its key store nobody can link its pseudonyms: say so rather than fail
        if (!isDppError(err, 'CLI_NO_PASSPHRASE') && !isDppError(err, 'CLI_INSECURE_STORE')) throw err;
      }
      rows.push({
        ...row,
        balanceMicroYuan: null,
        paysFrom: 'pseudonyms',
        statement: statement === undefined ? null : billStatementJson(statement),
      });
      money =
        statement === undefined
          ? paysUnderPseudonyms(m.id)
          : `no balance of its own, it pays under its pseudonyms — ${statementText(statement)}`;
    }
    lines.push(
      `  ${m.id.padEnd(20)} ${m.role.padEnd(11)} reputation ${rep.padStart(8)} ${status.padEnd(9)} ${money}${lastRound === null || lastRound === '0' ? '' : ` (after round ${lastRound})`}`,
    );
  }
  emit(o.json === true, { reputations: rows }, () => {
    for (const l of lines) console.log(l);
  });
}
