/**
 * The row fingerprint computed by MariaDB (rowFingerprintSql) must equal the one JavaScript
 * computes from the row as mysql2 returns it (rowFingerprint) — on awkward values: NULL against
 * '', Korean text, emoji, a raw_data of 60 KB, zero dates, negative amounts, the largest BIGINT
 * ids, and a table whose numeric columns are text. And ingest's reader (sourceRows: each row
 * as the canonical encoding MariaDB makes of it) must give the rows mysql2 gives column by
 * column, with those fingerprints.
 */
import type { Pool } from 'mysql2/promise';
import { COLUMN_ROLES, canonicalValue } from '../../../src/core/source/columns';
import { rowFingerprint, rowFingerprintSql } from '../../../src/core/source/fingerprint';
import { ROW_OVERHEAD_BYTES, describeSourceTable, readRowsById, sourceRows } from '../../../src/core/source/query';
import { createMysqlPool } from '../../../src/core/source/mysql';
import { createSourceTable } from '../../../src/core/source/schema';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { Utf8Text } from '../../../src/core/codec/utf8Text';
import { TestWorld } from '../../support';

const world = new TestWorld('reconcile-fp');
let pool: Pool;

/** A row read by the reader with its texts kept as bytes (Utf8Text) decoded, as mysql2 gives them. */
function decoded(row: SourceRow): SourceRow {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Utf8Text ? v.toString() : v]),
  ) as unknown as SourceRow;
}

let nextId = 1;
function sale(over: Partial<SourceRow> = {}): Partial<SourceRow> {
  return {
    id: String(nextId++),
    created: '2024-05-01 12:00:00',
    modified: '2024-05-01 12:00:00',
    card_number: '5461-11**-****-7537',
    amount_sale: 1000,
    sold_at: '2024-05-01 11:00:00',
    store_id: '7',
    is_canceled: 0,
    ...over,
  };
}

const awkward: Partial<SourceRow>[] = [
  sale(),
  sale({ remark: '' }),
  sale({ remark: null }),
  sale({ remark: ' ' }),
  sale({ raw_data: '' }),
  sale({ raw_data: null }),
  sale({
    remark: '환불 요청 — 고객 변심',
    card_company: '국민',
    card_category: '체크',
    result_msg: '정상승인',
    platform: '배민',
  }),
  sale({ remark: '😀🎉👨‍👩‍👧', raw_data: '{"emoji":"🍗"}' }),
  sale({ raw_data: `{"items":"${'치킨😀'.repeat(6_000)}"}` }),
  sale({ sold_at: '0000-00-00 00:00:00' }),
  sale({ modified: '0000-00-00 00:00:00', created: null, will_deposited_at: '2024-05-00 00:00:00' }),
  sale({ amount_sale: -2147483648, amount_fee: -1, amount_deposit: 2147483647 }),
  sale({
    id: '9223372036854775807',
    daily_sale_id: '-9223372036854775808',
    store_id: '9007199254740993',
    extra_payment_id: '18014398509481985',
  }),
  sale({ is_canceled: 1, num_approval: '00012345', detail_status: 'a\tb\nc', processing_status: 'it\'s \\ "quoted"' }),
  sale({ card_number: '\u3000카드\u3000', result_code: '\u0000', remark: 'N', raw_data: '0:' }),
];

const textual: Partial<SourceRow>[] = [' 12 ', '12.0', '1e3', '', '１２', '-0', null].map((amount_sale) =>
  sale({ amount_sale, store_id: ' 7' }),
);

const latin1: Partial<SourceRow>[] = ['café', 'Ñandú ¿sí?', '', null, 'plain'].map((remark) =>
  sale({ remark, card_company: remark === null ? null : `${remark}×` }),
);

async function compare(table: string): Promise<number> {
  const cols = SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ');
  // Every column converted (but those written canonically), and the table's own forms (columns stored as UTF-8 used as
  // they are).
  const asIs = (await describeSourceTable(pool, table)).forms;
  const converted = new Map([...asIs].map(([c, form]) => [c, form === 'as-is' ? 'convert' : form] as const));
  const [rows] = await pool.query(
    `SELECT ${cols}, ${rowFingerprintSql(undefined, converted)} AS fp, ${rowFingerprintSql('t', converted)} AS ` +
      `fp_aliased, ${rowFingerprintSql('t', asIs)} AS fp_as_is FROM \`${table}\` t ORDER BY id`,
  );
  const disagreements: string[] = [];
  for (const r of rows as (SourceRow & { fp: string; fp_aliased: string; fp_as_is: string })[]) {
    const { fp, fp_aliased, fp_as_is, ...row } = r;
    const js = rowFingerprint(row);
    if (String(js) !== String(fp) || fp !== fp_aliased || fp !== fp_as_is)
      disagreements.push(`${String(row.id)}: JS ${js}, SQL ${fp} / ${fp_aliased} / ${fp_as_is}`);
  }
  expect(disagreements).toEqual([]);
  const fingerprints = (rows as { fp: string }[]).map((r) => r.fp);
  expect(new Set(fingerprints).size).toBe(fingerprints.length);

  // Ingest's reader: the same rows, value for value (in their canonical form: columns.ts) and type for type,
  // and the same fingerprints.
  const read = await sourceRows(pool, await describeSourceTable(pool, table), 'ORDER BY id', []);
  const columns = (rows as (SourceRow & { fp: string; fp_aliased: string; fp_as_is: string })[]).map(
    ({ fp: _fp, fp_aliased: _a, fp_as_is: _i, ...row }) =>
      Object.fromEntries(SOURCE_COLUMNS.map((c) => [c, canonicalValue(COLUMN_ROLES[c], row[c])])),
  );
  expect(Array.from({ length: read.length }, (_, i) => decoded(read.row(i)))).toEqual(columns);
  expect(Array.from({ length: read.length }, (_, i) => String(read.fingerprint(i)))).toEqual(fingerprints.map(String));
  return fingerprints.length;
}

