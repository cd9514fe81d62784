#!/usr/bin/env node
'use strict';
// `node bench/stages.js <mysql-url>` (run by bench/run.ts with bin/earlypay's node flags and environment): the
// CLI's own work per row without Elasticsearch — the floor under ingest's CLI CPU per row.
//
// The ingest's stages run in-process over the table as a full ingest reads it (pages of
// --batch-size in primary-key order, the next page read ahead): read (MySQL and mysql2's parsing:
// a row arrives as one Buffer, its canonical encoding), map (the row decoded out of it,
// validation, the document and its fingerprint), judge (rules, text_grams, the repeat keys counted
// and bulk operations, into empty indices: nothing stored), serialize (the NDJSON lines into a
// request-sized buffer, as the bulk writer fills one). Then, over the same rows held in memory,
// the costliest parts of mapping timed alone. Garbage collection is counted where it happens (the
// stage whose allocation triggered it), and its pause time reported beside. Prints one JSON object
// on stdout.
const { PerformanceObserver } = require('node:perf_hooks');
const { createMysqlPool } = require('../dist/core/source/mysql');
const { readPlan } = require('../dist/core/ingest/read');
const { EncodedRows, describeSourceTable } = require('../dist/core/source/query');
const { mapPage, judgePage, lookupKeys } = require('../dist/core/ingest/judge');
const { Lookups } = require('../dist/core/ingest/lookups');
const { planIngest } = require('../dist/core/ingest/plan');
const { RepeatCandidates } = require('../dist/core/rules/repeatCandidates');
const { INGEST_DEFAULTS } = require('../dist/core/ingest/pipeline');
const { writeLines } = require('../dist/core/es/bulkWrite');
const { JsonBytes } = require('../dist/core/codec/jsonBytes');
const { writeSaleJson } = require('../dist/core/sales/saleJson');
const { indexNames } = require('../dist/core/config/indexNames');
const { resolveConfig } = require('../dist/core/config/config');
const { rowFingerprint } = require('../dist/core/source/fingerprint');
const { textGrams } = require('../dist/core/sales/hangulGrams');
const { mapSourceRow } = require('../dist/core/sales/saleDocument');

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const KEPT_ROWS = 20_000;

async function main() {
  const config = resolveConfig({ mysqlUrl: process.argv[2] }, {});
  const pool = createMysqlPool(config);
  // Closed whatever happens: an open pool keeps the process alive, and run.ts waits for it to end.
  try {
    await measure(config, pool);
  } finally {
    await pool.end();
  }
}

async function measure(config, pool) {
  const now = new Date();
  const ctx = {
    names: indexNames('bench-stages'),
    table: config.table,
    runId: 'bench-stages',
    sourceTz: config.sourceTz,
    businessTz: config.tz,
    thresholds: config.rules,
    now,
    overwrite: false,
    // As ingest into an empty sales index counts the repeat keys of the sales it writes.
    repeats: new RepeatCandidates(config.rules.repeatedAmountFrom),
  };
  // Ingest's own lookups into empty indices: nothing stored, nothing asked of Elasticsearch.
  const lookups = new Lookups(undefined, ctx.names, { sales: true, deadLetters: true, baselines: true });
  // `ingest --full --lag 0s`, as bench/run.ts runs it.
  const plan = planIngest({ previous: null, full: true, now, lagMs: 0, overlapMs: 0, sourceTz: config.sourceTz });
  // As the bulk writer fills a request: one buffer of the flush size, reused.
  const out = new JsonBytes(Buffer.allocUnsafe(INGEST_DEFAULTS.flushBytes + 1_000_000));
  const t = { read: 0, map: 0, judge: 0, serialize: 0 };
  const kept = [];
  let rows = 0;
  gcMs = 0;
  const started = cpuMs();
  let mark = started;
  const source = await describeSourceTable(pool, config.table);
  for await (const page of readPlan(pool, source, plan, INGEST_DEFAULTS.batchSize)) {
    const afterRead = cpuMs();
    t.read += afterRead - mark;
    const mapped = mapPage(page.rows, ctx);
    const afterMap = cpuMs();
    t.map += afterMap - afterRead;
    const outcome = judgePage(mapped, await lookups.forBatch(lookupKeys(mapped, ctx)), ctx);
    const afterJudge = cpuMs();
    t.judge += afterJudge - afterMap;
    for (const op of outcome.ops) {
      if (out.length >= INGEST_DEFAULTS.flushBytes) out.length = 0;
      writeLines(op, out);
    }
    mark = cpuMs();
    t.serialize += mark - afterJudge;
    rows += page.rows.length;
    if (kept.length < KEPT_ROWS) kept.push(...page.rows.encodings);
  }
  await new Promise((resolve) => setImmediate(resolve));
  const total = cpuMs() - started;
  const pipelineGcMs = gcMs;

  // The costliest parts, each alone over rows held in memory (the first KEPT_ROWS: the heap is the
  // CLI's), warm: the least of three passes.
  const mapOptions = { sourceTz: ctx.sourceTz, businessTz: ctx.businessTz, ingestedAt: ctx.now.toISOString() };
  // As ingest's pages hold them: decoded and fingerprinted by EncodedRows (source/query.ts).
  const keptPage = new EncodedRows(kept, source.kinds, source.name);
  const indices = kept.map((_, i) => i);
  const keptRows = indices.map((i) => keptPage.row(i));
  const docs = keptRows
    .map((r, i) => mapSourceRow(r, mapOptions, keptPage.fingerprint(i)))
    .filter((m) => m.ok)
    .map((m) => m.sale.doc);
  const alone = {};
  for (const [name, items, f] of [
    ['decodeColumns (a row out of its encoding)', indices, (i) => keptPage.row(i).id !== undefined],
    ['fingerprintOf (MD5 of the encoding)', indices, (i) => keptPage.fingerprint(i)],
    ['mapSourceRow (all of mapping but the fingerprint)', keptRows, (r) => mapSourceRow(r, mapOptions, 0).ok],
    [
      'rowFingerprint (encoding a row in JavaScript, as mapSourceRow does for rows without one)',
      keptRows,
      (r) => rowFingerprint(r),
    ],
    ['textGrams', keptRows, (r) => textGrams([r.remark, r.result_msg, r.raw_data]).length],
    [
      'writeSaleJson',
      docs,
      (d) => {
        if (out.length >= INGEST_DEFAULTS.flushBytes) out.length = 0;
        writeSaleJson(d, out);
        return true;
      },
    ],
    ['JSON.stringify of the document (what writeSaleJson replaced)', docs, (d) => JSON.stringify(d).length],
  ]) {
    let sink = 0;
    for (let pass = 0; pass < 3; pass++) {
      const before = cpuMs();
      for (const item of items) sink += f(item) ? 1 : 0;
      alone[name] = Math.min(alone[name] ?? Infinity, ((cpuMs() - before) * 1000) / items.length);
    }
    if (sink < 0) throw new Error('unreachable');
  }
  const us = (ms) => (ms * 1000) / rows;
  process.stdout.write(
    `${JSON.stringify({
      rows,
      totalUs: us(total),
      stagesUs: { read: us(t.read), map: us(t.map), judge: us(t.judge), serialize: us(t.serialize) },
      gcPauseUs: us(pipelineGcMs),
      aloneUs: alone,
      aloneRows: kept.length,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
