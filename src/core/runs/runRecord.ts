/** One document per command run in `earlypay-runs`: what ran, with which arguments, how it ended. */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';

export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface RunDocument {
  run_id: string;
  command: string;
  args: Record<string, unknown>;
  started_at: string;
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
}

export function newRunId(command: string, now = new Date()): string {
  return `${command}-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}

export class RunRecorder {
  readonly doc: RunDocument;

  constructor(
    private readonly client: Client,
    private readonly index: string,
    command: string,
    args: Record<string, unknown>,
    version: string,
  ) {
    const now = new Date();
    this.doc = {
      run_id: newRunId(command, now),
      command,
      args,
      started_at: now.toISOString(),
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
    await this.client.index({ index: this.index, id: this.doc.run_id, document: this.doc });
  }

  /** Best effort: a run that failed because Elasticsearch is down cannot record that in Elasticsearch. */
  async finish(result: { status: RunStatus; exitCode: number; counts?: Record<string, unknown>; summary?: string; error?: string }): Promise<void> {
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
    try {
      await this.client.index({ index: this.index, id: this.doc.run_id, document: this.doc, refresh: true });
    } catch {
      /* nothing more to do: the exit code and stderr carry the failure */
    }
  }
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
  const buckets = (res.aggregations?.by_command as { buckets: { last: { hits: { hits: { _source: RunDocument }[] } } }[] } | undefined)?.buckets ?? [];
  return buckets.map((b) => b.last.hits.hits[0]!._source);
}
