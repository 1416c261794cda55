/**
 * `dpp members` lists the consortium's members (role, aggregator, node); `dpp reputation [member]`
 * shows reputations and standing as stored on chain, with each account's balance. Consumers trade
 * under one-time pseudonyms, so their reputation lives on their pseudonyms (`dpp round show`).
 */
import pc from 'picocolors';
import type { Consortium } from '../consortium.ts';
import { emit, yuan } from '../output.ts';

/** `dpp members`. */
export function runMembers(c: Consortium, json: boolean): void {
  emit(json, { chainId: c.file.chainId, members: c.file.members }, () => {
    for (const m of c.file.members)
      console.log(
        `  ${m.id.padEnd(20)} ${m.role.padEnd(15)} ${m.aggregator === undefined ? ''.padEnd(18) : `via ${m.aggregator}`.padEnd(18)} node ${c.file.validators[m.node]!.api}`,
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
      const rep = r.reputationPpm === null ? 'newcomer' : `${(r.reputationPpm / 1e4).toFixed(2)} %`;
      const status = r.status === 'active' ? r.status : pc.yellow(r.status);
      console.log(
        `  ${r.member.padEnd(20)} ${r.role.padEnd(11)} reputation ${rep.padStart(8)} ${status.padEnd(9)} balance ${yuan(r.balanceMicroYuan)}${r.lastRound === null || r.lastRound === '0' ? '' : ` (after round ${r.lastRound})`}`,
      );
    }
  });
}
