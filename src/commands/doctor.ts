/** `earlypay doctor`: is everything this tool depends on there and healthy, and what to do if not. */
import { Command } from 'commander';
import type { Client } from '@elastic/elasticsearch';
import { examples, type CommandHost, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { createEsClient } from '../core/es/client';
import { inspectIndices } from '../core/es/setup';
import { clusterOverview, describeCluster } from '../core/es/cluster';
import { countDocuments, probeElasticsearch } from '../core/inspect/cluster';
import {
  BACKLOG_COUNT_CAP,
  futureRows,
  inspectSourceServer,
  inspectSourceTable,
  sourceBacklog,
  sourceLagSeconds,
  type FutureRows,
} from '../core/inspect/source';
import { StateStore } from '../core/state/store';
import type { RecordedSchema } from '../core/state/store';
import { inspectSourceColumns, unreadableColumns, type SourceColumns } from '../core/source/query';
import { diffSchema, schemaChangeLine } from '../core/source/schemaDrift';
import { lastRuns, runGoneReason, type RunDocument } from '../core/runs/runRecord';
import { ExitCode, explainDependencyFailure, mysqlFailureHint, redactUrl } from '../core/errors';
import { TIME_LIMITS } from '../core/config/config';
import { toWallClock, today } from '../core/time/businessDay';
import { formatDuration } from '../render/style';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

const JOB_MAX_AGE_HOURS: Record<string, number> = { ingest: 7, daily: 25, weekly: 25, reconcile: 25 };

/** Changed days `daily` will handle, and those it waits for because they are not over yet. */
export function pendingDetail(days: string[], today: string): string {
  if (days.length === 0) return 'no changed days waiting';
  const later = days.filter((d) => d >= today).length;
  const due = days.length - later;
  const parts = [];
  if (due) parts.push(`${due} changed day(s) wait for the next \`earlypay daily\``);
  if (later) parts.push(`${later} day(s) from today on (sales dated today or in the future) wait until they are over`);
  return parts.join('; ');
}

export async function collectChecks(ctx: Context): Promise<Check[]> {
  const config = ctx.config();
  const names = ctx.names();
  const checks: Check[] = [];
  const now = ctx.now().getTime();
  // No retry on one node (an answer now or a failure now); with several, each node once.
  const es: Client = createEsClient(config, { requestTimeout: 10_000, maxRetries: config.esNodes.length - 1 });
  let esUp = false;
  let mysqlUp = false;
  /** The table is there: its columns are worth a look. */
  let sourceFound = false;
  // Red: some primaries are gone, and reading their indices would hang until a timeout.
  let clusterRed = false;
  try {
    try {
      const probe = await probeElasticsearch(es);
      esUp = true;
      checks.push({
        name: 'elasticsearch',
        status: probe.status === 'red' ? 'fail' : 'ok',
        detail:
          `${config.esNodes.map(redactUrl).join(', ')} — Elasticsearch ${probe.version}, cluster ` +
          `"${probe.clusterName}" ${probe.status}`,
        hint: probe.status === 'red' ? 'some shards are unassigned; check the Elasticsearch log' : undefined,
      });
      const cluster = await clusterOverview(es);
      clusterRed = cluster.status === 'red';
      checks.push({
        name: 'cluster',
        status: cluster.status === 'red' ? 'fail' : cluster.status === 'yellow' ? 'warn' : 'ok',
        detail: describeCluster(cluster),
        hint:
          cluster.status === 'yellow'
            ? 'replica shards are unassigned (a node is missing, or more replicas than nodes): the data is all ' +
              'there, one node loss from danger; see `earlypay setup --replicas`'
            : undefined,
      });
    } catch (err) {
      checks.push({
        name: 'elasticsearch',
        status: 'fail',
        detail: explainDependencyFailure(err).message,
        hint: 'start it (`npm run stack:up` on a dev machine) or fix --es-url / ES_URL',
      });
    }

    try {
      const pool = ctx.mysql();
      const server = await inspectSourceServer(pool);
      mysqlUp = true;
      checks.push({ name: 'mysql', status: 'ok', detail: `${redactUrl(config.mysqlUrl)} — ${server.version}` });
      const table = await inspectSourceTable(pool, config.table);
      sourceFound = table.exists;
      if (!table.exists) {
        checks.push({
          name: 'source table',
          status: 'fail',
          detail: `table ${config.table} not found in ${server.db}`,
          hint: 'check MYSQL_URL / EARLYPAY_TABLE',
        });
      } else if (table.missingColumns.length) {
        checks.push({
          name: 'source table',
          status: 'fail',
          detail: `${config.table} lacks column(s) the product reads: ${table.missingColumns.join(', ')}`,
          hint:
            'ingest and reconcile fail on it; the expected schema is in docs/contract.md §3 (platformSalesDdl in ' +
            'src/core/source/schema.ts)',
        });
      } else {
        const keyset = table.keysetIndex;
        checks.push({
          name: 'source table',
          status: keyset ? 'ok' : 'warn',
          detail: keyset
            ? `${config.table} with an index on (modified, id)`
            : `${config.table} has no index on (modified, id)`,
          hint: keyset
            ? undefined
            : `CREATE INDEX idx_modified_id ON ${config.table} (modified, id); incremental ingest scans the table ` +
              `without it`,
        });
      }
    } catch (err) {
      checks.push({
        name: 'mysql',
        status: 'fail',
        detail: explainDependencyFailure(err).message,
        hint: mysqlFailureHint(err, 'the jobs resume from their checkpoints').replace(
          /; `earlypay doctor` checks the connection$/,
          '',
        ),
      });
    }

    if (!esUp) return checks;
    const statuses = await inspectIndices(es, config.indexPrefix);
    const missing = statuses.filter((s) => s.state === 'missing');
    const wrong = statuses.filter((s) => s.state !== 'missing' && s.state !== 'current');
    checks.push({
      name: 'indices',
      status: missing.length || wrong.length ? 'fail' : 'ok',
      detail:
        missing.length || wrong.length
          ? [
              ...missing.map((s) => `${s.alias} missing`),
              ...wrong.map((s) =>
                s.state === 'not-an-alias'
                  ? `${s.alias} is a concrete index, not the alias earlypay writes through`
                  : `${s.alias} ${s.state} (v${s.actualVersion ?? '-'}, want v${s.expectedVersion})`,
              ),
            ].join('; ')
          : `${statuses.length} indices present, mappings current (prefix "${config.indexPrefix}")`,
      hint:
        missing.length || wrong.length
          ? 'run `earlypay setup`: it creates what is missing, upgrades mappings, and moves the documents of a ' +
            'concrete index Elasticsearch made up into a proper one'
          : undefined,
    });
    // The checks below read the indices: on a missing one, or one that is not what this earlypay
    // wrote (a concrete index with dynamic mappings where the alias belongs), they would fail raw.
    if (missing.length || wrong.length || clusterRed) return checks;

    const state = new StateStore(es, names.state);
    if (mysqlUp && sourceFound) {
      const [described, recorded] = await Promise.all([
        inspectSourceColumns(ctx.mysql(), config.table, { sourceTz: config.sourceTz, now: ctx.now() }),
        state.readSourceSchema(config.table),
      ]);
      checks.push(sourceSchemaCheck(config.table, described, recorded, now));
    }
    const checkpoint = await state.readCheckpoint(config.table);
    if (!checkpoint) {
      checks.push({
        name: 'checkpoint',
        status: 'warn',
        detail: 'no ingest checkpoint yet',
        hint: 'run `earlypay ingest` (the first run copies everything)',
      });
    } else if (mysqlUp) {
      const { latest, pending } = await sourceBacklog(
        ctx.mysql(),
        config.table,
        checkpoint,
        toWallClock(ctx.now(), config.sourceTz),
      );
      const lag = lagDetail(sourceLagSeconds(latest, checkpoint.modified, config.sourceTz));
      checks.push({
        name: 'checkpoint',
        status: pending > 0 && now - Date.parse(checkpoint.updatedAt) > 7 * 3600_000 ? 'warn' : 'ok',
        detail:
          `at modified ${checkpoint.modified} id ${checkpoint.id} (saved ${ago(checkpoint.updatedAt, now)}); ` +
          `source latest ${latest ?? '-'}, ${lag}; ` +
          `${pending > BACKLOG_COUNT_CAP ? 'over 1,000,000' : pending.toLocaleString('en-US')} rows waiting`,
        hint: pending > 0 ? 'the next `earlypay ingest` copies them' : undefined,
      });
    } else {
      checks.push({
        name: 'checkpoint',
        status: 'ok',
        detail: `at modified ${checkpoint.modified} id ${checkpoint.id} (saved ${ago(checkpoint.updatedAt, now)})`,
      });
    }

    if (mysqlUp && sourceFound)
      checks.push(
        futureRowsCheck(await futureRows(ctx.mysql(), config.table, toWallClock(ctx.now(), config.sourceTz))),
      );

    const runs = await lastRuns(es, names.runs);
    for (const job of Object.keys(JOB_MAX_AGE_HOURS)) {
      const run = runs.find((r) => r.command === job);
      if (!run) {
        checks.push({ name: `last ${job}`, status: 'warn', detail: 'never ran', hint: 'see crontab.example' });
        continue;
      }
      checks.push(lastRunCheck(job, run, now, config.lockStaleAfterMs));
    }

    const [dailyMarks, deadletters] = await Promise.all([
      state.changedDays('daily'),
      countDocuments(es, names.deadletter),
    ]);
    checks.push({
      name: 'pending recompute',
      status: 'ok',
      detail: pendingDetail(
        dailyMarks.map((m) => m.day),
        today(config.tz, ctx.now()),
      ),
    });
    checks.push({
      name: 'dead letter',
      status: deadletters > 0 ? 'warn' : 'ok',
      detail: `${deadletters.toLocaleString('en-US')} rejected row(s) in ${names.deadletter}`,
      hint:
        deadletters > 0
          ? `inspect them in Kibana or: curl ` +
            `'${redactUrl(config.esNodes[0]!).replace(/\/?$/, '/')}${names.deadletter}/_search?size=5'`
          : undefined,
    });
    return checks;
  } finally {
    await es.close();
  }
}

/** Rows modified after now: each ingest copies them, but they say the clocks disagree. */
export function futureRowsCheck(future: FutureRows): Check {
  if (future.count === 0) return { name: 'future rows', status: 'ok', detail: 'no row is modified after now' };
  return {
    name: 'future rows',
    status: 'warn',
    detail:
      `${future.count.toLocaleString('en-US')} row(s) modified after now, the latest ${String(future.latest)}: ` +
      `clock skew? every ingest copies them, and its checkpoint stays before them`,
    hint:
      "compare the application servers' clocks (and EARLYPAY_SOURCE_TZ) with this host's; rows dated years ahead " +
      'are garbage to fix in the source',
  };
}

/** A change of the source schema stays a warning this long after a run found it. */
const SCHEMA_CHANGE_WARN_MS = 7 * 86_400_000;

/**
 * The source table's column types: whether earlypay reads them (a type it cannot map fails, as
 * the jobs stop on it), what changed since the last run recorded them (the next run says so too),
 * and the last change a run found, for a week.
 */
export function sourceSchemaCheck(
  table: string,
  described: SourceColumns,
  recorded: RecordedSchema | null,
  now: number,
): Check {
  const name = 'source schema';
  const changes = recorded ? diffSchema(recorded.columns, described) : [];
  const unreadable = unreadableColumns(described);
  if (unreadable.length) {
    return {
      name,
      status: 'fail',
      detail: [
        changes.length ? schemaChangeLine(table, changes) : '',
        ...unreadable.map((u) => `column ${u.column}: ${u.why}`),
      ]
        .filter(Boolean)
        .join('; '),
      hint:
        'ingest and reconcile stop before writing anything until the column or its type is restored (or ' +
        'EARLYPAY_TABLE names a view with the columns of docs/contract.md §3)',
    };
  }
  if (changes.length)
    return {
      name,
      status: 'warn',
      detail: schemaChangeLine(table, changes),
      hint: 'the next `earlypay ingest` carries on and records it; nothing to do if the change was intended',
    };
  const last = recorded?.last_change;
  if (last && now - Date.parse(last.at) < SCHEMA_CHANGE_WARN_MS)
    return {
      name,
      status: 'warn',
      detail: `${last.line}, found ${ago(last.at, now)} by run ${last.run_id}`,
      hint: 'nothing to do if the change was intended (docs/commands.md "Source schema changes")',
    };
  return {
    name,
    status: 'ok',
    detail: recorded
      ? `${described.columns.size} columns, as recorded ` +
        `${ago(recorded.recorded_at, now)}${last ? `; last change ${ago(last.at, now)}` : ''}`
      : `${described.columns.size} columns, all readable; recorded by the next ingest`,
  };
}

/** The last reconcile's outcome (in sync, drift found, repaired, drift remains), from its run document. */
export function reconcileOutcome(
  run: Pick<RunDocument, 'status' | 'counts'>,
): { outcome: string; warn: boolean; hint?: string } | null {
  const outcome = run.counts?.outcome;
  if (run.status !== 'succeeded' || typeof outcome !== 'string') return null;
  const drifting = outcome === 'drift found' || outcome === 'drift remains';
  const days = Array.isArray(run.counts?.remaining)
    ? (run.counts.remaining as { day: string }[]).map((d) => d.day)
    : [];
  const span = days.length ? ` --from ${days[0]} --to ${days[days.length - 1]}` : '';
  return {
    outcome,
    warn: drifting,
    hint: drifting ? `\`earlypay reconcile${span}\` lists the ids; \`--repair\` rewrites them` : undefined,
  };
}

/**
 * How the last run of a job ended. A run whose process is gone while it says `running` (kill -9,
 * a crash, a reboot) is a failure: it did not finish, and nothing else will say so.
 */
export function lastRunCheck(
  job: string,
  run: RunDocument,
  now: number,
  staleAfterMs: number = TIME_LIMITS.lockStaleAfter.default,
): Check {
  const name = `last ${job}`;
  const ageHours = (now - Date.parse(run.started_at)) / 3600_000;
  const took = run.duration_ms != null ? `, took ${formatDuration(run.duration_ms)}` : '';
  const base =
    `${run.status}${run.exit_code != null ? ` (exit ${run.exit_code})` : ''} ` + `${ago(run.started_at, now)}${took}`;
  const gone = runGoneReason(run, now, staleAfterMs);
  if (gone || run.status === 'abandoned') {
    return {
      name,
      status: 'fail',
      detail:
        run.status === 'abandoned'
          ? (run.error ?? 'abandoned')
          : `abandoned: started ${ago(run.started_at, now)}, still \`running\`, but ${gone}`,
      hint:
        `the next \`earlypay ${job}\` records it as abandoned and resumes safely; ` +
        'see docs/troubleshooting.md if runs keep vanishing',
    };
  }
  const failed = run.status === 'failed';
  const interrupted = run.status === 'interrupted';
  const stale = ageHours > JOB_MAX_AGE_HOURS[job]!;
  const drift = job === 'reconcile' ? reconcileOutcome(run) : null;
  const why =
    (failed || interrupted) && run.error ? `: ${run.error}` : run.status === 'running' ? ' (still running)' : '';
  return {
    name,
    status: failed || interrupted || stale || drift?.warn ? 'warn' : 'ok',
    detail: `${drift ? `${drift.outcome}, ` : ''}${base}${why}`,
    hint:
      failed || interrupted
        ? `re-run \`earlypay ${job}\`; it resumes safely`
        : drift?.warn
          ? drift.hint
          : stale
            ? 'is the cron entry installed? see crontab.example'
            : undefined,
  };
}

/** The source lag as doctor says it: "no lag", "lag 2 min 5 s". */
export function lagDetail(seconds: number): string {
  return seconds < 1 ? 'no lag' : `lag ${formatDuration(Math.round(seconds) * 1000)}`;
}

function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  if (ms < 90_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 48 * 3600_000) return `${(ms / 3600_000).toFixed(1)} h ago`;
  return `${Math.round(ms / 86_400_000)} days ago`;
}

