/**
 * The sample loader against the real MariaDB: the table holds exactly what the generator
 * built, dirty values included, and the product's row mapping judges every row read back
 * the way the generator labelled it.
 */
import { Capture, TestWorld } from '../../support';
import { mapSourceRow } from '../../../src/core/sales/saleDocument';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { generateSales, type SampleOptions } from '../../../src/sample/generate';
import { loadSample } from '../../../src/sample/load';
import { main } from '../../../src/sample/cli';

const sample: Partial<SampleOptions> = {
  rows: 20_000,
  days: 14,
  stores: 12,
  seed: 11,
  rejectRate: 0.005,
  anomalyRate: 0.005,
};
const mapOptions = { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: '2025-01-01T00:00:00Z' };

describe('sample loader', () => {
  let world: TestWorld;
  beforeAll(async () => {
    world = await new TestWorld('sample').start();
  });
  afterAll(async () => {
    await world.stop();
  });

  it('loads 20,000 rows that read back exactly as generated, dirty values included', async () => {
    const result = await loadSample({ mysqlUrl: world.mysqlUrl, mysqlPassword: undefined }, sample, {
      batchSize: 1_500,
      concurrency: 2,
    });
    expect(result.database).toBe(world.database);
    expect(result.tally.rows).toBe(20_000);

    const [counts] = await world.query<Record<string, string>>(
      `SELECT COUNT(*) AS n, MIN(id) AS first, MAX(id) AS last, SUM(is_canceled) AS canceled,
              SUM(sold_at IS NULL OR sold_at = '0000-00-00 00:00:00') AS bad_sold_at,
              SUM(modified IS NULL OR modified = '0000-00-00 00:00:00') AS bad_modified,
              SUM(store_id IS NULL) AS no_store, SUM(amount_sale IS NULL) AS no_amount,
              SUM(card_number IS NULL OR card_number = '') AS no_card
         FROM platform_sales`,
    );
    const t = result.tally;
    expect(counts).toEqual({
      n: '20000',
      first: '1',
      last: '20000',
      canceled: String(t.canceled),
      bad_sold_at: String(t.rejects.get('INVALID_SOLD_AT')),
      bad_modified: String(t.rejects.get('INVALID_MODIFIED')),
      no_store: String(t.rejects.get('MISSING_STORE_ID')),
      no_amount: String(t.rejects.get('INVALID_AMOUNT_SALE')),
      no_card: String(t.rejects.get('MISSING_CARD_NUMBER')),
    });

    const stored = await world.query<SourceRow>(`SELECT ${SOURCE_COLUMNS.join(', ')} FROM platform_sales ORDER BY id`);
    const asText = (row: SourceRow): (string | null)[] =>
      SOURCE_COLUMNS.map((c) => (row[c] === null ? null : String(row[c])));
    const mismatches: unknown[] = [];
    let i = 0;
    for (const { row, label } of generateSales(sample)) {
      const back = stored[i++]!;
      if (JSON.stringify(asText(back)) !== JSON.stringify(asText(row)))
        mismatches.push({ generated: row, stored: back });
      const mapped = mapSourceRow(back, mapOptions);
      const expected = label.kind === 'reject' ? [label.reason] : [];
      const got = mapped.ok ? [] : mapped.rejected.codes;
      if (got.join() !== expected.join()) mismatches.push({ id: row.id, expected, got });
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('refuses to overwrite existing ids, replaces them with truncate, appends after them with firstId', async () => {
    const target = { mysqlUrl: world.mysqlUrl, mysqlPassword: undefined };
    await expect(loadSample(target, { ...sample, rows: 100 })).rejects.toThrow(/already holds 100 rows with ids 1–100/);
    await loadSample(target, { ...sample, rows: 500 }, { truncate: true });
    await loadSample(target, { ...sample, rows: 300, firstId: 501, startDate: '2024-04-15', days: 1 });
    const [row] = await world.query<{ n: string; last: string }>(
      'SELECT COUNT(*) AS n, MAX(id) AS last FROM platform_sales',
    );
    expect(row).toEqual({ n: '800', last: '800' });
  });

  it('creates a missing database and a custom table through the CLI', async () => {
    const url = new URL(world.mysqlUrl);
    const database = `${world.database}_new`;
    url.pathname = `/${database}`;
    const stderr = new Capture();
    try {
      const code = await main(
        [
          'node',
          'sample',
          '--rows',
          '3000',
          '--days',
          '7',
          '--stores',
          '5',
          '--mysql-url',
          url.toString(),
          '--table',
          'sales_copy',
        ],
        { stderr, env: {} },
      );
      expect(code).toBe(0);
      expect(stderr.text).toMatch(
        new RegExp(`^sample: 3,000 rows into ${database}\\.sales_copy in .* \\| 2,99\\d accepted by construction`),
      );
      expect(stderr.text.trim().split('\n')).toHaveLength(1);
      const [row] = await world.query<{ n: string }>(`SELECT COUNT(*) AS n FROM \`${database}\`.sales_copy`);
      expect(row!.n).toBe('3000');
    } finally {
      await world.query(`DROP DATABASE IF EXISTS \`${database}\``);
    }
  });
});
