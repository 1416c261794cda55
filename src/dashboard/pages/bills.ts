/**
 * Bills and privacy: a round's bills under pseudonyms — one per consumer buying directly, addressed
 * to one generator (its counterparty, the same for its whole ring) — a page at a time, filtered by status and addressed
 * generator on the node (./pager.ts), with how many there are of each status. Each bill shows its
 * suppliers, contracted energy and energy part with their average price, what was consumed, and its
 * parts and total (contracts/billAmount.ts: the labels and amounts the API and the CLI give) or
 * "not metered yet". For each bill response on the page, what a validator sees (ring size, the
 * ring's pseudonyms, ciphertext size, verified — checked here with src/privacy's `verify`) versus
 * what the generator it is addressed to reads after decrypting with its receiving key (src/privacy's
 * `unsigncrypt`, run in this browser) when the viewer is that generator. A signed-in consumer sees
 * which bill and responses are its own and what it owes and paid over all its pseudonyms (its bill
 * of each round its key store has a pseudonym in, decoded from the canonical record and summed by
 * contracts/billAmount.ts); a signed-in consumer, generator or aggregator can show only its own
 * bills and responses.
 */
import { fromHex } from '../../codec/bytes.ts';
import { BILL_PARTS, type BillStatement, billStatement, NOT_METERED } from '../../contracts/billAmount.ts';
import { BILL_STATUSES, type BillRecord, billRecord } from '../../contracts/records.ts';
import { billResponsePlaintext } from '../../contracts/responsePlaintext.ts';
import type {
  BillsView,
  BillView,
  LatestRoundView,
  RegulatorView,
  ResponseSummaryView,
  ResponsesView,
  ResponseView,
  RoundView,
} from '../../contracts/views.ts';
import { ringOf } from '../../privacy/ring.ts';
import { unsigncrypt, verify } from '../../privacy/ringSigncryption.ts';
import { decodeSigncryption } from '../../privacy/signcryptionEncoding.ts';
import { find, get } from '../api.ts';
import { type App, hashParam, type Page, throttle } from '../app.ts';
import { fill, h, mwh, short, table, yuan, yuanPerKWh } from '../dom.ts';
import { PAGE_SIZE, pager, pageUrl } from '../pager.ts';

type Content = Node | string | number | null;
type CellSpec = Content | { readonly cell: Content; readonly attrs: Record<string, unknown> };
interface RowSpec {
  readonly attrs: Record<string, unknown>;
  readonly cells: readonly CellSpec[];
}

/** A table like dom.ts `table`, whose rows and cells may carry attributes. */
function rowsTable(caption: string, headers: readonly string[], rows: readonly RowSpec[], testId: string) {
  const td = (c: CellSpec) =>
    c !== null && typeof c === 'object' && 'attrs' in c && 'cell' in c
      ? h('td', c.attrs, c.cell)
      : h('td', {}, c);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': testId },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', r.attrs, ...r.cells.map(td)))),
    ),
  );
}

/** A cell's main value with a smaller second line under it. */
const twoLines = (main: Content, sub: Content) => h('span', {}, main, h('small', { class: 'sub' }, sub));

/** A bill's average price over its suppliers, µ¥/kWh: its energy part × 1000 ÷ its contracted Wh. */
function averagePrice(b: Pick<BillView, 'contractedWh' | 'contractedMicroYuan'>): number | null {
  const wh = Number(b.contractedWh);
  return wh === 0 ? null : (1000 * Number(b.contractedMicroYuan)) / wh;
}