export async function runDoctor(ctx: Context): Promise<number> {
  const checks = await collectChecks(ctx);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const status = failed ? 'fail' : warned ? 'warn' : 'ok';
  if (ctx.flags.json) {
    ctx.stdout.write(`${JSON.stringify({ command: 'doctor', status, checks })}\n`);
  } else {
    const icon: Record<CheckStatus, string> = {
      ok: ctx.style.green('✓'),
      warn: ctx.style.yellow('!'),
      fail: ctx.style.red('✗'),
    };
    for (const c of checks) {
      ctx.stdout.write(`${icon[c.status]} ${ctx.style.bold(c.name)}: ${c.detail}\n`);
      if (c.hint && c.status !== 'ok') ctx.stdout.write(`    → ${c.hint}\n`);
    }
    const tally = failed ? `${failed} problem(s)` : 'all dependencies reachable';
    ctx.stdout.write(`doctor: ${tally}${warned ? `, ${warned} warning(s)` : ''}\n`);
  }
  return failed ? ExitCode.runFailed : ExitCode.ok;
}

export function doctorCommand(host: CommandHost, runF: RunF<Record<string, never>> = runDoctor): Command {
  return new Command('doctor')
    .description('check connections, versions, indices, checkpoint lag and the last runs; exit 1 if something is wrong')
    .addHelpText(
      'after',
      examples('earlypay doctor', 'earlypay doctor --json | jq \'.checks[] | select(.status != "ok")\''),
    )
    .action(async (_opts: unknown, cmd: Command) => host.execute(cmd, (ctx) => runF(ctx, {})));
}
