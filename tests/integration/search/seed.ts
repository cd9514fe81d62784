/**
 * Test data for the search and anomalies integration tests: sales documents built from source
 * rows with the real `mapSourceRow`, indexed with the bulk helper exactly as ingest writes them
 * (`_id` = id, external version = modified epoch ms), plus daily/weekly AOV documents.
 * Each test file gets its own index prefix (`it-search-<hex>`), created with `ensureIndices`
 * and deleted at the end.
 */
import { mapSourceRow, type SaleDocument } from '../../../src/core/sales/saleDocument';
import type { SourceRow } from '../../../src/core/source/row';
import { ensureIndices } from '../../../src/core/es/setup';
import { ES_URL, TestWorld, type CliResult } from '../../support';

/** What the search tests' `world.cli` returns. */
export type Run = CliResult;

/** A test world with the indices made (by `ensureIndices`) and no MySQL database: searches read Elasticsearch only. */
export class SearchWorld extends TestWorld {
  constructor(esUrl = ES_URL) {
    super('search', esUrl);
  }

  override async start(): Promise<this> {
    await ensureIndices(this.es, this.prefix);
    return this;
  }

  /** Maps rows with the real mapper and indexes them as ingest does. Returns the documents. */
  async indexSales(rows: SourceRow[], mutate?: (doc: SaleDocument) => void): Promise<SaleDocument[]> {
    const docs: { doc: SaleDocument; version: number }[] = [];
    for (const row of rows) {
      const m = mapSourceRow(row, {
        sourceTz: 'Asia/Seoul',
        businessTz: 'Asia/Seoul',
        ingestedAt: '2024-06-01T00:00:00+09:00',
      });
      if (!m.ok) throw new Error(`test row ${row.id} rejected: ${m.rejected.reason}`);
      mutate?.(m.sale.doc);
      docs.push({ doc: m.sale.doc, version: m.sale.version });
    }
    const byDoc = new Map(docs.map((d) => [d.doc as object, d]));
    const stats = await this.es.helpers.bulk<SaleDocument>({
      datasource: docs.map((d) => d.doc),
      onDocument: (doc) =>
        ({
          index: {
            _index: this.names.sales,
            _id: doc.id,
            version: byDoc.get(doc)!.version,
            version_type: 'external_gte',
          },
        }) as never,
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
    amount_deposit:
      over.amount_deposit !== undefined ? over.amount_deposit : fee === null ? null : amount - Number(fee),
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
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
