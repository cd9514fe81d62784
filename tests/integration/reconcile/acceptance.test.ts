/**
 * The SQL acceptance predicate, run inside MariaDB on awkward rows, must say exactly what
 * mapSourceRow says about the same rows as mysql2 returns them — reason by reason. A second
 * table with text columns where the DDL has numbers shows the conditions do not depend on it.
 */
import { acceptanceChecks, acceptedRowCondition } from '../../../src/core/sales/acceptance';
import { mapSourceRow, type RejectReason } from '../../../src/core/sales/saleDocument';
import { createSourceTable } from '../../../src/core/source/schema';
import { describeSourceTable } from '../../../src/core/source/query';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { TestWorld } from '../../support';

const world = new TestWorld('reconcile-accept');
const opts = { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: '2024-07-01T00:00:00.000Z' };
const KST = { tz: 'Asia/Seoul', sourceTz: 'Asia/Seoul' };

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
  ...[
    '',
    ' ',
    '\t',
    '\n',
    '\u3000',
    '\u00a0',
    '\ufeff',
    '\u2028',
    ' x ',
    '\u0085',
    '\u200b',
    '\u3000카드\u3000',
    null,
  ].map((card_number) => sale({ card_number })),
  ...[
    null,
    '0000-00-00 00:00:00',
    '2024-05-00 10:00:00',
    '2024-00-10 10:00:00',
    '0000-05-01 00:00:00',
    '0050-01-01 00:00:00',
    '0100-01-01 00:00:00',
    '0999-12-31 23:59:59',
    '1000-01-01 00:00:00',
    '9999-12-31 23:59:59',
  ].flatMap((d) => [sale({ sold_at: d }), sale({ modified: d })]),
  sale({ store_id: null }),
  sale({ store_id: '0' }),
  sale({ store_id: '-5' }),
  sale({ amount_sale: null }),
  sale({ amount_sale: 0 }),
  sale({ amount_sale: -100 }),
  sale({ amount_sale: 2147483647 }),
  sale({ sold_at: null, card_number: '', store_id: null, amount_sale: null, modified: null }),
];

// Text columns: what an older schema or a sloppy migration might have.
const textual: Partial<SourceRow>[] = [
  ...[
    ' 12 ',
    '12.0',
    '1e3',
    '',
    '１２',
    '-0',
    '+3',
    '9007199254740993',
    '9007199254740991',
    '\u300012',
    'abc',
    null,
  ].map((amount_sale) => sale({ amount_sale })),
  ...[' 7', '7a', '', '\t', '-3'].map((store_id) => sale({ store_id })),
];

async function compareWithMapSourceRow(table: string): Promise<number> {
  const { forms } = await describeSourceTable(world.pool, table);
  const checks = acceptanceChecks({ forms, zones: KST });
  const reasons = Object.keys(checks) as RejectReason[];
  const cols = SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ');
  const [rows] = await world.pool.query(
    `SELECT ${cols}, ${reasons.map((r) => `(${checks[r].sql}) AS \`ok_${r}\``).join(', ')} FROM \`${table}\` ORDER ` +
      `BY id`,
    reasons.flatMap((r) => checks[r].params),
  );
  const disagreements: string[] = [];
  for (const r of rows as (SourceRow & Record<string, unknown>)[]) {
    const mapped = mapSourceRow(r, opts);
    const expected = mapped.ok ? [] : [...mapped.rejected.codes].sort();
    const fromSql = reasons.filter((reason) => Number(r[`ok_${reason}`] ?? 0) !== 1).sort();
    if (JSON.stringify(expected) !== JSON.stringify(fromSql))
      disagreements.push(`${JSON.stringify(r)}: mapSourceRow ${expected} vs SQL ${fromSql}`);
  }
  expect(disagreements).toEqual([]);

  const accepted = acceptedRowCondition({ forms, zones: KST });
  const [ids] = await world.pool.query(
    `SELECT id FROM \`${table}\` WHERE ${accepted.sql} ORDER BY id`,
    accepted.params,
  );
  expect((ids as { id: string }[]).map((r) => String(r.id))).toEqual(
    (rows as SourceRow[]).filter((r) => mapSourceRow(r, opts).ok).map((r) => String(r.id)),
  );
  return (rows as unknown[]).length;
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await world.insertRows(awkward);
  await createSourceTable(world.pool, 'textual_sales');
  await world.query(
    'ALTER TABLE textual_sales MODIFY amount_sale VARCHAR(40) NULL, MODIFY store_id VARCHAR(40) NULL, MODIFY ' +
      'card_number VARCHAR(40) NULL',
  );
  await world.insertRows(textual, 'textual_sales');
});

afterAll(() => world.stop());

describe('the SQL acceptance predicate in MariaDB', () => {
  it('agrees with mapSourceRow on every awkward row, reason by reason', async () => {
    expect(await compareWithMapSourceRow('platform_sales')).toBe(awkward.length);
  });

  it('agrees on text columns too (spaces, decimals, full-width digits, unsafe integers)', async () => {
    expect(await compareWithMapSourceRow('textual_sales')).toBe(textual.length);
  });
});
