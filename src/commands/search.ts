/**
 * `earlypay search sales|daily|weekly`: find sales and AOV documents with filters, as a table
 * for a person or JSON / NDJSON / CSV for programs (docs/contract.md §6). Flags are checked here; the
 * queries are built in core/search and run through core/es/pager.
 */
import { Command, Option } from 'commander';
import { examples, outputTarget, type CommandHost, type OutputTarget, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { amountArg, businessDayArg, dayRangeOf, type DayRange } from '../cmdutil/parsers';
import {
  DEFAULT_LIMIT,
  addListingOptions,
  checkListingOptions,
  explainSearchError,
  runListing,
  type ListingOptions,
} from '../cmdutil/listing';
import { ExitCode, UsageError } from '../core/errors';
import {
  SALES_FIELDS,
  SALES_SORTABLE,
  buildSalesSearch,
  parseFields,
  parseNamedList,
  parseSort,
  parseStoreIds,
  type SearchPlan,
} from '../core/search/salesQuery';
import {
  DAILY_FIELDS,
  DAILY_SORTABLE,
  WEEKLY_FIELDS,
  WEEKLY_SORTABLE,
  buildDailySearch,
  buildWeeklySearch,
} from '../core/search/aovQuery';
import { streamHits } from '../core/es/pager';
import type { Column, DataRecord, OutputFormat } from '../render/formats';
import type { estypes } from '@elastic/elasticsearch';
import { renderLineChart } from '../render/chart';
import { formatCount } from '../render/style';
import { shiftDay } from '../core/time/businessDay';

const ID_COL = (key: string, header: string): Column => ({ key, header, kind: 'text' });

// --- search sales ------------------------------------------------------------------------

export interface SearchSalesOptions extends ListingOptions {
  store?: string;
  platform?: string;
  from?: string;
  to?: string;
  minAmount?: number;
  maxAmount?: number;
  card?: string;
  canceled?: boolean;
  notCanceled?: boolean;
  text?: string;
}

export const SALES_TABLE_COLUMNS: Column[] = [
  ID_COL('id', 'id'),
  { key: 'sold_at', header: 'sold at', kind: 'time' },
  ID_COL('store_id', 'store'),
  ID_COL('platform', 'platform'),
  ID_COL('card_number', 'card'),
  ID_COL('card_company', 'company'),
  { key: 'amount_sale', header: 'amount (won)', kind: 'won' },
  { key: 'amount_fee', header: 'fee', kind: 'won' },
  { key: 'is_canceled', header: 'canceled', kind: 'bool', paint: (c, _r, s) => s.red(c) },
  { key: 'anomaly_rules', header: 'anomalies', kind: 'list', paint: (c, _r, s) => s.yellow(c) },
];

/** `search sales` options once checked across flags: the format is chosen. */
export type CheckedSalesOptions = SearchSalesOptions & { format: OutputFormat };

export function checkSearchSales(opts: SearchSalesOptions, out: OutputTarget): CheckedSalesOptions {
  const checked = checkListingOptions(opts, out);
  if (opts.canceled && opts.notCanceled) throw new UsageError('use either --canceled or --not-canceled, not both');
  return checked;
}

export function salesPlanOf(opts: SearchSalesOptions): SearchPlan {
  return buildSalesSearch({
    stores: opts.store !== undefined ? parseStoreIds(opts.store) : undefined,
    platforms: opts.platform !== undefined ? parseNamedList(opts.platform, '--platform', 'BAEMIN,YOGIYO') : undefined,
    from: opts.from,
    to: opts.to,
    minAmount: opts.minAmount,
    maxAmount: opts.maxAmount,
    card: opts.card,
    canceled: opts.canceled ? true : opts.notCanceled ? false : undefined,
    text: opts.text,
    sort: opts.sort !== undefined ? parseSort(opts.sort, SALES_SORTABLE) : undefined,
    fields: opts.fields !== undefined ? parseFields(opts.fields, SALES_FIELDS) : undefined,
  });
}

export async function runSearchSales(ctx: Context, opts: CheckedSalesOptions): Promise<number> {
  const plan = salesPlanOf(opts);
  const sort = opts.sort !== undefined ? parseSort(opts.sort, SALES_SORTABLE) : { field: 'sold_at', order: 'desc' };
  return runListing(ctx, opts, {
    noun: 'sales',
    index: ctx.names().sales,
    plan,
    tableColumns: SALES_TABLE_COLUMNS,
    order: sort.field === 'sold_at' && sort.order === 'desc' ? 'newest first' : `by ${sort.field} ${sort.order}`,
  });
}

// --- search daily / weekly ---------------------------------------------------------------

export interface SearchAovOptions extends ListingOptions {
  date?: string;
  from?: string;
  to?: string;
  store?: string;
  chart?: boolean;
}

/** Marks a document of a day (or window) not over yet: `daily --today` / `weekly --today`. */
const PROVISIONAL_COL: Column = {
  key: 'provisional',
  header: 'provisional',
  kind: 'bool',
  paint: (c, _r, s) => s.yellow(c),
};

/** Documents written before provisional ones existed have no such field: they are final. */
function withProvisional(hit: estypes.SearchHit<DataRecord>): DataRecord {
  const doc = hit._source ?? {};
  return { ...doc, provisional: doc.provisional === true };
}

export const DAILY_TABLE_COLUMNS: Column[] = [
  ID_COL('date', 'date'),
  ID_COL('store_id', 'store'),
  { key: 'total_sale', header: 'total (won)', kind: 'won' },
  { key: 'num_transactions', header: 'sales', kind: 'count' },
  { key: 'num_customers', header: 'customers', kind: 'count' },
  { key: 'unit_price', header: 'AOV (won)', kind: 'won', paint: (c, _r, s) => s.cyan(c) },
  { key: 'num_canceled', header: 'canceled', kind: 'count' },
  PROVISIONAL_COL,
];

export const WEEKLY_TABLE_COLUMNS: Column[] = [
  ID_COL('end_date', 'week ending'),
  ID_COL('start_date', 'from'),
  ID_COL('store_id', 'store'),
  { key: 'total_sale', header: 'total (won)', kind: 'won' },
  { key: 'num_customers', header: 'customers', kind: 'count' },
  { key: 'days_with_sales', header: 'days', kind: 'count' },
  { key: 'unit_price', header: 'AOV (won)', kind: 'won', paint: (c, _r, s) => s.cyan(c) },
  PROVISIONAL_COL,
];

/** `search daily|weekly` options once checked across flags: the day range read, the format chosen. */
export type CheckedAovOptions = SearchAovOptions & {
  range: Partial<DayRange> | undefined;
  format: OutputFormat;
  chartStore?: string;
};

export function checkSearchAov(opts: SearchAovOptions, out: OutputTarget): CheckedAovOptions {
  const range = dayRangeOf(opts, 'either');
  if (opts.chart) {
    // A chart is no listing: the listing flags conflict with --chart (commander refuses them).
    const stores = opts.store !== undefined ? parseStoreIds(opts.store) : undefined;
    const [chartStore, ...more] = stores ?? [];
    if (chartStore === undefined || more.length)
      throw new UsageError('--chart needs exactly one --store', 'e.g. earlypay search weekly --store 50 --chart');
    return { ...opts, range, format: 'table', chartStore };
  }
  return { ...checkListingOptions(opts, out), range };
}

function orderText(sort: { field: string; order: string }, defaultField: string): string {
  return sort.field === defaultField && sort.order === 'desc' ? 'newest first' : `by ${sort.field} ${sort.order}`;
}

export async function runSearchDaily(ctx: Context, opts: CheckedAovOptions): Promise<number> {
  const sort = opts.sort !== undefined ? parseSort(opts.sort, DAILY_SORTABLE) : undefined;
  const plan = buildDailySearch({
    ...opts.range,
    stores: opts.store !== undefined ? parseStoreIds(opts.store) : undefined,
    sort,
    fields: opts.fields !== undefined ? parseFields(opts.fields, DAILY_FIELDS) : undefined,
  });
  return runListing(ctx, opts, {
    noun: 'daily documents',
    index: ctx.names().dailyAov,
    plan,
    tableColumns: DAILY_TABLE_COLUMNS,
    order: orderText(sort ?? { field: 'date', order: 'desc' }, 'date'),
    toRecord: withProvisional,
  });
}

export async function runSearchWeekly(ctx: Context, opts: CheckedAovOptions): Promise<number> {
  const range = opts.range;
  const stores = opts.store !== undefined ? parseStoreIds(opts.store) : undefined;
  if (opts.chartStore !== undefined) return runWeeklyChart(ctx, opts.chartStore, range);
  const sort = opts.sort !== undefined ? parseSort(opts.sort, WEEKLY_SORTABLE) : undefined;
  const plan = buildWeeklySearch({
    ...range,
    stores,
    sort,
    fields: opts.fields !== undefined ? parseFields(opts.fields, WEEKLY_FIELDS) : undefined,
  });
  return runListing(ctx, opts, {
    noun: 'weekly documents',
    index: ctx.names().weeklyAov,
    plan,
    tableColumns: WEEKLY_TABLE_COLUMNS,
    order: orderText(sort ?? { field: 'end_date', order: 'desc' }, 'end_date'),
    toRecord: withProvisional,
  });
}

/** One store's weekly AOV (unit_price) by end date, as a terminal line chart on stdout. */
async function runWeeklyChart(ctx: Context, store: string, range: Partial<DayRange> | undefined): Promise<number> {
  const stores = [store];
  const plan = buildWeeklySearch({
    ...range,
    stores,
    sort: { field: 'end_date', order: 'asc' },
    fields: ['end_date', 'unit_price', 'provisional'],
  });
  const index = ctx.names().weeklyAov;
  const points: { date: string; value: number }[] = [];
  let latestProvisional = false;
  try {
    for await (const hit of streamHits<{ end_date: string; unit_price: number; provisional?: boolean }>(ctx.es(), {
      index,
      query: plan.query,
      sort: plan.sort,
      source: plan.source,
    })) {
      points.push({ date: hit._source!.end_date, value: hit._source!.unit_price });
      latestProvisional = hit._source!.provisional === true;
    }
  } catch (err) {
    explainSearchError(err, index);
  }
  if (points.length === 0) {
    ctx.stderr.write(
      `no weekly documents for store ` +
        `${store}${range?.from || range?.to ? ` between ${range.from ?? 'the start'} and ${range.to ?? 'now'}` : ''}\n`,
    );
    return ExitCode.ok;
  }
  const first = points[0]!.date;
  const last = points[points.length - 1]!.date;
  const values = points.map((p) => p.value);
  const width = (ctx.stdout as { columns?: number }).columns ?? 100;
  const title =
    `Store ${store}: weekly average order value (won), windows ending ${first} … ${last} ` +
    `(${shiftDay(first, -6)} onwards)`;
  ctx.stdout.write(renderLineChart(points, { title, width }));
  if (!ctx.flags.quiet) {
    ctx.stderr.write(
      `${points.length} weekly documents; min ${formatCount(Math.min(...values))}, max ` +
        `${formatCount(Math.max(...values))}, latest ${formatCount(values[values.length - 1]!)} ` +
        `won${latestProvisional ? ' (provisional: its window is not over)' : ''}\n`,
    );
  }
  return ExitCode.ok;
}

// --- commander -----------------------------------------------------------------------------

export function searchSalesCommand(host: CommandHost, runF: RunF<CheckedSalesOptions> = runSearchSales): Command {
  const cmd = new Command('sales')
    .description('find sales by store, platform, business day, amount, card, cancellation and free text')
    .option('--store <ids>', 'store id, or several comma-separated')
    .option('--platform <names>', 'platform (case-insensitive), or several comma-separated, e.g. BAEMIN,YOGIYO')
    .option('--from <day>', 'first business day (YYYY-MM-DD, on sale_date)', businessDayArg)
    .option('--to <day>', 'last business day (inclusive)', businessDayArg)
    .option('--min-amount <won>', 'amount_sale at least this', amountArg)
    .option('--max-amount <won>', 'amount_sale at most this', amountArg)
    .option(
      '--card <mask>',
      'masked card number, exact; a leading/trailing * matches the end/start ("*7537", "5461-11*")',
    )
    .addOption(new Option('--canceled', 'only canceled sales').conflicts('notCanceled'))
    .addOption(new Option('--not-canceled', 'only sales that are not canceled').conflicts('canceled'))
    .option('--text <words>', 'every word must occur in remark, result_msg or raw_data (plain words; no query syntax)');
  addListingOptions(
    cmd,
    { fields: SALES_SORTABLE, default: 'sold_at:desc, then id' },
    `columns to output (default: every field but raw_data, which is shown only when named here): ` +
      `${SALES_FIELDS.join(', ')}`,
  );
  return cmd
    .addHelpText(
      'after',
      examples(
        'earlypay search sales --store 50 --from 2024-05-01 --to 2024-05-07',
        'earlypay search sales --platform baemin --min-amount 100000 --not-canceled --sort amount_sale:desc',
        'earlypay search sales --card "*7537" --fields id,sold_at,amount_sale,card_number --format csv > card.csv',
        'earlypay search sales --text "승인 거절" --fields id,remark,result_msg,raw_data',
        'earlypay search sales --from 2024-05-01 --to 2024-05-31 --all --format ndjson | jq .amount_sale',
      ),
    )
    .action(async (opts: SearchSalesOptions, c: Command) => {
      const checked = checkSearchSales(opts, outputTarget(host, c));
      await host.execute(c, (ctx) => runF(ctx, checked));
    });
}

export function searchDailyCommand(host: CommandHost, runF: RunF<CheckedAovOptions> = runSearchDaily): Command {
  const cmd = new Command('daily')
    .description("stores' daily average order value (AOV) documents; without a date, every day, newest first")
    .addOption(new Option('--date <day>', 'one business day').argParser(businessDayArg).conflicts(['from', 'to']))
    .option('--from <day>', 'first business day', businessDayArg)
    .option('--to <day>', 'last business day (inclusive)', businessDayArg)
    .option('--store <ids>', 'store id, or several comma-separated');
  addListingOptions(
    cmd,
    { fields: DAILY_SORTABLE, default: 'date:desc, then store_id' },
    `columns: ${DAILY_FIELDS.join(', ')}`,
  );
  return cmd
    .addHelpText(
      'after',
      examples(
        'earlypay search daily --date 2024-05-01 --all          # every store on one day',
        'earlypay search daily --store 50 --from 2024-05-01 --to 2024-05-31 --format csv',
        'earlypay search daily --date 2024-05-01 --sort unit_price:desc --limit 10',
      ),
    )
    .action(async (opts: SearchAovOptions, c: Command) => {
      const checked = checkSearchAov(opts, outputTarget(host, c));
      await host.execute(c, (ctx) => runF(ctx, checked));
    });
}

export function searchWeeklyCommand(host: CommandHost, runF: RunF<CheckedAovOptions> = runSearchWeekly): Command {
  const cmd = new Command('weekly')
    .description("weekly (trailing 7-day) AOV documents by the day their window ends; --chart plots one store's trend")
    .option('--store <ids>', 'store id, or several comma-separated (exactly one with --chart)')
    .addOption(
      new Option('--date <day>', 'windows ending on this business day')
        .argParser(businessDayArg)
        .conflicts(['from', 'to']),
    )
    .option('--from <day>', 'first end date', businessDayArg)
    .option('--to <day>', 'last end date (inclusive)', businessDayArg)
    .addOption(
      new Option(
        '--chart',
        "a terminal line chart of the store's weekly AOV (unit_price) over the range (every window when no range)",
      ).conflicts(['format', 'fields', 'limit', 'all', 'sort']),
    );
  addListingOptions(
    cmd,
    { fields: WEEKLY_SORTABLE, default: 'end_date:desc, then store_id' },
    `columns: ${WEEKLY_FIELDS.join(', ')}`,
  );
  return cmd
    .addHelpText(
      'after',
      examples(
        'earlypay search weekly --store 50 --from 2024-04-01 --to 2024-06-30 --chart',
        'earlypay search weekly --store 50 --limit 8',
        'earlypay search weekly --date 2024-05-31 --all --format json',
      ),
    )
    .action(async (opts: SearchAovOptions, c: Command) => {
      const checked = checkSearchAov(opts, outputTarget(host, c));
      await host.execute(c, (ctx) => runF(ctx, checked));
    });
}

export function searchCommand(host: CommandHost): Command {
  return new Command('search')
    .description('find sales, daily and weekly AOV documents; table, JSON, NDJSON or CSV')
    .addCommand(searchSalesCommand(host))
    .addCommand(searchDailyCommand(host))
    .addCommand(searchWeeklyCommand(host))
    .addHelpText(
      'after',
      `\nOutput: a table on a terminal, NDJSON when piped (choose with --format; --json means --format json).\n` +
        `At most ${DEFAULT_LIMIT} rows unless --limit N or --all; the line on stderr says when there are more.\n` +
        examples(
          'earlypay search sales --store 50 --from 2024-05-01',
          'earlypay search daily --date 2024-05-01',
          'earlypay search weekly --store 50 --chart',
        ),
    );
}
