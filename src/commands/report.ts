/** `earlypay report`: one self-contained HTML page with the period's figures and charts; read-only, no lock. */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { examples, type CommandHost, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { businessDayArg, dayRangeOf } from '../cmdutil/parsers';
import { ExitCode, RunFailedError, UsageError } from '../core/errors';
import { writeFileAtomically } from '../core/files';
import { buildReport } from '../core/report/report';
import { parseStoreIds } from '../core/search/salesQuery';
import { shiftDay, today } from '../core/time/businessDay';
import { renderReportHtml } from '../render/reportHtml';
import { formatCount, formatDuration } from '../render/style';
import { formatWon } from '../core/money';

export interface ReportFlags {
  date?: string;
  from?: string;
  to?: string;
  store?: string[];
  out?: string;
}

export interface ReportOptions {
  /** Undefined: yesterday in the business time zone (the morning review). */
  range?: { from: string; to: string };
  stores?: string[];
  out: string;
}

/** The checks across flags, where they are parsed (usage errors, exit 2). */
export function checkReportOptions(flags: ReportFlags): ReportOptions {
  if (!flags.out) throw new UsageError('--out is required', 'e.g. earlypay report --out /var/www/earlypay/report.html');
  const stores = flags.store?.length ? [...new Set(flags.store.flatMap(parseStoreIds))] : undefined;
  return { range: dayRangeOf(flags), stores, out: flags.out };
}

export async function runReport(ctx: Context, opts: ReportOptions): Promise<number> {
  const started = Date.now();
  const config = ctx.config();
  const yesterday = shiftDay(today(config.tz, ctx.now()), -1);
  const range = opts.range ?? { from: yesterday, to: yesterday };
  const data = await buildReport(
    {
      es: ctx.es(),
      mysql: ctx.mysql(),
      names: ctx.names(),
      table: config.table,
      sourceTz: config.sourceTz,
      now: ctx.now(),
    },
    { from: range.from, to: range.to, stores: opts.stores },
  );
  const html = renderReportHtml(data);
  const out = resolve(opts.out);
  try {
    // A cron job rewrites the same page every morning: a failed write keeps yesterday's whole.
    writeFileAtomically(out, html);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RunFailedError(
      `cannot write ${out}: ${code ?? (err as Error).message}`,
      code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT'
        ? `free space where ${out} goes (the previous file, if any, is left as it was)`
        : 'check that the directory exists and is writable',
    );
  }
  const ms = Date.now() - started;
  if (ctx.flags.json) {
    const summary = {
      command: 'report',
      status: 'ok',
      exit_code: 0,
      out,
      bytes: Buffer.byteLength(html),
      from: data.from,
      to: data.to,
      stores: data.stores_filter,
      totals: data.totals,
      aov: { best: data.aov.best?.store_id ?? null, worst: data.aov.worst?.store_id ?? null, spread: data.aov.spread },
      open_anomalies: data.anomalies.open_total,
      dead_letters: data.dead_letters.total,
      reconcile: data.reconcile,
      duration_ms: ms,
    };
    ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    return ExitCode.ok;
  }
  if (!ctx.flags.quiet) {
    const period = data.from === data.to ? data.from : `${data.from}..${data.to}`;
    ctx.stdout.write(
      `report ${period}: ${formatCount(data.totals.stores)} store(s), sales ${formatWon(data.totals.total_sale)} ` +
        `won, AOV ${data.totals.unit_price == null ? '-' : `${formatWon(data.totals.unit_price)} won`}, ` +
        `${formatCount(data.anomalies.open_total)} open anomal${data.anomalies.open_total === 1 ? 'y' : 'ies'}; ` +
        `wrote ${out} in ${formatDuration(ms)}\n`,
    );
  }
  return ExitCode.ok;
}

export function reportCommand(host: CommandHost, runF: RunF<ReportOptions> = runReport): Command {
  return new Command('report')
    .description(
      'write one self-contained HTML page (no network resources): totals, AOV per store, weekly trends, platforms, ' +
        'anomalies, reconcile, lag, dead letters',
    )
    .option('--date <day>', 'one business day (YYYY-MM-DD); default yesterday', businessDayArg)
    .option('--from <day>', 'first business day of a period (with --to)', businessDayArg)
    .option('--to <day>', 'last business day of the period, inclusive', businessDayArg)
    .option('--store <id...>', 'only these stores (repeat, or comma-separated)')
    .option('--out <file>', 'the HTML file to write (replaced if it exists)')
    .addHelpText(
      'after',
      `
Reads Elasticsearch (the daily and weekly AOV documents, sales, anomalies, runs, dead letters)
and MySQL (how far the copy lags); takes no lock and changes nothing. Charts are SVG drawn by
Apache ECharts on the server; the page needs nothing from the network to open.
${examples(
  'earlypay report --out /var/www/earlypay/report.html                 # yesterday',
  'earlypay report --from 2024-05-01 --to 2024-05-31 --out may.html',
  'earlypay report --date 2024-05-31 --store 50 --store 51 --out stores.html --json',
)}`,
    )
    .action(async (flags: ReportFlags, cmd: Command) => {
      const opts = checkReportOptions(flags);
      await host.execute(cmd, (ctx) => runF(ctx, opts));
    });
}
