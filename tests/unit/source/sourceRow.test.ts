/**
 * sourceRowOf: a result row read as an array (SOURCE_COLUMNS order, as `SELECT` lists them)
 * becomes the SourceRow with every column under its own name.
 */
import { SOURCE_COLUMN_LIST, sourceRowOf } from '../../../src/core/source/query';
import { SOURCE_COLUMNS } from '../../../src/core/source/row';

describe('sourceRowOf', () => {
  it('names every column of the SELECT, in order, with the value at its position', () => {
    const values = SOURCE_COLUMNS.map((c, i) => `${c}#${i}`);
    const row = sourceRowOf(values);
    expect(Object.keys(row)).toEqual([...SOURCE_COLUMNS]);
    for (const [i, c] of SOURCE_COLUMNS.entries()) expect(row[c]).toBe(`${c}#${i}`);
    expect(SOURCE_COLUMN_LIST).toBe(SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', '));
  });

  it('keeps NULLs and numbers as mysql2 returned them', () => {
    const values: unknown[] = SOURCE_COLUMNS.map(() => null);
    values[SOURCE_COLUMNS.indexOf('amount_sale')] = 12_000;
    const row = sourceRowOf(values);
    expect(row.amount_sale).toBe(12_000);
    expect(row.raw_data).toBeNull();
  });
});
