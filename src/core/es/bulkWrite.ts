/**
 * The one bulk writer of the product (ingest's sink, anomaly settling, scans, AOV jobs, repairs).
 *
 * Each op is serialized once into its NDJSON lines as it arrives; the lines are posted through
 * the client's transport in bodies of about `flushBytes`, `concurrency` requests in flight (the
 * caller waits when they are all busy and a body more is ready, so memory stays bounded); a run
 * can be cut into segments (`seal`), each answered with its own outcomes. The client's bulk helper
 * is not used: it keeps every document as an object and its lines as strings until the response
 * (docs/performance.md "The bulk writer").
 *
 * Outcomes per document, sorted by cause: written; superseded (409 on a versioned index op: a
 * newer version is stored); already gone (404 on a delete); refused (400: the document itself —
 * a mapping or parse error — returned in `refused` for the caller's policy, never thrown away);
 * 429, for a whole request or for single documents of a response, retried with the product's one
 * backoff policy (client.ts). Anything else — a write block or another cluster block, an
 * authorisation error, a missing index (every write requires an alias, so Elasticsearch never
 * makes one up with dynamic mappings), 429 after the last retry, a 5xx — fails the request, and
 * with it the writer: it sends nothing more, and every segment not answered yet fails.
 */
import type { Client } from '@elastic/elasticsearch';
import { RETRIES_ON_429, backoffMs, retryOn429, sleep } from './client';
import { JsonBytes, asciiBytes } from '../codec/jsonBytes';
import { RunFailedError } from '../errors';

export type BulkOp =
  | {
      kind: 'index';
      index: string;
      id: string;
      doc: object;
      version?: number;
      versionType?: 'external' | 'external_gte';
      /**
       * Writes `doc`'s JSON (exactly JSON.stringify's bytes) straight into the request: ingest's
       * sales (sales/saleJson.ts). Given the doc, so that an op needs no closure of its own.
       */
      writeDoc?: (doc: object, out: JsonBytes) => void;
    }
  | { kind: 'upsert'; index: string; id: string; doc: object; upsert: object }
  | {
      kind: 'delete';
      index: string;
      id: string;
      /**
       * A delete at the document's external version leaves a tombstone of that version, which a
       * write at the same or a later version replaces (an unversioned delete bumps the version
       * past it, and the row's next write is refused as older for `index.gc_deletes`).
       */
      version?: number;
      versionType?: 'external' | 'external_gte';
    };

/** A document Elasticsearch refused for what it is (400: a mapping or parse error). */
export interface Refusal {
  index: string;
  id: string;
  status: number;
  reason: string;
}

export interface BulkWriteResult {
  written: number;
  /** Versioned index ops and deletes refused because a newer version is already stored (409): not an error. */
  superseded: number;
  /** Deletes of documents that were already gone (404): not an error. */
  alreadyGone: number;
  /** Documents refused for what they are: the caller's policy decides (writeBulk fails on them). */
  refused: Refusal[];
  retried: number;
}

/** One op as NDJSON text (the bench's bare loader posts these lines). */
export function bulkLines(op: BulkOp): string {
  const out = new JsonBytes(Buffer.allocUnsafe(1_024));
  writeLines(op, out);
  return out.buffer.toString('utf8', 0, out.length);
}

const LINE = {
  index: asciiBytes('{"index":{"_index":'),
  update: asciiBytes('{"update":{"_index":'),
  delete: asciiBytes('{"delete":{"_index":'),
  id: asciiBytes(',"_id":'),
  version: asciiBytes(',"version":'),
  versionType: asciiBytes(',"version_type":"'),
  upsertEnd: asciiBytes(',"retry_on_conflict":3}}\n{"doc":'),
  upsert: asciiBytes(',"upsert":'),
  end: asciiBytes('}}\n'),
};

/**
 * Writes an op's lines into `out`, the action line then the document's: piece by piece, without
 * building either as a string first (each was a copy of the document's JSON, or of its ids).
 * The writer's bodies are made of these (bench/stages.js measures them alone).
 */
export function writeLines(op: BulkOp, out: JsonBytes): void {
  out.bytes(op.kind === 'index' ? LINE.index : op.kind === 'upsert' ? LINE.update : LINE.delete);
  out.string(op.index);
  out.bytes(LINE.id);
  out.string(op.id);
  if (op.kind !== 'upsert' && op.version !== undefined) {
    out.bytes(LINE.version);
    out.number(op.version);
    out.bytes(LINE.versionType);
    out.ascii(op.versionType ?? 'external_gte');
    out.ascii('"');
  }
  switch (op.kind) {
    case 'index':
      out.bytes(LINE.end);
      if (op.writeDoc) op.writeDoc(op.doc, out);
      else out.text(JSON.stringify(op.doc));
      out.ascii('\n');
      return;
    case 'upsert':
      out.bytes(LINE.upsertEnd);
      out.text(JSON.stringify(op.doc));
      out.bytes(LINE.upsert);
      out.text(JSON.stringify(op.upsert));
      out.ascii('}\n');
      return;
    case 'delete':
      out.bytes(LINE.end);
  }
}

