/** Pure pieces of issue 10: bounds, day runs, hints that fit a MySQL failure, colour, config files, tables. */
import Table from 'cli-table3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { businessDayArg, intInRange, batchSizeArg } from '../../../src/cmdutil/parsers';
import { contiguousRuns, daysBetween } from '../../../src/core/time/businessDay';
import { dayFilters } from '../../../src/core/rules/repeatedAmounts';
import { mysqlFailureHint } from '../../../src/core/errors';
import { colorWanted } from '../../../src/render/style';
import { resolveConfig, scrubUrlCredentials } from '../../../src/core/config/config';
import { countTextWords } from '../../../src/core/search/salesQuery';
import { createRecordWriter, renderRecordsTable, type Column } from '../../../src/render/formats';
import { makeStyle } from '../../../src/render/style';
import { missingColumns } from '../../../src/core/inspect/source';
import { SOURCE_COLUMNS } from '../../../src/core/source/row';

describe('bounds', () => {
  it('days outside 2000-01-01..2099-12-31 are refused', () => {
    expect(businessDayArg('2000-01-01')).toBe('2000-01-01');
    expect(businessDayArg('2099-12-31')).toBe('2099-12-31');
    expect(() => businessDayArg('1999-12-31')).toThrow(/outside the supported days/);
    expect(() => businessDayArg('9999-12-31')).toThrow(/outside the supported days/);
  });

  it('sizes in range, with what to do instead above it', () => {
    expect(batchSizeArg('10000')).toBe(10_000);
    expect(() => batchSizeArg('10001')).toThrow(/above 10,000/);
    expect(() => batchSizeArg('0')).toThrow(/not a positive whole number/);
    expect(() => intInRange(-5, 5, 'x')('-6')).toThrow(/below -5/);
  });
});

describe('day runs', () => {
  it('the days up to 9999-12-31 end there (the next one, "10000-01-01", sorts below it)', () => {
    expect(daysBetween('9999-12-30', '9999-12-31')).toEqual(['9999-12-30', '9999-12-31']);
  });

  it('folds consecutive days into ranges, across month and year ends', () => {
    expect(
      contiguousRuns([
        '2023-12-31',
        '2024-01-01',
        '2024-01-02',
        '2024-01-04',
        '2024-02-28',
        '2024-02-29',
        '2024-03-01',
      ]),
    ).toEqual([
      { from: '2023-12-31', to: '2024-01-02' },
      { from: '2024-01-04', to: '2024-01-04' },
      { from: '2024-02-28', to: '2024-03-01' },
    ]);
    expect(contiguousRuns([])).toEqual([]);
  });

  it('a century of days is one range, not 36,525 clauses; scattered days split into capped queries', () => {
    const century: string[] = [];
    for (let d = new Date(Date.UTC(2000, 0, 1)); d.getUTCFullYear() < 2100; d.setUTCDate(d.getUTCDate() + 1))
      century.push(d.toISOString().slice(0, 10));
    expect(dayFilters('sale_date', century)).toEqual([
      { range: { sale_date: { gte: '2000-01-01', lte: '2099-12-31', format: 'yyyy-MM-dd' } } },
    ]);
    const everyOther = century.filter((_, i) => i % 2 === 0);
    const filters = dayFilters('sale_date', everyOther);
    expect(filters.length).toBe(Math.ceil(everyOther.length / 256));
    for (const f of filters) expect((f.bool!.should as unknown[]).length).toBeLessThanOrEqual(256);
  });
});

describe('MySQL failure hints fit the cause', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ['ER_NO_SUCH_TABLE', /re-running cannot help/],
    ['ER_BAD_DB_ERROR', /re-running cannot help/],
    ['ER_ACCESS_DENIED_ERROR', /re-running cannot help/],
    ['ER_BAD_FIELD_ERROR', /lacks a column.*re-running cannot help/],
    ['ER_TABLEACCESS_DENIED_ERROR', /GRANT SELECT/],
    ['PROTOCOL_CONNECTION_LOST', /connection was lost: re-run it \(resumes\)/],
    ['ECONNREFUSED', /is MySQL running/],
  ])('%s', (code, hint) => {
    expect(mysqlFailureHint(err(code), 'resumes')).toMatch(hint);
  });

  it('doctor names the columns a table lacks', () => {
    expect(missingColumns(SOURCE_COLUMNS.map((c) => c.toUpperCase()))).toEqual([]);
    expect(missingColumns(SOURCE_COLUMNS.filter((c) => c !== 'amount_fee' && c !== 'raw_data'))).toEqual([
      'amount_fee',
      'raw_data',
    ]);
  });
});

