/**
 * The ingest pipeline, top to bottom:
 *
 *   source    MySQL keyset cursor on (modified, id), pages of --batch-size rows
 *   validate  accepted rows -> typed sales documents; rejected rows -> dead letter
 *   rules     every sale checked against the anomaly rules (baselines looked up per batch)
 *   sink      the client's bulk helper; external version = modified, so an older row never
 *             overwrites a newer one
 *   checkpoint  advanced after each segment, only past rows that are safely in Elasticsearch
 *
 * An abort (SIGINT/SIGTERM) stops the source between batches: the batches already read are
 * written, the checkpoint moves past them, and the run ends as if the table ended there.
 *
 * After the stream, REPEATED_AMOUNT is settled for every business day that changed (a late
 * sale can change the rank of others) and those days are marked for `daily`/`weekly`.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import type { Config } from '../config/config';
import type { IndexNames } from '../es/indices';
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { RunFailedError } from '../errors';
import { mapSourceRow, type AcceptedSale, type RejectedRow, type SaleDocument } from '../sales/saleDocument';
import { anomalyId, anomalyUpsert, describeRules, evaluateSaleRules, rankRepeatedAmounts, type RuleFinding, type RuleId } from '../rules/rules';
import { WeeklyBaselines } from '../rules/baselines';
import { fetchRepeatGroups, settleRepeatedAmounts, type SettleResult } from '../rules/repeatedAmounts';
import type { SourceRow } from '../source/row';
import { StateStore, type Checkpoint } from '../state/store';
import { toWallClock, wallClockToInstant } from '../time/businessDay';
import { countWindow, readAhead, readChangedRows, readRowsById, readUndatedRows, type ReadWindow } from './source';

export interface IngestOptions {
  full: boolean;
  since?: Date;
  batchSize: number;
  concurrency: number;
  dryRun: boolean;
  lagMs: number;
  overlapMs: number;
  /** Rows per checkpointed segment. */
  segmentRows: number;
  flushBytes: number;
  /**
   * Re-ingest exactly these rows (reconcile --repair) instead of reading by checkpoint;
   * the checkpoint is left alone.
   */
  rows?: AsyncIterable<SourceRow[]>;
  /**
   * With `rows`: the source is the truth whatever the versions say (a row restored with an
   * older `modified`). Each sale is written at max(its modified, the stored document's
   * version) — external_gte accepts that, versions never go backwards, and a write that lands
   * between our read of the stored version and our write (a newer version) still wins.
   */
  overwrite?: boolean;
}

export const INGEST_DEFAULTS: IngestOptions = {
  full: false,
  // 2,000 rows a page: as fast as 5,000 and a third less memory in flight (see bin/earlypay).
  batchSize: 2_000,
  concurrency: 2,
  dryRun: false,
  lagMs: 2 * 60_000,
  overlapMs: 10 * 60_000,
  segmentRows: 100_000,
  flushBytes: 5_000_000,
};

/** Lucene's limit for one keyword term, in UTF-8 bytes. */
const MAX_TERM_BYTES = 32_766;

export interface IngestDeps {
  es: Client;
  pool: Pool;
  names: IndexNames;
  config: Config;
  runId: string;
  now: () => Date;
  verbose: (msg: string) => void;
  /** Called as rows are processed; `total` is known when counting was asked for. */
  onProgress?: (p: { read: number; total?: number }) => void;
  countTotal?: boolean;
  /** Aborted: stop reading at the next batch boundary and end at a safe point. */
  signal?: AbortSignal;
}

export interface IngestStats {
  mode: 'full' | 'incremental' | 'since' | 'repair';
  dry_run: boolean;
  window: { from: string | null; until: string };
  read: number;
  accepted: number;
  indexed: number;
  /** Accepted rows that Elasticsearch already held in a newer version. */
  superseded: number;
  rejected: number;
  /** Previously accepted rows that are invalid now: their documents were removed. */
  withdrawn: number;
  flagged: number;
  by_rule: Partial<Record<RuleId, number>>;
  anomalies_cleared: number;
  days_changed: number;
  retried: number;
  checkpoint: Checkpoint | null;
  checkpoint_advanced: boolean;
  repeated_amount: SettleResult | null;
  /** Stopped early by `signal`: only the rows read so far were handled. */
  interrupted: boolean;
}

