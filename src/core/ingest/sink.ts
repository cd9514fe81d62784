/**
 * Stage 5, sink: pages' writes go into the product's one bulk writer (es/bulkWrite.ts), cut into
 * segments, and the sink answers each segment's outcome once, in the order segments ended
 * (contract.ts). Appending never waits for a segment's answer: Elasticsearch is kept fed while
 * the writes of the segments before are still being answered.
 *
 * The one way to act on refused documents (the refusal policy): a sale Elasticsearch refuses for
 * the document itself (400: a mapping or parse error), or whose anomaly document it refuses
 * (`<sale_id>:<rule>`, which carries the same fields), goes to the dead letter with the reason
 * and its raw row, and is withdrawn, so that no part of it stays half-written; the segment is
 * answered only once that is written. A refusal of anything else (a dead letter itself), and any
 * write refused for another cause, fails the segment.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import { BulkWriter, writeBulk, type BulkOp, type BulkWriteResult, type Refusal } from '../es/bulkWrite';
import type { IndexNames } from '../config/indexNames';
import { RunFailedError } from '../errors';
import { rowsById, type SourceTable } from '../source/query';
import type { Coverage, PageWrites, SegmentOutcome } from './contract';
import { withdrawalOps } from './contract';
import { deadLetterOp } from './judge';

export interface SinkDeps {
  es: Client;
  pool: Pool;
  names: IndexNames;
  source: SourceTable;
  runId: string;
  now: () => Date;
}

/** A segment the sink has ended: what its pages cover, and its writes' answer to come. */
interface EndedSegment {
  covers: Coverage;
  answered: Promise<BulkWriteResult>;
}

export class IngestSink {
  private readonly writer: BulkWriter;
  /** The pages handed over since the last segment ended. */
  private reached: Coverage['reached'];
  private days = new Set<string>();
  private withheld = 0;
  private pages = 0;
  private readonly ended: EndedSegment[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly deps: SinkDeps,
    options: { concurrency: number; flushBytes: number },
  ) {
    this.writer = new BulkWriter(deps.es, options);
  }

  /** The first failure (a segment that failed, or the reason the sink was abandoned), once there is one. */
  get failure(): unknown {
    return this.writer.failed;
  }

  /**
   * Hands a page's writes over: serialized into request bodies at once (so the caller can drop
   * the documents), then waits while all requests are busy and a body more is ready — the
   * back-pressure that keeps memory bounded whatever Elasticsearch's pace.
   */
  async write(page: PageWrites): Promise<void> {
    this.writer.append(page.ops);
    for (const w of page.withdrawals) this.writer.append(withdrawalOps(this.deps.names, w));
    if (page.covers.reached) this.reached = page.covers.reached;
    for (const d of page.covers.days) this.days.add(d);
    this.withheld += page.covers.withheld ?? 0;
    this.pages++;
    await this.writer.drain();
  }

  /** The pages handed over since the last segment ended are a segment (nothing happens when there are none). */
  endSegment(): void {
    if (this.pages === 0) return;
    const covers: Coverage = { reached: this.reached, days: this.days, withheld: this.withheld };
    const answered = this.writer.seal();
    answered.catch(() => undefined); // answered in its turn by `outcomes`
    this.ended.push({ covers, answered });
    this.reached = undefined;
    this.days = new Set();
    this.withheld = 0;
    this.pages = 0;
    this.wake?.();
  }

  /** No more pages: the last segment is ended, and `outcomes` ends after answering it. */
  close(): void {
    this.endSegment();
    this.closed = true;
    this.wake?.();
  }

  /**
   * Abandons what is not answered yet: nothing more is sent, requests in flight are aborted, and
   * every segment not answered yet fails with `reason` (unless a failure came first).
   */
  abort(reason: unknown): void {
    this.writer.abort(reason);
    this.close();
  }

  /** Each ended segment's outcome, once, in the order they ended; ends once the sink is closed and all are answered. */
  async *outcomes(): AsyncGenerator<SegmentOutcome> {
    for (;;) {
      const next = this.ended.shift();
      if (next) {
        yield await this.answer(next);
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private async answer(segment: EndedSegment): Promise<SegmentOutcome> {
    try {
      const result = await segment.answered;
      const refused = result.refused.length ? await this.deadLetterRefused(result.refused) : 0;
      return {
        status: 'written',
        covers: segment.covers,
        written: result.written + result.alreadyGone,
        superseded: result.superseded,
        refused,
        retried: result.retried,
      };
    } catch (error) {
      return { status: 'failed', error };
    }
  }

  /**
   * The refusal policy: each refused sale's raw row to the dead letter with the reason, the sale withdrawn. Returns how
   * many sales.
   */
  private async deadLetterRefused(refusals: readonly Refusal[]): Promise<number> {
    const { names, source, runId, now, pool, es } = this.deps;
    const bySale = new Map<string, string>();
    // The sale document's own refusal, when there is one, gives the reason.
    for (const f of [...refusals].sort((a, b) => Number(b.index === names.sales) - Number(a.index === names.sales))) {
      const saleId =
        f.index === names.sales ? f.id : f.index === names.anomalies ? f.id.slice(0, f.id.lastIndexOf(':')) : null;
      if (saleId === null)
        throw new RunFailedError(
          `Elasticsearch refused a document of ${f.index} (${f.id}): ${f.reason}`,
          're-run; nothing past the last checkpoint was recorded as done',
        );
      if (!bySale.has(saleId)) bySale.set(saleId, f.reason);
    }
    const ids = [...bySale.keys()];
    const at = now().toISOString();
    const deadLetter = (id: string, row: unknown): BulkOp =>
      deadLetterOp(
        names,
        source.name,
        runId,
        at,
        row,
        { sourceId: id, codes: ['ES_REFUSED'], reason: `Elasticsearch refused the document: ${bySale.get(id)}` },
        'sink',
      );
    // A page of rows at a time: a segment whose every sale was refused stays within memory.
    async function* ops(): AsyncGenerator<BulkOp> {
      const read = new Set<string>();
      for await (const rows of rowsById(pool, source, ids)) {
        for (let i = 0; i < rows.length; i++) {
          const row = rows.row(i);
          read.add(String(row.id));
          yield deadLetter(String(row.id), row);
        }
      }
      for (const id of ids) {
        if (!read.has(id)) yield deadLetter(id, { id }); // deleted from MySQL since it was read
        yield* withdrawalOps(names, { saleId: id, day: undefined, cause: 'refused' });
      }
    }
    await writeBulk(es, ops(), { what: 'dead-lettering documents Elasticsearch refused' });
    return ids.length;
  }
}
