/**
 * Stage 5, sink: the product's bulk writer (es/bulkWrite.ts) for one checkpointed segment at a
 * time, and what a refusal means for a sale. A sale is refused when Elasticsearch refuses (4xx
 * other than 429: a mapping error) its document or one of its anomaly documents
 * (`<sale_id>:<rule>`, which carry the same fields): its raw row goes to the dead letter and no
 * part of it stays half-written. Anything else refused fails the run before the checkpoint moves.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import { BulkWriter, writeBulk, type BulkOp, type BulkWriteResult } from '../es/bulkWrite';
import type { IndexNames } from '../es/indices';
import { RunFailedError } from '../errors';
import { RULE_IDS, anomalyId } from '../rules/rules';
import { deadLetterOp } from './judge';
import { readRowsById, type SourceTable } from '../source/query';

export interface SinkDeps {
  es: Client;
  pool: Pool;
  names: IndexNames;
  source: SourceTable;
  runId: string;
  now: () => Date;
}

export interface SegmentWritten {
  superseded: number;
  retried: number;
  /** Sales Elasticsearch refused, now in the dead letter. */
  refused: number;
}

export class IngestSink {
  private readonly writer: BulkWriter;

  constructor(
    private readonly deps: SinkDeps,
    options: { concurrency: number; flushBytes: number },
  ) {
    this.writer = new BulkWriter(deps.es, options);
  }

  /** Serializes a page's ops (see BulkWriter.append): the caller can drop them before `drain`. */
  append(ops: BulkOp[]): void {
    this.writer.append(ops);
  }

  /** Waits while the requests in flight are as many as allowed and a body more is ready (BulkWriter.drain). */
  drain(): Promise<void> {
    return this.writer.drain();
  }

  /**
   * Ends a segment where the ops appended so far end; resolves once all of them are in
   * Elasticsearch, refused sales dead-lettered, and accounted for. Ops appended meanwhile
   * belong to the next segment.
   */
  async endSegment(): Promise<SegmentWritten> {
    const result = await this.writer.seal();
    const refused = await this.deadLetterRefused(result);
    return { superseded: result.superseded, retried: result.retried, refused };
  }

  private async deadLetterRefused(result: BulkWriteResult): Promise<number> {
    const { names } = this.deps;
    const refused = new Map<string, string>();
    const fatal: BulkWriteResult['failed'] = [];
    // The sale document's own refusal, when there is one, gives the reason.
    const salesFirst = [...result.failed].sort(
      (a, b) => Number(b.index === names.sales) - Number(a.index === names.sales),
    );
    for (const f of salesFirst) {
      const perDocument = f.status >= 400 && f.status < 500 && f.status !== 429;
      const saleId = !perDocument
        ? null
        : f.index === names.sales
          ? f.id
          : f.index === names.anomalies
            ? f.id.slice(0, f.id.lastIndexOf(':'))
            : null;
      if (saleId === null) fatal.push(f);
      else if (!refused.has(saleId)) refused.set(saleId, f.reason);
    }
    if (fatal.length) {
      const f = fatal[0]!;
      throw new RunFailedError(
        `Elasticsearch refused ${fatal.length} write(s), e.g. ${f.index}/${f.id}: ${f.reason}`,
        f.status === 429
          ? 'the cluster is overloaded; re-run later or lower --concurrency'
          : 're-run; nothing past the last checkpoint was recorded as done',
      );
    }
    if (refused.size === 0) return 0;
    const ids = [...refused.keys()];
    const raw = await readRowsById(this.deps.pool, this.deps.source, ids);
    const at = this.deps.now().toISOString();
    const ops: BulkOp[] = ids.flatMap((id) => [
      deadLetterOp(
        names,
        this.deps.source.name,
        this.deps.runId,
        at,
        raw.get(id) ?? { id },
        { sourceId: id, codes: ['ES_REFUSED'], reason: `Elasticsearch refused the document: ${refused.get(id)}` },
        'sink',
      ),
      { kind: 'delete', index: names.sales, id } as const,
      ...RULE_IDS.map((rule) => ({ kind: 'delete', index: names.anomalies, id: anomalyId(id, rule) }) as const),
    ]);
    const dl = await writeBulk(this.deps.es, ops);
    if (dl.failed.length) throw new RunFailedError(`could not write the dead letter: ${dl.failed[0]!.reason}`);
    return ids.length;
  }
}
