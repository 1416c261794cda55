/** uPlot line charts with rounds (or seconds) on the x axis. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** A line chart; `series[i]` is aligned with `x`. Resizes with its container. */
export function lineChart(
  el: HTMLElement,
  title: string,
  xLabel: string,
  x: readonly number[],
  series: readonly { readonly label: string; readonly values: readonly (number | null)[] }[],
  options: { readonly time?: boolean; readonly bars?: boolean; readonly decimals?: number } = {},
): uPlot {
  const width = Math.max(280, Math.min(el.clientWidth || 600, 900));
  const plot = new uPlot(
    {
      title,
      width,
      height: 220,
      scales: { x: { time: options.time === true } },
      axes: [
        { label: xLabel, ...(options.time === true ? {} : { incrs: [1, 2, 5, 10, 20, 50, 100] }) },
        {
          size: 60,
          ...(options.decimals === undefined
            ? {}
            : { values: (_u: uPlot, vs: number[]) => vs.map((v) => v.toFixed(options.decimals)) }),
        },
      ],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length]!,
          width: 2,
          ...(options.bars === true
            ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), fill: `${COLOURS[i % COLOURS.length]}55` }
            : {}),
        })),
      ],
    },
    [x as number[], ...series.map((s) => s.values as (number | null)[])] as uPlot.AlignedData,
    el,
  );
  plot.root.setAttribute('role', 'img');
  plot.root.setAttribute('aria-label', title);
  return plot;
}