/** A bill's consumed and billed energy and its parts (each cell with `data-part` and `data-micro-yuan`), or "not metered yet". */
function amountCells(b: BillView): CellSpec[] {
  if (!b.amount.metered)
    return [
      '—',
      { cell: h('em', {}, NOT_METERED), attrs: { class: 'bill-not-metered' } },
      ...BILL_PARTS.map((p) => ({ cell: '—', attrs: { 'data-part': p.key } })),
    ];
  return [
    b.meter === null ? '—' : mwh(b.meter.consumedWh),
    mwh(b.amount.billedWh),
    ...BILL_PARTS.map((p) => ({
      cell: p.key === 'totalMicroYuan' ? h('strong', {}, yuan(b.amount[p.key])) : yuan(b.amount[p.key]),
      attrs: { 'data-part': p.key, 'data-micro-yuan': b.amount[p.key] },
    })),
  ];
}

/** "energy + T&D + government funds + deviation penalty". */
const PARTS_SUM = BILL_PARTS.filter((p) => p.key !== 'totalMicroYuan')
  .map((p) => p.label)
  .join(' + ');

/** The signed-in consumer's bill in `round` (under its pseudonym of that round), or undefined. */
async function ownBill(app: App, round: number): Promise<BillView | undefined> {
  const viewer = app.viewer!;
  const pseudonym = [...viewer.pseudonymRounds].find(([, r]) => r === round)?.[0];
  if (pseudonym === undefined) return undefined;
  const page = await find<BillsView>(pageUrl(`/v1/rounds/${round}/bills`, 0, 1, { consumer: pseudonym }));
  return page?.bills[0];
}

/**
 * What the signed-in consumer owes and paid over its pseudonyms: its bill in every round it has a
 * pseudonym in (its key store's) — asked of the node by pseudonym, one each — decoded from their
 * canonical records and summed by contracts/billAmount.ts.
 */
async function statementOf(app: App): Promise<BillStatement> {
  const viewer = app.viewer!;
  const rounds = [...new Set(viewer.pseudonymRounds.values())];
  const own: BillRecord[] = [];
  for (const b of await Promise.all(rounds.map((r) => ownBill(app, r))))
    if (b !== undefined) own.push(billRecord.decode(fromHex(b.record), app.group));
  return billStatement(own, viewer.pseudonyms.size);
}

/** The consumer's statement: owed, in dispute, paid, not metered, voided. */
function statementView(s: BillStatement, rounds: readonly number[]) {
  const row = (what: string, bills: number, microYuan: bigint | null) => [
    what,
    bills,
    microYuan === null ? '—' : h('strong', {}, yuan(microYuan)),
  ];
  return h(
    'section',
    {
      'aria-labelledby': 'statement-h',
      'data-testid': 'statement',
      'data-pseudonyms': s.pseudonyms,
      'data-owed-micro-yuan': s.owedMicroYuan.toString(),
      'data-disputed-micro-yuan': s.disputedMicroYuan.toString(),
      'data-paid-micro-yuan': s.paidMicroYuan.toString(),
    },
    h('h2', { id: 'statement-h' }, 'What you owe and paid'),
    h(
      'p',
      { class: 'note' },
      `Over your ${s.pseudonyms} one-time pseudonyms (rounds ${rounds.join(', ')}), which only you and the regulator can link. You pay from each pseudonym’s account, never your organisation’s; a bill’s total is ${PARTS_SUM}.`,
    ),
    table(
      'Your bills over all your pseudonyms',
      ['', 'bills', 'total'],
      [
        row('owed: issued or overdue, unpaid', s.owedBills, s.owedMicroYuan),
        row('in dispute: awaiting the regulator', s.disputedBills, s.disputedMicroYuan),
        row('paid: settled', s.paidBills, s.paidMicroYuan),
        row(NOT_METERED, s.notMetered, null),
        row('voided', s.voidedBills, null),
      ],
      'statement-table',
    ),
  );
}

/** How many of round `round`'s bills have each status (one page of one entry per status: its `total`). */
async function statusCounts(round: number): Promise<[string, number][]> {
  return Promise.all(
    BILL_STATUSES.map(
      async (s): Promise<[string, number]> => [
        s,
        (await get<BillsView>(pageUrl(`/v1/rounds/${round}/bills`, 0, 1, { status: s }))).total,
      ],
    ),
  );
}

