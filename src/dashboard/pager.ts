/**
 * Paged lists (docs/api.md "Lists"): the node answers a round's demands, bills and responses a page
 * at a time — `?offset=&limit=` with the `total` that match — and the dashboard never asks for more
 * than one page. `pageUrl` builds the request with its filters; `pager` says which entries are shown
 * ("Bills 51–100 of 10,000") and moves through them (first, previous, next, last).
 */
import { h } from './dom.ts';

/** Bills and bill responses per page. */
export const PAGE_SIZE = 50;

/** `path?offset=…&limit=…&filter=…`, the filters that are undefined left out. */
export function pageUrl(
  path: string,
  offset: number,
  limit: number,
  filters: Readonly<Record<string, string | undefined>> = {},
): string {
  const q = new URLSearchParams({ offset: String(offset), limit: String(limit) });
  for (const [k, v] of Object.entries(filters)) if (v !== undefined) q.set(k, v);
  return `${path}?${q}`;
}

/** "Bills 51–100 of 10,000", "Bills 1–14 of 14", "No bills", "No bills from 201 (of 180)". */
function rangeText(things: string, total: number, offset: number, shown: number): string {
  const n = (x: number) => x.toLocaleString('en');
  if (total === 0) return `No ${things}`;
  if (shown === 0) return `No ${things} from ${n(offset + 1)} (of ${n(total)})`;
  return `${things[0]!.toUpperCase()}${things.slice(1)} ${n(offset + 1)}–${n(offset + shown)} of ${n(total)}`;
}

/**
 * The controls of a paged table of `things` (e.g. "bills"): where this page is in the list and,
 * when the list is longer than a page, buttons to the first, previous, next and last page, each
 * calling `go(offset)`.
 */
export function pager(
  things: string,
  page: { readonly total: number; readonly offset: number; readonly limit: number; readonly shown: number },
  go: (offset: number) => void,
): HTMLElement {
  const { total, offset, limit, shown } = page;
  const last = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  const button = (label: string, name: string, to: number, enabled: boolean) =>
    h(
      'button',
      {
        type: 'button',
        'aria-label': `${name} page of ${things}`,
        disabled: !enabled,
        onclick: () => go(to),
      },
      label,
    );
  return h(
    'div',
    { class: 'pager', 'data-testid': `${things.replace(/\W+/g, '-')}-pager`, 'data-total': total },
    h('span', { 'aria-live': 'polite' }, rangeText(things, total, offset, shown)),
    total <= limit && offset === 0
      ? null
      : [
          button('« first', 'First', 0, offset > 0),
          button('‹ previous', 'Previous', Math.max(0, offset - limit), offset > 0),
          button('next ›', 'Next', offset + limit, offset + limit < total),
          button('last »', 'Last', last, offset < last),
        ],
  );
}
