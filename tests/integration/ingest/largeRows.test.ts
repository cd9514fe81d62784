/**
 * Rows of megabytes (issue 28, item 7): 40 raw records of 6 MB and 10 remarks of 2 MB among
 * ordinary sales, and one row larger than MySQL's max_allowed_packet, on an Elasticsearch of its
 * own with a 512 MB heap (a request breaker of about 300 MB). Ingest stays within the documented
 * memory and dead-letters the row MySQL cannot send; searches and scans fetch the long texts a
 * few documents at a time (one page of them would trip the breaker); a table cuts long cells and
 * says so, machine formats keep them whole; every job ends exact.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSourceTable } from '../../../src/core/source/schema';
import {
  OwnElasticsearch,
  REPO_DIR,
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  insertGeneratedSales,
  runCronRound,
} from '../faults/support';
import { TestWorld } from '../../support';

const es = new OwnElasticsearch(Number(process.env.LARGE_ROWS_ES_PORT ?? 9251));
const world = new TestWorld('large-rows', es.url);
const TOO_LARGE_ID = 7;
const ACCEPTED = `card_number <> '' AND sold_at >= '1000-01-01' AND id <> ${TOO_LARGE_ID}`;
/** docs/performance.md: peak RSS of the CLI, also for rows of several MB. */
const DOCUMENTED_RSS_MB = 300;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  peakRssMb: number;
}

/** `bin/earlypay <args>` as cron runs it (the built CLI, its own node flags), with its peak RSS (VmHWM). */
function earlypay(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_DIR, 'bin', 'earlypay'), [...world.args, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    const watch = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        /* gone */
      }
    }, 20);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(watch);
      resolve({ code, stdout, stderr, peakRssMb: peakKb / 1024 });
    });
  });
}

/** Bytes of a column per id, as MySQL counts them. */
async function sqlLengths(column: string, where: string): Promise<Map<string, number>> {
  const rows = await world.query<{ id: string; n: number }>(
    `SELECT id, OCTET_LENGTH(${column}) AS n FROM platform_sales WHERE ${where}`,
  );
  return new Map(rows.map((r) => [String(r.id), Number(r.n)]));
}

beforeAll(async () => {
  await es.up();
  await world.start();
  await createSourceTable(world.pool);
  await world.query('ALTER TABLE platform_sales MODIFY remark LONGTEXT NULL, MODIFY raw_data LONGTEXT NULL');
  await insertGeneratedSales(world, 1, 600);
  // Built by MariaDB itself: no packet that large crosses the connection.
  await world.query(
    // Large amounts too: once weekly baselines exist, a scan flags them and writes them again whole.
    `UPDATE platform_sales SET amount_sale = 900000, raw_data = CONCAT('{"memo":"', REPEAT('배달 지연 문의 정상승인 abc 123 ', ` +
      `150000), '"}') WHERE id % 15 = 1`,
  );
  await world.query(
    `UPDATE platform_sales SET remark = REPEAT(CONCAT('고객요청 ', id, ' 포장 '), 100000) WHERE id % 60 = 2`,
  );
  const [{ packet }] = (await world.query<{ packet: number }>('SELECT @@max_allowed_packet AS packet')) as [
    { packet: number },
  ];
  const half = Math.ceil(Number(packet) / 2) + 1_000_000;
  await world.query(`UPDATE platform_sales SET remark = REPEAT('r', ?), raw_data = REPEAT('d', ?) WHERE id = ?`, [
    half,
    half,
    TOO_LARGE_ID,
  ]);
}, 600_000);

afterAll(async () => {
  await world.stop();
  await es.down();
}, 300_000);

describe('rows of megabytes', () => {
  it('ingest stays within the documented memory and dead-letters the row MySQL cannot send', async () => {
    const r = await earlypay(['ingest']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.peakRssMb).toBeLessThan(DOCUMENTED_RSS_MB);
    const dead = await world.es.get<{ reason: string; reason_code: string[]; row: { id: string } }>({
      index: world.names.deadletter,
      id: `platform_sales:${TOO_LARGE_ID}`,
    });
    expect(dead._source).toMatchObject({
      reason_code: ['ROW_TOO_LARGE'],
      reason: expect.stringContaining("larger than MySQL's max_allowed_packet"),
      row: { id: String(TOO_LARGE_ID) },
    });
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
    await expectRejectsDeadLettered(world, world.es, world.names.deadletter, ACCEPTED);
    const again = await earlypay(['ingest', '--full']);
    expect(again.code).toBe(0);
    expect(again.peakRssMb).toBeLessThan(DOCUMENTED_RSS_MB);
    expect(again.stdout).toMatch(/indexed 0, /);
  });

  it('reconcile leaves the too-large row out on both sides: in sync', async () => {
    const r = await world.cli(['reconcile', '--all', '--json']);
    expect([r.code, r.json<{ outcome: string }>().outcome]).toEqual([0, 'in sync']);
  });

  it('search --all fetches raw_data whole, a few documents at a time', async () => {
    const r = await world.cli(['search', 'sales', '--all', '--fields', 'id,raw_data', '--format', 'ndjson']);
    expect(r.code).toBe(0);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; raw_data: string | null });
    const expected = await sqlLengths('raw_data', ACCEPTED);
    expect(records).toHaveLength(expected.size);
    const wrong = records.filter((rec) => Buffer.byteLength(rec.raw_data ?? '') !== expected.get(rec.id));
    expect(wrong.map((w) => w.id)).toEqual([]);
  });

  it('a table cuts long cells with an ellipsis and says so; machine formats stay whole', async () => {
    const args = ['search', 'sales', '--fields', 'id,remark,raw_data', '--sort', 'amount_sale:desc', '--limit', '10'];
    const table = await world.cli([...args, '--format', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout.length).toBeLessThan(100_000);
    expect(table.stdout).toContain('…');
    expect(table.stderr).toMatch(
      /long cell\(s\) cut to 300 characters \(--format json, ndjson or csv print them whole\)/,
    );
    const csv = await world.cli([...args, '--format', 'csv']);
    expect(csv.stdout.length).toBeGreaterThan(6_000_000);
    expect(csv.stderr).not.toMatch(/cut/);
  });

  it('anomalies scan and every job in its cron form keep the long texts and end exact', async () => {
    expect((await world.cli(['daily', '--from', '2024-04-01', '--to', '2024-05-01'])).code).toBe(0);
    expect((await world.cli(['weekly', '--from', '2024-04-01', '--to', '2024-05-01'])).code).toBe(0);
    const scan = await world.cli(['anomalies', 'scan', '--from', '2024-04-01', '--to', '2024-05-01', '--json']);
    expect(scan.code).toBe(0);
    // Sales rewritten by the scan (their anomaly_rules changed) kept every byte of their texts.
    expect(scan.json<{ sales_updated: number }>().sales_updated).toBeGreaterThan(0);
    await runCronRound(world);
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
    const stored = await world.cli([
      'search',
      'sales',
      '--all',
      '--fields',
      'id,remark,raw_data',
      '--format',
      'ndjson',
    ]);
    const [remarks, raws] = [await sqlLengths('remark', ACCEPTED), await sqlLengths('raw_data', ACCEPTED)];
    const differing = stored.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; remark: string | null; raw_data: string | null })
      .filter(
        (d) =>
          Buffer.byteLength(d.remark ?? '') !== (remarks.get(d.id) ?? 0) ||
          Buffer.byteLength(d.raw_data ?? '') !== (raws.get(d.id) ?? 0),
      );
    expect(differing.map((d) => d.id)).toEqual([]);
  });
});
