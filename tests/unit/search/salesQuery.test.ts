import {
  SALES_SORTABLE,
  buildSalesSearch,
  cardQuery,
  escapeWildcard,
  parseFields,
  parseList,
  parseSort,
  parseStoreIds,
  SALES_FIELDS,
  textQuery,
} from '../../../src/core/search/salesQuery';
import { UsageError } from '../../../src/core/errors';

type Q = Record<string, any>;
const filters = (plan: { query: Q }): Q[] => plan.query.bool?.filter ?? [];
const musts = (plan: { query: Q }): Q[] => plan.query.bool?.must ?? [];

describe('buildSalesSearch', () => {
  it(
    'without filters matches everything, newest first with id as tiebreaker, raw_data and the search n-grams ' +
      'excluded',
    () => {
      const plan = buildSalesSearch({});
      expect(plan.query).toEqual({ match_all: {} });
      expect(plan.sort).toEqual([{ sold_at: { order: 'desc' } }, { 'id.number': { order: 'desc' } }]);
      expect(plan.source).toEqual({ excludes: ['raw_data', 'row_fingerprint', 'text_grams', 'remark'] });
      expect(plan.longFields).toEqual(['remark']);
      expect(plan.fields).not.toContain('raw_data');
      expect(SALES_FIELDS).not.toContain('text_grams');
      expect(plan.fields).toContain('sold_at');
    },
  );

  it('turns every filter into a filter clause', () => {
    const plan = buildSalesSearch({
      stores: ['50'],
      platforms: ['baemin'],
      from: '2024-05-01',
      to: '2024-05-07',
      minAmount: 1000,
      maxAmount: 50000,
      card: '5461-11**-****-7537',
      canceled: false,
    });
    expect(filters(plan)).toEqual([
      { term: { store_id: '50' } },
      { term: { platform: { value: 'baemin', case_insensitive: true } } },
      { range: { sale_date: { gte: '2024-05-01', lte: '2024-05-07', format: 'yyyy-MM-dd' } } },
      { range: { amount_sale: { gte: 1000, lte: 50000 } } },
      { term: { card_number: '5461-11**-****-7537' } },
      { term: { is_canceled: false } },
    ]);
    expect(musts(plan)).toEqual([]);
  });

  it('accepts several stores and platforms', () => {
    const plan = buildSalesSearch({ stores: ['50', '51'], platforms: ['BAEMIN', 'yogiyo'] });
    expect(filters(plan)[0]).toEqual({ terms: { store_id: ['50', '51'] } });
    expect(filters(plan)[1]).toEqual({
      bool: {
        should: [
          { term: { platform: { value: 'BAEMIN', case_insensitive: true } } },
          { term: { platform: { value: 'yogiyo', case_insensitive: true } } },
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('allows open-ended ranges', () => {
    expect(filters(buildSalesSearch({ from: '2024-05-01' }))).toEqual([
      { range: { sale_date: { gte: '2024-05-01', format: 'yyyy-MM-dd' } } },
    ]);
    expect(filters(buildSalesSearch({ maxAmount: 0 }))).toEqual([{ range: { amount_sale: { lte: 0 } } }]);
    expect(filters(buildSalesSearch({ canceled: true }))).toEqual([{ term: { is_canceled: true } }]);
  });

  it('rejects --from after --to and --min-amount above --max-amount', () => {
    expect(() => buildSalesSearch({ from: '2024-05-08', to: '2024-05-01' })).toThrow(UsageError);
    expect(() => buildSalesSearch({ minAmount: 10, maxAmount: 5 })).toThrow(/above --max-amount/);
  });

  it('includes exactly the requested fields (raw_data only when asked), the long ones fetched apart', () => {
    const plan = buildSalesSearch({ fields: ['id', 'raw_data'] });
    expect(plan.source).toEqual({ includes: ['id', 'text_bytes'] });
    expect(plan.fields).toEqual(['id', 'raw_data']);
    expect(plan.longFields).toEqual(['raw_data']);
    expect(buildSalesSearch({ fields: ['id', 'amount_sale'] }).longFields).toEqual([]);
  });
});

describe('--text never reaches a query parser as syntax', () => {
  const hostile = [
    '"unterminated',
    'a AND (b OR',
    '*',
    '?',
    'field:value',
    'a\\b',
    '/regex/',
    '(){}[]',
    '~1',
    '^2',
    '!not',
    'a && b || c',
    '😀🔥 emoji',
    '" * ? : \\ / ( ) { } [ ] ~ ^ ! + - = && || > < |',
    'raw_data:{"k":1}',
    '\u0000\u0007',
    '   x   ',
  ];
  it.each(hostile)('%j becomes a multi_match with the text verbatim', (text) => {
    const plan = buildSalesSearch({ text });
    const q = musts(plan)[0]!;
    expect(Object.keys(q)).toEqual(['multi_match']);
    expect(q.multi_match.query).toBe(text);
    expect(q.multi_match.operator).toBe('and');
    expect(q.multi_match.fields).toEqual(['remark', 'result_msg', 'raw_data']);
    const json = JSON.stringify(plan.query);
    expect(json).not.toMatch(/query_string|simple_query_string|regexp|wildcard|prefix/);
  });

  it('Hangul words become n-gram clauses whose values are Hangul only; the rest stays a multi_match', () => {
    const json = JSON.stringify(buildSalesSearch({ text: '배민 "주문* 취소" (a OR b:c)' }).query);
    expect(json).not.toMatch(/query_string|simple_query_string|regexp|wildcard/);
    const rest = JSON.parse(json).bool.must[0].bool.must.at(-1);
    expect(rest.multi_match.query.replace(/\s+/g, ' ')).toBe('" * " (a OR b:c)');
  });

  it('rejects empty text', () => {
    expect(() => buildSalesSearch({ text: '  ' })).toThrow(UsageError);
  });

  it('textQuery matches nothing when the text has no words', () => {
    expect(textQuery('***').multi_match!.zero_terms_query).toBe('none');
  });
});

describe('--card', () => {
  it('is exact without a leading or trailing *', () => {
    expect(cardQuery('5461-11**-****-7537')).toEqual({ term: { card_number: '5461-11**-****-7537' } });
    expect(cardQuery(' 5461 ')).toEqual({ term: { card_number: '5461' } });
  });
  it('matches the end with a leading *', () => {
    expect(cardQuery('*7537')).toEqual({ wildcard: { card_number: { value: '*7537' } } });
  });
  it('matches the start with a trailing *, interior stars literal', () => {
    expect(cardQuery('5461-11**-*')).toEqual({ wildcard: { card_number: { value: '5461-11\\*\\*-*' } } });
  });
  it('escapes the user characters a wildcard treats specially', () => {
    expect(cardQuery('*a?b\\c*')).toEqual({ wildcard: { card_number: { value: '*a\\?b\\\\c*' } } });
    expect(escapeWildcard('*?\\x')).toBe('\\*\\?\\\\x');
  });
  it('rejects nothing but stars', () => {
    expect(() => cardQuery('**')).toThrow(UsageError);
    expect(() => cardQuery('')).toThrow(UsageError);
  });
});

describe('parseSort', () => {
  it('defaults the order to desc and accepts asc/desc in any case', () => {
    expect(parseSort('amount_sale', SALES_SORTABLE)).toEqual({ field: 'amount_sale', order: 'desc' });
    expect(parseSort('sold_at:ASC', SALES_SORTABLE)).toEqual({ field: 'sold_at', order: 'asc' });
  });
  it.each(['raw_data', 'remark', 'amount_sale:up', 'sold_at:asc:desc', '', '_id', 'id;drop', 'script:asc'])(
    'rejects %j and lists the sortable fields',
    (v) => {
      expect(() => parseSort(v, SALES_SORTABLE)).toThrow(UsageError);
      try {
        parseSort(v, SALES_SORTABLE);
      } catch (err) {
        expect((err as UsageError).hint).toContain('sold_at, sale_date, amount_sale');
      }
    },
  );
  it('puts the sort first and id as tiebreaker in the same direction', () => {
    expect(buildSalesSearch({ sort: { field: 'amount_sale', order: 'asc' } }).sort).toEqual([
      { amount_sale: { order: 'asc' } },
      { 'id.number': { order: 'asc' } },
    ]);
  });
  it('sorts only on keyword/number/date fields of the mapping', () => {
    for (const f of SALES_SORTABLE) expect(SALES_FIELDS).toContain(f);
    expect(SALES_SORTABLE).not.toContain('remark');
    expect(SALES_SORTABLE).not.toContain('raw_data');
  });
});

describe('parseFields / parseList', () => {
  it('keeps order and drops duplicates', () => {
    expect(parseFields('id, amount_sale,id', SALES_FIELDS)).toEqual(['id', 'amount_sale']);
  });
  it('rejects unknown fields, naming them', () => {
    expect(() => parseFields('id,amount,foo', SALES_FIELDS)).toThrow(/"amount", "foo"/);
    expect(() => parseFields(' , ', SALES_FIELDS)).toThrow(UsageError);
  });
  it('splits comma lists', () => {
    expect(parseList('50, 51,,50')).toEqual(['50', '51']);
  });
});

describe('parseStoreIds', () => {
  it('reads store ids as the numbers they are in MySQL: leading zeros go, duplicates too', () => {
    expect(parseStoreIds('007')).toEqual(['7']);
    expect(parseStoreIds('0')).toEqual(['0']);
    expect(parseStoreIds('000')).toEqual(['0']);
    expect(parseStoreIds('50, 050,7')).toEqual(['50', '7']);
  });
});