/** A response as a round lists it, from the full response (a consumer's own, fetched by id). */
function summaryOf(id: string, r: ResponseView): ResponseSummaryView {
  return {
    id,
    aggregator: r.aggregator,
    ringIndex: r.ringIndex,
    generator: r.generator,
    status: r.status,
    receivedAtMs: r.receivedAtMs,
    bill: r.bill,
    verdict: r.verdict,
  };
}

export const billsPage: Page = async (root, app) => {
  const picker = h('div', { class: 'toolbar' });
  const statementEl = h('div', {});
  const billsEl = h('section', { 'aria-labelledby': 'bills-h' });
  const responsesEl = h('section', { 'aria-labelledby': 'responses-h' });
  fill(root, h('h1', {}, 'Bills and privacy'), picker, statementEl, billsEl, responsesEl);
  const latest = Number((await get<LatestRoundView>('/v1/rounds')).latest);
  if (latest === 0) return fill(billsEl, h('p', {}, 'No round yet.'));
  const asked = Number(hashParam('round'));
  let round = Number.isSafeInteger(asked) && asked >= 1 && asked <= latest ? asked : latest;
  let billsOffset = 0;
  let responsesOffset = 0;
  const firstPages = () => {
    billsOffset = 0;
    responsesOffset = 0;
  };
  const select = h(
    'select',
    {
      id: 'round-select',
      'aria-label': 'Round',
      onchange: () => {
        round = Number(select.value);
        firstPages();
        void showRoundFilters().then(show);
      },
    },
    ...Array.from({ length: Math.min(latest, 30) }, (_, i) =>
      h(
        'option',
        { value: latest - i, ...(latest - i === round ? { selected: true } : {}) },
        `round ${latest - i}`,
      ),
    ),
  );
  if (round <= latest - 30) select.append(h('option', { value: round, selected: true }, `round ${round}`));
  const statusSelect = h(
    'select',
    {
      id: 'status-select',
      'aria-label': 'Bill status',
      onchange: () => {
        billsOffset = 0;
        void show();
      },
    },
    h('option', { value: '' }, 'any status'),
    ...BILL_STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const generatorSelect = h('select', {
    id: 'generator-select',
    'aria-label': 'Addressed to',
    onchange: () => {
      firstPages();
      void show();
    },
  });
  /** The round's offering generators, the "addressed to" filter's choices. */
  const showRoundFilters = async () => {
    const r = await get<RoundView>(`/v1/rounds/${round}`);
    const keep = generatorSelect.value;
    fill(
      generatorSelect,
      h('option', { value: '' }, 'any generator'),
      ...r.offers.map((o) => h('option', { value: o.generator }, o.generator)),
    );
    generatorSelect.value = r.offers.some((o) => o.generator === keep) ? keep : '';
  };
  const onlyMine = h('input', {
    type: 'checkbox',
    id: 'only-mine',
    onchange: () => {
      firstPages();
      void show();
    },
  });
  const viewer = app.viewer;
  const mine = viewer?.pseudonyms ?? new Map<string, string>();
  const role = viewer?.role;
  const canFilter = role === 'generator' || role === 'aggregator' || (role === 'consumer' && mine.size > 0);
  fill(
    picker,
    h('label', { for: 'round-select' }, 'Round '),
    select,
    h('label', { for: 'status-select' }, ' Status '),
    statusSelect,
    h('label', { for: 'generator-select' }, ' Addressed to '),
    generatorSelect,
    canFilter ? h('label', {}, ' ', onlyMine, ' only my bills') : null,
  );
  await showRoundFilters();
  const group = app.group;

  /** The addressee the lists are filtered by: a generator's own with "only mine", else the one selected. */
  const generatorFilter = (): string | undefined =>
    onlyMine.checked && role === 'generator'
      ? viewer!.member
      : generatorSelect.value === ''
        ? undefined
        : generatorSelect.value;

  const show = async () => {
    const shownRound = round;
    const only = onlyMine.checked;
    const status = statusSelect.value === '' ? undefined : statusSelect.value;
    // "only mine" is a filter the node applies: a generator's bills are those addressed to it, an
    // aggregator's its consumers', a consumer's the one under its pseudonym of the round.
    const generator = generatorFilter();
    const own = role === 'consumer' ? await ownBill(app, round) : undefined;
    const billFilter = {
      status,
      generator,
      aggregator: only && role === 'aggregator' ? viewer!.member : undefined,
    };
    const noBills = only && role === 'consumer' && own === undefined;
    const [page, counts, regulator] = await Promise.all([
      noBills
        ? Promise.resolve({ bills: [], total: 0, offset: 0, limit: PAGE_SIZE })
        : only && role === 'consumer'
          ? get<BillsView>(
              pageUrl(`/v1/rounds/${round}/bills`, 0, PAGE_SIZE, { ...billFilter, consumer: own!.consumer }),
            )
          : get<BillsView>(pageUrl(`/v1/rounds/${round}/bills`, billsOffset, PAGE_SIZE, billFilter)),
      statusCounts(round),
      get<RegulatorView>('/v1/regulator'),
    ]);
    if (shownRound !== round) return; // the viewer picked another round meanwhile
    if (role === 'consumer' && viewer!.pseudonymRounds.size > 0) {
      const rounds = [...new Set(viewer!.pseudonymRounds.values())].sort((a, b) => a - b);
      fill(statementEl, statementView(await statementOf(app), rounds));
    }
    const { bills } = page;
    const all = counts.reduce((n, [, c]) => n + c, 0);
    fill(
      billsEl,
      h('h2', { id: 'bills-h' }, `Bills of round ${round}`),
      h(
        'p',
        { 'data-testid': 'bill-counts' },
        `${all.toLocaleString('en')} bills, one per consumer buying directly: `,
        counts
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${n.toLocaleString('en')} ${s}`)
          .join(' · ') || 'none yet',
        '.',
      ),
      role === 'consumer'
        ? h(
            'p',
            {},
            own === undefined
              ? `Signed in as ${viewer!.member}: you have no bill in round ${round}.`
              : `Signed in as ${viewer!.member}: your bill in round ${round} is #${own.index} (your one-time pseudonyms are known only to you and the regulator).`,
          )
        : canFilter
          ? h(
              'p',
              {},
              `Signed in as ${viewer!.member}: “only my bills” shows ${role === 'generator' ? 'the bills addressed to you' : 'your consumers’ bills'}.`,
            )
          : null,
      pager('bills', { ...page, shown: bills.length }, (offset) => {
        billsOffset = offset;
        void show();
      }),
      rowsTable(
        `Bills of round ${round}, under the consumers’ one-time pseudonyms, each addressed to its ring’s counterparty; energy part = what its contracted energy costs at its suppliers’ prices (average over them); total = ${PARTS_SUM}, what the consumer pays`,
        [
          'bill',
          'addressed to',
          'consumer pseudonym',
          'contracted',
          'energy part',
          'consumed',
          'billed',
          ...BILL_PARTS.map((p) => p.label),
          'status',
        ],
        bills.map((b) => {
          const average = averagePrice(b);
          return {
            attrs: { 'data-bill': b.index, 'data-generator': b.generator, 'data-suppliers': b.suppliers },
            cells: [
              b.index,
              twoLines(
                b.generator,
                b.suppliers === 1 ? 'its only supplier' : `one of ${b.suppliers} suppliers`,
              ),
              twoLines(
                h(
                  'span',
                  {},
                  short(b.consumer),
                  mine.has(b.consumer)
                    ? h(
                        'strong',
                        { class: 'mine', 'data-testid': 'my-bill' },
                        ` yours (${mine.get(b.consumer)})`,
                      )
                    : '',
                ),
                `${b.aggregator}, ring ${b.ring}`,
              ),
              mwh(b.contractedWh),
              {
                cell: twoLines(
                  yuan(b.contractedMicroYuan),
                  average === null ? '' : `average ${yuanPerKWh(average)}`,
                ),
                attrs: { 'data-contracted-micro-yuan': b.contractedMicroYuan },
              },
              ...amountCells(b),
              h('span', { class: `status-${b.status}` }, b.status),
            ],
          };
        }),
        'bills',
      ),
    );
    await showResponses(shownRound, own, regulator);
  };

  const showResponses = async (shownRound: number, own: BillView | undefined, regulator: RegulatorView) => {
    const only = onlyMine.checked;
    // A consumer's own responses: the one its bill's acknowledgement names, and those its key store
    // remembers sending — nothing else tells them apart from the rest of the ring's. Fetched by id.
    const isMyResponse = (r: ResponseSummaryView): boolean =>
      role === 'consumer' && ((own !== undefined && r.bill === own.index) || viewer!.sentResponses.has(r.id));
    let listed: ResponseSummaryView[];
    let paging: { total: number; offset: number; limit: number; shown: number } | undefined;
    if (only && role === 'consumer') {
      const ids = new Set([...viewer!.sentResponses].flatMap(([id, r]) => (r === shownRound ? [id] : [])));
      if (own !== undefined && own.response !== null) ids.add(own.response);
      const fetched = await Promise.all(
        [...ids].map(async (id) => [id, await find<ResponseView>(`/v1/responses/${id}`)] as const),
      );
      listed = fetched.flatMap(([id, r]) => (r === undefined ? [] : [summaryOf(id, r)]));
    } else {
      const generator = generatorFilter();
      const page = await get<ResponsesView>(
        pageUrl(`/v1/rounds/${shownRound}/responses`, responsesOffset, PAGE_SIZE, { generator }),
      );
      // the node lists responses by addressee: an aggregator's own are picked from the page
      listed =
        only && role === 'aggregator'
          ? page.responses.filter((r) => r.aggregator === viewer!.member)
          : page.responses;
      paging = { ...page, shown: page.responses.length };
    }
    if (shownRound !== round) return;
    const mineToRead =
      viewer?.receiving !== undefined ? listed.filter((r) => r.generator === viewer.member) : [];
    const params =
      regulator.regulator === null
        ? undefined
        : { group, regulatorKey: group.decodePoint(fromHex(regulator.regulator.masterPublic)) };
    const validatorView = (f: ResponseView, ringText: (ring: string[]) => HTMLElement) => {
      let verified = '';
      if (params !== undefined) {
        try {
          const ok = verify(
            params,
            decodeSigncryption(group, fromHex(f.signcryption)),
            ringOf(f.ring.map((y) => group.decodePoint(fromHex(y)))),
          );
          verified = ok ? '✓ verified' : '✗ does not verify';
        } catch {
          verified = '✗ malformed';
        }
      }
      return h(
        'span',
        { 'data-testid': 'validator-view' },
        ringText(f.ring),
        ` · ciphertext ${f.signcryption.length / 2} bytes · `,
        h('strong', {}, verified),
        ' — sender and content hidden',
      );
    };
    const rows = await Promise.all(
      listed.map(async (r): Promise<RowSpec> => {
        const validatorCell = h('span', {}, '…');
        const generatorCell = h(
          'span',
          {},
          role === 'generator' && r.generator === viewer!.member
            ? '…'
            : h('em', {}, 'sealed: only ', r.generator, ' can read it'),
        );
        const row: RowSpec = {
          attrs: { 'data-response': r.id, 'data-generator': r.generator },
          cells: [
            h(
              'span',
              {},
              short(r.id),
              isMyResponse(r)
                ? h(
                    'strong',
                    { class: 'mine', 'data-testid': 'my-response' },
                    r.bill === null ? ' yours' : ` yours (bill ${r.bill})`,
                  )
                : '',
            ),
            twoLines(r.generator, `${r.aggregator}, ring ${r.ringIndex}`),
            r.status,
            { cell: validatorCell, attrs: { class: 'bill-wrap' } },
            { cell: generatorCell, attrs: { class: 'bill-wrap' } },
          ],
        };
        const full =
          mineToRead.includes(r) || r === listed[0]
            ? await get<ResponseView>(`/v1/responses/${r.id}`)
            : undefined;
        const ringText = (ring: string[]) =>
          h(
            'details',
            {},
            h('summary', {}, `ring of ${ring.length} pseudonyms`),
            h('ul', {}, ...ring.map((y) => h('li', {}, short(y, 16)))),
          );
        if (full === undefined) {
          fill(
            validatorCell,
            h(
              'button',
              {
                type: 'button',
                'aria-label': `What a validator sees of response ${r.id.slice(0, 10)}`,
                onclick: async () => {
                  const f = await get<ResponseView>(`/v1/responses/${r.id}`);
                  fill(validatorCell, validatorView(f, ringText));
                },
              },
              'What a validator sees',
            ),
          );
        } else fill(validatorCell, validatorView(full, ringText));
        if (
          full !== undefined &&
          mineToRead.includes(r) &&
          params !== undefined &&
          viewer?.receiving !== undefined
        ) {
          const sc = decodeSigncryption(group, fromHex(full.signcryption));
          const plain = unsigncrypt(
            params,
            sc,
            ringOf(full.ring.map((y) => group.decodePoint(fromHex(y)))),
            viewer.receiving,
          );
          if (plain === null)
            fill(generatorCell, h('strong', { class: 'bad' }, 'does not decrypt with your receiving key'));
          else {
            const p = billResponsePlaintext.decode(plain, group);
            fill(
              generatorCell,
              h(
                'strong',
                { 'data-testid': 'decrypted', class: p.verdict === 'confirm' ? 'ok' : 'bad' },
                `bill ${p.round}/${p.bill}: ${p.verdict.toUpperCase()}`,
              ),
              ` — “${p.remarks}” (decrypted in this browser with your receiving key)`,
            );
          }
        }
        return row;
      }),
    );
    if (shownRound !== round) return;
    fill(
      responsesEl,
      h('h2', { id: 'responses-h' }, `Bill responses of round ${shownRound} (ring signcryption)`),
      h(
        'p',
        { class: 'note' },
        role === 'generator'
          ? `Signed in as ${viewer!.member}: the responses addressed to you are decrypted below, in this browser.`
          : role === 'consumer'
            ? 'Your responses are marked once the generator has acknowledged them (the bill is then public), or when your key store remembers sending them (as dpp bill confirm and dispute do); nothing else tells them apart from the rest of the ring’s.'
            : role === 'aggregator' && only
              ? 'The node lists responses by the generator they are addressed to: those of your consumers’ rings are picked from each page.'
              : 'Sign in as a generator to read the responses addressed to it.',
      ),
      paging === undefined
        ? null
        : pager('responses', paging, (offset) => {
            responsesOffset = offset;
            void show();
          }),
      rowsTable(
        'Each response: what every validator sees, and what only the addressed generator reads',
        ['response', 'addressed to', 'status', 'what a validator sees', 'what the generator reads'],
        rows,
        'responses',
      ),
    );
  };
  await show();
  const refresh = throttle(() => void show().catch(() => {}), 3_000);
  app.onEvent((e) => {
    if (
      e.type === 'bill-issued' ||
      e.type === 'bill-response' ||
      e.type === 'bill-confirmed' ||
      e.type === 'bill-disputed' ||
      e.type === 'bill-escalated' ||
      e.type === 'round-cleared' ||
      e.type === 'round-opened'
    ) {
      if (e.type === 'round-opened') {
        const id = Number(e.round);
        select.prepend(h('option', { value: id }, `round ${id}`));
      }
      refresh();
    }
  });
};
