/**
 * docs/contract.md §8: a document Elasticsearch refuses goes to the dead letter with the reason, and the
 * run goes on. The test table's card_number is widened to TEXT and two rows carry a card
 * number over 32,766 bytes: Lucene refuses such an "immense term" for the keyword fields
 * (card_number, repeat_key). One of them also breaks an anomaly rule, so its anomaly document
 * (which carries the card number too) is refused as well.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import { TestWorld, joinedRegExp } from '../../support';
import { GENERATED_ACCEPTED, expectRejectsDeadLettered, expectSalesEqualSql, insertGeneratedSales } from './support';

const world = new TestWorld('fault-mapping');
const ROWS = 3_000;
const names = () => ({
  sales: `${world.prefix}-sales`,
  deadletter: `${world.prefix}-deadletter`,
  anomalies: `${world.prefix}-anomalies`,
});
const IMMENSE = `5461-11**-****-${'7'.repeat(40_000)}`;
const REFUSED_IDS = ['1500', '1501'];
/** What Elasticsearch can hold: the generated rows' rules, minus the immense card numbers. */
const STORABLE = `${GENERATED_ACCEPTED} AND CHAR_LENGTH(card_number) < 1000`;

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await world.query('ALTER TABLE platform_sales MODIFY card_number TEXT NULL');
  await insertGeneratedSales(world, 1, ROWS);
  const row = (await world.query<SourceRow>('SELECT * FROM platform_sales WHERE id = 1502'))[0]!;
  // 1500: a plain sale; 1501: also a deposit that does not add up (DEPOSIT_MISMATCH fires).
  await world.query('UPDATE platform_sales SET card_number = ? WHERE id IN (?)', [IMMENSE, REFUSED_IDS]);
  await world.query('UPDATE platform_sales SET amount_deposit = amount_deposit - 1 WHERE id = 1501');
  expect(row.card_number).not.toBe(IMMENSE);
});

afterAll(() => world.stop());

describe('a document Elasticsearch refuses', () => {
  it('lands in the dead letter with the reason; every other row is written and the run exits 0', async () => {
    const r = await world.cli(['ingest', '--json', '--batch-size', '1000']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json<{ rejected: number; indexed: number }>();

    const dead = await world.es.mget<{
      reason: string;
      reason_code: string[];
      stage: string;
      row: { id: string; card_number: string };
    }>({
      index: names().deadletter,
      ids: REFUSED_IDS.map((id) => `platform_sales:${id}`),
    });
    for (const d of dead.docs) {
      expect('found' in d && d.found).toBe(true);
      const doc = (
        d as {
          _source: { reason: string; reason_code: string[]; stage: string; row: { id: string; card_number: string } };
        }
      )._source;
      expect(doc.reason).toMatch(
        joinedRegExp(
          /^Elasticsearch refused the document: document_parsing_exception: .*failed to parse field /,
          /\[card_number\] of type \[keyword\]/,
        ),
      );
      expect(doc.reason_code).toEqual(['ES_REFUSED']);
      expect(doc.stage).toBe('sink');
      expect(doc.row.card_number).toBe(IMMENSE);
    }
    const compared = await expectSalesEqualSql(world, world.es, names().sales, STORABLE);
    expect(out.indexed).toBe(compared);
    const rejected = await expectRejectsDeadLettered(world, world.es, names().deadletter, STORABLE);
    expect(out.rejected).toBe(rejected);
    expect(compared + rejected).toBe(ROWS);
    // Nothing half-written for the refused rows: no sale, no anomaly.
    const anomalies = await world.es.search({
      index: names().anomalies,
      size: 0,
      query: { terms: { sale_id: REFUSED_IDS } },
    });
    expect((anomalies.hits.total as { value: number }).value).toBe(0);
  });

  it('a re-run is not stuck on the refused rows', async () => {
    const r = await world.cli(['ingest', '--full', '--json']);
    expect(r.stderr.slice(0, 2000)).toBe('');
    expect(r.code).toBe(0);
    expect(await expectSalesEqualSql(world, world.es, names().sales, STORABLE)).toBeGreaterThan(0);
  });
});
