/**
 * How earlypay reads a column of each type in each role, the canonical text of values whose
 * representation changes with the type, and what a change of the table since the last run means.
 * Pure: the MariaDB side of the forms is in tests/integration/reconcile/fingerprint.test.ts and
 * tests/integration/ingest/schemaChanges.test.ts.
 */
import { sourceSchemaCheck } from '../../../src/commands/doctor';
import { COLUMN_ROLES, canonicalValue, columnReading, type ColumnInfo } from '../../../src/core/source/columns';
import type { SourceColumns } from '../../../src/core/source/query';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { diffSchema, recordedColumns, schemaChangeLine } from '../../../src/core/source/schemaDrift';
import { platformSalesDdl } from '../../../src/core/source/schema';

function column(name: string, columnType: string, charset: string | null = null): ColumnInfo {
  const type = columnType.replace(/\(.*$/, '').replace(/ .*$/, '');
  const scale = /decimal\(\d+,(\d+)\)/.exec(columnType)?.[1];
  const fsp = /(?:datetime|timestamp)\((\d)\)/.exec(columnType)?.[1];
  return {
    name,
    type,
    columnType,
    charset,
    scale: scale ? Number(scale) : type === 'decimal' ? 0 : null,
    fsp: fsp ? Number(fsp) : null,
  };
}

/** The DDL's columns as information_schema describes them, with some replaced. */
function table(over: Record<string, ColumnInfo | null> = {}, extra: ColumnInfo[] = []): SourceColumns {
  const types = new Map(
    [...platformSalesDdl().matchAll(/(\w+) (BIGINT|DATETIME|TEXT|VARCHAR\(\d+\)|INT|TINYINT\(1\))/g)].map((m) => [
      m[1]!,
      m[2]!.toLowerCase(),
    ]),
  );
  const columns = new Map<string, ColumnInfo>();
  for (const c of SOURCE_COLUMNS) {
    if (over[c] === null) continue;
    const t = types.get(c)!;
    const mysql = t === 'int' ? 'int(11)' : t === 'bigint' ? 'bigint(20)' : t;
    columns.set(c, over[c] ?? column(c, mysql, /char|text/.test(t) ? 'utf8mb4' : null));
  }
  for (const e of extra) columns.set(e.name, e);
  const readings = new Map(
    SOURCE_COLUMNS.map((c) => {
      const info = columns.get(c);
      return [
        c,
        info
          ? columnReading(COLUMN_ROLES[c], info)
          : ({ readable: false, why: 'the table has no such column' } as const),
      ] as const;
    }),
  );
  return { table: 'platform_sales', columns, readings: readings as SourceColumns['readings'] };
}

const role = (c: keyof SourceRow, type: string, charset: string | null = null) =>
  columnReading(COLUMN_ROLES[c], column(c, type, charset));

describe('reading a column by its role and type', () => {
  it('reads wider integers, DECIMAL amounts and longer texts; canonically where the text changes', () => {
    expect(role('amount_sale', 'bigint(20)')).toEqual({ readable: true, form: 'as-is' });
    expect(role('amount_sale', 'decimal(20,2)')).toEqual({ readable: true, form: 'decimal' });
    expect(role('amount_sale', 'decimal(20,0)')).toEqual({ readable: true, form: 'as-is' });
    expect(role('amount_sale', 'varchar(40)', 'utf8mb4')).toEqual({ readable: true, form: 'decimal-text' });
    expect(role('id', 'bigint(20) unsigned')).toEqual({ readable: true, form: 'as-is' });
    expect(role('modified', 'datetime(3)')).toEqual({ readable: true, form: 'fraction' });
    expect(role('will_deposited_at', 'date')).toEqual({ readable: true, form: 'midnight' });
    expect(role('raw_data', 'longtext', 'utf8mb4')).toEqual({ readable: true, form: 'as-is' });
    expect(role('remark', 'text', 'latin1')).toEqual({ readable: true, form: 'convert' });
    expect(role('raw_data', 'longblob')).toEqual({ readable: true, form: 'convert' });
  });

  it('refuses what it cannot map, and says why', () => {
    expect(role('amount_sale', 'double')).toEqual({
      readable: false,
      why: 'double is an approximate type: amounts of won must be exact',
    });
    expect(role('sold_at', 'date')).toMatchObject({ readable: false, why: expect.stringContaining('no time of day') });
    expect(role('modified', 'varchar(19)', 'utf8mb4')).toMatchObject({ readable: false });
    expect(role('id', 'varchar(20)', 'utf8mb4')).toMatchObject({ readable: false });
    expect(role('is_canceled', 'varchar(1)', 'utf8mb4')).toMatchObject({ readable: false });
    expect(role('remark', 'geometry')).toMatchObject({ readable: false });
  });

  it('reads a TIMESTAMP only where MySQL shows it in the source zone', () => {
    const ts = column('created', 'timestamp');
    const zone = { sourceTz: 'Asia/Seoul', sourceOffsetMinutes: 540 };
    expect(columnReading('time-or-date', ts, { ...zone, sessionOffsetMinutes: 540 })).toEqual({
      readable: true,
      form: 'as-is',
    });
    expect(columnReading('time-or-date', ts, { ...zone, sessionOffsetMinutes: 0 })).toEqual({
      readable: false,
      why:
        "timestamp values are shown in the MySQL session's time zone (UTC+00:00), not in the source time zone " +
        'Asia/Seoul (UTC+09:00)',
    });
  });

  it('writes a value with several texts as the one MySQL writes for it (valueSql)', () => {
    expect(canonicalValue('amount', '16800.00')).toBe('16800');
    expect(canonicalValue('amount', '-0.50')).toBe('-0.5');
    expect(canonicalValue('amount', '100')).toBe('100');
    expect(canonicalValue('amount', ' 12.0')).toBe(' 12.0');
    expect(canonicalValue('amount', 16800)).toBe(16800);
    expect(canonicalValue('time', '2024-05-01 13:05:10.000')).toBe('2024-05-01 13:05:10');
    expect(canonicalValue('time', '2024-05-01 13:05:10.120')).toBe('2024-05-01 13:05:10.12');
    expect(canonicalValue('time', '2024-05-01 13:05:10')).toBe('2024-05-01 13:05:10');
    expect(canonicalValue('time-or-date', '2024-05-03')).toBe('2024-05-03 00:00:00');
    expect(canonicalValue('text', '16800.00')).toBe('16800.00');
  });
});

describe('what changed since the last run', () => {
  const recorded = recordedColumns(table());

  it('finds nothing when nothing changed', () => {
    expect(diffSchema(recorded, table())).toEqual([]);
  });

  it('names each change and what it means; readable ones carry on', () => {
    const changes = diffSchema(
      recorded,
      table({ amount_sale: column('amount_sale', 'decimal(20,2)') }, [column('branch', 'varchar(20)', 'utf8mb4')]),
    );
    expect(changes.map((c) => [c.text, c.readable])).toEqual([
      [
        'amount_sale int(11) → decimal(20,2): whole won read as integers, a fractional amount is rejected with that ' +
          'reason',
        true,
      ],
      ['column branch (varchar(20)) added: earlypay does not read it', true],
    ]);
    expect(schemaChangeLine('platform_sales', changes)).toMatch(
      /^source table platform_sales changed since the last run: amount_sale .*\(carried on\)$/,
    );
  });

  it('a needed column gone, with the probable new name; an unmappable type', () => {
    const renamed = diffSchema(recorded, table({ sold_at: null }, [column('sale_time', 'datetime')]));
    expect(renamed.map((c) => [c.text, c.readable])).toEqual([
      ['column sold_at (datetime) is gone (renamed to sale_time?): earlypay reads it for every sale', false],
      ['column sale_time (datetime) added: earlypay does not read it', true],
    ]);
    const float = diffSchema(recorded, table({ amount_fee: column('amount_fee', 'float') }));
    expect(float).toEqual([
      expect.objectContaining({
        text: 'amount_fee int(11) → float: float is an approximate type: amounts of won must be exact',
        readable: false,
      }),
    ]);
  });

  it('doctor: fails on a type it cannot read, warns on a change the next run carries on, and for a week after', () => {
    const now = Date.parse('2024-05-10T00:00:00Z');
    expect(sourceSchemaCheck('platform_sales', table({ sold_at: column('sold_at', 'date') }), null, now)).toMatchObject(
      {
        status: 'fail',
        detail: expect.stringContaining('column sold_at: date has no time of day'),
      },
    );
    const decimal = table({ amount_sale: column('amount_sale', 'decimal(20,2)') });
    const at = { columns: recorded, recorded_at: '2024-05-01T00:00:00Z', run_id: 'ingest-1' };
    expect(sourceSchemaCheck('platform_sales', decimal, at, now).status).toBe('warn');
    const seen = {
      columns: recordedColumns(decimal),
      recorded_at: '2024-05-09T00:00:00Z',
      run_id: 'ingest-2',
      last_change: { at: '2024-05-09T00:00:00Z', run_id: 'ingest-2', line: 'source table … changed', changes: [] },
    };
    expect(sourceSchemaCheck('platform_sales', decimal, seen, now)).toMatchObject({ status: 'warn' });
    expect(sourceSchemaCheck('platform_sales', decimal, seen, now + 8 * 86_400_000)).toMatchObject({ status: 'ok' });
  });
});
