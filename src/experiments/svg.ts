/**
 * A few SVG primitives for the experiment's charts, written by hand (no chart library): escaped
 * text, shapes, a linear scale with "nice" ticks, and the document wrapper. Numbers are printed
 * with fixed precision so the same report always gives the same bytes.
 */

/** Escapes text for SVG content and attributes. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate with two decimals. */
export function n2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

/** A text element. */
export function text(
  x: number,
  y: number,
  s: string,
  o: {
    size?: number;
    anchor?: 'start' | 'middle' | 'end';
    weight?: string;
    fill?: string;
    rotate?: boolean;
  } = {},
): string {
  const rot = o.rotate ? ` transform="rotate(-90 ${n2(x)} ${n2(y)})"` : '';
  return `<text x="${n2(x)}" y="${n2(y)}" font-size="${o.size ?? 11}" text-anchor="${o.anchor ?? 'start'}"${
    o.weight ? ` font-weight="${o.weight}"` : ''
  } fill="${o.fill ?? '#222'}"${rot}>${esc(s)}</text>`;
}

/** A line segment. */
export function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke = '#999',
  dash?: string,
  width = 1,
): string {
  return `<line x1="${n2(x1)}" y1="${n2(y1)}" x2="${n2(x2)}" y2="${n2(y2)}" stroke="${stroke}" stroke-width="${width}"${
    dash ? ` stroke-dasharray="${dash}"` : ''
  }/>`;
}

/** A rectangle. */
export function rect(x: number, y: number, w: number, h: number, fill: string, title?: string): string {
  const t = title === undefined ? '' : `<title>${esc(title)}</title>`;
  return `<rect x="${n2(x)}" y="${n2(y)}" width="${n2(Math.max(0, w))}" height="${n2(Math.max(0, h))}" fill="${fill}">${t}</rect>`;
}

/** A circle. */
export function circle(
  x: number,
  y: number,
  r: number,
  fill: string,
  title?: string,
  stroke?: string,
): string {
  const t = title === undefined ? '' : `<title>${esc(title)}</title>`;
  return `<circle cx="${n2(x)}" cy="${n2(y)}" r="${n2(r)}" fill="${fill}"${stroke ? ` stroke="${stroke}"` : ''}>${t}</circle>`;
}

/** A polyline through points. */
export function polyline(pts: readonly [number, number][], stroke: string, width = 2): string {
  return `<polyline fill="none" stroke="${stroke}" stroke-width="${width}" points="${pts
    .map(([x, y]) => `${n2(x)},${n2(y)}`)
    .join(' ')}"/>`;
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/** Round tick values covering [lo, hi] (about `count` of them). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  let step = 1;
  while (step > raw) step /= 10;
  while (step * 10 <= raw) step *= 10;
  if (raw / step >= 5) step *= 5;
  else if (raw / step >= 2) step *= 2;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.round(v / step) * step);
  return out;
}

/** The SVG document. */
export function svgDocument(width: number, height: number, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    rect(0, 0, width, height, '#fff'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
