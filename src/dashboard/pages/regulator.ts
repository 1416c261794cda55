/**
 * Regulator: open disputes (the disputed and escalated bills of the last 10 rounds, asked of the
 * node by status), the latest bill responses, a trace requested through the trading centre's node (POST
 * /v1/regulator/traces with the trading centre's session: the master key stays in the node), and
 * the audit log of every trace (GET /v1/traces), updated live. The trace's opening is checked in
 * this browser against the chain — the recorded commitment, the regulator's keys and the
 * certificate registered for the traced pseudonym — and offered as the file `dpp verify-trace`
 * reads.
 */
import { fromHex, toHex } from '../../codec/bytes.ts';
import type {
  BillsView,
  CertKeysView,
  LatestRoundView,
  PseudonymView,
  RegulatorView,
  ResponseSummaryView,
  ResponsesView,
  ResponseView,
  TraceResultView,
  TracesView,
} from '../../contracts/views.ts';
import type { Group } from '../../crypto/group.ts';
import { certificateSigned } from '../../privacy/pseudonymCertificate.ts';
import { ringOf } from '../../privacy/ring.ts';
import { decodeSigncryption } from '../../privacy/signcryptionEncoding.ts';
import { decodeIdentityTrace, verifyTraceOpening } from '../../privacy/traceCommitment.ts';
import { get, send } from '../api.ts';
import { type Page, throttle } from '../app.ts';
import { fill, h, short, table } from '../dom.ts';
import { pageUrl } from '../pager.ts';

/** Open disputes listed per status and round (more are counted, and found on the bills page). */
const DISPUTES_PER_ROUND = 100;

/**
 * Checks `t`'s opening against the chain as any party would: the audit log records its commitment
 * for `response`, and the identity trace verifies with the regulator's keys and the registered
 * certificate of the traced pseudonym.
 */
async function openingVerifies(group: Group, response: string, t: TraceResultView): Promise<boolean> {
  const [{ traces }, { regulator }, stored] = await Promise.all([
    get<TracesView>('/v1/traces'),
    get<RegulatorView>('/v1/regulator'),
    get<ResponseView>(`/v1/responses/${response}`),
  ]);
  if (regulator === null) return false;
  if (!traces.some((x) => x.response === response && x.commitment === t.commitment)) return false;
  const trace = decodeIdentityTrace(group, fromHex(t.opening.trace));
  const { certificate } = await get<PseudonymView>(`/v1/pseudonyms/${t.pseudonym}`);
  // the certification key of the certificate's time: the current one, or one it replaced (a rotation)
  const { changes } = await get<CertKeysView>('/v1/regulator/cert-keys');
  const certKeys = [regulator.certPublicKey, ...changes.map((c) => c.oldKey).reverse()].map(fromHex);
  const anchors = {
    params: { group, regulatorKey: group.decodePoint(fromHex(regulator.masterPublic)) },
    certPublicKey: certKeys.find((k) => certificateSigned(k, trace.certificate)) ?? certKeys[0]!,
    registeredCertificate: (y: Uint8Array) => (toHex(y) === t.pseudonym ? fromHex(certificate) : undefined),
  };
  return verifyTraceOpening(
    anchors,
    decodeSigncryption(group, fromHex(stored.signcryption)),
    ringOf(stored.ring.map((y) => group.decodePoint(fromHex(y)))),
    fromHex(t.commitment),
    { salt: fromHex(t.opening.salt), trace },
  );
}

