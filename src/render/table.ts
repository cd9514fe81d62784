/** Tables for people (cli-table3): readable widths, numbers right-aligned. */
import Table from 'cli-table3';
import type { Chalk } from 'chalk';

export function renderTable(
  head: string[],
  rows: (string | number)[][],
  style: Chalk,
  align?: ('left' | 'right')[],
): string {
  const table = new Table({
    head: head.map((h) => style.bold(h)),
    style: { head: [], border: [] },
    ...(align ? { colAligns: align } : {}),
    wordWrap: true,
  });
  for (const row of rows) table.push(row.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)));
  return table.toString();
}
