/**
 * Test data for the search and anomalies integration tests: sales documents built from source
 * rows with the real `mapSourceRow`, indexed with the bulk helper exactly as ingest writes them
 * (`_id` = id, external version = modified epoch ms), plus daily/weekly AOV documents.
 * Each test file gets its own index prefix (`it-search-<hex>`), created with `ensureIndices`
 * and deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { main } from '../../../src/cli';
import { ensureIndices } from '../../../src/core/es/setup';
import { indexNames, type IndexNames } from '../../../src/core/es/indices';
import { mapSourceRow, type SaleDocument } from '../../../src/core/sales/saleDocument';
import type { SourceRow } from '../../../src/core/source/row';
import { streamHits } from '../../../src/core/search/stream';

export const ES_URL = process.env.ES_URL ?? 'http://127.0.0.1:9200';
export const ES7_URL = process.env.ES7_URL ?? 'http://127.0.0.1:9201';
export const ES9_URL = process.env.ES9_URL ?? 'http://127.0.0.1:9202';

export class Capture {
  text = '';
  columns = 120;
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export class SearchWorld {
  readonly prefix = `it-search-${randomBytes(4).toString('hex')}`;
  readonly es: Client;
  readonly names: IndexNames;

  constructor(readonly esUrl = ES_URL) {
    this.es = new Client({ node: esUrl });
    this.names = indexNames(this.prefix);
  }

  async start(): Promise<this> {
    await ensureIndices(this.es, this.prefix);
    return this;
  }

  async stop(): Promise<void> {
    await this.es.indices.delete({ index: `${this.prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] }).catch(() => undefined);
    await this.es.close();
  }

  /** `earlypay <command...> --es-url … --index-prefix … <args>` through main() with captured streams. */
  async cli(argv: string[], opts: { tty?: boolean; now?: Date; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
    const stdout = new Capture(opts.tty ?? false);
    const stderr = new Capture(opts.tty ?? false);
    const firstFlag = argv.findIndex((a) => a.startsWith('-'));
    const at = firstFlag < 0 ? argv.length : firstFlag;
    const args = [...argv.slice(0, at), '--es-url', this.esUrl, '--index-prefix', this.prefix, ...argv.slice(at)];
    const code = await main(['node', 'earlypay', ...args], { stdout, stderr, env: { ...(opts.env ?? {}) }, now: opts.now ? () => opts.now! : undefined });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  /** Maps rows with the real mapper and indexes them as ingest does. Returns the documents. */
  async indexSales(rows: SourceRow[], mutate?: (doc: SaleDocument) => void): Promise<SaleDocument[]> {
    const docs: { doc: SaleDocument; version: number }[] = [];
    for (const row of rows) {
      const m = mapSourceRow(row, { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: '2024-06-01T00:00:00+09:00' });
      if (!m.ok) throw new Error(`test row ${row.id} rejected: ${m.rejected.reason}`);
      mutate?.(m.sale.doc);
      docs.push({ doc: m.sale.doc, version: m.sale.version });
    }
    const byDoc = new Map(docs.map((d) => [d.doc as object, d]));
    const stats = await this.es.helpers.bulk<SaleDocument>({
      datasource: docs.map((d) => d.doc),
      onDocument: (doc) => ({ index: { _index: this.names.sales, _id: doc.id, version: byDoc.get(doc)!.version, version_type: 'external_gte' } }) as never,
      refreshOnCompletion: true,
      concurrency: 2,
    });
    if (stats.failed) throw new Error(`${stats.failed} sales failed to index`);
    return docs.map((d) => d.doc);
  }

  async indexDocs(index: string, docs: { id: string; doc: object }[]): Promise<void> {
    if (docs.length === 0) return;
    const stats = await this.es.helpers.bulk<{ id: string; doc: object }>({
      datasource: docs,
      onDocument: (d) => [{ index: { _index: index, _id: d.id } }, d.doc] as never,
      refreshOnCompletion: true,
    });
    if (stats.failed) throw new Error(`${stats.failed} docs failed to index`);
  }

  /** Every document of an index by _id (never capped; sorting on _id is refused by 8.x). */
  async all<T>(index: string): Promise<Map<string, T>> {
    await this.es.indices.refresh({ index });
    const out = new Map<string, T>();
    for await (const h of streamHits<T>(this.es, { index, query: { match_all: {} }, sort: [] })) out.set(h._id!, h._source!);
    return out;
  }
}

let nextId = 1_000;

/** A valid source row (a counted sale with a consistent fee/deposit), with overrides. */
export function row(over: Partial<SourceRow> = {}): SourceRow {
  const id = over.id ?? nextId++;
  const amount = Number(over.amount_sale ?? 10_000);
  const fee = over.amount_fee !== undefined ? over.amount_fee : Math.round(amount * 0.03);
  return {
    id,
    created: '2024-05-02 10:00:00',
    modified: '2024-05-02 10:00:00',
    remark: null,
    num_approval: `A${id}`,
    card_company: '신한',
    card_category: '신용',
    card_number: '5461-11**-****-7537',
    amount_sale: amount,
    amount_fee: fee,
    amount_deposit: over.amount_deposit !== undefined ? over.amount_deposit : fee === null ? null : amount - Number(fee),
    is_canceled: 0,
    sold_at: '2024-05-02 12:00:00',
    will_deposited_at: '2024-05-05 00:00:00',
    raw_data: null,
    platform: 'BAEMIN',
    daily_sale_id: 1,
    store_id: 50,
    extra_payment_id: null,
    result_code: '0000',
    result_msg: '정상 승인',
    detail_status: null,
    processing_status: 'DONE',
    ...over,
  } as SourceRow;
}

export function ndjson<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