export const regulatorPage: Page = async (root, app) => {
  const disputes = h('section', { 'aria-labelledby': 'disputes-h' });
  const form = h('section', { 'aria-labelledby': 'trace-h' });
  const log = h('section', { 'aria-labelledby': 'audit-h' });
  fill(root, h('h1', {}, 'Regulator'), disputes, form, log);
  const viewer = app.viewer;
  const canTrace = viewer?.role === 'trading-centre';

  const responseInput = h('input', {
    id: 'trace-response',
    type: 'text',
    size: 66,
    pattern: '[0-9a-fA-F]{64}',
    required: true,
    'aria-describedby': 'trace-help',
  });
  const reasonInput = h('input', {
    id: 'trace-reason',
    type: 'text',
    size: 40,
    value: 'disputed bill',
    maxlength: 200,
    required: true,
  });
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'trace-result' });
  const button = h('button', { type: 'submit', disabled: !canTrace }, 'Request trace');
  const traceForm = h(
    'form',
    {
      'aria-label': 'Request a trace',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        button.disabled = true;
        fill(result, 'tracing…');
        try {
          const response = responseInput.value.trim();
          const t = await send<TraceResultView>(
            'POST',
            '/v1/regulator/traces',
            { response, reason: reasonInput.value },
            viewer?.token,
          );
          const verified = await openingVerifies(app.group, response, t).catch(() => false);
          const file = JSON.stringify(
            {
              type: 'dpp-trace-opening',
              response,
              commitment: t.commitment,
              salt: t.opening.salt,
              trace: t.opening.trace,
              memberIndex: t.memberIndex,
              pseudonym: t.pseudonym,
              organisation: t.organisation,
            },
            null,
            2,
          );
          fill(
            result,
            h(
              'p',
              { class: 'ok' },
              `Trace #${t.traceSeq ?? '?'} recorded at height ${t.height}: sent by ring member ${t.memberIndex} (pseudonym `,
              short(t.pseudonym),
              `), organisation `,
              h('strong', {}, t.organisation),
              '. Commitment ',
              short(t.commitment),
              ' is on chain; the opening stays with you.',
            ),
            h(
              'p',
              { class: verified ? 'ok' : 'bad', 'data-testid': 'opening-verdict' },
              verified
                ? '✓ Opening checked in this browser: the recorded commitment, the ring trace, the regulator’s certificate as registered on chain, the PID opening.'
                : '✗ The opening does not verify against the chain: do not rely on this trace.',
            ),
            h(
              'a',
              {
                href: URL.createObjectURL(new Blob([file], { type: 'application/json' })),
                download: `trace-${response}.json`,
                'data-testid': 'opening-download',
              },
              'Download the opening',
            ),
            ' (for the parties to the dispute; anyone checks it with ',
            h('code', {}, 'dpp verify-trace <file>'),
            ')',
          );
          await showLog();
        } catch (err) {
          fill(result, h('p', { class: 'bad', role: 'alert' }, `Refused: ${(err as Error).message}`));
        } finally {
          button.disabled = !canTrace;
        }
      },
    },
    h(
      'p',
      { id: 'trace-help' },
      canTrace
        ? 'Signed in as the trading centre: its node traces with the regulator’s master key, which never reaches this browser.'
        : 'Sign in as the trading centre to request a trace.',
    ),
    h('label', { for: 'trace-response' }, 'Bill response id '),
    responseInput,
    h('label', { for: 'trace-reason' }, ' Reason '),
    reasonInput,
    ' ',
    button,
    result,
  );
  fill(form, h('h2', { id: 'trace-h' }, 'Request a trace'), traceForm);

  const showDisputes = async () => {
    const latest = Number((await get<LatestRoundView>('/v1/rounds')).latest);
    const rounds = Array.from({ length: Math.min(10, latest) }, (_, i) => latest - i);
    // Open disputes, asked of the node by status (a page each: they are few), and the latest
    // responses of the latest round (the node lists a round's responses in order of arrival).
    const pages = await Promise.all(
      rounds.flatMap((r) =>
        (['disputed', 'escalated'] as const).map((status) =>
          get<BillsView>(pageUrl(`/v1/rounds/${r}/bills`, 0, DISPUTES_PER_ROUND, { status })),
        ),
      ),
    );
    const open = pages.flatMap((p) => p.bills);
    const unlisted = pages.reduce((n, p) => n + p.total - p.bills.length, 0);
    let recent: ResponseSummaryView[] = [];
    if (latest > 0) {
      const { total } = await get<ResponsesView>(pageUrl(`/v1/rounds/${latest}/responses`, 0, 1));
      const from = Math.max(0, total - 5);
      recent = (
        await get<ResponsesView>(pageUrl(`/v1/rounds/${latest}/responses`, from, 5))
      ).responses.reverse();
    }
    const pick = (id: string) =>
      h(
        'button',
        {
          type: 'button',
          'aria-label': `Trace response ${id.slice(0, 10)}`,
          onclick: () => {
            responseInput.value = id;
            responseInput.focus();
          },
        },
        'Trace this',
      );
    fill(
      disputes,
      h('h2', { id: 'disputes-h' }, 'Open disputes'),
      open.length === 0
        ? h(
            'p',
            {},
            'No open dispute in the last 10 rounds (the demo’s regulator resolves each one right away).',
          )
        : table(
            'Disputed or escalated bills awaiting the regulator',
            ['round', 'bill', 'generator', 'status', 'response', ''],
            open.map((b) => [
              b.round,
              b.index,
              b.generator,
              b.status,
              b.response === null ? '—' : short(b.response),
              b.response === null ? '' : pick(b.response),
            ]),
            'disputes',
          ),
      unlisted > 0
        ? h(
            'p',
            { class: 'note' },
            `… and ${unlisted.toLocaleString('en')} more (the first ${DISPUTES_PER_ROUND} of each status and round are listed; the bills page filters by status).`,
          )
        : null,
      recent.length === 0
        ? null
        : table(
            `The latest bill responses of round ${latest} (any response on chain can be traced, with a reason)`,
            ['bill', 'addressed to', 'status', 'verdict', 'response', ''],
            recent.map((r) => [
              r.bill ?? '—',
              r.generator,
              r.status,
              r.verdict ?? '—',
              short(r.id),
              pick(r.id),
            ]),
            'traceable',
          ),
    );
  };

  const showLog = async () => {
    const { traces } = await get<TracesView>('/v1/traces');
    fill(
      log,
      h('h2', { id: 'audit-h' }, 'Audit log of traces'),
      table(
        'Every trace the regulator performed, as recorded on chain (the result stays off chain: only its commitment)',
        ['#', 'by', 'response', 'reason', 'time', 'height', 'commitment'],
        [...traces]
          .reverse()
          .map((t) => [
            t.seq,
            t.regulator,
            short(t.response),
            t.reason,
            new Date(Number(t.atMs)).toLocaleTimeString(),
            t.height,
            short(t.commitment),
          ]),
        'audit-log',
      ),
    );
  };

  await Promise.all([showDisputes(), showLog()]);
  const refreshLog = throttle(() => void showLog().catch(() => {}), 500);
  const refreshDisputes = throttle(() => void showDisputes().catch(() => {}), 3_000);
  app.onEvent((e) => {
    if (e.type === 'trace-recorded') refreshLog();
    if (e.type === 'bill-disputed' || e.type === 'bill-escalated' || e.type === 'dispute-resolved')
      refreshDisputes();
  });
};
