/**
 * The Prometheus text exposition format, as far as a textfile needs it (what the node
 * exporter's textfile collector reads): families of gauges and counters with labels, written
 * to a file atomically (core/files.ts). Written by hand rather than through prom-client: its
 * registry is made for long-lived servers, cannot read back the counters a previous run left,
 * and is slow to load on every cron run (docs/performance.md "Small things").
 */
import { readFileSync } from 'node:fs';

export type Labels = Readonly<Record<string, string>>;

export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: readonly { labels: Labels; value: number }[];
}

/** `\`, `"` and line feeds are escaped in label values; `\` and line feeds in help text. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name{a="1",b="2"}`: one series, its labels in the order given (the key a previous value is found by). */
export function seriesKey(name: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length ? `${name}{${pairs.join(',')}}` : name;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The families as the text format: HELP, TYPE, then every sample of the family together. */
export function renderTextfile(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${seriesKey(f.name, s.labels)} ${formatValue(s.value)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * The samples of a textfile this module wrote, by series key. Anything it cannot read (another
 * program's syntax, a truncated line) is skipped: counters then start again, as after a restart.
 */
export function readSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space < 1) continue;
    const value = Number(line.slice(space + 1).replace(/^\+Inf$/, 'Infinity'));
    if (!Number.isNaN(value)) samples.set(line.slice(0, space), value);
  }
  return samples;
}

/** The samples of the file at `path`; none when it does not exist or cannot be read. */
export function readTextfile(path: string): Map<string, number> {
  try {
    return readSamples(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}
