/**
 * The source table's schema changes under a running copy (issue 28, item 1). Changes earlypay can
 * read carry on — one line in the output, the run document and `doctor` —, and a change of
 * representation that changes no value (INT 16800 -> DECIMAL 16800.00, DATETIME -> DATETIME(3))
 * rewrites and withdraws nothing: every job in its cron form and `reconcile --repair` leave the
 * index equal to MySQL, row by row. Changes it cannot read (a needed column renamed, a DATE
 * sold_at, FLOAT amounts, TIMESTAMPs shown in another zone) stop ingest and reconcile before
 * anything is written: exit 1, the column named, doctor failing.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import type { CliResult } from '../../support';
import {
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  insertGeneratedSales,
  worldWithGeneratedSales,
  readCheckpoint,
  runCronRound,
} from '../faults/support';

const ROWS = 3_000;
const world = worldWithGeneratedSales('schema-changes', ROWS);
/** The generated rows' acceptance in plain SQL, with the amounts this file makes fractional or too large. */
const ACCEPTED =
  `card_number <> '' AND sold_at >= '1000-01-01' AND amount_sale = ROUND(amount_sale) AND ` +
  `ABS(amount_sale) <= 9007199254740991`;

interface IngestJson {
  indexed: number;
  unchanged: number;
  withdrawn: number;
  rejected: number;
  schema_changes: string[];
}

interface DoctorJson {
  checks: { name: string; status: string; detail: string; hint?: string }[];
}

const schemaCheck = async (): Promise<{ code: number; check: DoctorJson['checks'][number] }> => {
  const r = await world.cli(['doctor', '--json']);
  return { code: r.code, check: r.json<DoctorJson>().checks.find((c) => c.name === 'source schema')! };
};

/** Every job in its cron form, then the nightly repair: all must succeed and leave ES equal to MySQL. */
async function cronRoundEndsExact(): Promise<void> {
  await runCronRound(world);
  await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
  await expectRejectsDeadLettered(world, world.es, world.names.deadletter, ACCEPTED);
}

function expectStopped(r: CliResult, column: string): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`\\b${column}\\b`));
  expect(r.stderr).toMatch(/earlypay stopped before writing or withdrawing anything/);
  expect(r.stderr.trim().split('\n')).toHaveLength(2); // the reason and its hint
}

beforeAll(async () => {
  expect((await world.cli(['ingest', '--full'])).code).toBe(0);
}, 120_000);

describe('a change of representation that changes no value', () => {
  it('INT amounts become DECIMAL(20,2): one line, nothing rewritten or withdrawn, not drift', async () => {
    const before = await readCheckpoint(world);
    await world.query('ALTER TABLE platform_sales MODIFY amount_sale DECIMAL(20,2) NULL');

    const full = await world.cli(['ingest', '--full', '--json']);
    expect(full.code).toBe(0);
    const stats = full.json<IngestJson>();
    expect(stats).toMatchObject({ indexed: 0, withdrawn: 0 });
    expect(stats.unchanged).toBeGreaterThan(ROWS - 10);
    expect(stats.schema_changes).toEqual([
      'amount_sale int(11) → decimal(20,2): whole won read as integers, a fractional amount is rejected with that ' +
        'reason',
    ]);
    expect(full.stderr).toContain(
      'warning: source table platform_sales changed since the last run: amount_sale int(11) → decimal(20,2)',
    );
    expect(await readCheckpoint(world)).toEqual(before);

    // The run document says so, and doctor shows it (a warning: nothing to do if it was intended).
    await world.es.indices.refresh({ index: world.names.runs });
    const runs = await world.es.search<{ counts: IngestJson }>({
      index: world.names.runs,
      query: { term: { command: 'ingest' } },
      sort: [{ started_at: 'desc' }],
      size: 1,
    });
    expect(runs.hits.hits[0]!._source!.counts.schema_changes).toEqual(stats.schema_changes);
    const doctor = await schemaCheck();
    expect(doctor.check.status).toBe('warn');
    expect(doctor.check.detail).toContain('amount_sale int(11) → decimal(20,2)');

    // The next run finds nothing new to say.
    const again = await world.cli(['ingest', '--json']);
    expect(again.json<IngestJson>().schema_changes).toEqual([]);
    expect(again.stderr).not.toContain('changed since the last run');

    const reconcile = await world.cli(['reconcile', '--all', '--repair', '--json']);
    expect(reconcile.code).toBe(0);
    expect(reconcile.json<{ outcome: string; drifting_days: number }>()).toMatchObject({
      outcome: 'in sync',
      drifting_days: 0,
    });
    await cronRoundEndsExact();
  });

  it('DATETIME becomes DATETIME(3), texts grow, a column is added: carried on, nothing rewritten', async () => {
    // The weekly baselines the last round made flag sales a first load could not: settled before the change.
    expect((await world.cli(['ingest', '--full'])).code).toBe(0);
    await world.query(
      `ALTER TABLE platform_sales MODIFY modified DATETIME(3) NULL, MODIFY sold_at DATETIME(6) NULL,
         MODIFY card_number VARCHAR(64) NULL, MODIFY raw_data LONGTEXT NULL, ADD COLUMN branch VARCHAR(20) NULL`,
    );
    const full = await world.cli(['ingest', '--full', '--json']);
    expect(full.code).toBe(0);
    const stats = full.json<IngestJson>();
    expect(stats).toMatchObject({ indexed: 0, withdrawn: 0 });
    expect(stats.schema_changes).toEqual([
      'modified datetime → datetime(3): read to the second, as before',
      'card_number varchar(32) utf8mb4 → varchar(64) utf8mb4: read as text, as before',
      'sold_at datetime → datetime(6): read to the second, as before',
      'raw_data text utf8mb4 → longtext utf8mb4: read as text, as before',
      'column branch (varchar(20)) added: earlypay does not read it',
    ]);
    // A row changed with a fraction of a second in its new `modified` is copied by the cron form.
    await world.query(
      `UPDATE platform_sales SET amount_sale = 4321, modified = NOW(3) - INTERVAL 5 MINUTE WHERE id = 10`,
    );
    await cronRoundEndsExact();
  });
});

