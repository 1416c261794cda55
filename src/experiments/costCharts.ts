/**
 * The cost experiment's charts: report/cost.svg (average purchase cost per mode, the reduction
 * against each baseline over scenarios beside the source's 15.35 %, generators' direct sales and
 * profit) and report/cost-sensitivity.svg (the reduction as each factor moves).
 */
import type { CostReport, ModeNumbers, ScenarioReport } from './costExperiment.ts';
import type { SensitivityReport } from './sensitivity.ts';
import { circle, line, polyline, rect, scale, svgDocument, text, ticks } from './svg.ts';

const MODES: readonly { key: keyof ModeNumbers; label: string; color: string }[] = [
  { key: 'stackelberg', label: 'reputation Stackelberg (ours)', color: '#1b9e77' },
  { key: 'catalog', label: 'catalog tariff only', color: '#7570b3' },
  { key: 'bilateral', label: 'bilateral (Nash bargaining)', color: '#d95f02' },
  { key: 'centralised', label: 'centralised matching', color: '#e7298a' },
];
const BASELINES = [
  { key: 'catalog', label: 'vs catalog', color: '#7570b3' },
  { key: 'bilateral', label: 'vs bilateral', color: '#d95f02' },
  { key: 'centralised', label: 'vs centralised', color: '#e7298a' },
] as const;

/** report/cost.svg */
export function costChart(report: CostReport): string {
  const body: string[] = [];
  const c = report.certifiedGap;
  body.push(
    text(30, 28, "Consumers' purchase cost under four trading modes", { size: 16, weight: 'bold' }),
    text(
      30,
      46,
      `${report.scenarioCount} scenarios (case30, case118, ${report.scenarioCount - 2} seeded random) · ${c.certified}/${c.total} equilibria certified within ε = ${c.epsilonMicroYuanPerKWh} µ¥/kWh`,
      { size: 11, fill: '#555' },
    ),
  );
  body.push(...costPanel(report, 30, 70, 560, 300));
  body.push(...reductionPanel(report, 640, 70, 330, 300));
  body.push(...generatorPanel(report, 30, 430, 940, 170));
  return svgDocument(1000, 630, body);
}

function costPanel(report: CostReport, x0: number, y0: number, w: number, h: number): string[] {
  const out: string[] = [
    text(x0, y0, 'Average purchase cost, yuan/kWh (all energy, incl. T&D and funds)', { weight: 'bold' }),
  ];
  const case30 = report.scenarios.find((s) => s.kind === 'case30');
  const case118 = report.scenarios.find((s) => s.kind === 'case118');
  const random = report.scenarios.filter((s) => s.kind === 'random');
  const cats: { label: string; v: ModeNumbers }[] = [];
  if (case30) {
    for (const [g, v] of Object.entries(case30.byGroup)) cats.push({ label: `case30 ${g}`, v });
    cats.push({ label: 'case30 all', v: case30.averageCostMicroYuanPerKWh });
  }
  if (case118) cats.push({ label: 'case118', v: case118.averageCostMicroYuanPerKWh });
  if (random.length > 0) cats.push({ label: `random (mean of ${random.length})`, v: meanModes(random) });
  const top = y0 + 40;
  const bottom = y0 + h - 40;
  const vmax = Math.max(...cats.flatMap((c) => MODES.map((m) => c.v[m.key] / 1e6)));
  const y = scale(0, vmax * 1.08, bottom, top);
  for (const t of ticks(0, vmax * 1.08, 5)) {
    out.push(
      line(x0 + 40, y(t), x0 + w, y(t), '#eee'),
      text(x0 + 36, y(t) + 4, t.toFixed(2), { anchor: 'end', size: 10 }),
    );
  }
  const slot = (w - 50) / cats.length;
  const bw = (slot - 12) / MODES.length;
  cats.forEach((cat, i) => {
    const sx = x0 + 50 + i * slot;
    MODES.forEach((m, k) => {
      const v = cat.v[m.key] / 1e6;
      out.push(
        rect(
          sx + k * bw,
          y(v),
          bw - 1,
          bottom - y(v),
          m.color,
          `${cat.label} · ${m.label}: ${v.toFixed(4)} yuan/kWh`,
        ),
      );
      // the value, written vertically inside the bar
      out.push(
        text(sx + k * bw + bw / 2 + 3, y(v) + 6, v.toFixed(3), {
          anchor: 'end',
          size: 9,
          fill: '#fff',
          rotate: true,
        }),
      );
    });
    out.push(text(sx + (slot - 12) / 2, bottom + 14, cat.label, { anchor: 'middle', size: 10 }));
  });
  out.push(line(x0 + 40, bottom, x0 + w, bottom, '#333'));
  MODES.forEach((m, k) => {
    const lx = x0 + 50 + (k % 2) * 260;
    const ly = bottom + 30 + Math.floor(k / 2) * 14;
    out.push(rect(lx, ly - 9, 10, 10, m.color), text(lx + 14, ly, m.label, { size: 10 }));
  });
  return out;
}

