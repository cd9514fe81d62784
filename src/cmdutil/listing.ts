/**
 * The frame every listing command shares (search sales/daily/weekly, anomalies list): the
 * --limit/--all/--fields/--format/--bom flags, their checks across flags, the paging, the
 * writer and the summary line on stderr. A listing command says only what it lists.
 */
import { Option, type Command } from 'commander';
import type { estypes } from '@elastic/elasticsearch';
import type { Context } from './context';
import type { OutputTarget } from './host';
import { limitArg } from './parsers';
import { settleOutput } from './streams';
import { chooseFormat } from './output';
import { ExitCode, RunFailedError, UsageError } from '../core/errors';
import type { SearchPlan } from '../core/search/salesQuery';
import { SINGLE_REQUEST_MAX, searchPage, streamPages, type StreamStats } from '../core/es/pager';
import { withLongFields } from '../core/es/longFields';
import {
  OUTPUT_FORMATS,
  TABLE_CELL_MAX,
  columnsFor,
  createRecordWriter,
  type Column,
  type DataRecord,
  type OutputFormat,
} from '../render/formats';
import { formatCount, formatDuration } from '../render/style';

/** Rows shown when neither --limit nor --all is given, in every format. */
export const DEFAULT_LIMIT = 20;

export interface ListingOptions {
  format?: OutputFormat;
  limit?: number;
  all?: boolean;
  fields?: string;
  sort?: string;
  bom?: boolean;
}

/**
 * The checks across the listing flags, made where the flags are parsed: returns the options
 * with the format chosen (`--format`, else `--json`, else table on a terminal / NDJSON).
 */
export function checkListingOptions<O extends ListingOptions>(
  opts: O,
  out: OutputTarget,
): O & { format: OutputFormat } {
  if (opts.all && opts.limit !== undefined) throw new UsageError('use either --limit or --all, not both');
  const format = chooseFormat(opts.format, out.json, out.stdout);
  if (opts.bom && format !== 'csv')
    throw new UsageError(`--bom goes with --format csv, not ${format}`, 'e.g. --format csv --bom > sales.csv');
  return { ...opts, format };
}

export interface Listing {
  /** What the rows are, for the summary line: "sales", "daily documents". */
  noun: string;
  index: string;
  plan: SearchPlan;
  /** Columns of the table when the user did not choose --fields. */
  tableColumns: Column[];
  /** Describes the order for the summary line. */
  order: string;
  toRecord?: (hit: estypes.SearchHit<DataRecord>) => DataRecord;
}

interface EsError {
  type?: string;
  reason?: string;
}

/** Index missing reads as "run setup", not as an Elasticsearch exception. */
export function explainSearchError(err: unknown, index: string): never {
  const error = (err as { meta?: { body?: { error?: EsError & { root_cause?: EsError[] } } } }).meta?.body?.error;
  const type = error?.type;
  // An index older than the sort (ids sorted by their number since mapping version 4 of sales).
  const unmapped = /No mapping found for \[([\w.]+?)(?:\.number)?\] in order to sort on/.exec(
    [error?.reason, ...(error?.root_cause ?? []).map((c) => c.reason)].join(' '),
  );
  if (unmapped) {
    throw new RunFailedError(
      `index ${index} cannot sort by ${unmapped[1]}: its mapping is older than this earlypay`,
      'run `earlypay setup` to upgrade the indices',
    );
  }
  if (type === 'index_not_found_exception') {
    throw new RunFailedError(
      `index ${index} does not exist`,
      'run `earlypay setup` (and `earlypay ingest`), or check --index-prefix',
    );
  }
  throw err;
}

