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

/** Follows WS /v1/events, reconnecting after a drop; returns a function that stops it. */
export function follow(onEvent: (e: LiveEvent) => void, onState: (connected: boolean) => void): () => void {
  let ws: WebSocket | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connect = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/events`;
    ws = new WebSocket(url);
    ws.onopen = () => onState(true);
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as LiveEvent);
      } catch {
        // not JSON: ignore
      }
    };
    ws.onclose = () => {
      onState(false);
      if (!stopped) timer = setTimeout(connect, 1_000);
    };
    ws.onerror = () => ws?.close();
  };
  connect();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    ws?.close();
  };
}
