/**
 * Output formats for records (search hits, anomalies, rules): a table for a person, JSON,
 * NDJSON and CSV for programs. Every writer streams: records go out as they arrive (a table
 * in blocks of `tableBlock` rows), so `--all` over millions of hits stays in bounded memory.
 */
import Table from 'cli-table3';
import { strlen } from 'cli-table3/src/utils';
import type { Chalk } from 'chalk';
import { stringify } from 'csv-stringify/sync';
import { formatWon } from '../core/money';
import { formatCount, type Stream } from './style';

export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'ndjson', 'csv'];

export type DataRecord = Record<string, unknown>;

/** How a value reads in a table; machine formats keep the raw value. */
export type ColumnKind = 'text' | 'won' | 'count' | 'number' | 'bool' | 'list' | 'time';

export interface Column {
  key: string;
  header?: string;
  kind?: ColumnKind;
  /** Wrap the column at this width in a table (long reasons, remarks). */
  width?: number;
  /** Colour a table cell (only applied when the style has colours on). */
  paint?: (cell: string, record: DataRecord, style: Chalk) => string;
}

/** Writes and, when the stream is a real one that is full, waits for it to drain (bounded memory). */
export async function writeOut(stream: Stream, text: string): Promise<void> {
  if (stream.write(text)) return;
  const emitter = stream as Stream & { once?: (event: string, cb: () => void) => unknown; writableLength?: number };
  if (typeof emitter.once === 'function' && (emitter.writableLength ?? 1) > 0) {
    await new Promise<void>((resolve) => emitter.once!('drain', resolve));
  }
}

/** A table cell: thousands separators for won and counts, readable times and lists. */
export function tableCell(value: unknown, kind: ColumnKind = 'text'): string {
  if (value === null || value === undefined) return '';
  switch (kind) {
    case 'won':
      return typeof value === 'number' ? formatWon(value) : String(value);
    case 'count':
      return typeof value === 'number' ? formatCount(value) : String(value);
    case 'bool':
      return value === true ? 'yes' : value === false ? '' : String(value);
    case 'list':
      return Array.isArray(value) ? value.join(', ') : String(value);
    case 'time':
      return String(value).replace('T', ' ');
    case 'number':
      return typeof value === 'number' ? String(Number(value.toFixed(4))) : String(value);
    default:
      return Array.isArray(value)
        ? value.join(', ')
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  }
}

/** A CSV cell: numbers plain (no separators), booleans true/false, lists joined by ";", null empty, objects as JSON. */
export function csvCell(value: unknown): string | number {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(';');
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number') return value;
  return String(value);
}

/** The record restricted to the columns, in column order; missing values are null. */
export function project(record: DataRecord, columns: Column[]): DataRecord {
  const out: DataRecord = {};
  for (const c of columns) out[c.key] = record[c.key] === undefined ? null : record[c.key];
  return out;
}

export interface RecordWriter {
  write(record: DataRecord): Promise<void>;
  /** Finishes the output (closing `]`, the last table block); returns how many records were written. */
  end(): Promise<number>;
  /** Table cells cut to TABLE_CELL_MAX characters so far (machine formats cut nothing). */
  readonly cut?: number;
}

/**
 * Characters a table cell shows at most: a longer text (a raw record of megabytes) is cut there
 * with an ellipsis, and the listing says so. JSON, NDJSON and CSV keep every value whole.
 */
export const TABLE_CELL_MAX = 300;

/** A record's cells longer than TABLE_CELL_MAX cut (a copy when any is), and how many were. */
function cutLongCells(record: DataRecord, columns: readonly Column[]): { record: DataRecord; cut: number } {
  let out: DataRecord | undefined;
  let cut = 0;
  for (const c of columns) {
    const value = record[c.key];
    if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') continue;
    const text = typeof value === 'string' ? value : tableCell(value, c.kind);
    if (text.length <= TABLE_CELL_MAX) continue;
    out ??= { ...record };
    out[c.key] = `${text.slice(0, TABLE_CELL_MAX)}…`;
    cut++;
  }
  return { record: out ?? record, cut };
}

export interface WriterOptions {
  stream: Stream;
  columns: Column[];
  /** Colours for the table (pass a colourless style when stdout is not a terminal). */
  style: Chalk;
  /** Rows per table block; a table is printed every this many rows. */
  tableBlock?: number;
  /** CSV only: start with a UTF-8 byte-order mark, so Excel reads Korean text as UTF-8. */
  bom?: boolean;
}

const RIGHT: readonly ColumnKind[] = ['won', 'count', 'number'];

/**
 * Tables are drawn here, in cli-table3's own layout and characters, because cli-table3 is slow per
 * cell and quadratic in rows (docs/performance.md "Small things"); only a row that needs wrapping
 * (a cell wider than its column, or several lines) is drawn by cli-table3, as a one-row table with
 * the same column widths.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Display width of a cell (Hangul counts 2, colour codes 0), cheap for plain ASCII. */
function cellWidth(cell: string): number {
  return PRINTABLE_ASCII.test(cell) ? cell.length : strlen(cell);
}