export interface BulkWriteOptions {
  concurrency?: number;
  /** Body size in bytes at which a request is sent. */
  flushBytes?: number;
  refresh?: boolean;
  /**
   * Every op names an alias (the default): a missing alias fails the write instead of
   * Elasticsearch creating an index of that name with dynamic mappings. Only `setup`, copying
   * into a versioned index, writes to a concrete index.
   */
  requireAlias?: boolean;
}

/** Room in a body's buffer beyond `flushBytes`, for the op that crosses it (a sale with a large raw_data). */
const BODY_SLACK = 1_048_576;

/** The response fields read: the rest (index, id, shards, seq_no) was a tenth of the CLI's time in parsing. */
const FILTER_PATH = 'errors,items.*.status,items.*.error';

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

/** What to do about a write Elasticsearch would not take, by its cause. */
function hintFor(status: number, type: string | undefined, index: string): string {
  const rerun = 're-run once it is fixed; nothing past the last checkpoint was recorded as done';
  if (type === 'cluster_block_exception')
    return (
      `a block stops writes to ${index} (index.blocks.write, or read_only_allow_delete when a disk is full): ` +
      `lift it and ${rerun}`
    );
  if (status === 401 || status === 403 || type === 'security_exception')
    return `the Elasticsearch user may not write to ${index}: grant it write on the earlypay indices; ${rerun}`;
  if (type === 'index_not_found_exception') return `${index} is missing: run \`earlypay setup\`, then re-run`;
  if (status === 429) return 'the cluster is overloaded; re-run later or lower --concurrency';
  if (status >= 500) return `the cluster could not take the writes (\`earlypay doctor\` shows its health); ${rerun}`;
  return rerun;
}

/** A write of a bulk response that fails the request (not refused for the document, not retried). */
export function bulkItemFailure(
  target: { index: string; id: string },
  status: number,
  item?: BulkItem,
): RunFailedError {
  const err = item?.error;
  const reason = err ? `${err.type}: ${err.reason}` : `status ${status}`;
  return new RunFailedError(
    `Elasticsearch refused a write (${status}) to ${target.index}/${target.id}: ${reason}`,
    hintFor(status, err?.type, target.index),
  );
}

/**
 * A request body being filled: the NDJSON is written into one Buffer as each op arrives, so the
 * op's text dies young instead of living (and being promoted, and marked) until the response —
 * garbage collection was a third of ingest's CPU. `ends[i]` is where op i's lines end: all a
 * body keeps of its ops. Their kinds come back in the response; an op's index and id are read
 * from its action line when it fails (an object an op kept them, and a body lived long enough
 * for every one of them to be promoted: most of what ingest's collections promoted).
 */
class Body {
  readonly out: JsonBytes;
  readonly ends: number[] = [];

  constructor(buffer: Buffer) {
    this.out = new JsonBytes(buffer);
  }

  get buffer(): Buffer {
    return this.out.buffer;
  }

  get length(): number {
    return this.out.length;
  }

  get ops(): number {
    return this.ends.length;
  }

  append(op: BulkOp): void {
    writeLines(op, this.out);
    this.ends.push(this.out.length);
  }
}

/** Op i's lines in a payload whose ops end at `ends`. */
function linesOf(payload: Buffer, ends: readonly number[], i: number): Buffer {
  return payload.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
}

/** The index and id an op's action line names (`{"index":{"_index":…,"_id":…}}`). */
function target(lines: Buffer): { index: string; id: string } {
  const action = JSON.parse(lines.toString('utf8', 0, lines.indexOf(0x0a))) as Record<
    string,
    { _index: string; _id: string }
  >;
  const named = Object.values(action)[0]!;
  return { index: named._index, id: named._id };
}

/** Bodies appended since the last `seal`, and what became of their ops once all are answered. */
class Segment {
  readonly result: BulkWriteResult = { written: 0, superseded: 0, alreadyGone: 0, refused: [], retried: 0 };
  /** Bodies of the segment not answered yet. */
  open = 0;
  sealed = false;
  readonly done: Promise<void>;
  resolve!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  /** No more bodies: the segment ends with its last one (at once when none is open). */
  seal(): void {
    this.sealed = true;
    if (this.open === 0) this.resolve();
  }

