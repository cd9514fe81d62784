/**
 * Building the Elasticsearch request for `search sales` (docs/contract.md §6). Pure: no I/O, so every
 * filter, the sort allow-list and the handling of hostile user text are unit-tested.
 *
 * User text never reaches a query parser as syntax: `--text` becomes a `multi_match`
 * (analysed like the indexed text, so `"*?:\/(){}[]~^!` are just characters), `--card` a
 * `term` or a `wildcard` whose user characters are escaped.
 */
import type { estypes } from '@elastic/elasticsearch';
import { ID_NUMBER, NUMERIC_IDS, definitionOf } from '../es/indices';
import { UsageError, quoted } from '../errors';
import { LONG_SALE_FIELDS } from '../sales/saleDocument';
import { TEXT_GRAMS_FIELD, hangulWordQuery, hangulWords, withoutHangul } from '../sales/hangulGrams';

export type SortOrder = 'asc' | 'desc';

export interface SortSpec {
  field: string;
  order: SortOrder;
}

/** What the search commands ask for, whichever index they read. */
export interface SearchPlan {
  query: estypes.QueryDslQueryContainer;
  /** The user's sort plus a unique tiebreaker (never `_shard_doc`; the stream adds that). */
  sort: estypes.SortCombinations[];
  /** `_source` filtering: includes when the user chose fields, excludes otherwise. */
  source: { includes?: string[]; excludes?: string[] };
  /** Output columns, in order. */
  fields: string[];
  /**
   * Output columns that may hold megabytes: left out of `source` and fetched apart, a few
   * documents at a time (es/longFields.ts). None for indices without such fields.
   */
  longFields?: string[];
}

/**
 * Every field of the sales mapping, in mapping order (the default output columns minus SALES_HIDDEN_BY_DEFAULT), but
 * the search-only n-grams.
 */
export const SALES_FIELDS: readonly string[] = Object.keys(definitionOf('sales').mappings.properties ?? {}).filter(
  (f) => f !== TEXT_GRAMS_FIELD,
);

/** Fields only shown when asked for by name in --fields. */
export const SALES_HIDDEN_BY_DEFAULT: readonly string[] = ['raw_data', 'row_fingerprint', 'text_bytes'];

/** Fields `--sort` accepts: doc-valued, single-valued, meaningful to order by. */
export const SALES_SORTABLE: readonly string[] = [
  'sold_at',
  'sale_date',
  'amount_sale',
  'amount_fee',
  'amount_deposit',
  'store_id',
  'platform',
  'card_company',
  'card_category',
  'card_number',
  'created',
  'modified',
  'will_deposited_at',
  'ingested_at',
];

export const SALES_DEFAULT_SORT: SortSpec = { field: 'sold_at', order: 'desc' };

export interface SalesFilter {
  /** One or more store ids (`--store 50` or `--store 50,51`). */
  stores?: string[];
  /** One or more platforms, matched case-insensitively (`--platform baemin`). */
  platforms?: string[];
  /** Business days on `sale_date`, inclusive; either end may be open. */
  from?: string;
  to?: string;
  minAmount?: number;
  maxAmount?: number;
  card?: string;
  /** true: only canceled sales; false: only not canceled; undefined: both. */
  canceled?: boolean;
  text?: string;
}

export interface SalesSearchInput extends SalesFilter {
  sort?: SortSpec;
  /** Output columns; undefined = every field except raw_data. */
  fields?: string[];
}

/** Parses `F`, `F:asc` or `F:desc` against an allow-list; anything else is a usage error. */
export function parseSort(value: string, allowed: readonly string[], defaultOrder: SortOrder = 'desc'): SortSpec {
  const m = /^([A-Za-z_]+)(?::(asc|desc))?$/i.exec(value.trim());
  const field = m?.[1];
  if (!m || !field || !allowed.includes(field)) {
    throw new UsageError(
      `cannot sort by ${quoted(value)}`,
      `sortable fields: ${allowed.join(', ')} (append :asc or :desc)`,
    );
  }
  return { field, order: (m[2]?.toLowerCase() as SortOrder | undefined) ?? defaultOrder };
}

