/** What every page receives: the group, the viewer, the live event stream and a way to refresh. */
import type { Group } from '../crypto/group.ts';
import type { LiveEvent } from './api.ts';
import type { Viewer } from './viewer.ts';

export interface App {
  readonly group: Group;
  readonly viewer: Viewer | undefined;
  /** Subscribes to live events (WS /v1/events) for as long as the page is shown. */
  onEvent(listener: (e: LiveEvent) => void): void;
  /** Tells the viewer something went wrong (a banner, role=alert). */
  alert(message: string): void;
}

/** A page: renders into `root`; may return a cleanup function. */
export type Page = (root: HTMLElement, app: App) => Promise<void>;

/** A parameter of the page's address after its path, e.g. `round` of `#/bills?round=3` (undefined if absent). */
export function hashParam(name: string): string | undefined {
  const query = location.hash.split('?')[1];
  return query === undefined ? undefined : (new URLSearchParams(query).get(name) ?? undefined);
}

/** Calls `fn` at most once per `ms` (trailing call kept). */
export function throttle(fn: () => void, ms: number): () => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
    } else if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        fn();
      }, wait);
    }
  };
}
