/**
 * What changed in the source table's columns since a run last recorded them, and what each change
 * means to earlypay. Pure: the columns come from information_schema (query.ts), the record from
 * the state index (state/sourceSchema.ts). A change earlypay can read (an added column, a wider
 * integer, DECIMAL amounts, a longer text) lets the run carry on; one it cannot (a column it needs
 * dropped or renamed, a type it cannot map) stops the run before anything is written.
 */
import { COLUMN_ROLES, storedAsUtf8, type ColumnInfo } from './columns';
import type { SourceColumns } from './query';
import { SOURCE_COLUMNS, type SourceRow } from './row';

/** A column as a run records it. */
export interface RecordedColumn {
  name: string;
  column_type: string;
  charset: string | null;
}

export interface SchemaChange {
  column: string;
  kind: 'added' | 'dropped' | 'changed';
  /** COLUMN_TYPE before and after (a dropped column has no `to`, an added one no `from`). */
  from?: string;
  to?: string;
  /** Whether earlypay reads the table after the change. */
  readable: boolean;
  /** The change and what it means, in one clause: `amount_sale int(11) → decimal(20,2): …`. */
  text: string;
}

export function recordedColumns(described: SourceColumns): RecordedColumn[] {
  return [...described.columns.values()].map((c) => ({ name: c.name, column_type: c.columnType, charset: c.charset }));
}

const NEEDED: ReadonlySet<string> = new Set(SOURCE_COLUMNS);

function typeText(c: { column_type: string; charset: string | null }): string {
  return c.charset && /char|text|enum|set/.test(c.column_type) ? `${c.column_type} ${c.charset}` : c.column_type;
}

/** What a readable change of a needed column's type means for what earlypay reads. */
function meaningOf(column: keyof SourceRow, before: RecordedColumn, after: ColumnInfo): string {
  const role = COLUMN_ROLES[column];
  const to = after.columnType;
  if (role === 'amount' && after.type === 'decimal' && (after.scale ?? 0) > 0)
    return 'whole won read as integers, a fractional amount is rejected with that reason';
  if (role === 'amount' || role === 'key' || role === 'id' || role === 'flag') {
    if (/int/.test(before.column_type) && /int/.test(to)) return 'a whole number as before, read as it is';
    return role === 'amount'
      ? 'each value read as a whole number of won, or rejected with the reason'
      : 'each value read as a whole number';
  }
  if (role === 'time' || role === 'time-or-date') {
    if (after.type === 'date') return 'read as the midnight of each date';
    if ((after.fsp ?? 0) > 0) return 'read to the second, as before';
    return 'read as a wall-clock date and time, as before';
  }
  if (before.charset !== after.charset && !storedAsUtf8(after))
    return `text converted to UTF-8 from ${after.charset ?? after.columnType}`;
  return 'read as text, as before';
}

/**
 * The changes from `recorded` (what the last run saw) to `now`. A needed column that is gone
 * while a column of the same type appeared where it stood reads as a probable rename.
 */
export function diffSchema(recorded: readonly RecordedColumn[], now: SourceColumns): SchemaChange[] {
  const before = new Map(recorded.map((c) => [c.name, c]));
  const changes: SchemaChange[] = [];
  const added = [...now.columns.values()].filter((c) => !before.has(c.name));
  for (const old of recorded) {
    if (now.columns.has(old.name)) continue;
    const needed = NEEDED.has(old.name);
    const renamed = added.find((a) => a.columnType === old.column_type && !NEEDED.has(a.name));
    changes.push({
      column: old.name,
      kind: 'dropped',
      from: old.column_type,
      readable: !needed,
      text: needed
        ? `column ${old.name} (${typeText(old)}) is gone${renamed ? ` (renamed to ${renamed.name}?)` : ''}: earlypay ` +
          `reads it for every sale`
        : `column ${old.name} is gone: earlypay does not read it`,
    });
  }
  for (const c of now.columns.values()) {
    const old = before.get(c.name);
    const reading = now.readings.get(c.name as keyof SourceRow);
    const readable = reading?.readable ?? true;
    const why = reading && !reading.readable ? reading.why : '';
    if (!old) {
      changes.push({
        column: c.name,
        kind: 'added',
        to: c.columnType,
        readable,
        text: NEEDED.has(c.name)
          ? `column ${c.name} (${c.columnType}) is there again${readable ? '' : `, but ${why}`}`
          : `column ${c.name} (${c.columnType}) added: earlypay does not read it`,
      });
      continue;
    }
    if (old.column_type === c.columnType && old.charset === c.charset) continue;
    const change = `${c.name} ${typeText(old)} → ${typeText({ column_type: c.columnType, charset: c.charset })}`;
    changes.push({
      column: c.name,
      kind: 'changed',
      from: old.column_type,
      to: c.columnType,
      readable,
      text: !NEEDED.has(c.name)
        ? `${change}: earlypay does not read it`
        : readable
          ? `${change}: ${meaningOf(c.name as keyof SourceRow, old, c)}`
          : `${change}: ${why}`,
    });
  }
  return changes;
}

/** The one line a run prints (and doctor shows) for a list of changes. */
export function schemaChangeLine(table: string, changes: readonly SchemaChange[]): string {
  const stops = changes.some((c) => !c.readable);
  return (
    `source table ${table} changed since the last run: ` +
    `${changes.map((c) => c.text).join('; ')}${stops ? '' : ' (carried on)'}`
  );
}
