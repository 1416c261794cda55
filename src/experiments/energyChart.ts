/**
 * report/energy.svg: CPU seconds and p2p bytes per committed transaction against the number of
 * validators (measured points, the fitted curve, extrapolated to the N compared), and the energy of
 * one trading round under each architecture on a logarithmic scale (case30 and the large consortium).
 */
import type { EnergyReport, GrowthFit } from './energyModel.ts';
import { evalPoly } from './leastSquares.ts';
import { circle, line, polyline, rect, scale, svgDocument, text, ticks } from './svg.ts';

const COLORS = {
  ours: '#1b9e77',
  'all-validate': '#d95f02',
  pow: '#7570b3',
  centralised: '#e7298a',
} as const;

/** report/energy.svg */
export function energyChart(r: EnergyReport): string {
  const body: string[] = [
    text(30, 28, 'Energy: what validators spend per committed transaction and per trading round', {
      size: 16,
      weight: 'bold',
    }),
    text(
      30,
      46,
      `measured on real validator processes on loopback (${r.load.offeredTxPerSecond} memo tx/s offered); rounds of the case30 consortium; energy = CPU-s × ${r.parameters.find((q) => q.id === 'cpuWatts')!.value} W × PUE + wire bytes × Internet J/B`,
      { size: 11, fill: '#555' },
    ),
  ];
  const sweep = r.sweep.map((s) => ({
    n: s.validators,
    cpu: s.cpuSecondsPerTx * 1000,
    bytes: s.bytesPerTx / 1000,
  }));
  body.push(
    ...growthPanel(
      30,
      70,
      300,
      250,
      'CPU ms per committed tx (all validators)',
      sweep.map((s) => [s.n, s.cpu]),
      r.fits.cpu,
      1000,
    ),
    ...growthPanel(
      360,
      70,
      300,
      250,
      'p2p kB sent per committed tx (all validators)',
      sweep.map((s) => [s.n, s.bytes]),
      r.fits.bytes,
      1e-3,
    ),
  );
  body.push(...roundPanel(r, 700, 70, 280, 520));
  const notes = fitNotes(r, 30, 360);
  body.push(...notes.out);
  return svgDocument(1000, Math.max(610, notes.bottom + 16), body);
}

function growthPanel(
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  pts: [number, number][],
  fit: GrowthFit,
  factor: number,
): string[] {
  const out = [text(x0, y0, title, { weight: 'bold', size: 11 })];
  const nMax = Math.max(...pts.map(([n]) => n)) + 1;
  const curve: [number, number][] = [];
  for (let n = Math.min(...fit.validators); n <= nMax; n += 0.25)
    curve.push([n, evalPoly(fit.coefficients, n) * factor]);
  const vmax = Math.max(...pts.map(([, v]) => v), ...curve.map(([, v]) => v)) * 1.1 || 1;
  const top = y0 + 15;
  const bottom = y0 + h - 30;
  const x = scale(0, nMax, x0 + 40, x0 + w);
  const y = scale(0, vmax, bottom, top);
  for (const t of ticks(0, vmax, 5))
    out.push(
      line(x0 + 40, y(t), x0 + w, y(t), '#eee'),
      text(x0 + 36, y(t) + 4, String(t), { anchor: 'end', size: 9 }),
    );
  for (const t of ticks(0, nMax, 6))
    out.push(text(x(t), bottom + 13, String(t), { anchor: 'middle', size: 9 }));
  out.push(line(x0 + 40, bottom, x0 + w, bottom, '#333'));
  out.push(text(x0 + (w + 40) / 2, bottom + 26, 'validators N', { anchor: 'middle', size: 10 }));
  out.push(
    polyline(
      curve.map(([n, v]) => [x(n), y(v)]),
      '#1b9e77',
      1.5,
    ),
  );
  for (const [n, v] of pts)
    out.push(circle(x(n), y(v), 4, n === 1 ? '#e7298a' : '#222', `N = ${n}: ${v.toFixed(3)}`));
  return out;
}

