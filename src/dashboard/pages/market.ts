/**
 * Market: rounds with their offers and the counts of their pseudonymous demands and bills; per round
 * each generator's sale — its equilibrium price, the energy it sold, how many consumers it supplies
 * and, once metered, what it delivered and was paid (GET /v1/rounds/:id/sales) — and the
 * pseudonymous demand a page at a time (./pager.ts); charts of prices, energy and the consumers'
 * saving against the catalog tariff, bilateral contracts and centralised matching per round
 * (GET /v1/rounds/:id/modes), and of each generator's sales. Nothing here grows with the consumers:
 * a round view holds counts, charts are per round or per generator, demand is paged.
 */
import type uPlot from 'uplot';
import type {
  DemandsView,
  LatestRoundView,
  ModesView,
  RoundView,
  SalesView,
  SaleView,
} from '../../contracts/views.ts';
import { get } from '../api.ts';
import { type Page, throttle } from '../app.ts';
import { barChart, lineChart, swatch } from '../charts.ts';
import { fill, h, mwh, short, table, yuan, yuanPerKWh } from '../dom.ts';
import { pager, pageUrl } from '../pager.ts';

/** Pseudonymous demands shown per page under a round (the bills page shows the bills). */
const DEMANDS_PER_PAGE = 20;

/** The latest `n` rounds, oldest first. */
export async function recentRounds(n: number): Promise<RoundView[]> {
  const latest = Number((await get<LatestRoundView>('/v1/rounds')).latest);
  const ids = Array.from({ length: Math.min(n, latest) }, (_, i) => latest - Math.min(n, latest) + 1 + i);
  return Promise.all(ids.map((id) => get<RoundView>(`/v1/rounds/${id}`)));
}

const savingPct = (r: RoundView): number | null => {
  const c = r.clearing;
  if (c === null || Number(c.catalogCostMicroYuan) === 0) return null;
  return (100 * (Number(c.catalogCostMicroYuan) - Number(c.costMicroYuan))) / Number(c.catalogCostMicroYuan);
};

const BASELINES = ['catalog', 'bilateral', 'centralised'] as const;

/** Our mode's saving against `baseline`, in %, or null when the round had no trade. */
function savingVs(m: ModesView, baseline: string): number | null {
  const ours = m.modes.find((x) => x.mode === 'stackelberg');
  const other = m.modes.find((x) => x.mode === baseline);
  if (ours === undefined || other === undefined || Number(other.costMicroYuan) === 0) return null;
  return (100 * (Number(other.costMicroYuan) - Number(ours.costMicroYuan))) / Number(other.costMicroYuan);
}

/**
 * The table beside the price chart, which also serves as its legend: each generator with its line's
 * sample, its price in the first and the latest charted round and the change. Hovering a row, or
 * pressing its generator (which keeps it highlighted), brings that generator's line forward.
 */