describe('amounts', () => {
  it('a fractional DECIMAL amount is rejected with that reason; other rows are untouched', async () => {
    await world.query(
      `UPDATE platform_sales SET amount_sale = 12000.5, modified = NOW() - INTERVAL 5 MINUTE WHERE id = 20`,
    );
    const r = await world.cli(['ingest', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<IngestJson>()).toMatchObject({ rejected: 1, withdrawn: 1, indexed: 0 });
    const dead = await world.es.get<{ reason: string; reason_code: string[] }>({
      index: world.names.deadletter,
      id: 'platform_sales:20',
    });
    expect(dead._source).toMatchObject({
      reason: 'amount_sale 12000.5 is not a whole number of won',
      reason_code: ['INVALID_AMOUNT_SALE'],
    });
    await cronRoundEndsExact();
  });

  it('BIGINT amounts are read up to 2^53 - 1; beyond, the reason says so', async () => {
    await world.query('ALTER TABLE platform_sales MODIFY amount_sale BIGINT NULL, MODIFY amount_fee BIGINT NULL');
    await world.query(
      `UPDATE platform_sales SET amount_sale = 3000000000, amount_fee = 0, amount_deposit = NULL, modified = NOW() - ` +
        `INTERVAL 5 MINUTE WHERE id = 30`,
    );
    await world.query(
      `UPDATE platform_sales SET amount_sale = 9007199254740993, modified = NOW() - INTERVAL 5 MINUTE WHERE id = 31`,
    );
    const r = await world.cli(['ingest', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('amount_sale decimal(20,2) → bigint(20): each value read as a whole number of won');
    const sale = await world.es.get<{ amount_sale: number }>({ index: world.names.sales, id: '30' });
    expect(sale._source!.amount_sale).toBe(3_000_000_000);
    const dead = await world.es.get<{ reason: string }>({ index: world.names.deadletter, id: 'platform_sales:31' });
    expect(dead._source!.reason).toBe(
      'amount_sale 9007199254740993 is beyond ±9,007,199,254,740,991 won, the largest amount earlypay stores and ' +
        'sums exactly',
    );
    await cronRoundEndsExact();
  });
});

describe('a change earlypay cannot read stops the run before anything is written', () => {
  async function expectNothingWritten(change: string[], restore: string[], column: string): Promise<void> {
    await world.es.indices.refresh({ index: world.names.sales });
    const docs = (await world.es.count({ index: world.names.sales })).count;
    // Rows waiting for the next run: a run that did anything would write them.
    await world.query(
      `UPDATE platform_sales SET amount_sale = amount_sale + 1, modified = NOW() - INTERVAL 4 MINUTE WHERE id IN ` +
        `(40, 41)`,
    );
    const checkpoint = await readCheckpoint(world);
    for (const sql of change) await world.query(sql);

    expectStopped(await world.cli(['ingest']), column);
    expectStopped(await world.cli(['ingest', '--full']), column);
    expectStopped(await world.cli(['reconcile', '--all', '--repair']), column);
    const doctor = await schemaCheck();
    expect(doctor.code).toBe(1);
    expect(doctor.check.status).toBe('fail');
    expect(doctor.check.detail).toMatch(new RegExp(`\\b${column}\\b`));

    await world.es.indices.refresh({ index: world.names.sales });
    expect((await world.es.count({ index: world.names.sales })).count).toBe(docs);
    expect(await readCheckpoint(world)).toEqual(checkpoint);
    const [forty] = await world.query<{ a: string }>('SELECT amount_sale AS a FROM platform_sales WHERE id = 40');
    const stored = await world.es.get<{ amount_sale: number }>({ index: world.names.sales, id: '40' });
    expect(stored._source!.amount_sale).toBe(Number(forty!.a) - 1);

    // Restored, the next run carries on as if nothing happened, and the round ends exact.
    for (const sql of restore) await world.query(sql);
    const back = await world.cli(['ingest', '--json']);
    expect(back.code).toBe(0);
    expect(back.json<IngestJson>().schema_changes).toEqual([]);
    expect((await schemaCheck()).check.status).not.toBe('fail');
    await cronRoundEndsExact();
  }

  it('a needed column renamed', async () => {
    await expectNothingWritten(
      ['ALTER TABLE platform_sales CHANGE sold_at sale_time DATETIME(6) NULL'],
      ['ALTER TABLE platform_sales CHANGE sale_time sold_at DATETIME(6) NULL'],
      'sold_at',
    );
  });

  it('sold_at becomes a DATE', async () => {
    await expectNothingWritten(
      [
        'ALTER TABLE platform_sales ADD COLUMN sold_at_copy DATETIME(6) NULL',
        'UPDATE platform_sales SET sold_at_copy = sold_at',
        'ALTER TABLE platform_sales MODIFY sold_at DATE NULL',
      ],
      [
        'ALTER TABLE platform_sales MODIFY sold_at DATETIME(6) NULL',
        'UPDATE platform_sales SET sold_at = sold_at_copy',
        'ALTER TABLE platform_sales DROP COLUMN sold_at_copy',
      ],
      'sold_at',
    );
  });

  it('an amount becomes FLOAT', async () => {
    await expectNothingWritten(
      ['ALTER TABLE platform_sales MODIFY amount_deposit DOUBLE NULL'],
      ['ALTER TABLE platform_sales MODIFY amount_deposit INT NULL'],
      'amount_deposit',
    );
  });

  it('created becomes a TIMESTAMP: read when MySQL shows it in the source zone, else a stop', async () => {
    const [session] = await world.query<{ m: number }>('SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW()) AS m');
    const change = ['ALTER TABLE platform_sales MODIFY created TIMESTAMP NULL'];
    const restore = ['ALTER TABLE platform_sales MODIFY created DATETIME NULL'];
    if (Number(session!.m) === 9 * 60) {
      // The server's zone is the source zone (KST): a TIMESTAMP reads as the same wall clock.
      for (const sql of change) await world.query(sql);
      const r = await world.cli(['ingest', '--full', '--json']);
      expect(r.json<IngestJson>()).toMatchObject({ indexed: 0, withdrawn: 0 });
      for (const sql of restore) await world.query(sql);
      return;
    }
    await expectNothingWritten(change, restore, 'created');
  });
});

describe('a table earlypay cannot read from the first run on', () => {
  it('stops the first ingest, naming the column', async () => {
    await createSourceTable(world.pool, 'dated_sales');
    await world.query('ALTER TABLE dated_sales MODIFY modified DATE NULL');
    await insertGeneratedSales(world, 1, 10, 0, 'dated_sales');
    const r = await world.cli(['ingest', '--index-prefix', `${world.prefix}-dated`], {
      env: { EARLYPAY_TABLE: 'dated_sales' },
    });
    expectStopped(r, 'modified');
    expect(r.stderr).toContain('column modified: date has no time of day');
  });
});
