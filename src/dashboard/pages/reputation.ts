/**
 * Reputation: the ranking of members with a reputation record, and per member its history (the
 * node records each member's reputation after every finalized round, GET /v1/reputation/:id/history)
 * with the indicators that moved it, read from the round's bills: energy delivered against
 * contracted, and how its bills ended (settled, disputed, escalated, voided).
 */
import { get } from '../api.ts';
import { type Page, throttle } from '../app.ts';
import { lineChart } from '../charts.ts';
import { fill, h, table } from '../dom.ts';

interface Member {
  id: string;
  role: string;
  aggregator: string | null;
}
interface Reputation {
  reputationPpm: number | null;
  status: string;
  lastRound?: string;
}
interface Point {
  round: string;
  height: string;
  reputationPpm: number | null;
  status: string;
}
interface Bill {
  generator: string;
  aggregator: string;
  contractedWh: string;
  status: string;
  meter: { deliveredWh: string; consumedWh: string } | null;
}

const pct = (ppm: number | null) => (ppm === null ? '—' : `${(ppm / 1e4).toFixed(2)} %`);

export const reputationPage: Page = async (root, app) => {
  const ranking = h('section', { 'aria-labelledby': 'ranking-h' });
  const history = h('section', { 'aria-live': 'polite', class: 'detail' });
  fill(root, h('h1', {}, 'Reputation'), ranking, history);
  const { members } = await get<{ members: Member[] }>('/v1/members');
  const rated = members.filter((m) => m.role === 'generator' || m.role === 'aggregator');
  let selected = rated[0]?.id;

  const show = async () => {
    const reps = await Promise.all(
      rated.map(async (m) => ({ m, r: await get<Reputation>(`/v1/reputation/${m.id}`) })),
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
    const member = rated.find((m) => m.id === id)!;
    const { points } = await get<{ points: Point[] }>(`/v1/reputation/${id}/history`);
    const latest = Number((await get<{ latest: string }>('/v1/rounds')).latest);
    const rounds = Array.from({ length: Math.min(8, latest) }, (_, i) => latest - i).reverse();
    const indicators = await Promise.all(
      rounds.map(async (round) => {
        const { bills } = await get<{ bills: Bill[] }>(`/v1/rounds/${round}/bills`);
        const own = bills.filter((b) =>
          member.role === 'generator' ? b.generator === id : b.aggregator === id,
        );
        const contracted = own.reduce((s, b) => s + Number(b.contractedWh), 0);
        const delivered = own.reduce((s, b) => s + Number(b.meter?.deliveredWh ?? 0), 0);
        const count = (st: string) => own.filter((b) => b.status === st).length;
        return [
          round,
          own.length,
          contracted === 0 ? '—' : `${((100 * delivered) / contracted).toFixed(1)} %`,
          count('settled'),
          count('disputed'),
          count('escalated'),
          count('voided'),
        ];
      }),
    );
    const chart = h('div', { class: 'chart' });
    fill(
      history,
      h('h2', {}, `History of ${id}`),
      points.length === 0 ? h('p', {}, 'No round finalized since this node started.') : chart,
      table(
        `Indicators of ${id} per round (from the bills on chain)`,
        ['round', 'bills', 'delivered / contracted', 'settled', 'disputed', 'escalated', 'voided'],
        indicators,
        'indicators',
      ),
    );
    if (points.length > 0)
      lineChart(
        chart,
        `Reputation of ${id} after each finalized round (%)`,
        'round',
        points.map((p) => Number(p.round)),
        [
          {
            label: 'reputation %',
            values: points.map((p) => (p.reputationPpm === null ? null : p.reputationPpm / 1e4)),
          },
        ],
      );
  };

  await show();
  const refresh = throttle(() => void show().catch(() => {}), 2_000);
  app.onEvent((e) => {
    if (e.type === 'round-finalized') refresh();
  });
};
