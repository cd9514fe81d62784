import { makeStyle } from '../../../src/render/style';
import {
  columnsFor,
  createRecordWriter,
  csvCell,
  tableCell,
  type Column,
  type DataRecord,
  type OutputFormat,
} from '../../../src/render/formats';
import { chooseFormat, parseFormat } from '../../../src/cmdutil/output';
import { renderLineChart, thin } from '../../../src/render/chart';
import { UsageError } from '../../../src/core/errors';
import { csvRecords, parseCsv } from './csv';
import { Capture } from '../../support/capture';

const records: DataRecord[] = [
  {
    id: '1',
    remark: 'plain',
    amount_sale: 1234567,
    is_canceled: false,
    anomaly_rules: ['A', 'B'],
    sold_at: '2024-05-01T13:05:00+09:00',
  },
  {
    id: '2',
    remark: 'comma, "quote" and\nnewline',
    amount_sale: -500,
    is_canceled: true,
    anomaly_rules: [],
    sold_at: '2024-05-01T23:59:59+09:00',
  },
  { id: '3', remark: '배민 주문 😀 =SUM(A1)', amount_sale: 0, is_canceled: false, anomaly_rules: ['C'] },
];
const columns: Column[] = columnsFor(['id', 'remark', 'amount_sale', 'is_canceled', 'anomaly_rules', 'sold_at']);

async function render(format: OutputFormat, recs = records, tty = false): Promise<string> {
  const out = new Capture(tty);
  const w = createRecordWriter(format, { stream: out, columns, style: makeStyle(false), tableBlock: 2 });
  for (const r of recs) await w.write(r);
  expect(await w.end()).toBe(recs.length);
  return out.text;
}

describe('formats', () => {
  it('json is one array that parses back, with null for missing fields', async () => {
    const parsed = JSON.parse(await render('json'));
    expect(parsed).toHaveLength(3);
    expect(parsed[1].remark).toBe('comma, "quote" and\nnewline');
    expect(parsed[2].sold_at).toBeNull();
    expect(Object.keys(parsed[0])).toEqual(['id', 'remark', 'amount_sale', 'is_canceled', 'anomaly_rules', 'sold_at']);
    expect(JSON.parse(await render('json', []))).toEqual([]);
  });

  it('ndjson is one object per line', async () => {
    const lines = (await render('ndjson')).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!).remark).toBe('배민 주문 😀 =SUM(A1)');
    expect(await render('ndjson', [])).toBe('');
  });

  it('csv has a header row and quotes commas, quotes and newlines', async () => {
    const text = await render('csv');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['id', 'remark', 'amount_sale', 'is_canceled', 'anomaly_rules', 'sold_at']);
    const recs = csvRecords(text);
    expect(recs).toHaveLength(3);
    expect(recs[1]!.remark).toBe('comma, "quote" and\nnewline');
    expect(recs[1]!.amount_sale).toBe('-500');
    expect(recs[0]!.amount_sale).toBe('1234567');
    expect(recs[0]!.anomaly_rules).toBe('A;B');
    expect(recs[1]!.is_canceled).toBe('true');
    expect(recs[0]!.is_canceled).toBe('false');
    expect(recs[2]!.sold_at).toBe('');
    expect(recs[2]!.remark).toBe('배민 주문 😀 =SUM(A1)');
    expect(text).toContain('"comma, ""quote"" and\nnewline"');
  });

  it('csv of no records is just the header', async () => {
    expect(await render('csv', [])).toBe('id,remark,amount_sale,is_canceled,anomaly_rules,sold_at\n');
  });

  it('table uses thousands separators, yes for canceled, and prints in blocks', async () => {
    const text = await render('table');
    expect(text).toContain('1,234,567');
    expect(text).toContain('-500');
    expect(text).toContain('A, B');
    expect(text).toContain('2024-05-01 13:05:00+09:00');
    expect(text).toMatch(/│ yes/);
    expect(text.match(/┌/g)).toHaveLength(2); // tableBlock 2: two tables for three rows
    expect(text).not.toContain('\u001b['); // no colours without a TTY style
    expect(await render('table', [])).toBe('');
  });

  it('colours only with a colour style', async () => {
    const out = new Capture(true);
    const w = createRecordWriter('table', {
      stream: out,
      columns: [{ key: 'id', paint: (c, _r, s) => s.red(c) }],
      style: makeStyle(true),
    });
    await w.write({ id: 'x' });
    await w.end();
    expect(out.text).toContain('\u001b[31mx');
  });

  it('cells', () => {
    expect(tableCell(1234567, 'won')).toBe('1,234,567');
    expect(tableCell(12345, 'count')).toBe('12,345');
    expect(tableCell(null, 'won')).toBe('');
    expect(tableCell(0.123456, 'number')).toBe('0.1235');
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: 1 })).toBe('{"a":1}');
  });

  it('chooses table on a terminal, ndjson otherwise; --json means json', () => {
    expect(chooseFormat(undefined, false, { isTTY: true, write: () => true })).toBe('table');
    expect(chooseFormat(undefined, false, { isTTY: false, write: () => true })).toBe('ndjson');
    expect(chooseFormat(undefined, true, { isTTY: true, write: () => true })).toBe('json');
    expect(chooseFormat('csv', false, { isTTY: true, write: () => true })).toBe('csv');
    expect(() => chooseFormat('csv', true, { write: () => true })).toThrow(UsageError);
    expect(() => parseFormat('xml')).toThrow(UsageError);
  });

  it('waits for drain when the stream is full (bounded memory)', async () => {
    const { PassThrough } = await import('node:stream');
    const stream = new PassThrough({ highWaterMark: 16 });
    let read = '';
    const w = createRecordWriter('ndjson', { stream: stream as never, columns, style: makeStyle(false) });
    const done = (async () => {
      for (let i = 0; i < 50; i++) await w.write(records[0]!);
      await w.end();
      stream.end();
    })();
    stream.on('data', (c: Buffer) => (read += c.toString()));
    await done;
    await new Promise((r) => stream.on('end', r));
    expect(read.trimEnd().split('\n')).toHaveLength(50);
  });
});