export function renderRecordsTable(records: DataRecord[], columns: Column[], style: Chalk): string {
  const head = columns.map((c) => style.bold(c.header ?? c.key));
  const rows = records.map((r) =>
    columns.map((c) => {
      const cell = tableCell(r[c.key], c.kind);
      return c.paint && style.level > 0 ? c.paint(cell, r, style) : cell;
    }),
  );
  const headWidths = head.map(cellWidth);
  const rowWidths = rows.map((row) => row.map(cellWidth));
  // What cli-table3 chooses on its own: the widest cell plus one space of padding each side.
  const colWidths = columns.map(
    (c, i) => c.width ?? rowWidths.reduce((w, ws) => Math.max(w, ws[i]!), headWidths[i]!) + 2,
  );
  const aligns = columns.map((c): 'left' | 'right' => (RIGHT.includes(c.kind ?? 'text') ? 'right' : 'left'));
  const border = (left: string, middle: string, right: string): string =>
    `${left}${colWidths.map((w) => '─'.repeat(w)).join(middle)}${right}`;
  const draw = (cells: string[], widths: number[]): string[] => {
    if (cells.every((cell, i) => widths[i]! <= colWidths[i]! - 2 && !cell.includes('\n'))) {
      const padded = cells.map((cell, i) => {
        const fill = ' '.repeat(colWidths[i]! - 2 - widths[i]!);
        return ` ${aligns[i] === 'right' ? fill + cell : cell + fill} `;
      });
      return [`│${padded.join('│')}│`];
    }
    const table = new Table({ style: { head: [], border: [] }, colAligns: aligns, colWidths, wordWrap: true });
    table.push(cells);
    return table.toString().split('\n').slice(1, -1);
  };
  const lines = [border('┌', '┬', '┐'), ...draw(head, headWidths)];
  const between = border('├', '┼', '┤');
  rows.forEach((row, i) => {
    lines.push(between, ...draw(row, rowWidths[i]!));
  });
  lines.push(border('└', '┴', '┘'));
  return lines.join('\n');
}

export function createRecordWriter(format: OutputFormat, opts: WriterOptions): RecordWriter {
  const { stream, columns } = opts;
  let count = 0;
  switch (format) {
    case 'ndjson':
      return {
        async write(r) {
          count++;
          await writeOut(stream, `${JSON.stringify(project(r, columns))}\n`);
        },
        async end() {
          return count;
        },
      };
    case 'json':
      return {
        async write(r) {
          await writeOut(stream, `${count === 0 ? '[\n' : ',\n'}${JSON.stringify(project(r, columns))}`);
          count++;
        },
        async end() {
          await writeOut(stream, count === 0 ? '[]\n' : '\n]\n');
          return count;
        },
      };
    case 'csv': {
      const header = `${opts.bom ? '\uFEFF' : ''}${stringify([columns.map((c) => c.key)])}`;
      let headerDone = false;
      const ensureHeader = async (): Promise<void> => {
        if (headerDone) return;
        headerDone = true;
        await writeOut(stream, header);
      };
      return {
        async write(r) {
          await ensureHeader();
          count++;
          await writeOut(stream, stringify([columns.map((c) => csvCell(r[c.key]))]));
        },
        async end() {
          await ensureHeader();
          return count;
        },
      };
    }
    case 'table': {
      const block = opts.tableBlock ?? 1_000;
      let rows: DataRecord[] = [];
      let cut = 0;
      const flush = async (): Promise<void> => {
        if (rows.length === 0) return;
        await writeOut(stream, `${renderRecordsTable(rows, columns, opts.style)}\n`);
        rows = [];
      };
      return {
        async write(r) {
          count++;
          // Cut as it arrives: a block holds its rows' cells, never their megabytes.
          const cells = cutLongCells(r, columns);
          cut += cells.cut;
          rows.push(cells.record);
          if (rows.length >= block) await flush();
        },
        async end() {
          await flush();
          return count;
        },
        get cut() {
          return cut;
        },
      };
    }
  }
}

/** How each document field reads in a table (fields not listed are text). */
export const FIELD_KINDS: Record<string, ColumnKind> = {
  amount_sale: 'won',
  amount_fee: 'won',
  amount_deposit: 'won',
  total_sale: 'won',
  unit_price: 'won',
  canceled_amount: 'won',
  num_transactions: 'count',
  num_customers: 'count',
  num_canceled: 'count',
  days_with_sales: 'count',
  baseline: 'number',
  threshold: 'number',
  is_canceled: 'bool',
  counted: 'bool',
  anomaly_rules: 'list',
  platforms: 'list',
  sold_at: 'time',
  created: 'time',
  modified: 'time',
  will_deposited_at: 'time',
  ingested_at: 'time',
  computed_at: 'time',
  detected_at: 'time',
  updated_at: 'time',
  resolved_at: 'time',
};

/** Columns for a list of field names, kinds from FIELD_KINDS. */
export function columnsFor(fields: readonly string[]): Column[] {
  return fields.map((key) => ({ key, kind: FIELD_KINDS[key] ?? 'text' }));
}