/** Runs a listing (options checked by checkListingOptions) and writes it; a summary line goes to stderr. */
export async function runListing(
  ctx: Context,
  opts: ListingOptions & { format: OutputFormat },
  listing: Listing,
): Promise<number> {
  const started = Date.now();
  const format = opts.format;
  const columns = opts.fields || format !== 'table' ? columnsFor(listing.plan.fields) : listing.tableColumns;
  const writer = createRecordWriter(format, { stream: ctx.stdout, columns, style: ctx.outStyle, bom: opts.bom });
  const toRecord = listing.toRecord ?? ((h: estypes.SearchHit<DataRecord>) => h._source ?? {});
  const limit = opts.all ? undefined : (opts.limit ?? DEFAULT_LIMIT);
  const es = ctx.es();
  const base = {
    index: listing.index,
    query: listing.plan.query,
    sort: listing.plan.sort,
    source: listing.plan.source,
  };
  let total: { value: number; relation: 'eq' | 'gte' } | undefined;
  const stats: StreamStats = { pages: 0, hits: 0, shardDocTiebreak: true };
  // The long fields the output shows (a table of the default columns shows none of them).
  const longFields = (listing.plan.longFields ?? []).filter((f) => columns.some((c) => c.key === f));
  /** Writes a page, its long fields fetched a few documents at a time; false once the reader is gone. */
  const writePage = async (hits: estypes.SearchHit<DataRecord>[]): Promise<boolean> => {
    for await (const group of withLongFields(es, listing.index, hits, longFields)) {
      for (const hit of group) {
        if (ctx.stdout.writable === false) return false; // the reader is gone (`| head`): fetch no more
        await writer.write(toRecord(hit));
      }
    }
    return true;
  };
  try {
    if (limit !== undefined && limit <= SINGLE_REQUEST_MAX) {
      const page = await searchPage<DataRecord>(es, { ...base, max: limit });
      total = page.total;
      await writePage(page.hits);
    } else {
      for await (const hits of streamPages<DataRecord>(es, { ...base, max: limit }, stats))
        if (!(await writePage(hits))) break;
    }
  } catch (err) {
    explainSearchError(err, listing.index);
  }
  const written = await writer.end();
  await settleOutput(ctx.stdout); // a full disk fails the listing here, before a summary of rows never written
  // No count of rows that never reached a reader (`| head`, a full disk: the CLI says that).
  if (!ctx.flags.quiet && ctx.stdout.writable !== false) {
    const took = formatDuration(Date.now() - started);
    let line: string;
    if (written === 0) line = `no ${listing.noun} match`;
    else if (total && (total.value > written || total.relation === 'gte')) {
      line =
        `${formatCount(written)} of ${total.relation === 'gte' ? 'more than ' : ''}${formatCount(total.value)} ` +
        `${listing.noun}, ${listing.order}; --limit N or --all for more`;
    } else line = `${formatCount(written)} ${listing.noun}, ${listing.order}`;
    if (writer.cut)
      line +=
        `; ${formatCount(writer.cut)} long cell(s) cut to ${TABLE_CELL_MAX} characters (--format json, ndjson ` +
        `or csv print them whole)`;
    ctx.stderr.write(`${ctx.style.gray(`${line} (${took})`)}\n`);
    const paging = stats.pages ? ` pages: ${stats.pages}, _shard_doc tiebreak: ${stats.shardDocTiebreak}` : '';
    ctx.log.verbose(`query: ${JSON.stringify(listing.plan.query)} sort: ${JSON.stringify(listing.plan.sort)}${paging}`);
  }
  return ExitCode.ok;
}

/** Adds --sort (unless `sort` is null), --limit, --all, --fields and --format to a listing command. */
export function addListingOptions(
  cmd: Command,
  sort: { fields: readonly string[]; default: string } | null,
  fieldsHelp: string,
): Command {
  if (sort)
    cmd.option('--sort <field[:asc|desc]>', `order by one of: ${sort.fields.join(', ')} (default ${sort.default})`);
  return cmd
    .addOption(
      new Option('--limit <n>', `at most N rows (default ${DEFAULT_LIMIT}, in every format)`)
        .argParser(limitArg)
        .conflicts('all'),
    )
    .addOption(
      new Option('--all', 'every match, streamed (point in time + search_after; no 10,000 cap)').conflicts('limit'),
    )
    .option('--fields <a,b,...>', fieldsHelp)
    .addOption(
      new Option(
        '--format <format>',
        'table | json | ndjson | csv (default: table on a terminal, ndjson otherwise; --json = json)',
      ).choices([...OUTPUT_FORMATS]),
    )
    .option('--bom', 'with --format csv: start with a UTF-8 byte-order mark, so Excel shows Korean text correctly');
}