  /** A body of the segment ended: the last one of a sealed segment ends it. */
  ended(): void {
    if (--this.open === 0 && this.sealed) this.resolve();
  }
}

/**
 * Bodies that filled up may wait for a free request this many at a time before `drain` makes the caller wait (see
 * `drain`).
 */
const READY_AHEAD = 1;

export class BulkWriter {
  private body: Body;
  private segment = new Segment();
  /**
   * Request buffers whose requests have ended, for the next bodies: a large run then allocates
   * `concurrency + 1 + READY_AHEAD` of them in all instead of a few MB a request (growing each
   * by doubling), whose external memory made V8 collect garbage early.
   */
  private readonly spare: Buffer[] = [];
  private inFlight = 0;
  /** Callers of `drain` waiting for a request to end. */
  private waiting: (() => void)[] = [];
  /** Bodies that filled up (or were sealed), in order, each with its segment, waiting for a free request. */
  private readonly ready: { body: Body; segment: Segment }[] = [];
  private readonly touched = new Set<string>();
  private failure: { error: unknown } | undefined;
  /** Aborts the requests in flight once the writer has failed (or is abandoned). */
  private readonly inFlightAbort = new AbortController();
  private readonly concurrency: number;
  private readonly flushBytes: number;
  private readonly querystring: Record<string, string>;

  constructor(
    private readonly client: Client,
    options: BulkWriteOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.flushBytes = options.flushBytes ?? 5_000_000;
    this.querystring = {
      filter_path: FILTER_PATH,
      ...(options.requireAlias === false ? {} : { require_alias: 'true' }),
    };
    this.body = this.newBody();
  }

  /** The first failure, once there is one: nothing more is sent after it. */
  get failed(): unknown {
    return this.failure?.error;
  }

  /**
   * Fails the writer with `reason` (the first failure wins): nothing more is sent, the requests
   * in flight are aborted instead of being waited for, and every segment not answered yet fails.
   */
  abort(reason: unknown): void {
    this.failure ??= { error: reason };
    this.inFlightAbort.abort();
    this.sendReady();
  }

  /**
   * A body's buffer holds `flushBytes` and the op that crosses it: room for it all from the start
   * (an op larger than BODY_SLACK grows it), as pages the writer touches only as it fills them;
   * growing it by doubling copied it over and over.
   */
  private newBody(): Body {
    return new Body(this.spare.pop() ?? Buffer.allocUnsafe(this.flushBytes + BODY_SLACK));
  }

  /**
   * Serializes ops into request bodies, all of them at once: a body that fills up is sent as soon
   * as a request is free. So the caller can let go of the ops (and their documents) before it
   * waits, and no scavenge copies them (docs/performance.md "The bulk writer").
   */
  append(ops: Iterable<BulkOp>): void {
    for (const op of ops) {
      this.body.append(op);
      this.touched.add(op.index);
      if (this.body.length >= this.flushBytes) this.queue();
    }
    this.sendReady();
  }

