import { differingIds, summarizeIds } from '../../../src/core/reconcile/drillDown';
import type { StoredSaleRef } from '../../../src/core/reconcile/indexSide';

const doc = (id: string, row_fingerprint?: number): StoredSaleRef => ({
  id,
  sale_date: '2024-05-01',
  anomaly_rules: [],
  row_fingerprint,
});

describe('reconcile drill-down', () => {
  it('sorts every id of a day into missing, extra, changed and not fingerprinted', () => {
    const source = new Map([
      ['1', 11],
      ['2', 22],
      ['3', 33],
      ['10', 100],
      ['4', 44],
    ]);
    const ids = differingIds(source, [doc('1', 11), doc('2', 99), doc('3'), doc('5', 55), doc('9', 9)]);
    expect(ids.missing).toEqual(['4', '10']);
    expect(ids.extra.map((d) => d.id)).toEqual(['5', '9']);
    expect(ids.changed).toEqual(['2']);
    expect(ids.unfingerprinted).toEqual(['3']);
  });

  it('caps the listed ids, never the counts', () => {
    const source = new Map(Array.from({ length: 250 }, (_, i) => [String(i + 1), i] as [string, number]));
    const s = summarizeIds(differingIds(source, []), 100);
    expect(s.missing).toBe(250);
    expect(s.missing_ids).toHaveLength(100);
    expect(s.missing_ids.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(s).toMatchObject({ extra: 0, changed: 0, extra_ids: [], changed_ids: [] });
  });

  it('a day that agrees has no differing ids', () => {
    expect(summarizeIds(differingIds(new Map([['7', 70]]), [doc('7', 70)]))).toEqual({
      missing: 0,
      extra: 0,
      changed: 0,
      unfingerprinted: 0,
      missing_ids: [],
      extra_ids: [],
      changed_ids: [],
    });
  });
});
