/**
 * Reputation: the ranking of members with a reputation record, and per member its history from the
 * chain (GET /v1/reputation/:id/history: one record per round that scored it) with the indicators
 * that moved it — energy delivered against contracted, responses acknowledged on time, violations —
 * the round's score and the reputation after it.
 */
import type { MembersView, ReputationHistoryView, ReputationView } from '../../contracts/views.ts';
import { get } from '../api.ts';
import { type Page, throttle } from '../app.ts';
import { lineChart } from '../charts.ts';
import { fill, h, table } from '../dom.ts';

const pct = (ppm: number | null) => (ppm === null ? '—' : `${(ppm / 1e4).toFixed(2)} %`);

export const reputationPage: Page = async (root, app) => {
  const ranking = h('section', { 'aria-labelledby': 'ranking-h' });
  const history = h('section', { 'aria-live': 'polite', class: 'detail' });
  fill(root, h('h1', {}, 'Reputation'), ranking, history);
  const { members } = await get<MembersView>('/v1/members');
  const rated = members.filter((m) => m.role === 'generator' || m.role === 'aggregator');
  let selected = rated[0]?.id;

  const show = async () => {
    const reps = await Promise.all(
      rated.map(async (m) => ({ m, r: await get<ReputationView>(`/v1/reputation/${m.id}`) })),
    );
    reps.sort((a, b) => (b.r.reputationPpm ?? -1) - (a.r.reputationPpm ?? -1));
    fill(
      ranking,
      h('h2', { id: 'ranking-h' }, 'Ranking'),
      table(
        'Generators and aggregators by reputation (consumers’ reputations are attested per pseudonym and never linked to them publicly)',
        ['rank', 'member', 'role', 'reputation', 'standing', ''],
        reps.map(({ m, r }, i) => [
          i + 1,
          m.id,
          m.role,
          pct(r.reputationPpm),
          r.status,
          h(
            'button',
            {
              type: 'button',
              'aria-label': `History of ${m.id}`,
              onclick: () => {
                selected = m.id;
                void showHistory();
              },
            },
            'History',
          ),
        ]),
        'ranking',
      ),
    );
    await showHistory();
  };

  const showHistory = async () => {
    if (selected === undefined) return;
    const id = selected;
    const { points } = await get<ReputationHistoryView>(`/v1/reputation/${id}/history`);
    const share = (part: string | number, whole: string | number) =>
      Number(whole) === 0 ? '—' : `${((100 * Number(part)) / Number(whole)).toFixed(1)} %`;
    const chart = h('div', { class: 'chart' });
    fill(
      history,
      h('h2', {}, `History of ${id}`),
      points.length === 0 ? h('p', {}, 'No finalized round has scored this member yet.') : chart,
      table(
        `Indicators of ${id} per scored round (the latest 12, as recorded on chain at finalization)`,
        [
          'round',
          'delivered / contracted',
          'acknowledged on time',
          'violations',
          'round score',
          'reputation after',
          'standing',
        ],
        points
          .slice(-12)
          .map((p) => [
            p.round,
            share(p.deliveredWh, p.contractedWh),
            p.billsDue === 0 ? '—' : `${p.billsOnTime} / ${p.billsDue}`,
            p.violations,
            pct(p.roundScorePpm),
            pct(p.reputationPpm),
            p.status,
          ]),
        'indicators',
      ),
    );
    if (points.length > 0)
      lineChart(
        chart,
        `Reputation of ${id} after each scored round (%)`,
        'round',
        points.map((p) => Number(p.round)),
        [
          { label: 'reputation %', values: points.map((p) => p.reputationPpm / 1e4) },
          { label: 'round score %', values: points.map((p) => p.roundScorePpm / 1e4) },
        ],
      );
  };

  await show();
  const refresh = throttle(() => void show().catch(() => {}), 2_000);
  app.onEvent((e) => {
    if (e.type === 'round-finalized') refresh();
  });
};
