/**
 * The dashboard (docs/dashboard.md): a single page served by every node at /dashboard/, reading the
 * node's API and following WS /v1/events. Pages by hash: #/network, #/market, #/bills,
 * #/reputation, #/regulator. A participant signs in by loading its key store (it stays in this
 * page's memory) and proving its key with a signed challenge.
 */
import { nobleGroup } from '../crypto/groupNoble.ts';
import { follow, type LiveEvent } from './api.ts';
import type { App, Page } from './app.ts';
import { fill, h } from './dom.ts';
import { openKeyStoreText } from './keyStore.ts';
import { billsPage } from './pages/bills.ts';
import { marketPage } from './pages/market.ts';
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
  const path = location.hash.replace(/^#\/?/, '') || 'market';
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
  fill(main, root);
  const app: App = {
    group,
    viewer,
    onEvent: (l) => {
      if (mine === generation) listeners.push(l);
    },
    alert: showAlert,
  };
  current
    .page(root, app)
    .then(() => root.setAttribute('aria-busy', 'false'))
    .catch((err: Error) => {
      root.setAttribute('aria-busy', 'false');
      showAlert(`Could not load ${current.title}: ${err.message}`);
    });
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
  (connected) => {
    liveDot.className = connected ? 'live on' : 'live off';
    liveDot.setAttribute('aria-label', connected ? 'live updates connected' : 'live updates disconnected');
  },
);
window.addEventListener('hashchange', route);
renderIdentity();
route();
