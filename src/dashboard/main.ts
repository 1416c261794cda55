/**
 * The dashboard (docs/dashboard.md): a single page served by every node at /dashboard/, reading the
 * node's API and following WS /v1/events. Pages by hash: #/network, #/market, #/bills,
 * #/reputation, #/regulator, #/members. A participant signs in by loading its key store (it stays in this
 * page's memory) and proving its key with a signed challenge.
 */
import { nobleGroup } from '../crypto/groupNoble.ts';
import { follow, type LiveEvent } from './api.ts';
import type { App, Page } from './app.ts';
import { clock, fill, h } from './dom.ts';
import { openKeyStoreText } from './keyStoreReader.ts';
import { billsPage } from './pages/bills.ts';
import { marketPage } from './pages/market.ts';
import { membersPage } from './pages/members.ts';
import { networkPage } from './pages/network.ts';
import { regulatorPage } from './pages/regulator.ts';
import { reputationPage } from './pages/reputation.ts';
import './style.css';
import { signIn, type Viewer } from './viewer.ts';

const PAGES: readonly { readonly path: string; readonly title: string; readonly page: Page }[] = [
  { path: 'network', title: 'Network', page: networkPage },
  { path: 'market', title: 'Market', page: marketPage },
  { path: 'bills', title: 'Bills & privacy', page: billsPage },
  { path: 'reputation', title: 'Reputation', page: reputationPage },
  { path: 'regulator', title: 'Regulator', page: regulatorPage },
  { path: 'members', title: 'Members', page: membersPage },
];

const group = await nobleGroup();
let viewer: Viewer | undefined;
let listeners: ((e: LiveEvent) => void)[] = [];
let generation = 0;

const headHeight = h('span', { 'data-testid': 'head-height' }, '…');
const liveDot = h(
  'span',
  { class: 'live off', role: 'status', 'aria-label': 'live updates disconnected' },
  '●',
);
const banner = h('div', { role: 'alert', class: 'banner', hidden: true });
/** Shown while the live stream is lost: the page's data is as of the last moment the node was live. */
const connection = h('div', {
  role: 'alert',
  class: 'banner connection',
  id: 'connection',
  'data-testid': 'connection',
  hidden: true,
});
const nav = h('nav', { 'aria-label': 'Pages' });
const identity = h('section', { class: 'identity', 'aria-label': 'Viewer identity' });
const main = h('main', { id: 'main', tabindex: '-1' });

fill(
  document.getElementById('app')!,
  h('a', { href: '#main', class: 'skip' }, 'Skip to content'),
  h(
    'header',
    {},
    h('div', { class: 'brand' }, h('strong', {}, 'dppchain'), ' direct power purchase'),
    nav,
    h('div', { class: 'head' }, liveDot, ' height ', headHeight),
  ),
  identity,
  connection,
  banner,
  main,
);

function showAlert(message: string): void {
  banner.hidden = false;
  fill(
    banner,
    message,
    ' ',
    h(
      'button',
      {
        type: 'button',
        'aria-label': 'Dismiss',
        onclick: () => {
          banner.hidden = true;
        },
      },
      '×',
    ),
  );
}

function renderIdentity(): void {
  if (viewer !== undefined) {
    const v = viewer;
    fill(
      identity,
      h('span', { 'data-testid': 'signed-in' }, 'Signed in as ', h('strong', {}, v.member), ` (${v.role})`),
      v.insecureStore ? h('span', { class: 'warn' }, ' · INSECURE demo key store') : null,
      v.role === 'consumer' ? ` · ${v.pseudonyms.size} pseudonyms of yours` : null,
      ' ',
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            viewer = undefined;
            renderIdentity();
            route();
          },
        },
        'Sign out',
      ),
    );
    return;
  }
  const file = h('input', { type: 'file', id: 'key-file', accept: '.json,application/json' });
  const pass = h('input', { type: 'password', id: 'key-pass', autocomplete: 'current-password' });
  const insecure = h('input', { type: 'checkbox', id: 'key-insecure' });
  const status = h('span', { 'aria-live': 'polite' });
  fill(
    identity,
    h(
      'form',
      {
        'aria-label': 'Sign in with your key store',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const f = file.files?.[0];
          if (f === undefined) return fill(status, 'choose your key store file first');
          fill(status, 'opening the key store and signing the challenge…');
          try {
            const store = await openKeyStoreText(await f.text(), {
              passphrase: pass.value,
              allowInsecure: insecure.checked,
            });
            viewer = await signIn(group, store);
            renderIdentity();
            route();
          } catch (err) {
            fill(status, h('span', { class: 'bad', role: 'alert' }, (err as Error).message));
          }
        },
      },
      h('span', {}, 'Public view. '),
      h('label', { for: 'key-file' }, 'Key store '),
      file,
      h('label', { for: 'key-pass' }, ' Passphrase '),
      pass,
      h('label', { for: 'key-insecure' }, ' ', insecure, ' allow insecure (local demo)'),
      ' ',
      h('button', { type: 'submit' }, 'Sign in'),
      ' ',
      status,
    ),
  );
}

