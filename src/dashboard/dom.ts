/** A tiny element builder: h('button', { onclick, 'aria-label': … }, 'text', child). */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k === 'value') (el as HTMLInputElement).value = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
}

/** A table with a caption, headers and rows. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly Child[][],
  testId?: string,
) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      testId === undefined ? {} : { 'data-testid': testId },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
    ),
  );
}

/** A short form of a long hex string, with the whole in its title. */
export function short(hex: string, n = 10): HTMLElement {
  return h('code', { title: hex }, hex.length > n + 2 ? `${hex.slice(0, n)}…` : hex);
}

/** µ¥/kWh → "0.3807 ¥/kWh". */
export function yuanPerKWh(micro: string | number | bigint): string {
  return `${(Number(micro) / 1e6).toFixed(4)} ¥/kWh`;
}

/** Wh → "12.3 MWh". */
export function mwh(wh: string | number | bigint): string {
  return `${(Number(wh) / 1e6).toFixed(2)} MWh`;
}

/** µ¥ → "¥ 1 234.56". */
export function yuan(micro: string | number | bigint): string {
  return `¥ ${(Number(micro) / 1e6).toLocaleString('en', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
}

/** HH:MM:SS, 24-hour, in the viewer's time zone. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
