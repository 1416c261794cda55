/**
 * report/crypto.svg: signcrypt + verify+unsigncrypt time against ring size for every scheme (log-log),
 * and each scheme's total divided by ours measured in the same rounds.
 */
import type { CryptoBenchResult } from './cryptoBench.ts';
import { circle, line, polyline, rect, scale, svgDocument, text } from './svg.ts';

const PALETTE = ['#1b9e77', '#999999', '#d95f02', '#e7298a', '#7570b3', '#66a61e'];

/** report/crypto.svg */
export function cryptoChart(r: CryptoBenchResult): string {
  const series = new Map<string, { n: number; total: number; ratio: number }[]>();
  for (const row of r.rows) {
    const key = `${row.scheme} (${row.curve})`;
    const total = row.signcryptMs + row.unsigncryptMs;
    series.set(key, [...(series.get(key) ?? []), { n: row.n, total, ratio: total / row.oursBesideTotalMs }]);
  }
  const body: string[] = [
    text(30, 28, 'Privacy cost: signcrypt + verify & unsigncrypt, per scheme and ring size', {
      size: 16,
      weight: 'bold',
    }),
    text(
      30,
      46,
      `median ms on this machine (${r.group}; pairings with mcl-wasm); every scheme's round trip checked before timing (${r.checks.length} checks)`,
      { size: 11, fill: '#555' },
    ),
  ];
  body.push(...panel(series, 30, 70, 460, 380, 'total ms (log scale)', (p) => p.total, true));
  body.push(
    ...panel(series, 530, 70, 440, 380, 'total ÷ ours measured in the same rounds', (p) => p.ratio, false),
  );
  let ly = 490;
  [...series.keys()].forEach((key, i) => {
    const lx = 30 + (i % 3) * 320;
    if (i > 0 && i % 3 === 0) ly += 16;
    body.push(rect(lx, ly - 9, 12, 10, PALETTE[i % PALETTE.length]!), text(lx + 16, ly, key, { size: 10 }));
  });
  return svgDocument(1000, ly + 20, body);
}

function panel(
  series: Map<string, { n: number; total: number; ratio: number }[]>,
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  value: (p: { n: number; total: number; ratio: number }) => number,
  log: boolean,
): string[] {
  const out = [text(x0, y0, title, { weight: 'bold', size: 11 })];
  const all = [...series.values()].flat();
  const ns = [...new Set(all.map((p) => p.n))].sort((a, b) => a - b);
  const f = (v: number): number => (log ? Math.log10(v) : v);
  const vs = all.map((p) => f(value(p)));
  const lo = log ? Math.floor(Math.min(...vs)) : 0;
  const hi = log ? Math.ceil(Math.max(...vs)) : Math.ceil(Math.max(...vs));
  const top = y0 + 15;
  const bottom = y0 + h - 30;
  const x = scale(Math.log2(ns[0]!), Math.log2(ns.at(-1)!) + 0.001, x0 + 45, x0 + w - 10);
  const y = scale(lo, hi, bottom, top);
  const steps = log
    ? Array.from({ length: hi - lo + 1 }, (_, k) => lo + k)
    : Array.from({ length: hi + 1 }, (_, k) => k);
  for (const t of steps)
    out.push(
      line(x0 + 45, y(t), x0 + w - 10, y(t), t === 1 && !log ? '#333' : '#eee'),
      text(x0 + 40, y(t) + 4, log ? String(10 ** t) : String(t), { anchor: 'end', size: 9 }),
    );
  for (const n of ns) out.push(text(x(Math.log2(n)), bottom + 13, String(n), { anchor: 'middle', size: 9 }));
  out.push(text(x0 + w / 2, bottom + 26, 'ring size n (log scale)', { anchor: 'middle', size: 10 }));
  [...series.entries()].forEach(([key, pts], i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const xy = pts.map((p) => [x(Math.log2(p.n)), y(f(value(p)))] as [number, number]);
    out.push(polyline(xy, color, 1.8));
    pts.forEach((p, k) => {
      out.push(circle(xy[k]![0], xy[k]![1], 3, color, `${key}, n = ${p.n}: ${value(p).toFixed(2)}`));
    });
  });
  return out;
}