function reductionPanel(report: CostReport, x0: number, y0: number, w: number, h: number): string[] {
  const out: string[] = [text(x0, y0, 'Cost reduction of our mode, % (per scenario)', { weight: 'bold' })];
  const all = report.scenarios.flatMap((s) => BASELINES.map((b) => s.reductionPct[b.key]));
  const lo = Math.min(0, ...all) - 1;
  const hi = Math.max(report.sourceReductionPct + 2, ...all) + 1;
  const top = y0 + 30;
  const bottom = y0 + h - 40;
  const y = scale(lo, hi, bottom, top);
  for (const t of ticks(lo, hi, 6)) {
    out.push(
      line(x0 + 30, y(t), x0 + w, y(t), '#eee'),
      text(x0 + 26, y(t) + 4, String(t), { anchor: 'end', size: 10 }),
    );
  }
  out.push(line(x0 + 30, y(0), x0 + w, y(0), '#333'));
  out.push(
    line(x0 + 30, y(report.sourceReductionPct), x0 + w, y(report.sourceReductionPct), '#c00', '5 4', 1.5),
    text(x0 + w, y(report.sourceReductionPct) - 4, `source work: ${report.sourceReductionPct} %`, {
      anchor: 'end',
      size: 10,
      fill: '#c00',
    }),
  );
  const col = (w - 40) / BASELINES.length;
  BASELINES.forEach((b, i) => {
    const cx = x0 + 40 + col * i + col / 2;
    report.scenarios.forEach((s, k) => {
      const v = s.reductionPct[b.key];
      if (s.kind === 'random') {
        const jitter = (((k * 2654435761) >>> 0) % 1000) / 1000 - 0.5; // deterministic spread
        out.push(circle(cx + jitter * col * 0.5, y(v), 2.2, `${b.color}66`, `${s.name}: ${v.toFixed(2)} %`));
      }
    });
    const st = report.reduction[b.key];
    out.push(
      line(cx + col * 0.32, y(st.mean - st.sd), cx + col * 0.32, y(st.mean + st.sd), '#222', undefined, 1.5),
    );
    out.push(
      circle(cx + col * 0.32, y(st.mean), 4, '#222', `mean ${st.mean.toFixed(2)} % ± ${st.sd.toFixed(2)}`),
    );
    if (st.case30 !== null)
      out.push(rect(cx - 4, y(st.case30) - 4, 8, 8, '#000', `case30: ${st.case30.toFixed(2)} %`));
    if (st.case118 !== null) {
      out.push(circle(cx, y(st.case118), 4.5, '#fff', `case118: ${st.case118.toFixed(2)} %`, '#000'));
    }
    out.push(text(cx, bottom + 14, b.label, { anchor: 'middle', size: 10 }));
    out.push(
      text(cx, bottom + 27, `${st.mean.toFixed(2)} ± ${st.sd.toFixed(2)} %`, {
        anchor: 'middle',
        size: 10,
        weight: 'bold',
      }),
    );
  });
  out.push(
    text(x0 + 30, bottom + 42, '● random scenarios  ■ case30  ○ case118  ●| mean ± sd', {
      size: 9,
      fill: '#555',
    }),
  );
  return out;
}

function generatorPanel(report: CostReport, x0: number, y0: number, w: number, h: number): string[] {
  const out: string[] = [
    text(x0, y0, 'Generators, summed over scenarios (colours and order as above)', { weight: 'bold' }),
  ];
  const sets = [
    { title: 'sold directly to consumers, GWh', v: report.generators.directVolumeMWh, f: 1e-3 },
    { title: 'sold in total (direct + to the grid), GWh', v: report.generators.soldVolumeMWh, f: 1e-3 },
    { title: 'profit, million yuan', v: report.generators.profitYuan, f: 1e-6 },
  ];
  const pw = w / sets.length;
  sets.forEach((set, i) => {
    const px = x0 + i * pw;
    out.push(text(px, y0 + 20, set.title, { size: 10, fill: '#444' }));
    const vmax = Math.max(...MODES.map((m) => set.v[m.key] * set.f)) || 1;
    const bh = (h - 40) / MODES.length;
    MODES.forEach((m, k) => {
      const v = set.v[m.key] * set.f;
      const len = ((pw - 110) * Math.max(0, v)) / vmax;
      const by = y0 + 30 + k * bh;
      out.push(rect(px, by, len, bh - 4, m.color, `${m.label}: ${v.toFixed(2)}`));
      out.push(text(px + len + 4, by + bh / 2 + 2, v.toFixed(1), { size: 10 }));
    });
  });
  return out;
}

