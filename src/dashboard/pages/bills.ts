/**
 * Bills and privacy: the bills of a round under pseudonyms, each with its parts and total
 * (contracts/billAmount.ts: the labels and amounts the API and the CLI give) or "not metered yet";
 * for each bill response, what a validator sees (ring size, the ring's pseudonyms, ciphertext size,
 * verified — checked here with src/privacy's `verify`) versus what the generator it is addressed to
 * reads after decrypting with its receiving key (src/privacy's `unsigncrypt`, run in this browser)
 * when the viewer is that generator. A signed-in consumer sees which bills and responses are its own
 * and what it owes and paid over all its pseudonyms (those of its key store; its bills decoded from
 * their canonical records and summed by contracts/billAmount.ts); a signed-in consumer, generator or
 * aggregator can show only its own bills and responses.
 */
import { fromHex } from '../../codec/bytes.ts';
import { BILL_PARTS, type BillStatement, billStatement, NOT_METERED } from '../../contracts/billAmount.ts';
import { type BillRecord, billRecord } from '../../contracts/records.ts';
import { billResponsePlaintext } from '../../contracts/responsePlaintext.ts';
import type {
  BillsView,
  BillView,
  LatestRoundView,
  RegulatorView,
  ResponseSummaryView,
  ResponsesView,
  ResponseView,
} from '../../contracts/views.ts';
import { ringOf } from '../../privacy/ring.ts';
import { unsigncrypt, verify } from '../../privacy/ringSigncryption.ts';
import { decodeSigncryption } from '../../privacy/signcryptionEncoding.ts';
import { find, get } from '../api.ts';
import { type App, type Page, throttle } from '../app.ts';
import { fill, h, mwh, short, table, yuan, yuanPerKWh } from '../dom.ts';

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