/** Parses `--fields a,b` against the fields an index has; duplicates are dropped, order kept. */
export function parseFields(value: string, allowed: readonly string[]): string[] {
  const fields = [
    ...new Set(
      value
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    ),
  ];
  if (fields.length === 0) throw new UsageError('--fields is empty', `choose from: ${allowed.join(', ')}`);
  const unknown = fields.filter((f) => !allowed.includes(f));
  if (unknown.length) {
    throw new UsageError(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown
        .slice(0, 5)
        .map((f) => quoted(f))
        .join(', ')}${unknown.length > 5 ? ` (+${unknown.length - 5} more)` : ''} in --fields`,
      `choose from: ${allowed.join(', ')}`,
    );
  }
  return fields;
}

/** A comma-separated list of ids or names (`50,51`); blanks dropped. */
export function parseList(value: string): string[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** At most this many ids in one --store (a terms filter, kept far below index.max_terms_count). */
export const MAX_STORE_IDS = 1_000;

/** `--store 50,51`: store ids are whole numbers (store_id is a BIGINT); an empty or non-numeric list is a mistake. */
export function parseStoreIds(value: string): string[] {
  const ids = parseList(value);
  if (ids.length === 0)
    throw new UsageError(
      '--store is empty',
      'name a store id, e.g. --store 50 or --store 50,51; leave --store out for every store',
    );
  const bad = ids.filter((id) => !/^\d{1,19}$/.test(id));
  if (bad.length)
    throw new UsageError(
      `--store ${quoted(bad[0]!)} is not a store id`,
      'store ids are whole numbers, e.g. --store 50 or --store 50,51',
    );
  // store_id is a number in MySQL: `--store 007` means store 7, which is how documents hold it.
  const normalised = [...new Set(ids.map((id) => id.replace(/^0+(?=\d)/, '')))];
  if (normalised.length > MAX_STORE_IDS)
    throw new UsageError(
      `--store names ${normalised.length} stores; at most ${MAX_STORE_IDS}`,
      'leave --store out for every store',
    );
  return normalised;
}

/** A non-empty list flag (`--platform BAEMIN,YOGIYO`). */
export function parseNamedList(value: string, flag: string, example: string): string[] {
  const names = parseList(value);
  if (names.length === 0)
    throw new UsageError(`${flag} is empty`, `e.g. ${flag} ${example}; leave it out for no filter`);
  return names;
}

/** card_number is a VARCHAR(32): a longer mask cannot match and makes an expensive wildcard. */
export const MAX_CARD_LENGTH = 32;
/**
 * --text: every word becomes a clause per field, and Elasticsearch refuses a query with more
 * clauses than its maxClauseCount (as low as 1,024 on small heaps): far fewer words are allowed.
 */
export const MAX_TEXT_WORDS = 64;
export const MAX_TEXT_LENGTH = 1_000;

/** Words as the standard analyzer sees them, roughly: runs of letters/digits; Han ideographs one each. */
export function countTextWords(text: string): number {
  let n = 0;
  for (const run of text.match(/[\p{L}\p{N}]+/gu) ?? []) {
    const han = run.match(/\p{Script=Han}/gu)?.length ?? 0;
    n += han + (run.replace(/\p{Script=Han}/gu, '') ? 1 : 0);
  }
  return n;
}

/** Escapes the characters a `wildcard` query treats specially. */
export function escapeWildcard(text: string): string {
  return text.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/**
 * `--card`: masked numbers contain literal `*` (`5461-11**-****-7537`), so only a `*` at the
 * very start or end is a wildcard: `*7537` = ends with 7537, `5461-11*` = starts with
 * 5461-11. Every other character, interior `*` included, is matched literally. Without a
 * leading or trailing `*` the match is exact (`term`).
 */
export function cardQuery(card: string): estypes.QueryDslQueryContainer {
  const value = card.trim();
  if (value === '' || /^\*+$/.test(value))
    throw new UsageError(
      '--card needs a masked card number or part of one',
      'e.g. --card 5461-11**-****-7537 or --card "*7537"',
    );
  if (value.length > MAX_CARD_LENGTH) {
    throw new UsageError(
      `--card is ${value.length} characters long; card numbers have at most ${MAX_CARD_LENGTH}`,
      'e.g. --card 5461-11**-****-7537 or --card "*7537"',
    );
  }
  const leading = value.startsWith('*');
  const trailing = value.endsWith('*') && value.length > 1;
  if (!leading && !trailing) return { term: { card_number: value } };
  const core = value.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  return { wildcard: { card_number: { value: `${leading ? '*' : ''}${escapeWildcard(core)}${trailing ? '*' : ''}` } } };
}

/** The fields `--text` searches (their Hangul also goes, as n-grams, to `text_grams`). */
export const SALES_TEXT_FIELDS = ['remark', 'result_msg', 'raw_data'] as const;

/** Words (not Hangul) over remark, result_msg and raw_data: every word must occur (operator and). */
function wordsQuery(text: string): estypes.QueryDslQueryContainer {
  return {
    multi_match: {
      query: text,
      fields: [...SALES_TEXT_FIELDS],
      type: 'cross_fields',
      operator: 'and',
      // Text that analyses to no words at all (only punctuation) matches nothing rather than everything.
      zero_terms_query: 'none',
    },
  };
}

/**
 * Free text: every word must occur. A Hangul word matches wherever it occurs, also inside a
 * compound ("승인" finds "정상승인"), through the n-grams of `text_grams`; the rest of the
 * text is matched word by word as before. "승인 거절" therefore finds "승인거절" too.
 */
export function textQuery(text: string): estypes.QueryDslQueryContainer {
  const hangul = [...new Set(hangulWords(text))];
  if (hangul.length === 0) return wordsQuery(text);
  const must = hangul.map(hangulWordQuery);
  const rest = withoutHangul(text);
  // Punctuation left between Korean words is no word of its own: it must not match nothing.
  if (/[\p{L}\p{N}]/u.test(rest)) must.push(wordsQuery(rest.trim()));
  return must.length === 1 ? must[0]! : { bool: { must } };
}

/** Exact match on one keyword value, or any of several. */
export function keywordIn(field: string, values: string[], caseInsensitive = false): estypes.QueryDslQueryContainer {
  if (!caseInsensitive) return values.length === 1 ? { term: { [field]: values[0] } } : { terms: { [field]: values } };
  const terms = values.map((v) => ({ term: { [field]: { value: v, case_insensitive: true } } }));
  return terms.length === 1 ? terms[0]! : { bool: { should: terms, minimum_should_match: 1 } };
}

/** Business-day range on a `yyyy-MM-dd` date field; undefined when both ends are open. */
export function dayRange(
  field: string,
  from: string | undefined,
  to: string | undefined,
): estypes.QueryDslQueryContainer | undefined {
  if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}`, 'swap them');
  if (!from && !to) return undefined;
  return { range: { [field]: { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}), format: 'yyyy-MM-dd' } } };
}

