/**
 * Terminal line charts (asciichart) of an AOV trend: won on the y axis with thousands
 * separators, business days along the x axis. A series wider than the terminal is thinned
 * to evenly spaced points (first and last always kept), and the chart says so.
 */
import { plot } from 'asciichart';
import { formatWon } from '../core/money';

export interface ChartPoint {
  /** Business day (YYYY-MM-DD) of the point. */
  date: string;
  value: number;
}

export interface ChartOptions {
  title: string;
  /** Terminal width in columns (default 80). */
  width?: number;
  /** Rows of the plot area (default 12). */
  height?: number;
}

/** Picks at most `max` evenly spaced points, keeping the first and the last. */
export function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points.slice();
  if (max < 2) return points.slice(-1);
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

export function renderLineChart(points: ChartPoint[], opts: ChartOptions): string {
  if (points.length === 0) return `${opts.title}\n(no data)\n`;
  const values = points.map((p) => p.value);
  const labelWidth = Math.max(...values.map((v) => formatWon(v).length), 3) + 1;
  const room = Math.max(10, (opts.width ?? 80) - labelWidth - 3);
  const shown = thin(points, room);
  const series = shown.map((p) => p.value);
  const min = Math.min(...series);
  const max = Math.max(...series);
  const height = min === max ? 1 : Math.min(opts.height ?? 12, Math.max(2, max - min));
  const pad = ' '.repeat(labelWidth);
  const body = plot(series, {
    height,
    offset: 3,
    padding: pad,
    format: (x: number) => (pad + formatWon(Math.round(x))).slice(-labelWidth),
  });
  // The plot's first point sits on the axis, one column right of the label and a space.
  const axisCol = labelWidth + 1;
  const n = series.length;
  const first = shown[0]!.date;
  const last = shown[n - 1]!.date;
  let xLabels: string;
  if (n === 1) xLabels = `${' '.repeat(axisCol)}${first}`;
  else if (n >= first.length + last.length + 2)
    xLabels = `${' '.repeat(axisCol)}${first}${' '.repeat(n - first.length - last.length)}${last}`;
  else xLabels = `${' '.repeat(axisCol)}${first} … ${last}`;
  const axis = `${' '.repeat(axisCol)}└${'─'.repeat(Math.max(0, n - 1))}`;
  const lines = [opts.title, body, axis, xLabels];
  if (shown.length < points.length)
    lines.push(`${' '.repeat(axisCol)}(${points.length} points thinned to ${shown.length} to fit the width)`);
  return `${lines.join('\n')}\n`;
}