/** A bill's billed energy and parts (each cell with `data-part` and `data-micro-yuan`), or "not metered yet". */
function amountCells(b: BillView): CellSpec[] {
  if (!b.amount.metered)
    return [
      { cell: h('em', {}, NOT_METERED), attrs: { class: 'bill-not-metered' } },
      ...BILL_PARTS.map((p) => ({ cell: '—', attrs: { 'data-part': p.key } })),
    ];
  return [
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

/**
 * What the signed-in consumer owes and paid over its pseudonyms: its bills in every round it has a
 * pseudonym in (its key store's), decoded from their canonical records and summed by
 * contracts/billAmount.ts. `known` holds bills already fetched, by round.
 */
async function statementOf(app: App, known: ReadonlyMap<number, BillView[]>): Promise<BillStatement> {
  const viewer = app.viewer!;
  const own: BillRecord[] = [];
  for (const round of new Set(viewer.pseudonymRounds.values())) {
    const bills = known.get(round) ?? (await find<BillsView>(`/v1/rounds/${round}/bills`))?.bills ?? [];
    for (const b of bills)
      if (viewer.pseudonyms.has(b.consumer)) own.push(billRecord.decode(fromHex(b.record), app.group));
  }
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

export const billsPage: Page = async (root, app) => {
  const picker = h('div', { class: 'toolbar' });
  const statementEl = h('div', {});
  const billsEl = h('section', { 'aria-labelledby': 'bills-h' });
  const responsesEl = h('section', { 'aria-labelledby': 'responses-h' });
  fill(root, h('h1', {}, 'Bills and privacy'), picker, statementEl, billsEl, responsesEl);
  const latest = Number((await get<LatestRoundView>('/v1/rounds')).latest);
  if (latest === 0) return fill(billsEl, h('p', {}, 'No round yet.'));
  let round = latest;
  const select = h(
    'select',
    {
      id: 'round-select',
      'aria-label': 'Round',
      onchange: () => {
        round = Number(select.value);
        void show();
      },
    },
    ...Array.from({ length: Math.min(latest, 30) }, (_, i) =>
      h('option', { value: latest - i }, `round ${latest - i}`),
    ),
  );
  const onlyMine = h('input', { type: 'checkbox', id: 'only-mine', onchange: () => void show() });
  const viewer = app.viewer;
  const mine = viewer?.pseudonyms ?? new Map<string, string>();
  const role = viewer?.role;
  /** The viewer's bills: a consumer's under its pseudonyms, a generator's sales, an aggregator's consumers'. */
  const isMine = (b: BillView): boolean =>
    role === 'consumer'
      ? mine.has(b.consumer)
      : role === 'generator'
        ? b.generator === viewer!.member
        : role === 'aggregator' && b.aggregator === viewer!.member;
  const canFilter = role === 'generator' || role === 'aggregator' || (role === 'consumer' && mine.size > 0);
  fill(
    picker,
    h('label', { for: 'round-select' }, 'Round '),
    select,
    canFilter ? h('label', {}, onlyMine, ' only my bills') : null,
  );
  const group = app.group;

  const show = async () => {
    const [{ bills }, { responses }, regulator] = await Promise.all([
      get<BillsView>(`/v1/rounds/${round}/bills`),
      get<ResponsesView>(`/v1/rounds/${round}/responses`),
      get<RegulatorView>('/v1/regulator'),
    ]);
    if (role === 'consumer' && viewer!.pseudonymRounds.size > 0) {
      const rounds = [...new Set(viewer!.pseudonymRounds.values())].sort((a, b) => a - b);
      fill(statementEl, statementView(await statementOf(app, new Map([[round, bills]])), rounds));
    }
    const ownBills = bills.filter(isMine);
    const shown = onlyMine.checked ? ownBills : bills;
    fill(
      billsEl,
      h('h2', { id: 'bills-h' }, `Bills of round ${round}`),
      canFilter
        ? h(
            'p',
            {},
            role === 'consumer'
              ? `Signed in as ${viewer!.member}: ${ownBills.length} of these bills are yours (your one-time pseudonyms are known only to you and the regulator).`
              : `Signed in as ${viewer!.member}: ${ownBills.length} of these bills are ${role === 'generator' ? 'your sales' : 'your consumers’'}.`,
          )
        : null,
      rowsTable(
        `Bills of round ${round}, under the consumers’ one-time pseudonyms; total = ${PARTS_SUM}, what the consumer pays`,
        [
          'bill',
          'generator',
          'consumer pseudonym',
          'aggregator',
          'contracted',
          'price',
          'billed',
          ...BILL_PARTS.map((p) => p.label),
          'status',
        ],
        shown.map((b) => ({
          attrs: { 'data-bill': b.index, 'data-generator': b.generator },
          cells: [
            b.index,
            b.generator,
            h(
              'span',
              {},
              short(b.consumer),
              mine.has(b.consumer)
                ? h('strong', { class: 'mine', 'data-testid': 'my-bill' }, ` yours (${mine.get(b.consumer)})`)
                : '',
            ),
            b.aggregator,
            mwh(b.contractedWh),
            yuanPerKWh(b.priceMicroYuanPerKWh),
            ...amountCells(b),
            h('span', { class: `status-${b.status}` }, b.status),
          ],
        })),
        'bills',
      ),
    );
    // A consumer's own responses: those whose acknowledgement revealed one of its bills, and those its
    // key store remembers sending — nothing else tells them apart from the rest of the ring's.
    const ownIndices = new Set(ownBills.map((b) => b.index));
    const isMyResponse = (r: ResponseSummaryView): boolean =>
      role === 'consumer' && ((r.bill !== null && ownIndices.has(r.bill)) || viewer!.sentResponses.has(r.id));
    const responseIsMine = (r: ResponseSummaryView): boolean =>
      role === 'consumer'
        ? isMyResponse(r)
        : role === 'generator'
          ? r.generator === viewer!.member
          : role === 'aggregator' && r.aggregator === viewer!.member;
    const listed = onlyMine.checked ? responses.filter(responseIsMine) : responses;
    const mineToRead =
      viewer?.receiving !== undefined ? listed.filter((r) => r.generator === viewer.member).slice(0, 60) : [];
    const params =
      regulator.regulator === null
        ? undefined
        : { group, regulatorKey: fromHex(regulator.regulator.masterPublic) };
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
      listed.slice(0, 200).map(async (r): Promise<RowSpec> => {
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
            r.generator,
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
    fill(
      responsesEl,
      h('h2', { id: 'responses-h' }, `Bill responses of round ${round} (ring signcryption)`),
      h(
        'p',
        { class: 'note' },
        role === 'generator'
          ? `Signed in as ${viewer!.member}: the responses addressed to you are decrypted below, in this browser.`
          : role === 'consumer'
            ? 'Your responses are marked once the generator has acknowledged them (the bill is then public), or when your key store remembers sending them (as dpp bill confirm and dispute do); nothing else tells them apart from the rest of the ring’s.'
            : 'Sign in as a generator to read the responses addressed to it.',
      ),
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
