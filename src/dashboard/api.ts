/** The node API as the dashboard uses it: same-origin fetches and the live event stream. */

/** A refusal of the API: its code and message. */
export class ApiRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw new ApiRefusal(body.code ?? 'API_ERROR', body.message ?? res.statusText, res.status);
  return body;
}

/** GET a JSON route. */
export async function get<T>(path: string, token?: string): Promise<T> {
  return answer<T>(
    await fetch(path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
  );
}

/** GET a JSON route; undefined for a 404. */
export async function find<T>(path: string): Promise<T | undefined> {
  const res = await fetch(path);
  if (res.status === 404) return undefined;
  return answer<T>(res);
}

/** POST (or DELETE) JSON. */
export async function send<T>(
  method: 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return answer<T>(
    await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
  );
}

/** An event from WS /v1/events. */
export interface LiveEvent {
  readonly type: string;
  readonly seq?: number;
  readonly height?: string;
  readonly [field: string]: unknown;
}

/** How long the stream may stay silent before the node is asked whether it still answers. */
const QUIET_MS = 8_000;
/** How long that question may take before the node counts as gone. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * Follows WS /v1/events, reconnecting after a drop; returns a function that stops it. `onState` is
 * told when the stream connects and when it is lost, with the last moment the node was known to be
 * live (ms since the epoch). A socket can stay open to a node that no longer answers (a frozen
 * process, a half-open connection): after QUIET_MS without a message the node's /health is asked,
 * and when it does not answer within PROBE_TIMEOUT_MS the stream counts as lost.
 */
export function follow(
  onEvent: (e: LiveEvent) => void,
  onState: (connected: boolean, liveAtMs: number) => void,
): () => void {
  let ws: WebSocket | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let heardAt = 0;
  let probing = false;
  const lost = (liveAtMs: number) => {
    ws = undefined;
    onState(false, liveAtMs);
    if (!stopped) timer = setTimeout(connect, 1_000);
  };
  const connect = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/events`;
    const socket = new WebSocket(url);
    let opened = false;
    ws = socket;
    socket.onopen = () => {
      opened = true;
      heardAt = Date.now();
      onState(true, heardAt);
    };
    socket.onmessage = (m) => {
      heardAt = Date.now();
      try {
        onEvent(JSON.parse(String(m.data)) as LiveEvent);
      } catch {
        // not JSON: ignore
      }
    };
    socket.onclose = () => {
      // an open socket was live until it closed (unless the watchdog gave up on it already)
      if (ws === socket) lost(opened ? Date.now() : heardAt);
    };
    socket.onerror = () => socket.close();
  };
  const watchdog = setInterval(() => {
    const socket = ws;
    if (probing || socket?.readyState !== WebSocket.OPEN || Date.now() - heardAt < QUIET_MS) return;
    probing = true;
    fetch('/health', { cache: 'no-store', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
      .then(
        (res) => res.ok,
        () => false,
      )
      .then((alive) => {
        probing = false;
        if (ws !== socket) return;
        if (alive) heardAt = Date.now();
        else {
          lost(heardAt);
          socket.close();
        }
      });
  }, 2_000);
  connect();
  return () => {
    stopped = true;
    clearInterval(watchdog);
    if (timer !== undefined) clearTimeout(timer);
    ws?.close();
  };
}
