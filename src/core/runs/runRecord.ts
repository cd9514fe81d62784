/** One document per command run in `earlypay-runs`: what ran, with which arguments, how it ended. */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { SELF_FENCED, settledWithin } from '../es/client';
import type { DocVersion } from '../state/store';
import { CLOSING_WRITE_MS, goneReason, heartbeatEvery, processAlive } from './liveness';

/**
 * `interrupted`: stopped by SIGINT/SIGTERM at a safe point. `abandoned`: its process vanished
 * while `running` (kill -9, a crash, a reboot), as found by the next run of the same job.
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'abandoned';

export interface RunDocument {
  run_id: string;
  command: string;
  args: Record<string, unknown>;
  started_at: string;
  /** Refreshed while the run is alive, so a vanished process shows (see liveness.ts). */
  heartbeat_at?: string;
  ended_at?: string;
  duration_ms?: number;
  status: RunStatus;
  exit_code?: number;
  counts?: Record<string, unknown>;
  summary?: string;
  error?: string;
  host: string;
  pid: number;
  version: string;
  /** The business time zone of the run (`--tz`): days were cut in it. */
  tz?: string;
}

export function newRunId(command: string, now = new Date()): string {
  return `${command}-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}

export class RunRecorder {
  readonly doc: RunDocument;
  private heartbeat: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** The version of the run document this run wrote last: every write is made over it. */
  private version: DocVersion | null = null;
  /** Another run recorded this one meanwhile (abandoned, its heartbeat stale): the record is theirs. */
  private recordedByAnother = false;

  constructor(
    private readonly client: Client,
    private readonly index: string,
    command: string,
    args: Record<string, unknown>,
    version: string,
    private readonly staleAfterMs: number,
  ) {
    const now = new Date();
    this.doc = {
      run_id: newRunId(command, now),
      command,
      args,
      started_at: now.toISOString(),
      heartbeat_at: now.toISOString(),
      status: 'running',
      host: hostname(),
      pid: process.pid,
      version,
    };
  }

  get runId(): string {
    return this.doc.run_id;
  }

  async start(): Promise<void> {
    const res = await this.client.index(
      { index: this.index, id: this.doc.run_id, document: this.doc, op_type: 'create', require_alias: true },
      SELF_FENCED,
    );
    this.version = { seqNo: res._seq_no!, primaryTerm: res._primary_term! };
    this.heartbeat = setInterval(() => {
      if (this.beating || !this.version) return;
      const over = this.version;
      this.doc.heartbeat_at = new Date().toISOString();
      this.beating = this.client
        .update(
          {
            index: this.index,
            id: this.doc.run_id,
            doc: { heartbeat_at: this.doc.heartbeat_at },
            require_alias: true,
            if_seq_no: over.seqNo,
            if_primary_term: over.primaryTerm,
          },
          SELF_FENCED,
        )
        .then(
          (r) => {
            this.version = { seqNo: r._seq_no!, primaryTerm: r._primary_term! };
          },
          (err: unknown) => {
            if ((err as { statusCode?: number }).statusCode === 409) this.recordedByAnother = true;
            /* otherwise the run fails on its own ES errors; the heartbeat just goes stale */
          },
        )
        .finally(() => (this.beating = undefined));
    }, heartbeatEvery(this.staleAfterMs));
    this.heartbeat.unref();
  }

  /**
   * Records how the run ended, over the version this run wrote last, within CLOSING_WRITE_MS:
   * best effort (a run that failed because Elasticsearch is down cannot record that in
   * Elasticsearch), and never over what another run recorded meanwhile.
   */
  async finish(result: {
    status: RunStatus;
    exitCode: number;
    counts?: Record<string, unknown>;
    summary?: string;
    error?: string;
  }): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await settledWithin(this.beating, CLOSING_WRITE_MS);
    const ended = new Date();
    Object.assign(this.doc, {
      status: result.status,
      exit_code: result.exitCode,
      counts: result.counts,
      summary: result.summary,
      error: result.error,
      ended_at: ended.toISOString(),
      duration_ms: ended.getTime() - Date.parse(this.doc.started_at),
    });
    const over = this.version;
    if (!over || this.recordedByAnother) return;
    try {
      await this.client.index(
        {
          index: this.index,
          id: this.doc.run_id,
          document: this.doc,
          if_seq_no: over.seqNo,
          if_primary_term: over.primaryTerm,
          refresh: true,
          require_alias: true,
        },
        { ...SELF_FENCED, requestTimeout: CLOSING_WRITE_MS, maxRetries: 0 },
      );
    } catch {
      /* nothing more to do: the exit code and stderr carry the failure */
    }
  }
}

/** Why a `running` run's process is gone, seen from this host now; undefined if it may be alive. */
export function runGoneReason(run: RunDocument, now: number, staleAfterMs: number): string | undefined {
  if (run.status !== 'running') return undefined;
  return goneReason(
    { host: run.host, pid: run.pid, heartbeatAt: run.heartbeat_at, startedAt: run.started_at },
    { host: hostname(), now, alive: processAlive, staleAfterMs },
  );
}

/**
 * Records every `running` run of this command whose process is gone as `abandoned`. Called by
 * the next run once it holds the job's lock, so no live run of the job can be among them.
 */
export async function abandonGoneRuns(
  client: Client,
  index: string,
  command: string,
  byRunId: string,
  staleAfterMs: number,
): Promise<{ run: RunDocument; reason: string }[]> {
  const res = await client.search<RunDocument>({
    index,
    size: 100,
    query: { bool: { filter: [{ term: { command } }, { term: { status: 'running' } }] } },
    sort: [{ started_at: 'asc' }],
    seq_no_primary_term: true,
  });
  const abandoned: { run: RunDocument; reason: string }[] = [];
  for (const hit of res.hits.hits) {
    const run = hit._source!;
    const reason = hit._id === byRunId ? undefined : runGoneReason(run, Date.now(), staleAfterMs);
    if (!reason) continue;
    const last = run.heartbeat_at ?? run.started_at;
    const doc: Partial<RunDocument> = {
      status: 'abandoned',
      ended_at: last,
      duration_ms: Math.max(0, Date.parse(last) - Date.parse(run.started_at)),
      error: `abandoned: ${reason}; found by run ${byRunId}`,
    };
    // Only if nobody changed it meanwhile (it may have just finished after all).
    await client.update(
      {
        index,
        id: hit._id!,
        doc,
        if_seq_no: hit._seq_no,
        if_primary_term: hit._primary_term,
        refresh: true,
        require_alias: true,
      },
      { ignore: [409] },
    );
    abandoned.push({ run: { ...run, ...doc }, reason });
  }
  return abandoned;
}

/** The most recent run of each command, for `doctor`. */
export async function lastRuns(client: Client, index: string): Promise<RunDocument[]> {
  const res = await client.search<RunDocument>({
    index,
    size: 0,
    aggs: {
      by_command: {
        terms: { field: 'command', size: 50 },
        aggs: { last: { top_hits: { size: 1, sort: [{ started_at: 'desc' }] } } },
      },
    },
  });
  const buckets =
    (
      res.aggregations?.by_command as
        | { buckets: { last: { hits: { hits: { _source: RunDocument }[] } } }[] }
        | undefined
    )?.buckets ?? [];
  return buckets.map((b) => b.last.hits.hits[0]!._source);
}
