#!/usr/bin/env node
'use strict';
// `node bench/reference.js <mysql-url> <es-url> <index> <concurrency>` (run by bench/run.ts with
// bin/earlypay's node flags and environment): issue 12's reference — "a bare Node loader on the
// same data: mysql2 keyset pages of 2,000 rows, the product's own mapSourceRow, one NDJSON
// string built per batch, _bulk through the client's transport at concurrency 2", which the
// issue measured at 17 µs of CPU a row. Run in the same benchmark as the CLI, its CPU per row
// tells how fast this machine is against the one the targets were set on; the CLI's
// CPU per row divided by it does not depend on the machine. Streams (nothing read beforehand);
// prints {"docs":N} on stdout and, like measure.js, its CPU time and peak RSS on fd 3. It reads
// the columns with mysql2, as the loader did, not through the product's reader (which
// has MySQL send each row as its canonical encoding): mapSourceRow then fingerprints each row.
require('./exitReport');
const { Client } = require('@elastic/elasticsearch');
const { createMysqlPool } = require('../dist/core/source/mysql');
const { SOURCE_COLUMN_LIST, sourceRowOf } = require('../dist/core/source/query');
const { mapSourceRow } = require('../dist/core/sales/saleDocument');
const { INGEST_DEFAULTS } = require('../dist/core/ingest/pipeline');
const { resolveConfig } = require('../dist/core/config/config');

async function main() {
  const [mysqlUrl, esUrl, index, concurrency] = process.argv.slice(2);
  const es = new Client({ node: esUrl });
  // The table and zones as the CLI resolves them (its defaults), as bench/run.ts's bare loader does.
  const config = resolveConfig({ mysqlUrl }, {});
  const pool = createMysqlPool(config);
  const opts = { sourceTz: config.sourceTz, businessTz: config.tz, ingestedAt: new Date().toISOString() };
  const inFlight = new Set();
  let docs = 0;
  let failed = 0;
  const post = (body) => {
    const request = es.transport
      .request({ method: 'POST', path: '/_bulk', bulkBody: body }, { requestTimeout: 120_000 })
      .then((res) => {
        if (res.errors) failed += res.items.filter((i) => Object.values(i)[0].status >= 300).length;
        inFlight.delete(request);
      });
    inFlight.add(request);
  };
  try {
    let after = null;
    for (;;) {
      const [page] = await pool.query(
        {
          sql:
            `SELECT ${SOURCE_COLUMN_LIST} FROM \`${config.table}\` WHERE ` +
            `${after ? '(modified = ? AND id > ?) OR modified > ?' : "modified >= '1000-01-01 00:00:00'"} ORDER BY ` +
            `modified, id LIMIT ?`,
          rowsAsArray: true,
        },
        after ? [after.modified, after.id, after.modified, INGEST_DEFAULTS.batchSize] : [INGEST_DEFAULTS.batchSize],
      );
      if (page.length === 0) break;
      const rows = page.map(sourceRowOf);
      const last = rows[rows.length - 1];
      after = { modified: last.modified, id: last.id };
      let body = '';
      for (const row of rows) {
        const mapped = mapSourceRow(row, opts);
        if (!mapped.ok) continue;
        docs++;
        const { doc, version } = mapped.sale;
        const action = { index: { _index: index, _id: doc.id, version, version_type: 'external_gte' } };
        body += `${JSON.stringify(action)}\n${JSON.stringify(doc)}\n`;
      }
      if (body) post(body);
      while (inFlight.size >= Number(concurrency)) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await pool.end();
    await es.close();
  }
  if (failed) throw new Error(`${failed} document(s) failed`);
  process.stdout.write(`${JSON.stringify({ docs })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
