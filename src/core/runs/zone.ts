/**
 * The business time zone the sales were cut into days with. Each run document records the
 * zone its run used (`tz`); the sales' `sale_date` is the one the last ingest gave them, so a
 * job that compares or adds days (reconcile, an incremental ingest) checks its zone against it.
 */
import type { Client } from '@elastic/elasticsearch';
import type { RunDocument } from './runRecord';

export interface DataZone {
  tz: string;
  /** The ingest run that used it last. */
  runId: string;
  startedAt: string;
}

/**
 * The zone of the last ingest that may have written (any but a usage error); undefined before
 * any recorded one (runs before this version did not).
 */
export async function ingestZone(client: Client, runsIndex: string): Promise<DataZone | undefined> {
  const res = await client.search<RunDocument>(
    {
      index: runsIndex,
      size: 1,
      query: {
        bool: {
          filter: [{ term: { command: 'ingest' } }, { exists: { field: 'tz' } }],
          // refused before writing anything (a usage error: this very check, for one)
          must_not: [{ term: { exit_code: 2 } }],
        },
      },
      sort: [{ started_at: 'desc' }],
      _source: ['run_id', 'started_at', 'tz'],
    },
    { ignore: [404] },
  );
  const run = res.hits?.hits[0]?._source;
  return run?.tz ? { tz: run.tz, runId: run.run_id, startedAt: run.started_at } : undefined;
}