function roundPanel(r: EnergyReport, x0: number, y0: number, w: number, h: number): string[] {
  const out = [text(x0, y0, 'Joules per trading round (log scale)', { weight: 'bold', size: 11 })];
  const rows = r.comparisons;
  const vals = rows.map((c) => c.perRound.joules).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...vals)));
  const hi = Math.ceil(Math.log10(Math.max(...vals)));
  const left = x0 + 10;
  const right = x0 + w - 10;
  const x = scale(lo, hi, left, right);
  const top = y0 + 20;
  const rowH = (h - 90) / (rows.length + 1);
  for (let e = lo; e <= hi; e += Math.max(1, Math.ceil((hi - lo) / 7))) {
    out.push(line(x(e), top, x(e), top + rowH * (rows.length + 1), '#eee'));
    out.push(text(x(e), top + rowH * (rows.length + 1) + 12, `1e${e}`, { anchor: 'middle', size: 9 }));
  }
  let yy = top;
  let scenario = '';
  for (const c of rows) {
    if (c.scenario !== scenario) {
      scenario = c.scenario;
      out.push(
        text(
          left,
          yy + 10,
          scenario === 'case30'
            ? `case30 round (${c.perRound.transactions} tx)`
            : `large consortium round (${c.perRound.transactions} tx, ${c.perRound.basis})`,
          {
            size: 10,
            weight: 'bold',
          },
        ),
      );
      yy += rowH * 0.5;
    }
    const v = Math.log10(Math.max(c.perRound.joules, 10 ** lo));
    const short =
      c.architecture === 'ours'
        ? `ours, N = ${c.validators}`
        : c.architecture === 'all-validate'
          ? `all validate, N = ${c.validators}`
          : c.architecture === 'pow'
            ? 'proof of work'
            : 'one server';
    // the label above its bar, in dark text: a short bar has no room for it inside
    out.push(
      text(left, yy + 11, `${short}: ${c.perRound.joules.toPrecision(3)} J`, { size: 9, fill: '#222' }),
    );
    out.push(
      rect(
        left,
        yy + 14,
        Math.max(2, x(v) - left),
        rowH * 0.35,
        COLORS[c.architecture],
        `${c.label}: ${c.perRound.joules.toPrecision(3)} J (${c.perRound.basis})`,
      ),
    );
    yy += rowH * 0.75;
  }
  out.push(
    text(
      left,
      top + rowH * (rows.length + 1) + 30,
      'bars: dynamic energy (CPU + network; PoW: hashing share);',
      { size: 9, fill: '#555' },
    ),
    text(left, top + rowH * (rows.length + 1) + 42, 'servers idling through an hour-long round add', {
      size: 9,
      fill: '#555',
    }),
    text(left, top + rowH * (rows.length + 1) + 54, 'N × 2 vCPU × 0.74 W × PUE × 3600 s (see the table)', {
      size: 9,
      fill: '#555',
    }),
  );
  return out;
}

/** Splits `s` into lines of at most `max` characters at spaces (a 9-px line of the notes column). */
function wrap(s: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

function fitNotes(r: EnergyReport, x0: number, y0: number): { out: string[]; bottom: number } {
  const out = [
    text(x0, y0, 'Fits over the PBFT networks (N ≥ 4), and what they give where nothing was measured', {
      weight: 'bold',
      size: 11,
    }),
  ];
  let y = y0 + 18;
  for (const f of [r.fits.cpu, r.fits.bytes, r.fits.frames]) {
    const c = f.coefficients.map((v) => v.toPrecision(3)).join(', ');
    const note = `${f.quantity}: ${f.model}, coefficients [${c}], RMS residual ${f.rmsResidual.toPrecision(2)}, max |residual|/y ${(100 * f.maxRelativeResidual).toFixed(1)} %, ${f.degreesOfFreedom} dof${f.note ? ` (${f.note})` : ''}`;
    for (const l of wrap(note, 118)) {
      out.push(text(x0, y, l, { size: 9 }));
      y += 12;
    }
    y += 3;
  }
  y += 6;
  for (const c of r.comparisons) {
    const perTx = `${c.perTx.joules.toPrecision(3)} J/tx (${c.perTx.basis})`;
    out.push(
      rect(x0, y - 8, 8, 8, COLORS[c.architecture]),
      text(
        x0 + 12,
        y,
        `${c.scenario} · ${c.label}${c.validators !== null ? ` · N = ${c.validators}` : ''}: ${perTx}`,
        { size: 9 },
      ),
    );
    y += 14;
  }
  return { out, bottom: y };
}