/** report/cost-sensitivity.svg */
export function sensitivityChart(s: SensitivityReport, sourcePct: number): string {
  const body: string[] = [
    text(30, 28, 'How the reduction depends on the baseline and the data (one factor at a time)', {
      size: 16,
      weight: 'bold',
    }),
    text(30, 46, `mean over ${s.scenarios.length} scenarios: ${scenarioList(s.scenarios)}`, {
      size: 10,
      fill: '#555',
    }),
  ];
  const cols = 3;
  const pw = 300;
  const ph = 230;
  s.factors.forEach((f, i) => {
    const x0 = 30 + (i % cols) * (pw + 20);
    const y0 = 70 + Math.floor(i / cols) * (ph + 30);
    body.push(text(x0, y0, f.title, { weight: 'bold', size: 11 }));
    const vals = f.points.flatMap((p) => BASELINES.map((b) => p.reductionPct[b.key]));
    const lo = Math.min(0, ...vals) - 1;
    const hi = Math.max(sourcePct + 1, ...vals) + 1;
    const top = y0 + 14;
    const bottom = y0 + ph - 40;
    const y = scale(lo, hi, bottom, top);
    const xs = scale(0, Math.max(1, f.points.length - 1), x0 + 40, x0 + pw - 15);
    for (const t of ticks(lo, hi, 5)) {
      body.push(
        line(x0 + 32, y(t), x0 + pw - 10, y(t), '#eee'),
        text(x0 + 28, y(t) + 4, String(t), { anchor: 'end', size: 9 }),
      );
    }
    body.push(line(x0 + 32, y(0), x0 + pw - 10, y(0), '#333'));
    body.push(line(x0 + 32, y(sourcePct), x0 + pw - 10, y(sourcePct), '#c00', '5 4'));
    f.points.forEach((p, k) => {
      if (p.base) body.push(line(xs(k), top, xs(k), bottom, '#999', '2 3'));
      body.push(text(xs(k), bottom + 13, p.label, { anchor: 'middle', size: 9 }));
      if (p.certified < p.total) {
        body.push(
          text(xs(k), bottom + 25, `${p.certified}/${p.total} cert.`, {
            anchor: 'middle',
            size: 8,
            fill: '#c00',
          }),
        );
      }
    });
    for (const b of BASELINES) {
      const pts = f.points.map((p, k) => [xs(k), y(p.reductionPct[b.key])] as [number, number]);
      body.push(polyline(pts, b.color));
      f.points.forEach((p, k) => {
        body.push(
          circle(
            xs(k),
            y(p.reductionPct[b.key]),
            3,
            b.color,
            `${b.label} at ${p.label}: ${p.reductionPct[b.key].toFixed(2)} %`,
          ),
        );
      });
    }
  });
  const ly = 70 + 2 * (ph + 30) - 10;
  BASELINES.forEach((b, k) => {
    body.push(
      rect(30 + k * 150, ly, 12, 3, b.color),
      text(30 + k * 150 + 16, ly + 4, `reduction ${b.label}`, { size: 10 }),
    );
  });
  body.push(
    line(480, ly + 1, 505, ly + 1, '#c00', '5 4'),
    text(510, ly + 4, `source work: ${sourcePct} %`, { size: 10, fill: '#c00' }),
  );
  return svgDocument(1000, ly + 20, body);
}

function meanModes(xs: readonly ScenarioReport[]): ModeNumbers {
  const m = (k: keyof ModeNumbers): number =>
    xs.reduce((s, x) => s + x.averageCostMicroYuanPerKWh[k], 0) / xs.length;
  return {
    stackelberg: m('stackelberg'),
    catalog: m('catalog'),
    bilateral: m('bilateral'),
    centralised: m('centralised'),
  };
}

/** A short description of a list of scenario names. */
function scenarioList(names: readonly string[]): string {
  if (names.length <= 4) return names.join(', ');
  const named = names.filter((n) => !n.startsWith('random-'));
  const random = names.length - named.length;
  return [...named, ...(random > 0 ? [`${random} seeded random`] : [])].join(', ');
}
