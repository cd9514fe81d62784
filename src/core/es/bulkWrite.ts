/**
 * Bulk writes outside the ingest stream (anomaly settling, scans, AOV jobs): one call of the
 * client's bulk helper, with what could not be written reported instead of thrown away.
 */
import type { Client } from '@elastic/elasticsearch';
import { RunFailedError } from '../errors';

export type BulkOp =
  | { kind: 'index'; index: string; id: string; doc: object; version?: number; versionType?: 'external' | 'external_gte' }
  | { kind: 'upsert'; index: string; id: string; doc: object; upsert: object }
  | { kind: 'delete'; index: string; id: string };

export interface BulkWriteResult {
  written: number;
  /** Index ops refused because a newer version is already stored (409): not an error. */
  superseded: number;
  /** Deletes of documents that were already gone (404): not an error. */
  alreadyGone: number;
  failed: { id: string; index: string; status: number; reason: string }[];
  retried: number;
}

/** The action line and body the bulk helper needs for one op. */
export function bulkAction(op: BulkOp): [object, object | undefined] {
  switch (op.kind) {
    case 'index':
      return [
        { index: { _index: op.index, _id: op.id, ...(op.version !== undefined ? { version: op.version, version_type: op.versionType ?? 'external_gte' } : {}) } },
        op.doc,
      ];
    case 'upsert':
      return [{ update: { _index: op.index, _id: op.id, retry_on_conflict: 3 } }, { upsert: op.upsert }];
    case 'delete':
      return [{ delete: { _index: op.index, _id: op.id } }, undefined];
  }
}

export interface BulkWriteOptions {
  concurrency?: number;
  flushBytes?: number;
  refresh?: boolean;
  retries?: number;
  wait?: number;
}

const ACTION_LINE = /^\{"(index|create|update|delete)":/;

/**
 * The helper retries documents refused with 429 inside a bulk response, but a bulk request
 * refused as a whole (429 es_rejected_execution_exception: the node's write queue is full)
 * aborts it. This client's bulk() retries those requests with exponential backoff.
 */
function retryingWholeRequests(client: Client, retries: number, wait: number, onRetry: (documents: number) => void): Client {
  const child = client.child({});
  const send = child.bulk.bind(child) as (params: { body?: unknown }, options?: unknown) => Promise<unknown>;
  const bulk = async (params: { body?: unknown }, options?: unknown): Promise<unknown> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send(params, options);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 429) throw err;
        if (attempt >= retries) {
          throw new RunFailedError(`Elasticsearch kept refusing bulk requests (429 too many requests) after ${retries} retries`, 'the cluster is overloaded; re-run later or lower --concurrency');
        }
        const lines = Array.isArray(params.body) ? (params.body as unknown[]) : [];
        onRetry(lines.filter((l) => typeof l === 'string' && ACTION_LINE.test(l)).length);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, wait * 2 ** attempt)));
      }
    }
  };
  return Object.assign(child, { bulk: bulk as unknown as Client['bulk'] });
}

/**
 * Writes ops through `client.helpers.bulk`. 429s are retried (documents by the helper, whole
 * requests by retryingWholeRequests), with backoff; 409 on versioned
 * index ops and 404 on deletes are expected outcomes; everything else is returned in `failed`.
 */
export async function writeBulk(client: Client, ops: Iterable<BulkOp> | AsyncIterable<BulkOp>, options: BulkWriteOptions = {}): Promise<BulkWriteResult> {
  const result: BulkWriteResult = { written: 0, superseded: 0, alreadyGone: 0, failed: [], retried: 0 };
  // The helper serialises the datasource item as the `doc` of an update, so the op travels
  // beside its payload in this map (keyed by the payload object).
  const pending = new WeakMap<object, BulkOp>();
  const touched = new Set<string>();
  async function* payloads(): AsyncGenerator<object> {
    for await (const op of ops as AsyncIterable<BulkOp>) {
      const carrier = op.kind === 'delete' ? { id: op.id } : op.doc;
      pending.set(carrier, op);
      touched.add(op.index);
      yield carrier;
    }
  }
  const retries = options.retries ?? 8;
  const wait = options.wait ?? 1_000;
  let wholeRequestRetries = 0;
  const writer = retryingWholeRequests(client, retries, wait, (n) => (wholeRequestRetries += n));
  const stats = await writer.helpers.bulk<object>({
    datasource: payloads(),
    concurrency: options.concurrency ?? 2,
    flushBytes: options.flushBytes ?? 5_000_000,
    retries,
    wait,
    // The helper reads only these of each item; the rest (index, id, shards, seq_no) was a
    // tenth of the CLI's time in parsing responses.
    filter_path: 'errors,items.*.status,items.*.error,items.*.result',
    onDocument(carrier) {
      const op = pending.get(carrier)!;
      const [action, body] = bulkAction(op);
      return (body === undefined ? action : [action, body]) as never;
    },
    onDrop(dropped) {
      const action = dropped.operation as unknown as Record<string, { _id?: string; _index?: string }>;
      const kind = Object.keys(action)[0]!;
      const meta = action[kind]!;
      if (dropped.status === 409 && kind === 'index') {
        result.superseded++;
        return;
      }
      if (dropped.status === 404 && kind === 'delete') {
        result.alreadyGone++;
        return;
      }
      const err = dropped.error as { type?: string; reason?: string } | null;
      result.failed.push({ id: meta._id ?? '', index: meta._index ?? '', status: dropped.status, reason: err ? `${err.type}: ${err.reason}` : `status ${dropped.status}` });
    },
  });
  // The helper's refreshOnCompletion refreshes every index of the cluster; only ours need it.
  if (options.refresh && touched.size) await client.indices.refresh({ index: [...touched] });
  result.written = stats.successful;
  result.retried = stats.retry + wholeRequestRetries;
  return result;
}