function route(): void {
  // `#/bills?round=3`: the page, then what it is to show (./app.ts `hashParam`)
  const path = location.hash.replace(/^#\/?/, '').split('?')[0] || 'market';
  const current = PAGES.find((p) => p.path === path) ?? PAGES[1]!;
  fill(
    nav,
    ...PAGES.map((p) =>
      h('a', { href: `#/${p.path}`, ...(p === current ? { 'aria-current': 'page' } : {}) }, p.title),
    ),
  );
  document.title = `${current.title} · dppchain`;
  const mine = ++generation;
  listeners = [];
  const root = h('div', { 'data-page': current.path, 'aria-busy': 'true' });
  // Until the page's first data arrives it says so (right below its heading), instead of sitting blank.
  const loading = h(
    'p',
    { class: 'loading', role: 'status', 'data-testid': 'loading' },
    `Loading ${current.title} from the node…`,
  );
  fill(main, root);
  const app: App = {
    group,
    viewer,
    onEvent: (l) => {
      if (mine === generation) listeners.push(l);
    },
    alert: showAlert,
  };
  const done = current.page(root, app);
  // the page's synchronous start has drawn its heading and empty sections
  const heading = root.querySelector(':scope > h1');
  if (heading === null) root.prepend(loading);
  else heading.after(loading);
  done
    .then(() => {
      loading.remove();
      root.setAttribute('aria-busy', 'false');
    })
    .catch((err: Error) => {
      loading.remove();
      root.setAttribute('aria-busy', 'false');
      showAlert(`Could not load ${current.title}: ${err.message}`);
    });
}

let everConnected = false;
/** When the live stream was lost: the last moment the node was known live (null: never connected). */
let staleSince: number | null | undefined;

/** Marks every data table in `main` (not a chart's legend) stale, its caption saying since when. */
function markTables(): void {
  if (staleSince === undefined) return;
  const note = staleSince === null ? ' — not live' : ` — stale: as of ${clock(staleSince)}, not live`;
  for (const t of main.querySelectorAll('table:not([data-stale]):not(.u-legend)')) {
    t.setAttribute('data-stale', 'true');
    t.querySelector('caption')?.append(h('span', { class: 'stale-tag' }, note));
  }
}
new MutationObserver(markTables).observe(main, { childList: true, subtree: true });

function connectionLost(liveAtMs: number): void {
  if (staleSince !== undefined) return; // already showing since when
  staleSince = everConnected ? liveAtMs : null;
  connection.hidden = false;
  fill(
    connection,
    h('strong', {}, 'Disconnected from the node'),
    staleSince === null
      ? ' — cannot reach its live updates; what is shown may be out of date. '
      : ` — data as of ${clock(staleSince)}; the tables below are not live. `,
    'Reconnecting…',
  );
  main.classList.add('stale');
  main.setAttribute('aria-describedby', 'connection');
  headHeight.classList.add('stale');
  markTables();
}

function connectionBack(): void {
  const wasStale = staleSince !== undefined;
  everConnected = true;
  staleSince = undefined;
  connection.hidden = true;
  connection.replaceChildren();
  main.classList.remove('stale');
  main.removeAttribute('aria-describedby');
  headHeight.classList.remove('stale');
  for (const t of main.querySelectorAll('table[data-stale]')) {
    t.removeAttribute('data-stale');
    for (const tag of t.querySelectorAll('.stale-tag')) tag.remove();
  }
  // events were missed while disconnected: load the page afresh
  if (wasStale) route();
}

follow(
  (e) => {
    if (e.type === 'subscribed' || e.type === 'block') headHeight.textContent = String(e.height);
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // a page's listener failing must not stop the stream
      }
    }
  },
  (connected, liveAtMs) => {
    liveDot.className = connected ? 'live on' : 'live off';
    liveDot.setAttribute('aria-label', connected ? 'live updates connected' : 'live updates disconnected');
    if (connected) connectionBack();
    else connectionLost(liveAtMs);
  },
);
window.addEventListener('hashchange', route);
renderIdentity();
route();
