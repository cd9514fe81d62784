/**
 * A sale whose anomaly_rules change is written again whole (an index op at the version it was
 * read at, `external_gte`: a partial update would bump the version that `modified` sets). Scans
 * read sales without their long fields; these are fetched here for the sales rewritten only, a
 * few documents at a time (es/longFields.ts).
 */
import type { Client } from '@elastic/elasticsearch';
import type { BulkOp } from '../es/bulkWrite';
import { withLongFields } from '../es/longFields';
import { LONG_SALE_FIELDS, type SaleDocument } from '../sales/saleDocument';

export interface SaleRewrite {
  sale: SaleDocument;
  version: number;
  rules: string[];
}

/**
 * `ops`, then the sales rewritten with their new anomaly_rules — each read without its long
 * fields, which are fetched here a few documents at a time (es/longFields.ts) —, as the bulk
 * writer takes them one by one: a page of sales with megabytes of raw_data is never held whole.
 */
export async function* withRewrittenSales(
  client: Client,
  salesIndex: string,
  ops: readonly BulkOp[],
  rewrites: readonly SaleRewrite[],
): AsyncGenerator<BulkOp> {
  yield* ops;
  const hits = rewrites.map((r) => ({ _id: r.sale.id, _source: r.sale as unknown as Record<string, unknown>, r }));
  for await (const group of withLongFields(client, salesIndex, hits, LONG_SALE_FIELDS)) {
    for (const { r, _source } of group) {
      yield {
        kind: 'index',
        index: salesIndex,
        id: r.sale.id,
        doc: { ..._source, anomaly_rules: r.rules },
        version: r.version,
        versionType: 'external_gte',
      };
    }
  }
}
