import { bulkLines, type BulkOp } from '../../../src/core/es/bulkWrite';
import { boundedPageRows, MAX_PAGE_BYTES } from '../../../src/core/ingest/read';
import { row } from '../../support/sourceRow';
import { mapSourceRow } from '../../../src/core/sales/saleDocument';
import { writeSaleDoc } from '../../../src/core/sales/saleJson';

/** The action line and body of one op as objects, as the Elasticsearch bulk API documents them: the reference. */
function bulkAction(op: BulkOp): [object, object | undefined] {
  switch (op.kind) {
    case 'index':
      return [
        {
          index: {
            _index: op.index,
            _id: op.id,
            ...(op.version !== undefined
              ? { version: op.version, version_type: op.versionType ?? 'external_gte' }
              : {}),
          },
        },
        op.doc,
      ];
    case 'upsert':
      return [{ update: { _index: op.index, _id: op.id, retry_on_conflict: 3 } }, { doc: op.doc, upsert: op.upsert }];
    case 'delete':
      return [{ delete: { _index: op.index, _id: op.id } }, undefined];
  }
}

describe('bulkLines', () => {
  it(
    'writes the same NDJSON as the action objects, for every kind of op, a sale written by its own writer ' +
      'included',
    () => {
      const mapped = mapSourceRow(row({ remark: '배달 "지연"\t' }), {
        sourceTz: 'Asia/Seoul',
        businessTz: 'Asia/Seoul',
        ingestedAt: '2026-12-01T00:00:00.000Z',
      });
      if (!mapped.ok) throw new Error('rejected');
      const sale = mapped.sale.doc;
      const ops: BulkOp[] = [
        {
          kind: 'index',
          index: 'sales',
          id: sale.id,
          doc: sale,
          version: mapped.sale.version,
          versionType: 'external_gte',
          writeDoc: writeSaleDoc,
        },
        { kind: 'index', index: 'i', id: '1', doc: { a: '한글 "q"\n' }, version: 5, versionType: 'external_gte' },
        { kind: 'index', index: 'i', id: '2', doc: { a: 1 } },
        { kind: 'upsert', index: 'a', id: '1:R', doc: { x: 1 }, upsert: { x: 1, status: 'open' } },
        { kind: 'delete', index: 'a', id: '"odd"' },
      ];
      for (const op of ops) {
        const [action, body] = bulkAction(op);
        expect(bulkLines(op)).toBe(
          [action, body]
            .filter((x) => x !== undefined)
            .map((x) => `${JSON.stringify(x)}\n`)
            .join(''),
        );
      }
    },
  );
});

describe('boundedPageRows', () => {
  const page = (rows: number, largest: number): { length: number; largest(): number } => ({
    length: rows,
    largest: () => largest,
  });
  it('keeps --batch-size for ordinary rows and asks for as many rows as large as the largest as a page holds', () => {
    expect(boundedPageRows(page(2, 700), 2_000)).toBe(2_000);
    const rows = boundedPageRows(page(100, 20_000), 100_000);
    expect(rows).toBe(MAX_PAGE_BYTES / 20_000);
    // A row larger than a page: one at a time (sourceRows reads it whole, and stops).
    expect(boundedPageRows(page(100, 10_000_000), 100_000)).toBe(1);
    expect(boundedPageRows(page(0, 0), 7)).toBe(7);
  });
});