beforeAll(async () => {
  await world.start();
  pool = createMysqlPool({ mysqlUrl: world.mysqlUrl, mysqlPassword: undefined });
  await createSourceTable(world.pool);
  await world.insertRows(awkward);
  await createSourceTable(world.pool, 'textual_sales');
  await world.query('ALTER TABLE textual_sales MODIFY amount_sale VARCHAR(40) NULL, MODIFY store_id VARCHAR(40) NULL');
  await world.insertRows(textual, 'textual_sales');
  await createSourceTable(world.pool, 'latin1_sales');
  await world.query(
    'ALTER TABLE latin1_sales MODIFY remark TEXT CHARACTER SET latin1 NULL, MODIFY card_company VARCHAR(32) ' +
      'CHARACTER SET latin1 NULL',
  );
  await world.insertRows(latin1, 'latin1_sales');
});

afterAll(async () => {
  await pool?.end();
  await world.stop();
});

describe('the row fingerprint in MariaDB and in JavaScript', () => {
  it('agrees on every awkward row, and NULL and the empty string differ', async () => {
    expect(await compare('platform_sales')).toBe(awkward.length);
  });

  it('agrees on text columns where the DDL has numbers', async () => {
    expect(await compare('textual_sales')).toBe(textual.length);
  });

  it("agrees on a table with latin1 columns, which the table's own form still converts", async () => {
    const forms = (await describeSourceTable(pool, 'latin1_sales')).forms;
    expect([forms.get('remark'), forms.get('card_company')]).toEqual(['convert', 'convert']);
    expect([forms.get('raw_data'), forms.get('sold_at'), forms.get('id')]).toEqual(['as-is', 'as-is', 'as-is']);
    expect(await compare('latin1_sales')).toBe(latin1.length);
    const standard = (await describeSourceTable(pool, 'platform_sales')).forms;
    expect([...standard.values()].filter((f) => f === 'as-is')).toHaveLength(SOURCE_COLUMNS.length);
  });

  it('reads rows by id through the same reader', async () => {
    const found = await readRowsById(pool, await describeSourceTable(pool, 'platform_sales'), ['1', '9', 'no such id']);
    expect([...found.keys()]).toEqual(['1', '9']);
    const [[nine]] = (await pool.query(
      `SELECT ${SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM platform_sales WHERE id = 9`,
    )) as unknown as [SourceRow[]];
    expect(decoded(found.get('9')!)).toEqual(nine);
  });

  it('reads a row larger than max_allowed_packet (CONCAT gives NULL) as its key alone', async () => {
    const source = await describeSourceTable(pool, 'platform_sales');
    // The reader's SELECT with the encoding of one row replaced by NULL, as MySQL sends it then.
    const encoding = source.select.slice('SELECT '.length, source.select.lastIndexOf(', `id`, `modified` FROM '));
    const nulled = { ...source, select: source.select.replace(encoding, `IF(id = 3, NULL, ${encoding})`) };
    const read = await sourceRows(pool, nulled, 'ORDER BY id', []);
    expect(read.length).toBe(awkward.length);
    expect([read.tooLarge(1), read.tooLarge(2), read.tooLarge(3)]).toEqual([false, true, false]);
    const [three] = await world.query<{ modified: string }>('SELECT modified FROM platform_sales WHERE id = 3');
    expect(read.key(2)).toEqual({ id: '3', modified: three!.modified });
    expect(read.row(2)).toMatchObject({ id: '3', modified: three!.modified, store_id: null, amount_sale: null });
  });

  it('stops a read at its byte budget, after the row that crosses it', async () => {
    const source = await describeSourceTable(pool, 'platform_sales');
    const all = await sourceRows(pool, source, 'ORDER BY id', []);
    const budget = all.encodings[0]!.length + all.encodings[1]!.length + 2 * ROW_OVERHEAD_BYTES + 1;
    const cut = await sourceRows(pool, source, 'ORDER BY id', [], budget);
    expect([cut.length, cut.cut]).toEqual([3, true]);
    expect(cut.key(2).id).toBe(all.key(2).id);
    // The pool goes on (the cut read's connection was closed, not returned).
    expect((await sourceRows(pool, source, 'ORDER BY id', [])).length).toBe(all.length);
    expect(all.cut).toBe(false);
  });

  it('the per-day sum is exact in MySQL (DECIMAL) and equals the sum of the JavaScript fingerprints', async () => {
    const { forms } = await describeSourceTable(pool, 'platform_sales');
    const [[sum]] = (await pool.query(
      `SELECT SUM(${rowFingerprintSql(undefined, forms)}) AS s FROM platform_sales`,
    )) as unknown as [{ s: string }[]];
    const [rows] = await pool.query(`SELECT ${SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM platform_sales`);
    const js = (rows as SourceRow[]).reduce((n, r) => n + BigInt(rowFingerprint(r)), 0n);
    expect(sum!.s).toBe(js.toString());
  });
});
