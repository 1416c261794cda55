/**
 * Bills and privacy: the bills of a round under pseudonyms; for each bill response, what a
 * validator sees (ring size, the ring's pseudonyms, ciphertext size, verified — checked here with
 * src/privacy's `verify`) versus what the generator it is addressed to reads after decrypting with
 * its receiving key (src/privacy's `unsigncrypt`, run in this browser) when the viewer is that
 * generator. A signed-in consumer sees which bills are its own.
 */
import { fromHex } from '../../codec/bytes.ts';
import { billResponsePlaintext } from '../../contracts/responsePlaintext.ts';
import { ringOf } from '../../privacy/ring.ts';
import { unsigncrypt, verify } from '../../privacy/ringSigncryption.ts';
import { decodeSigncryption } from '../../privacy/signcryptionEncoding.ts';
import { get } from '../api.ts';
import { type Page, throttle } from '../app.ts';
import { fill, h, mwh, short, table, yuan } from '../dom.ts';

interface Bill {
  index: number;
  generator: string;
  consumer: string;
  aggregator: string;
  contractedWh: string;
  billedWh: string;
  energyMicroYuan: string;
  status: string;
  response: string | null;
}
interface ResponseSummary {
  id: string;
  aggregator: string;
  generator: string;
  status: string;
  bill: number | null;
  verdict: string | null;
}
interface ResponseJson {
  signcryption: string;
  ring: string[];
  generator: string;
  status: string;
}

export const billsPage: Page = async (root, app) => {
  const picker = h('div', { class: 'toolbar' });
  const billsEl = h('section', { 'aria-labelledby': 'bills-h' });
  const responsesEl = h('section', { 'aria-labelledby': 'responses-h' });
  fill(root, h('h1', {}, 'Bills and privacy'), picker, billsEl, responsesEl);
  const latest = Number((await get<{ latest: string }>('/v1/rounds')).latest);
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
  fill(
    picker,
    h('label', { for: 'round-select' }, 'Round '),
    select,
    app.viewer?.pseudonyms.size ? h('label', {}, onlyMine, ' only my bills') : null,
  );
  const group = app.group;

  const show = async () => {
    const [{ bills }, { responses }, regulator] = await Promise.all([
      get<{ bills: Bill[] }>(`/v1/rounds/${round}/bills`),
      get<{ responses: ResponseSummary[] }>(`/v1/rounds/${round}/responses`),
      get<{ regulator: { masterPublic: string } | null }>('/v1/regulator'),
    ]);
    const mine = app.viewer?.pseudonyms ?? new Map<string, string>();
    const shown = onlyMine.checked ? bills.filter((b) => mine.has(b.consumer)) : bills;
    fill(
      billsEl,
      h('h2', { id: 'bills-h' }, `Bills of round ${round}`),
      mine.size > 0
        ? h(
            'p',
            {},
            `Signed in as ${app.viewer!.member}: ${bills.filter((b) => mine.has(b.consumer)).length} of these bills are yours (your one-time pseudonyms are known only to you and the regulator).`,
          )
        : null,
      table(
        `Bills of round ${round}, under the consumers’ one-time pseudonyms`,
        ['bill', 'generator', 'consumer pseudonym', 'aggregator', 'contracted', 'billed', 'amount', 'status'],
        shown.map((b) => [
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
          mwh(b.billedWh),
          yuan(b.energyMicroYuan),
          h('span', { class: `status-${b.status}` }, b.status),
        ]),
        'bills',
      ),
    );
    const viewer = app.viewer;
    const mineToRead =
      viewer?.receiving !== undefined
        ? responses.filter((r) => r.generator === viewer.member).slice(0, 60)
        : [];
    const params =
      regulator.regulator === null
        ? undefined
        : { group, regulatorKey: fromHex(regulator.regulator.masterPublic) };
    const validatorView = (f: ResponseJson, ringText: (ring: string[]) => HTMLElement) => {
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
      responses.slice(0, 200).map(async (r) => {
        const validatorCell = h('span', {}, '…');
        const generatorCell = h(
          'span',
          {},
          viewer?.role === 'generator' && r.generator === viewer.member
            ? '…'
            : h('em', {}, 'sealed: only ', r.generator, ' can read it'),
        );
        const row = [short(r.id), r.generator, r.status, validatorCell, generatorCell];
        const full =
          mineToRead.includes(r) || r === responses[0]
            ? await get<ResponseJson>(`/v1/responses/${r.id}`)
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
                  const f = await get<ResponseJson>(`/v1/responses/${r.id}`);
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
        viewer?.role === 'generator'
          ? `Signed in as ${viewer.member}: the responses addressed to you are decrypted below, in this browser.`
          : 'Sign in as a generator to read the responses addressed to it.',
      ),
      table(
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
