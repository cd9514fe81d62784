/** Fetches of long fields grouped by bytes (es/longFields.ts), and the table's long cells (render/formats.ts). */
import { LONG_FETCH_BYTES, UNSIZED_BYTES, byBytes, longBytesOf } from '../../../src/core/es/longFields';
import { TABLE_CELL_MAX, createRecordWriter } from '../../../src/render/formats';
import { makeStyle } from '../../../src/render/style';
import { Capture } from '../../support';

describe('long fields by bytes', () => {
  it('groups consecutive documents up to the budget; a larger one alone', () => {
    const sizes = [1, 2, 3, 10, 1, 1, 4];
    expect([...byBytes(sizes, (n) => n, 5)]).toEqual([[1, 2], [3], [10], [1, 1], [4]]);
    expect([...byBytes([], (n: number) => n, 5)]).toEqual([]);
  });

  it('takes a document written before text_bytes as UNSIZED_BYTES', () => {
    expect(longBytesOf({ text_bytes: 1234 })).toBe(1234);
    expect(longBytesOf({})).toBe(UNSIZED_BYTES);
    expect(longBytesOf(undefined)).toBe(UNSIZED_BYTES);
    expect(Math.floor(LONG_FETCH_BYTES / UNSIZED_BYTES)).toBe(8);
  });
});

describe('a table cuts long cells; machine formats do not', () => {
  const long = 'x'.repeat(TABLE_CELL_MAX + 50);
  const record = { id: '1', raw_data: long, anomaly_rules: ['A'.repeat(400)] };
  const columns = [{ key: 'id' }, { key: 'raw_data' }, { key: 'anomaly_rules', kind: 'list' as const }];

  it('table: an ellipsis at TABLE_CELL_MAX, and the count of cells cut', async () => {
    const out = new Capture(false, 120);
    const writer = createRecordWriter('table', { stream: out, columns, style: makeStyle(false) });
    await writer.write(record);
    await writer.end();
    expect(writer.cut).toBe(2);
    expect(out.text).toContain(`${'x'.repeat(10)}…`);
    expect(out.text).not.toContain('x'.repeat(TABLE_CELL_MAX + 1));
  });

  it.each(['json', 'ndjson', 'csv'] as const)('%s: every value whole', async (format) => {
    const out = new Capture(false, 120);
    const writer = createRecordWriter(format, { stream: out, columns, style: makeStyle(false) });
    await writer.write(record);
    await writer.end();
    expect(writer.cut ?? 0).toBe(0);
    expect(out.text).toContain(long);
  });
});
