/**
 * The requests behind `search daily` and `search weekly` (docs/contract.md §6). Pure, like salesQuery.
 * Daily documents are found by `date`, weekly ones by the day their window ends (`end_date`).
 */
import type { estypes } from '@elastic/elasticsearch';
import { definitionOf } from '../es/indices';
import {
  dayRange,
  keywordIn,
  sortClause,
  sourceFilter,
  type SearchPlan,
  type SortOrder,
  type SortSpec,
} from './salesQuery';

export const DAILY_FIELDS: readonly string[] = Object.keys(definitionOf('dailyAov').mappings.properties ?? {});
export const WEEKLY_FIELDS: readonly string[] = Object.keys(definitionOf('weeklyAov').mappings.properties ?? {});

export const DAILY_SORTABLE: readonly string[] = [
  'date',
  'store_id',
  'total_sale',
  'num_transactions',
  'num_customers',
  'unit_price',
  'num_canceled',
  'canceled_amount',
  'computed_at',
];
export const WEEKLY_SORTABLE: readonly string[] = [
  'end_date',
  'start_date',
  'store_id',
  'total_sale',
  'num_customers',
  'num_transactions',
  'days_with_sales',
  'unit_price',
  'computed_at',
];

export const DAILY_DEFAULT_SORT: SortSpec = { field: 'date', order: 'desc' };
export const WEEKLY_DEFAULT_SORT: SortSpec = { field: 'end_date', order: 'desc' };

export interface AovSearchInput {
  stores?: string[];
  /** Inclusive business days on `date` (daily) or `end_date` (weekly). */
  from?: string;
  to?: string;
  sort?: SortSpec;
  fields?: string[];
}

function plan(
  dateField: string,
  input: AovSearchInput,
  defaultSort: SortSpec,
  allFields: readonly string[],
): SearchPlan {
  const filter: estypes.QueryDslQueryContainer[] = [];
  if (input.stores?.length) filter.push(keywordIn('store_id', input.stores));
  const days = dayRange(dateField, input.from, input.to);
  if (days) filter.push(days);
  const sort = input.sort ?? defaultSort;
  // The document id is <store_id>:<day>, so (day, store) is unique: store_id breaks ties on day sorts.
  const keys: [string, SortOrder][] = [
    [sort.field, sort.order],
    [dateField, sort.order],
    ['store_id', 'asc'],
  ];
  return {
    query: filter.length ? { bool: { filter } } : { match_all: {} },
    sort: keys.filter(([field], i) => keys.findIndex(([f]) => f === field) === i).map(([f, o]) => sortClause(f, o)),
    source: sourceFilter(input.fields, []),
    fields: input.fields ?? [...allFields],
  };
}

export function buildDailySearch(input: AovSearchInput): SearchPlan {
  return plan('date', input, DAILY_DEFAULT_SORT, DAILY_FIELDS);
}

export function buildWeeklySearch(input: AovSearchInput): SearchPlan {
  return plan('end_date', input, WEEKLY_DEFAULT_SORT, WEEKLY_FIELDS);
}