  /**
   * Waits while more than READY_AHEAD full bodies wait for a free request (all `concurrency`
   * are in flight). A body that is ready is sent the moment a request ends, from that request's
   * answer, not when the caller next looks: Elasticsearch is never left idle while the next body
   * is filled (docs/performance.md "The bulk writer").
   */
  async drain(): Promise<void> {
    while (this.ready.length > READY_AHEAD) {
      this.throwIfFailed();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.throwIfFailed();
  }

  /** Adds ops; resolves once they are buffered or sent (waits as `drain` does). */
  async write(ops: Iterable<BulkOp>): Promise<void> {
    this.append(ops);
    await this.drain();
  }

  /**
   * Ends a segment: what was appended since the last seal is sent (the body being filled too,
   * however small), and the promise answers once every one of its requests has, with their
   * outcomes; it rejects when a request failed (the first failure: every later segment rejects
   * too). Appending goes on meanwhile, into the next segment: ingest seals each checkpointed
   * segment and keeps Elasticsearch busy while the segment's last requests are answered.
   * `writeBulk` seals once, at the end.
   */
  seal(): Promise<BulkWriteResult> {
    if (this.body.ops) this.queue();
    const segment = this.segment;
    segment.seal();
    this.segment = new Segment();
    this.sendReady();
    return segment.done.then(() => {
      this.throwIfFailed();
      return segment.result;
    });
  }

  /** Refreshes the indices written to (only ours: refreshing all would touch every index of the cluster). */
  async refresh(): Promise<void> {
    if (this.touched.size) await this.client.indices.refresh({ index: [...this.touched] });
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** The body being filled goes to the ready queue, in its segment. */
  private queue(): void {
    this.segment.open++;
    this.ready.push({ body: this.body, segment: this.segment });
    this.body = this.newBody();
  }

  /** Sends ready bodies while fewer than `concurrency` requests are in flight. After a failure nothing more is sent. */
  private sendReady(): void {
    if (this.failure) {
      // The bodies never sent end their segments, which then reject.
      for (let r = this.ready.shift(); r; r = this.ready.shift()) r.segment.ended();
      return;
    }
    while (this.ready.length && this.inFlight < this.concurrency) {
      const { body, segment } = this.ready.shift()!;
      this.inFlight++;
      void this.send(body.buffer.subarray(0, body.length), body.ends, segment.result)
        .catch((error: unknown) => {
          if (!this.failure) this.abort(error);
        })
        .finally(() => {
          this.inFlight--;
          // A body grown for an op larger than BODY_SLACK is let go: kept, each one would hold that much for the run.
          if (body.buffer.length <= this.flushBytes + BODY_SLACK) this.spare.push(body.buffer);
          this.sendReady();
          segment.ended();
          const waiting = this.waiting;
          this.waiting = [];
          for (const wake of waiting) wake();
        });
    }
  }

  private async send(payload: Buffer, ends: readonly number[], result: BulkWriteResult): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let res: { items?: Record<string, BulkItem>[] };
      try {
        res = (await retryOn429(
          () =>
            this.client.transport.request(
              { method: 'POST', path: '/_bulk', bulkBody: payload, querystring: this.querystring },
              { signal: this.inFlightAbort.signal },
            ),
          () => (result.retried += ends.length),
        )) as typeof res;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 429) throw err;
        throw new RunFailedError(
          `Elasticsearch kept refusing bulk requests (429 too many requests) after ${RETRIES_ON_429} retries`,
          'the cluster is overloaded; re-run later or lower --concurrency',
        );
      }
      const items = res.items ?? [];
      const again: number[] = [];
      for (let i = 0; i < ends.length; i++) {
        // An item is { <the op's kind>: { status, error? } }.
        let kind = '';
        let item: BulkItem | undefined;
        for (const k in items[i]) {
          kind = k;
          item = items[i]![k];
          break;
        }
        const status = item?.status ?? 0;
        if (status >= 200 && status < 300) result.written++;
        // 409 on a versioned index op or delete: a newer version of the document is stored.
        else if (status === 409 && (kind === 'index' || kind === 'delete')) result.superseded++;
        else if (status === 404 && kind === 'delete' && !item?.error) result.alreadyGone++;
        else if (status === 429 && attempt < RETRIES_ON_429) again.push(i);
        else if (status === 400) {
          const err = item?.error;
          result.refused.push({
            ...target(linesOf(payload, ends, i)),
            status,
            reason: err ? `${err.type}: ${err.reason}` : `status ${status}`,
          });
        } else throw bulkItemFailure(target(linesOf(payload, ends, i)), status, item);
      }
      if (again.length === 0) return;
      // Documents refused with 429 inside the response: sent again on their own, after a backoff.
      result.retried += again.length;
      await sleep(backoffMs(attempt));
      if (this.failure) throw this.failure.error;
      const retry = again.map((i) => linesOf(payload, ends, i));
      payload = Buffer.concat(retry);
      let end = 0;
      ends = retry.map((b) => (end += b.length));
    }
  }
}

/** Writes ops in one go: what the product writes besides ingest's sales, where every op must be written. */
export interface WriteAllOptions extends BulkWriteOptions {
  /** What the writes are for, in the failure's message ("writing daily AOV documents"). */
  what: string;
  /** What to do when they were not all written. */
  hint?: string;
}

/**
 * Writes ops in one go: a BulkWriter filled and sealed (and the touched indices refreshed when
 * asked). Every op must be written: a refused document fails the run like any other write that
 * was not taken (ingest's sales alone have a policy for refusals: the dead letter).
 */
export async function writeBulk(
  client: Client,
  ops: Iterable<BulkOp> | AsyncIterable<BulkOp>,
  options: WriteAllOptions,
): Promise<Omit<BulkWriteResult, 'refused'>> {
  const writer = new BulkWriter(client, options);
  try {
    if (Symbol.asyncIterator in ops) {
      for await (const op of ops) await writer.write([op]);
    } else {
      await writer.write(ops);
    }
  } catch (err) {
    writer.abort(err);
    throw err;
  }
  const { refused, ...result } = await writer.seal();
  if (refused.length) {
    const f = refused[0]!;
    throw new RunFailedError(
      `Elasticsearch refused ${refused.length} document(s) while ${options.what}, e.g. ${f.index}/${f.id}: ${f.reason}`,
      options.hint ?? 're-run it; nothing unfinished was recorded as done',
    );
  }
  if (options.refresh) await writer.refresh();
  return result;
}