export function salesFilterClauses(f: SalesFilter): {
  filter: estypes.QueryDslQueryContainer[];
  must: estypes.QueryDslQueryContainer[];
} {
  const filter: estypes.QueryDslQueryContainer[] = [];
  const must: estypes.QueryDslQueryContainer[] = [];
  if (f.stores?.length) filter.push(keywordIn('store_id', f.stores));
  if (f.platforms?.length) filter.push(keywordIn('platform', f.platforms, true));
  const days = dayRange('sale_date', f.from, f.to);
  if (days) filter.push(days);
  if (f.minAmount !== undefined && f.maxAmount !== undefined && f.minAmount > f.maxAmount) {
    throw new UsageError(`--min-amount ${f.minAmount} is above --max-amount ${f.maxAmount}`, 'swap them');
  }
  if (f.minAmount !== undefined || f.maxAmount !== undefined) {
    filter.push({
      range: {
        amount_sale: {
          ...(f.minAmount !== undefined ? { gte: f.minAmount } : {}),
          ...(f.maxAmount !== undefined ? { lte: f.maxAmount } : {}),
        },
      },
    });
  }
  if (f.card !== undefined) filter.push(cardQuery(f.card));
  if (f.canceled !== undefined) filter.push({ term: { is_canceled: f.canceled } });
  if (f.text !== undefined) {
    if (f.text.trim() === '') throw new UsageError('--text is empty', 'e.g. --text "배달 취소"');
    const words = countTextWords(f.text);
    if (words > MAX_TEXT_WORDS || f.text.length > MAX_TEXT_LENGTH) {
      throw new UsageError(
        `--text has ${words.toLocaleString('en-US')} words (${f.text.length.toLocaleString('en-US')} characters); at ` +
          `most ${MAX_TEXT_WORDS} words and ${MAX_TEXT_LENGTH.toLocaleString('en-US')} characters`,
        'search for a few distinctive words; every one of them must occur',
      );
    }
    must.push(textQuery(f.text));
  }
  return { filter, must };
}

/** One sort key: an id by its number (`store_id.number`: 9 before 10), anything else by its value. */
export function sortClause(field: string, order: SortOrder): estypes.SortCombinations {
  return { [NUMERIC_IDS.includes(field) ? `${field}.${ID_NUMBER}` : field]: { order } };
}

/** Sort with a unique tiebreaker, so pages and repeated runs come back in one stable order. */
export function sortWithTiebreaker(sort: SortSpec, tiebreaker: string): estypes.SortCombinations[] {
  const out: estypes.SortCombinations[] = [sortClause(sort.field, sort.order)];
  if (sort.field !== tiebreaker) out.push(sortClause(tiebreaker, sort.order));
  return out;
}

export function sourceFilter(fields: string[] | undefined, hidden: readonly string[]): SearchPlan['source'] {
  return fields ? { includes: fields } : hidden.length ? { excludes: [...hidden] } : {};
}

export function buildSalesSearch(input: SalesSearchInput): SearchPlan {
  const { filter, must } = salesFilterClauses(input);
  const query: estypes.QueryDslQueryContainer =
    filter.length || must.length ? { bool: { filter, must } } : { match_all: {} };
  const sort = input.sort ?? SALES_DEFAULT_SORT;
  const fields = input.fields ?? SALES_FIELDS.filter((f) => !SALES_HIDDEN_BY_DEFAULT.includes(f));
  const long: string[] = LONG_SALE_FIELDS.filter((f) => fields.includes(f));
  // The page without the long fields, with what sizes their fetch (text_bytes).
  const source = input.fields
    ? { includes: [...input.fields.filter((f) => !long.includes(f)), 'text_bytes'] }
    : sourceFilter(undefined, [
        ...SALES_HIDDEN_BY_DEFAULT.filter((f) => f !== 'text_bytes'),
        TEXT_GRAMS_FIELD,
        ...long,
      ]);
  return { query, sort: sortWithTiebreaker(sort, 'id'), source, fields, longFields: long };
}
