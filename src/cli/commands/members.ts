/**
 * `dpp members` lists the consortium's members (role, aggregator, node, suspended on chain);
 * `dpp member suspend|reinstate <id>` is the trading centre's; `dpp reputation [member]` shows
 * reputations and standing as stored on chain, with each account's balance. Consumers trade under
 * one-time pseudonyms, so their reputation lives on their pseudonyms (`dpp round show`).
 */
import pc from 'picocolors';
import { memberSuspendPayload } from '../../contracts/membership.ts';
import type { Consortium } from '../consortium.ts';
import { CliError, emit, progress, receiptLine, yuan } from '../output.ts';

/** `dpp members`. */
export async function runMembers(c: Consortium, json: boolean): Promise<void> {
  const suspended = await c.reader(c.tradingCentre()).suspendedMembers();
  const members = c.file.members.map((m) => ({ ...m, suspended: suspended.has(m.id) }));
  emit(json, { chainId: c.file.chainId, members }, () => {
    for (const m of members)
      console.log(
        `  ${m.id.padEnd(20)} ${m.role.padEnd(15)} ${m.aggregator === undefined ? ''.padEnd(18) : `via ${m.aggregator}`.padEnd(18)} node ${c.file.validators[m.node]!.api}${m.suspended ? pc.yellow(' suspended') : ''}`,
      );
  });
}

/** `dpp member suspend|reinstate <id>`: while suspended a member's transactions are refused. */
export async function runMemberSuspend(
  c: Consortium,
  as: string | undefined,
  id: string,
  suspended: boolean,
  json: boolean,
): Promise<void> {
  const tc = c.memberAs(as, ['trading-centre'], `${suspended ? 'suspend' : 'reinstate'} a member`);
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
  const receipt = await c.sendOrg(
    await c.open(tc),
    'member.suspend',
    memberSuspendPayload,
    { id, suspended },
    p,
  );
  p.done();
  emit(json, { member: id, suspended, receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    console.log(
      suspended
        ? `${id} is suspended: the validators refuse its transactions until it is reinstated`
        : `${id} is reinstated`,
    );
  });
}

/** `dpp reputation [member]`. */
export async function runReputation(
  c: Consortium,
  memberId: string | undefined,
  json: boolean,
): Promise<void> {
  const members =
    memberId === undefined
      ? c.file.members.filter((m) => m.role === 'generator' || m.role === 'aggregator')
      : [c.member(memberId)];
  const reader = c.reader(c.tradingCentre());
  const rows = await Promise.all(
    members.map(async (m) => {
      const r = await reader.reputation(m.id);
      return {
        member: m.id,
        role: m.role,
        reputationPpm: r.reputationPpm,
        status: r.status,
        lastRound: r.lastRound ?? null,
        balanceMicroYuan: (await reader.balance(m.id)).toString(),
      };
    }),
  );
  emit(json, { reputations: rows }, () => {
    for (const r of rows) {
      const rep = r.reputationPpm === null ? '—' : `${(r.reputationPpm / 1e4).toFixed(2)} %`;
      const status = r.status === 'active' || r.status === 'newcomer' ? r.status : pc.yellow(r.status);
      console.log(
        `  ${r.member.padEnd(20)} ${r.role.padEnd(11)} reputation ${rep.padStart(8)} ${status.padEnd(9)} balance ${yuan(r.balanceMicroYuan)}${r.lastRound === null || r.lastRound === '0' ? '' : ` (after round ${r.lastRound})`}`,
      );
    }
  });
}