function priceTable(
  chart: uPlot,
  generators: readonly string[],
  cleared: readonly RoundView[],
  priceOf: (r: RoundView, g: string) => number | null,
): HTMLElement {
  const first = cleared[0]!;
  const last = cleared.at(-1)!;
  const both = first !== last;
  const all = cleared.flatMap((r) => generators.map((g) => priceOf(r, g))).filter((p) => p !== null);
  // the chart's axis spans only the prices' range: say how narrow it is
  const range = `the chart’s axis spans only ${(Math.min(...all) / 1e6).toFixed(4)}–${(Math.max(...all) / 1e6).toFixed(4)}`;
  let pinned: number | null = null;
  const buttons: HTMLButtonElement[] = [];
  const highlight = (i: number | null) => chart.setSeries(i === null ? null : i + 1, { focus: true });
  const rows = generators.map((g, i) => {
    const a = priceOf(first, g);
    const b = priceOf(last, g);
    const button = h(
      'button',
      {
        type: 'button',
        class: 'series-toggle',
        'aria-pressed': 'false',
        'aria-label': `Highlight ${g} in the price chart`,
        onclick: () => {
          pinned = pinned === i ? null : i;
          for (const [j, x] of buttons.entries()) x.setAttribute('aria-pressed', String(j === pinned));
          highlight(pinned);
        },
      },
      swatch(i),
      ' ',
      g,
    );
    buttons.push(button);
    // in %: a change of a few µ¥ vanishes in the prices' 4 decimals of ¥ (its µ¥ in the title)
    const change =
      a === null || b === null || a === 0
        ? '—'
        : a === b
          ? 'none'
          : h(
              'span',
              { title: `${b > a ? '+' : '−'}${Math.abs(b - a)} µ¥/kWh` },
              `${b > a ? '+' : '−'}${((100 * Math.abs(b - a)) / a).toFixed(2)} %`,
            );
    const price = (v: number | null) => (v === null ? '—' : (v / 1e6).toFixed(4));
    const row = h(
      'tr',
      {
        'data-generator': g,
        'data-price': b === null ? '' : String(b),
        onmouseenter: () => highlight(i),
        onmouseleave: () => highlight(pinned),
      },
      h('th', { scope: 'row' }, button),
      both ? h('td', {}, price(a)) : null,
      h('td', {}, price(b)),
      both ? h('td', {}, change) : null,
    );
    return row;
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': 'price-table', class: 'compact' },
      h(
        'caption',
        {},
        both
          ? `Price per generator (¥/kWh), round ${first.id} and round ${last.id}; ${range}. Hover or press a generator to highlight its line.`
          : `Price per generator (¥/kWh) in round ${last.id}; ${range}.`,
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'generator'),
          both ? h('th', { scope: 'col' }, `round ${first.id}`) : null,
          h('th', { scope: 'col' }, `round ${last.id}`),
          both ? h('th', { scope: 'col' }, 'change') : null,
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

/**
 * Each generator's equilibrium price and sale in round `r`: energy sold, consumers supplied and,
 * once the trading centre metered it, what it delivered and was paid (energy − its penalty).
 */
function salesTable(r: RoundView, sales: readonly SaleView[]): HTMLElement {
  const clearing = r.clearing!;
  return table(
    `Equilibrium prices and sales of round ${r.id}${clearing.certified ? ' (certified)' : ' (uncertified)'}`,
    ['generator', 'price', 'sold', 'consumers supplied', 'status', 'delivered', 'paid'],
    clearing.prices.map((p) => {
      const sale = sales.find((s) => s.generator === p.generator);
      const metered = sale?.meter ?? null;
      return [
        p.generator,
        h(
          'span',
          { 'data-generator': p.generator, 'data-price': p.priceMicroYuanPerKWh },
          yuanPerKWh(p.priceMicroYuanPerKWh),
        ),
        h('span', { 'data-sold-wh': p.soldWh }, mwh(p.soldWh)),
        sale === undefined ? '—' : sale.buyers.toLocaleString('en'),
        sale?.status ?? '—',
        metered === null ? h('em', {}, 'not metered yet') : mwh(metered.deliveredWh),
        metered === null || sale === undefined
          ? '—'
          : yuan(BigInt(sale.energyMicroYuan) - BigInt(sale.penaltyMicroYuan)),
      ];
    }),
    'clearing-prices',
  );
}

export const marketPage: Page = async (root, app) => {
  const summary = h('section', { 'aria-labelledby': 'rounds-h' });
  const charts = h('section', { 'aria-labelledby': 'charts-h', class: 'charts' });
  const detail = h('section', { 'aria-live': 'polite', class: 'detail' });
  fill(root, h('h1', {}, 'Market'), charts, summary, detail);
  let selected: string | undefined;

  const show = async () => {
    const rounds = await recentRounds(20);
    const cleared = rounds.filter((r) => r.clearing !== null);
    fill(
      summary,
      h('h2', { id: 'rounds-h' }, 'Rounds'),
      rounds.length === 0
        ? h('p', {}, 'No round yet: the trading centre opens the first one shortly.')
        : table(
            'The latest rounds (newest first)',
            [
              'round',
              'phase',
              'offers',
              'pseudonymous demands',
              'bills',
              'prices',
              'energy',
              'saving vs catalog',
              '',
            ],
            [...rounds].reverse().map((r) => {
              const prices = r.clearing?.prices.map((p) => Number(p.priceMicroYuanPerKWh)) ?? [];
              const s = savingPct(r);
              return [
                r.id,
                r.phase,
                r.offers.length,
                r.demands.toLocaleString('en'),
                r.bills === 0 ? '0' : h('a', { href: `#/bills?round=${r.id}` }, r.bills.toLocaleString('en')),
                prices.length === 0
                  ? '—'
                  : `${yuanPerKWh(Math.min(...prices))} – ${yuanPerKWh(Math.max(...prices))}`,
                r.clearing === null ? '—' : mwh(r.clearing.energyWh),
                s === null ? '—' : `${s.toFixed(2)} %`,
                h(
                  'button',
                  {
                    type: 'button',
                    'aria-label': `Show round ${r.id}`,
                    onclick: () => {
                      selected = r.id;
                      void showRound(r);
                    },
                  },
                  'Show',
                ),
              ];
            }),
            'rounds',
          ),
    );
    fill(charts, h('h2', { id: 'charts-h' }, 'Prices, energy and savings per round'));
    if (cleared.length > 0) {
      const x = cleared.map((r) => Number(r.id));
      const generators = [
        ...new Set(cleared.flatMap((r) => r.clearing!.prices.map((p) => p.generator))),
      ].sort();
      const grid = h('div', { class: 'chart-grid' });
      charts.append(grid);
      const c1 = h('div', {});
      const c2 = h('div', { class: 'chart' });
      const c3 = h('div', { class: 'chart' });
      const priceCard = h('div', { class: 'chart' }, c1);
      grid.append(priceCard, c2, c3);
      const priceOf = (r: RoundView, g: string): number | null => {
        const p = r.clearing!.prices.find((q) => q.generator === g);
        return p === undefined ? null : Number(p.priceMicroYuanPerKWh);
      };
      const prices = lineChart(
        c1,
        'Equilibrium price per generator (¥/kWh)',
        'round',
        x,
        generators.map((g) => ({
          label: g,
          values: cleared.map((r) => {
            const p = priceOf(r, g);
            return p === null ? null : p / 1e6;
          }),
        })),
        { decimals: 4, legend: false },
      );
      priceCard.append(priceTable(prices, generators, cleared, priceOf));
      lineChart(
        c2,
        'Energy traded directly (MWh)',
        'round',
        x,
        [{ label: 'MWh', values: cleared.map((r) => Number(r.clearing!.energyWh) / 1e6) }],
        { bars: true },
      );
      const modes = await Promise.all(cleared.map((r) => get<ModesView>(`/v1/rounds/${r.id}/modes`)));
      lineChart(
        c3,
        'Consumers’ saving with our mode (%)',
        'round',
        x,
        BASELINES.map((b) => ({ label: `vs ${b}`, values: modes.map((m) => savingVs(m, b)) })),
        { decimals: 2 },
      );
      charts.append(
        h(
          'p',
          { class: 'note' },
          'Energy bars start at zero (the rounds table gives each round’s energy to 0.01 MWh). Savings of the reputation-aware Stackelberg equilibrium every validator computed, against the catalog tariff alone, one-to-one bilateral contracts and centralised matching — each baseline settled by the node on the same round (its offers, pseudonymous demand and tariffs, as on chain). Across many scenarios: ',
          h('code', {}, 'npx dpp experiment cost'),
          '.',
        ),
      );
    }
    const pick = rounds.find((r) => r.id === selected) ?? [...cleared].reverse()[0];
    if (pick !== undefined) await showRound(pick);
  };

  const showRound = async (r: RoundView) => {
    const [sales, modes] = await Promise.all([
      r.clearing === null ? [] : get<SalesView>(`/v1/rounds/${r.id}/sales`).then((v) => v.sales),
      r.clearing === null ? null : get<ModesView>(`/v1/rounds/${r.id}/modes`),
    ]);
    const salesChart = h('div', { class: 'chart' });
    const demandsEl = h('div', {});
    fill(
      detail,
      h('h2', { id: 'round-h' }, `Round ${r.id} — ${r.terms.period} (${r.phase})`),
      r.clearing === null ? h('p', {}, 'Not cleared yet.') : salesTable(r, sales),
      r.clearing === null || sales.length === 0 ? null : salesChart,
      modes === null
        ? null
        : table(
            `Consumers' cost in round ${r.id} under each trading mode`,
            ['mode', 'consumers pay', 'bought directly', 'our saving against it'],
            modes.modes.map((m) => {
              const saving = m.mode === 'stackelberg' ? null : savingVs(modes, m.mode);
              return [
                m.mode === 'stackelberg' ? 'reputation-aware Stackelberg (ours, on chain)' : m.mode,
                yuan(m.costMicroYuan),
                mwh(m.directWh),
                saving === null ? '—' : `${saving.toFixed(2)} %`,
              ];
            }),
            'modes',
          ),
      table(
        `Offers of round ${r.id}`,
        ['generator', 'capacity', 'linear cost'],
        r.offers.map((o) => [o.generator, mwh(o.capacityWh), yuanPerKWh(o.costLinearMicroYuanPerKWh)]),
        'offers',
      ),
      demandsEl,
      h(
        'p',
        {},
        r.bills === 0
          ? `No bills in round ${r.id}${r.clearing === null ? ' yet' : ''}.`
          : h(
              'a',
              { href: `#/bills?round=${r.id}` },
              `The ${r.bills.toLocaleString('en')} bills of round ${r.id}, one per consumer buying directly →`,
            ),
      ),
    );
    if (r.clearing !== null && sales.length > 0)
      barChart(
        salesChart,
        `Energy sold per generator in round ${r.id} (MWh)`,
        'generator',
        sales.map((s) => s.generator),
        { label: 'sold MWh', values: sales.map((s) => Number(s.soldWh) / 1e6) },
      );
    await showDemands(r, demandsEl, 0);
  };

  /** A page of round `r`'s pseudonymous demand, from entry `offset`, with its pager. */
  const showDemands = async (r: RoundView, el: HTMLElement, offset: number) => {
    const mine = app.viewer?.pseudonyms;
    const page = await get<DemandsView>(pageUrl(`/v1/rounds/${r.id}/demands`, offset, DEMANDS_PER_PAGE));
    fill(
      el,
      pager('demands', { ...page, shown: page.demands.length }, (to) => void showDemands(r, el, to)),
      table(
        `Pseudonymous demand of round ${r.id}, in order of arrival (one-time pseudonyms: no consumer is named)`,
        ['#', 'pseudonym', 'demand', 'diversification', ''],
        page.demands.map((d, i) => [
          page.offset + i,
          short(d.pseudonym),
          mwh(d.demandWh),
          yuanPerKWh(d.diversificationMicroYuanPerKWh),
          mine?.has(d.pseudonym) ? h('strong', { class: 'mine' }, 'yours') : '',
        ]),
        'demands',
      ),
    );
  };

  await show();
  const refresh = throttle(() => void show().catch(() => {}), 1_000);
  app.onEvent((e) => {
    if (e.type.startsWith('round-') || e.type === 'sale-settled') refresh();
  });
};
