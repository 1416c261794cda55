/**
 * The network addresses member cards and peers files carry (docs/ledger.md §8.4), in one canonical
 * text form each, so that two files naming the same endpoint name it with the same string:
 *
 *   p2p  `host:port`                 a validator's transport (../p2p/), dialled as wss://host:port/ (TLS, docs/p2p.md)
 *   api  `http://host:port` | `https://host:port`    a validator's HTTP API, no path
 *
 * host: a lower-case DNS name (RFC 1123 labels of [a-z0-9-], 1..253 characters) or a dotted IPv4
 * address without leading zeros; port: 1..65535 in decimal without leading zeros. IPv6 literals
 * are refused: the transport dials `wss://host:port/`, which cannot carry one today.
 */

/** A host and port, as a validator is reached. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A validator API's address. */
export interface ApiAddress extends HostPort {
  readonly scheme: 'http' | 'https';
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DIGITS_AND_DOTS = /^[0-9.]+$/;
const PORT = /^[1-9][0-9]{0,4}$/;

/** True for a canonical host: a lower-case DNS name or a dotted IPv4 address. */
function isValidHost(host: string): boolean {
  if (host.length < 1 || host.length > 253) return false;
  const labels = host.split('.');
  if (DIGITS_AND_DOTS.test(host)) {
    // all digits: an IPv4 address, four canonical octets
    return labels.length === 4 && labels.every((o) => /^(0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255);
  }
  return labels.every((l) => LABEL.test(l));
}

function port(text: string): number | null {
  if (!PORT.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

/** `host:port` in canonical form, or null. */
export function parseHostPort(text: string): HostPort | null {
  const at = text.lastIndexOf(':');
  if (at <= 0) return null;
  const host = text.slice(0, at);
  const p = port(text.slice(at + 1));
  return p !== null && isValidHost(host) ? { host, port: p } : null;
}

/** `http(s)://host:port` in canonical form (no path, no trailing slash), or null. */
export function parseApiAddress(text: string): ApiAddress | null {
  const m = /^(https?):\/\/(.+)$/.exec(text);
  if (m === null) return null;
  const hp = parseHostPort(m[2]!);
  return hp === null ? null : { scheme: m[1] as 'http' | 'https', ...hp };
}

/** The canonical text of a host and port. */
export function hostPortText(e: HostPort): string {
  return `${e.host}:${e.port}`;
}
