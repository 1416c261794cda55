/**
 * uPlot line and bar charts with rounds (or seconds) on the x axis, and bar charts of one bar per
 * category (a generator). Every series has its own colour, line dash and marker shape, so series
 * that overlap or are told apart without colour can still be read; bars start at zero; each axis is
 * as wide as its longest tick label (none is clipped). A chart's points are rounds or categories,
 * never consumers: what grows with the consumers is summed before it is charted. The uPlot instance
 * is kept on its root element (`ChartRoot.chart`) for the browser tests.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { clock } from './dom.ts';

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const DASHES: readonly (readonly number[])[] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [12, 6]];
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'cross'] as const;
export type Marker = (typeof MARKERS)[number];

/** How series `i` is drawn: colour, line dash and marker shape (cycling through each list). */
export interface SeriesStyle {
  readonly colour: string;
  readonly dash: readonly number[];
  readonly marker: Marker;
}

export function seriesStyle(i: number): SeriesStyle {
  return {
    colour: COLOURS[i % COLOURS.length]!,
    dash: DASHES[i % DASHES.length]!,
    marker: MARKERS[i % MARKERS.length]!,
  };
}

/** A chart's root element, with its uPlot instance (read by the browser tests). */
export interface ChartRoot extends HTMLElement {
  chart?: uPlot;
}

/** Adds a marker of `shape`, centred on (x, y) with half-size r (canvas pixels), to `p`. */
function markerPath(p: Path2D, shape: Marker, x: number, y: number, r: number): void {
  switch (shape) {
    case 'circle':
      p.moveTo(x + r, y);
      p.arc(x, y, r, 0, 2 * Math.PI);
      return;
    case 'square':
      p.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      return;
    case 'triangle':
      p.moveTo(x, y - r * 1.1);
      p.lineTo(x + r, y + r * 0.8);
      p.lineTo(x - r, y + r * 0.8);
      p.closePath();
      return;
    case 'triangle-down':
      p.moveTo(x, y + r * 1.1);
      p.lineTo(x + r, y - r * 0.8);
      p.lineTo(x - r, y - r * 0.8);
      p.closePath();
      return;
    case 'diamond':
      p.moveTo(x, y - r * 1.2);
      p.lineTo(x + r, y);
      p.lineTo(x, y + r * 1.2);
      p.lineTo(x - r, y);
      p.closePath();
      return;
    case 'cross':
      p.moveTo(x - r, y - r);
      p.lineTo(x + r, y + r);
      p.moveTo(x + r, y - r);
      p.lineTo(x - r, y + r);
      return;
  }
}

/** uPlot's points path builder drawing `shape` markers instead of circles. */
function markers(shape: Marker): uPlot.Series.Points.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const s = u.series[seriesIdx]!;
    const xs = u.data[0];
    const ys = u.data[seriesIdx]!;
    const r = (((s.points?.size ?? 7) - 1) / 2) * uPlot.pxRatio;
    const path = new Path2D();
    for (let i = idx0; i <= idx1; i++) {
      const y = ys[i];
      if (y === null || y === undefined) continue;
      markerPath(path, shape, u.valToPos(xs[i]!, 'x', true), u.valToPos(y, s.scale ?? 'y', true), r);
    }
    return {
      stroke: path,
      fill: shape === 'cross' ? null : path,
      clip: null,
      band: null,
      gaps: null,
      flags: 0,
    };
  };
}

/** A y axis exactly as wide as its widest tick label needs (uPlot's fixed default cuts long ones). */
function fitAxis(u: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = u.axes[axisIdx]! as uPlot.Axis & { _size?: number; font: [string, number, number] };
  if (cycleNum > 1 && axis._size !== undefined) return axis._size;
  u.ctx.font = axis.font[0];
  const widest = Math.max(0, ...(values ?? []).map((v) => u.ctx.measureText(String(v ?? '')).width));
  return Math.ceil(widest / uPlot.pxRatio + (axis.ticks?.size ?? 10) + (axis.gap ?? 5) + 4);
}

/** A small SVG sample of series `i`'s line, dash and marker (for a legend or a table beside a chart). */
export function swatch(i: number): SVGSVGElement {
  const { colour, dash, marker } = seriesStyle(i);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '34');
  svg.setAttribute('height', '14');
  svg.setAttribute('viewBox', '0 0 34 14');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'swatch');
  const line = document.createElementNS(ns, 'line');
  for (const [k, v] of [
    ['x1', '1'],
    ['y1', '7'],
    ['x2', '33'],
    ['y2', '7'],
    ['stroke', colour],
    ['stroke-width', '2'],
    ['stroke-dasharray', dash.length === 0 ? 'none' : dash.join(' ')],
  ])
    line.setAttribute(k!, v!);
  const shape = document.createElementNS(ns, 'path');
  shape.setAttribute('d', markerSvg(marker, 17, 7, 4));
  shape.setAttribute('stroke', colour);
  shape.setAttribute('stroke-width', '1.5');
  shape.setAttribute('fill', marker === 'cross' ? 'none' : '#fff');
  svg.append(line, shape);
  return svg;
}