describe('chart', () => {
  const points = Array.from({ length: 30 }, (_, i) => ({
    date: `2024-05-${String(i + 1).padStart(2, '0')}`,
    value: 20_000 + (i % 7) * 1_500,
  }));

  it('labels won with separators and the first and last dates', () => {
    const text = renderLineChart(points, { title: 'Store 50', width: 100 });
    expect(text.split('\n')[0]).toBe('Store 50');
    expect(text).toContain('29,000');
    expect(text).toContain('20,000');
    expect(text).toContain('2024-05-01');
    expect(text).toContain('2024-05-30');
    expect(text).not.toContain('thinned');
  });

  it('thins a series wider than the terminal, keeping first and last', () => {
    const long = Array.from({ length: 400 }, (_, i) => ({ date: `d${i}`, value: i }));
    expect(thin(long, 10).map((p) => p.date)).toEqual([
      'd0',
      'd44',
      'd89',
      'd133',
      'd177',
      'd222',
      'd266',
      'd310',
      'd355',
      'd399',
    ]);
    const text = renderLineChart(
      long.map((p, i) => ({ date: `2024-01-01+${i}`, value: p.value * 100 })),
      { title: 't', width: 60 },
    );
    expect(text).toContain('thinned');
    for (const line of text.split('\n').slice(1, -2)) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('handles one point and a flat series', () => {
    expect(renderLineChart([{ date: '2024-05-01', value: 15000 }], { title: 't' })).toContain('15,000');
    expect(
      renderLineChart(
        [
          { date: 'a', value: 5 },
          { date: 'b', value: 5 },
        ],
        { title: 't' },
      ),
    ).toContain('5');
    expect(renderLineChart([], { title: 't' })).toContain('no data');
  });
});

describe('no match, in every format (docs/commands.md "search": what an empty result prints)', () => {
  it.each([
    ['table', ''],
    ['ndjson', ''],
    ['json', '[]\n'],
    ['csv', 'id,amount_sale\n'],
  ] as [OutputFormat, string][])('%s -> %j', async (format, expected) => {
    const stream = new Capture();
    const writer = createRecordWriter(format, {
      stream,
      columns: columnsFor(['id', 'amount_sale']),
      style: makeStyle(false),
    });
    expect(await writer.end()).toBe(0);
    expect(stream.text).toBe(expected);
  });

  it('csv --bom: the mark, then the header', async () => {
    const stream = new Capture();
    const writer = createRecordWriter('csv', {
      stream,
      columns: columnsFor(['id']),
      style: makeStyle(false),
      bom: true,
    });
    await writer.end();
    expect(stream.text).toBe('\uFEFFid\n');
  });
});