interface BatchOutcome {
  ops: BulkOp[];
  accepted: number;
  rejected: number;
  flagged: number;
  byRule: Map<RuleId, number>;
  cleared: number;
  withdrawn: number;
  days: Set<string>;
  last: SourceRow | undefined;
}

/** Dead-letter document id: stable per source row. */
function deadLetterId(table: string, sourceId: string | null, row: unknown): string {
  if (sourceId) return `${table}:${sourceId}`;
  return `${table}:sha1:${createHash('sha1').update(JSON.stringify(row)).digest('hex')}`;
}

export function deadLetterOp(names: IndexNames, table: string, runId: string, at: string, row: unknown, rejected: { sourceId: string | null; codes: string[]; reason: string }, stage: string): BulkOp {
  const doc = {
    source_id: rejected.sourceId,
    source_table: table,
    stage,
    reason: rejected.reason,
    reason_code: rejected.codes,
    row,
    run_id: runId,
    last_seen: at,
  };
  return { kind: 'upsert', index: names.deadletter, id: deadLetterId(table, rejected.sourceId, row), doc, upsert: { ...doc, first_seen: at } };
}

export async function runIngestPipeline(deps: IngestDeps, opts: IngestOptions): Promise<IngestStats> {
  const { es, pool, names, config } = deps;
  const state = new StateStore(es, names.state);
  const table = config.table;
  const tzSource = config.sourceTz;

  // --- plan the window -------------------------------------------------------------------
  const previous = await state.readCheckpoint(table);
  const mode: IngestStats['mode'] = opts.rows ? 'repair' : opts.since ? 'since' : opts.full || !previous ? 'full' : 'incremental';
  const untilModified = toWallClock(new Date(deps.now().getTime() - opts.lagMs), tzSource);
  let fromModified: string | undefined;
  if (mode === 'since') fromModified = toWallClock(opts.since!, tzSource);
  if (mode === 'incremental') {
    const at = wallClockToInstant(previous!.modified, tzSource);
    if (!at) throw new RunFailedError(`the stored checkpoint "${previous!.modified}" is not a date-time`, 'run `earlypay ingest --full` once');
    fromModified = toWallClock(new Date(at.getTime() - opts.overlapMs), tzSource);
  }
  // A --since later than the checkpoint skips rows; the checkpoint must not jump past them.
  const mayAdvance = mode === 'full' || mode === 'incremental' || (mode === 'since' && previous !== null && fromModified! <= previous.modified);
  const window: ReadWindow = { fromModified, untilModified };
  deps.verbose(`ingest ${mode}: modified ${fromModified ?? '(beginning)'} .. ${untilModified}${opts.dryRun ? ' (dry run)' : ''}`);

  // A dry run on a new prefix has no indices (it creates none): nothing to look up there.
  const salesWereEmpty = (await es.count({ index: names.sales, ignore_unavailable: true })).count === 0;
  const total = deps.countTotal && !opts.rows ? await countWindow(pool, table, window) : undefined;
  const baselines = new WeeklyBaselines(es, names.weeklyAov);
  const thresholds = config.rules;

  const stats: IngestStats = {
    mode, dry_run: opts.dryRun, window: { from: fromModified ?? null, until: untilModified },
    read: 0, accepted: 0, indexed: 0, superseded: 0, rejected: 0, withdrawn: 0, flagged: 0, by_rule: {}, anomalies_cleared: 0,
    days_changed: 0, retried: 0, checkpoint: previous ? { modified: previous.modified, id: previous.id } : null,
    checkpoint_advanced: false, repeated_amount: null, interrupted: false,
  };
  const stopping = (): boolean => {
    if (deps.signal?.aborted) stats.interrupted = true;
    return stats.interrupted;
  };
  const changedDays = new Set<string>();

  // --- validate + rules: one page of rows -> bulk operations ------------------------------
  async function processBatch(rows: SourceRow[]): Promise<BatchOutcome> {
    const at = deps.now().toISOString();
    const outcome: BatchOutcome = { ops: [], accepted: 0, rejected: 0, flagged: 0, byRule: new Map(), cleared: 0, withdrawn: 0, days: new Set(), last: rows[rows.length - 1] };
    const accepted: AcceptedSale[] = [];
    const rejectedIds: string[] = [];
    for (const row of rows) {
      const mapped = mapSourceRow(row, { sourceTz: tzSource, businessTz: config.tz, ingestedAt: at });
      if (mapped.ok) accepted.push(mapped.sale);
      else {
        outcome.rejected++;
        outcome.ops.push(deadLetterOp(names, table, deps.runId, at, row, mapped.rejected, 'validate'));
        if (mapped.rejected.sourceId && /^-?\d+$/.test(mapped.rejected.sourceId)) rejectedIds.push(mapped.rejected.sourceId);
      }
    }
    outcome.accepted = accepted.length;
    if (rejectedIds.length && !salesWereEmpty) await removeNowRejected(rejectedIds, outcome);
    if (accepted.length === 0) return outcome;
    const docs = accepted.map((a) => a.doc);

    // Lookups, one request each per batch: baselines, the stored versions, repeat history.
    await baselines.load(docs);
    const stored = new Map<string, { sale_date: string; anomaly_rules: string[]; version: number }>();
    const history = new Map<string, SaleDocument[]>();
    if (!salesWereEmpty) {
      const res = await es.mget<{ sale_date: string; anomaly_rules: string[] }>({ index: names.sales, ids: docs.map((d) => d.id), _source: ['sale_date', 'anomaly_rules'] });
      for (const d of res.docs) if ('found' in d && d.found && d._source) stored.set(d._id, { ...d._source, version: d._version ?? 0 });
      // A key longer than Lucene can index cannot be searched either (the query would fail the
      // run); its sale is refused when written and goes to the dead letter.
      const keys = [...new Set(docs.filter((d) => d.counted && Buffer.byteLength(d.repeat_key) <= MAX_TERM_BYTES).map((d) => d.repeat_key))];
      for (const [key, group] of await fetchRepeatGroups(es, names.sales, keys)) history.set(key, group.map((g) => g.source));
    }

    // REPEATED_AMOUNT on the way in: stored history plus this batch (the batch's version wins).
    const batchIds = new Set(docs.map((d) => d.id));
    const byKey = new Map<string, SaleDocument[]>();
    for (const d of docs) if (d.counted) byKey.set(d.repeat_key, [...(byKey.get(d.repeat_key) ?? []), d]);
    const repeated = new Map<string, RuleFinding>();
    for (const [key, members] of byKey) {
      const all = [...(history.get(key) ?? []).filter((h) => h.counted && !batchIds.has(h.id)), ...members];
      if (all.length < thresholds.repeatedAmountFrom) continue;
      for (const [id, f] of rankRepeatedAmounts(all, thresholds.repeatedAmountFrom)) if (batchIds.has(id)) repeated.set(id, f);
    }

    const now = deps.now();
    for (const sale of accepted) {
      const doc = sale.doc;
      const findings = evaluateSaleRules(doc, { thresholds, now, baseline: baselines.get(doc.store_id, doc.sale_date) });
      const rep = repeated.get(doc.id);
      if (rep) findings.push(rep);
      doc.anomaly_rules = findings.map((f) => f.rule).sort();
      outcome.days.add(doc.sale_date);
      const version = opts.overwrite ? Math.max(sale.version, stored.get(doc.id)?.version ?? 0) : sale.version;
      outcome.ops.push({ kind: 'index', index: names.sales, id: doc.id, doc, version, versionType: 'external_gte' });
      if (findings.length) outcome.flagged++;
      for (const f of findings) {
        outcome.byRule.set(f.rule, (outcome.byRule.get(f.rule) ?? 0) + 1);
        const { refresh, create } = anomalyUpsert(doc, f, at);
        outcome.ops.push({ kind: 'upsert', index: names.anomalies, id: anomalyId(doc.id, f.rule), doc: refresh, upsert: create });
      }
      const before = stored.get(doc.id);
      if (before) {
        if (before.sale_date !== doc.sale_date) outcome.days.add(before.sale_date);
        for (const rule of before.anomaly_rules ?? []) {
          if (!doc.anomaly_rules.includes(rule)) {
            outcome.cleared++;
            outcome.ops.push({ kind: 'delete', index: names.anomalies, id: anomalyId(doc.id, rule as RuleId) });
          }
        }
      }
    }
    return outcome;
  }

  /** A row that was accepted once and is invalid now: its old document must not linger. */
  async function removeNowRejected(ids: string[], outcome: BatchOutcome): Promise<void> {
    const res = await es.mget<{ sale_date: string; anomaly_rules: string[] }>({ index: names.sales, ids, _source: ['sale_date', 'anomaly_rules'] });
    for (const d of res.docs) {
      if (!('found' in d) || !d.found || !d._source) continue;
      outcome.ops.push({ kind: 'delete', index: names.sales, id: d._id });
      for (const rule of d._source.anomaly_rules ?? []) outcome.ops.push({ kind: 'delete', index: names.anomalies, id: anomalyId(d._id, rule as RuleId) });
      outcome.days.add(d._source.sale_date);
      outcome.withdrawn++;
    }
  }

  function tally(o: BatchOutcome): void {
    stats.withdrawn += o.withdrawn;
    stats.read += o.accepted + o.rejected;
    stats.accepted += o.accepted;
    stats.rejected += o.rejected;
    stats.flagged += o.flagged;
    stats.anomalies_cleared += o.cleared;
    for (const [rule, n] of o.byRule) stats.by_rule[rule] = (stats.by_rule[rule] ?? 0) + n;
    for (const d of o.days) changedDays.add(d);
  }

  // --- sink: write one segment of batches, then checkpoint ------------------------------
  async function writeSegment(outcomes: AsyncIterable<BatchOutcome>): Promise<{ last: SourceRow | undefined; days: Set<string> }> {
    let last: SourceRow | undefined;
    const days = new Set<string>();
    async function* ops(): AsyncGenerator<BulkOp> {
      for await (const o of outcomes) {
        tally(o);
        for (const d of o.days) days.add(d);
        if (o.last) last = o.last;
        deps.onProgress?.({ read: stats.read, total });
        if (!opts.dryRun) yield* o.ops;
      }
    }
    if (opts.dryRun) {
      for await (const _ of ops()) void _;
      return { last, days };
    }
    const result = await writeBulk(es, ops(), { concurrency: opts.concurrency, flushBytes: opts.flushBytes });
    stats.retried += result.retried;
    stats.superseded += result.superseded;
    // A sale is refused when Elasticsearch refuses (4xx other than 429: a mapping error) its
    // document or one of its anomaly documents (`<sale_id>:<rule>`, which carry the same
    // fields); the sale document's own refusal, when there is one, gives the reason.
    const refused = new Map<string, string>();
    const fatal: typeof result.failed = [];
    const salesFirst = [...result.failed].sort((a, b) => Number(b.index === names.sales) - Number(a.index === names.sales));
    for (const f of salesFirst) {
      const perDocument = f.status >= 400 && f.status < 500 && f.status !== 429;
      const saleId = !perDocument ? null : f.index === names.sales ? f.id : f.index === names.anomalies ? f.id.slice(0, f.id.lastIndexOf(':')) : null;
      if (saleId === null) fatal.push(f);
      else if (!refused.has(saleId)) refused.set(saleId, f.reason);
    }
    if (fatal.length) {
      const f = fatal[0]!;
      throw new RunFailedError(
        `Elasticsearch refused ${fatal.length} write(s), e.g. ${f.index}/${f.id}: ${f.reason}`,
        f.status === 429 ? 'the cluster is overloaded; re-run later or lower --concurrency' : 're-run; nothing past the last checkpoint was recorded as done',
      );
    }
    if (refused.size) {
      // The raw row goes to the dead letter, and no part of the sale stays half-written.
      const ids = [...refused.keys()];
      const raw = await readRowsById(pool, table, ids);
      const at = deps.now().toISOString();
      const rules = describeRules(thresholds).map((r) => r.id);
      const ops: BulkOp[] = ids.flatMap((id) => [
        deadLetterOp(names, table, deps.runId, at, raw.get(id) ?? { id }, { sourceId: id, codes: ['ES_REFUSED'], reason: `Elasticsearch refused the document: ${refused.get(id)}` }, 'sink'),
        { kind: 'delete', index: names.sales, id } as const,
        ...rules.map((rule) => ({ kind: 'delete', index: names.anomalies, id: anomalyId(id, rule) }) as const),
      ]);
      const dl = await writeBulk(es, ops);
      if (dl.failed.length) throw new RunFailedError(`could not write the dead letter: ${dl.failed[0]!.reason}`);
      stats.rejected += ids.length;
      stats.accepted -= ids.length;
    }
    return { last, days };
  }

  // Undated rows first: they never reach the cursor.
  for await (const rows of opts.rows ? [] : readUndatedRows(pool, table, opts.batchSize)) {
    if (stopping()) break;
    const o = await processBatch(rows);
    o.last = undefined;
    await writeSegment((async function* () { yield o; })());
  }

  const batches = readAhead(
    (async function* () {
      for await (const rows of readAhead(opts.rows ?? readChangedRows(pool, table, window, opts.batchSize), 1)) yield await processBatch(rows);
    })(),
    1,
  )[Symbol.asyncIterator]();

  let exhausted = false;
  while (!exhausted && !stopping()) {
    let rowsInSegment = 0;
    const segment = (async function* () {
      while (rowsInSegment < opts.segmentRows) {
        // Between batches: what was yielded is written and checkpointed, nothing is half-done.
        if (stopping()) return;
        const next = await batches.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        rowsInSegment += next.value.accepted + next.value.rejected;
        yield next.value;
      }
    })();
    const segmentStarted = Date.now();
    const { last, days } = await writeSegment(segment);
    deps.verbose(`segment: ${rowsInSegment} row(s) ${opts.dryRun ? 'checked' : 'written'} in ${Date.now() - segmentStarted} ms`);
    if (opts.dryRun) continue;
    if (days.size) await state.markChangedDays(days);
    if (last && mayAdvance) {
      const position = { modified: String(last.modified), id: String(last.id) };
      if (!stats.checkpoint || position.modified > stats.checkpoint.modified || (position.modified === stats.checkpoint.modified && BigInt(position.id) > BigInt(stats.checkpoint.id)) || mode === 'full') {
        await state.writeCheckpoint(table, position);
        stats.checkpoint = position;
        stats.checkpoint_advanced = true;
      }
    }
  }
  // Stopped early: the read-ahead is abandoned (its pending page read settles, its cursor closes).
  if (stats.interrupted) await batches.return?.(undefined);
  stats.indexed = Math.max(0, stats.accepted - stats.superseded);
  stats.days_changed = changedDays.size;

  if (!opts.dryRun && changedDays.size) {
    const settleStarted = Date.now();
    stats.repeated_amount = await settleRepeatedAmounts(
      { client: es, names, repeatedAmountFrom: thresholds.repeatedAmountFrom, now: deps.now },
      [...changedDays].sort(),
    );
    deps.verbose(`REPEATED_AMOUNT settled over ${changedDays.size} day(s) in ${Date.now() - settleStarted} ms`);
  }
  return stats;
}