describe('NO_COLOR', () => {
  it('only a non-empty value turns colour off', () => {
    const tty = { isTTY: true, write: () => true };
    expect(colorWanted(undefined, { NO_COLOR: '' }, tty)).toBe(true);
    expect(colorWanted(undefined, { NO_COLOR: '1' }, tty)).toBe(false);
    expect(colorWanted(false, {}, tty)).toBe(false);
    expect(colorWanted(undefined, {}, { write: () => true })).toBe(false);
  });
});

describe('config file', () => {
  const file = (text: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'earlypay-config-')), 'c.json');
    writeFileSync(path, text);
    return path;
  };
  it('accepts a UTF-8 byte-order mark', () => {
    expect(resolveConfig({ config: file('\uFEFF{"tz":"UTC"}') }, {}).tz).toBe('UTC');
  });
  it('names the file key of a bad value, and points at the manual, not a command', () => {
    const path = file('{"tz":"Mars/Olympus"}');
    expect(() => resolveConfig({ config: path }, {})).toThrow(
      `unknown time zone "Mars/Olympus" (key "tz" of config file ${path})`,
    );
    expect(() => resolveConfig({ tz: 'Mars/Olympus' }, {})).toThrow('(--tz)');
    expect(() => resolveConfig({}, { EARLYPAY_TZ: 'Mars/Olympus' })).toThrow('(EARLYPAY_TZ)');
    try {
      resolveConfig({ config: file('{"tz": ') }, {});
      throw new Error('no error');
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/"Config file" in docs\/configuration.md/);
    }
  });
  it('a password with a reserved character that works once percent-encoded', () => {
    expect(resolveConfig({ mysqlUrl: 'mysql://app:pa%25s%23s@db:3306/sales' }, {}).mysqlUrl).toBe(
      'mysql://app:pa%25s%23s@db:3306/sales',
    );
    expect(() => resolveConfig({ mysqlUrl: 'mysql://app:pa%s#s@db:3306/sales' }, {})).toThrow(/percent-encoded/);
  });
  it('URL credentials are masked in any text', () => {
    expect(scrubUrlCredentials('see mysql://u:p@ss@host:3306/db and http://e:x@es:9200/')).toBe(
      'see mysql://u:***@host:3306/db and http://e:***@es:9200/',
    );
  });
});

describe('--text words as Elasticsearch counts them', () => {
  it('counts runs of letters and digits, Han ideographs one each', () => {
    expect(countTextWords('배달 취소, refund!')).toBe(3);
    expect(countTextWords('a,b,c,d')).toBe(4);
    expect(countTextWords('中文字')).toBe(3);
  });
});

describe('tables', () => {
  const columns: Column[] = [
    { key: 'id' },
    { key: 'store', header: '가맹점' },
    { key: 'amount', kind: 'won' },
    { key: 'reason', width: 20 },
  ];
  const records = Array.from({ length: 120 }, (_, i) => ({
    id: String(i * i),
    store: '가'.repeat(i % 4),
    amount: i * 12_345,
    reason: 'long '.repeat(i % 7),
  }));

  it('draws exactly what cli-table3 draws, wrapping included', () => {
    const style = makeStyle(false);
    const table = new Table({
      head: columns.map((c) => style.bold(c.header ?? c.key)),
      style: { head: [], border: [] },
      colAligns: ['left', 'left', 'right', 'left'],
      colWidths: columns.map((c) => c.width ?? null),
      wordWrap: true,
    });
    for (const r of records)
      table.push([r.id, r.store, r.amount.toLocaleString('en-US'), r.reason.trimEnd() === '' ? r.reason : r.reason]);
    expect(renderRecordsTable(records, columns, style)).toBe(table.toString());
  });

  it('CSV with --bom starts with a UTF-8 byte-order mark', async () => {
    let out = '';
    const writer = createRecordWriter('csv', {
      stream: {
        write: (s: string) => {
          out += s;
          return true;
        },
      },
      columns: [{ key: 'store' }],
      style: makeStyle(false),
      bom: true,
    });
    await writer.write({ store: '가맹점' });
    await writer.end();
    expect(out).toBe('\uFEFFstore\n가맹점\n');
  });
});