/** `markerPath`'s shapes as SVG path data. */
function markerSvg(shape: Marker, x: number, y: number, r: number): string {
  switch (shape) {
    case 'circle':
      return `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
    case 'square':
      return `M${x - r * 0.85},${y - r * 0.85}h${r * 1.7}v${r * 1.7}h${-r * 1.7}z`;
    case 'triangle':
      return `M${x},${y - r * 1.1}L${x + r},${y + r * 0.8}L${x - r},${y + r * 0.8}z`;
    case 'triangle-down':
      return `M${x},${y + r * 1.1}L${x + r},${y - r * 0.8}L${x - r},${y - r * 0.8}z`;
    case 'diamond':
      return `M${x},${y - r * 1.2}L${x + r},${y}L${x},${y + r * 1.2}L${x - r},${y}z`;
    case 'cross':
      return `M${x - r},${y - r}L${x + r},${y + r}M${x + r},${y - r}L${x - r},${y + r}`;
  }
}

/**
 * A line chart (or, with `bars`, a bar chart whose y axis starts at zero); `series[i]` is aligned
 * with `x`. Hovering near a line highlights it (the others fade). `legend: false` hides uPlot's
 * legend, for a chart with a table beside it that names each series (`swatch`).
 */
export function lineChart(
  el: HTMLElement,
  title: string,
  xLabel: string,
  x: readonly number[],
  series: readonly { readonly label: string; readonly values: readonly (number | null)[] }[],
  options: {
    readonly time?: boolean;
    readonly bars?: boolean;
    readonly decimals?: number;
    readonly legend?: boolean;
    /** Names of x = 1, 2, …: the x axis labels its ticks with them (see `barChart`). */
    readonly categories?: readonly string[];
  } = {},
): uPlot {
  const width = Math.max(280, Math.min(el.clientWidth || 600, 900));
  const bars = options.bars === true;
  const names = options.categories;
  const plot = new uPlot(
    {
      title,
      width,
      height: 220,
      legend: { show: options.legend !== false },
      focus: { alpha: 0.25 },
      cursor: { focus: { prox: 24 } },
      scales: {
        // bars: half a step of room at either end, so the first and the last bar are whole
        x: bars
          ? { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }
          : { time: options.time === true },
        // bars start at zero: their length is the value, so a 0.3 % change looks like one
        ...(bars ? { y: { range: (_u, _min, max) => uPlot.rangeNum(0, Math.max(max, 0), 0.1, true) } } : {}),
      },
      // room on the right for the last time label, centred on its tick
      ...(options.time === true ? { padding: [null, 32, null, null] as uPlot.Padding } : {}),
      axes: [
        {
          label: xLabel,
          ...(options.time === true
            ? // one line, "HH:MM:SS", rather than uPlot's default with the date below the first tick
              { values: (_u: uPlot, vs: number[]) => vs.map((v) => clock(v * 1000)) }
            : names !== undefined
              ? {
                  incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500],
                  // ticks no closer than the longest name needs, so names never overlap
                  space: (u: uPlot) => {
                    u.ctx.font = (u.axes[0] as uPlot.Axis & { font: [string] }).font[0];
                    const widest = Math.max(...names.map((n) => u.ctx.measureText(n).width));
                    return widest / uPlot.pxRatio + 12;
                  },
                  values: (_u: uPlot, vs: number[]) => vs.map((v) => names[v - 1] ?? ''),
                }
              : { incrs: [1, 2, 5, 10, 20, 50, 100] }),
        },
        {
          size: fitAxis,
          ...(options.decimals === undefined
            ? {}
            : { values: (_u: uPlot, vs: number[]) => vs.map((v) => v.toFixed(options.decimals)) }),
        },
      ],
      series: [
        {
          label: xLabel,
          // the legend names the category under the cursor, not its number
          ...(names === undefined
            ? {}
            : { value: (_u: uPlot, v: number | null) => (v === null ? '' : (names[v - 1] ?? '')) }),
        },
        ...series.map((s, i) => {
          const style = seriesStyle(i);
          return {
            label: s.label,
            stroke: style.colour,
            width: 2,
            ...(bars
              ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), fill: `${style.colour}55` }
              : {
                  dash: [...style.dash],
                  marker: style.marker,
                  // markers on every point of a short series; on a long one, where uPlot finds room
                  points: {
                    ...(x.length <= 40 ? { show: true } : {}),
                    size: 9,
                    width: 1.5,
                    paths: markers(style.marker),
                  },
                }),
          };
        }),
      ],
    },
    [x as number[], ...series.map((s) => s.values as (number | null)[])] as uPlot.AlignedData,
    el,
  );
  plot.root.setAttribute('role', 'img');
  plot.root.setAttribute('aria-label', title);
  (plot.root as ChartRoot).chart = plot;
  return plot;
}

/**
 * A bar chart of one bar per category — `values[i]` is category `categories[i]`'s — its y axis from
 * zero and its categories named under the bars (as many as fit; hovering a bar names it in the legend).
 */
export function barChart(
  el: HTMLElement,
  title: string,
  xLabel: string,
  categories: readonly string[],
  series: { readonly label: string; readonly values: readonly (number | null)[] },
): uPlot {
  return lineChart(
    el,
    title,
    xLabel,
    categories.map((_, i) => i + 1),
    [series],
    { bars: true, categories },
  );
}
