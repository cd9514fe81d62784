/** `search daily` and `search weekly` (with --chart) against the real Elasticsearch. */
import { SearchWorld, ndjson } from './seed';
import { csvRecords } from '../../unit/search/csv';
import { daysBetween, shiftDay } from '../../../src/core/time/businessDay';

const world = new SearchWorld();
interface Daily {
  store_id: string;
  date: string;
  total_sale: number;
  num_transactions: number;
  num_customers: number;
  unit_price: number;
}
const daily: Daily[] = [];
const weekly: {
  store_id: string;
  start_date: string;
  end_date: string;
  total_sale: number;
  num_customers: number;
  days_with_sales: number;
  unit_price: number;
}[] = [];

beforeAll(async () => {
  await world.start();
  const days = daysBetween('2024-04-01', '2024-05-31');
  for (const store of ['50', '51', '7']) {
    days.forEach((date, i) => {
      const customers = 40 + ((i * 7) % 13);
      const total = customers * (15_000 + ((i * 373) % 5_000) + (store === '7' ? 3_000 : 0));
      daily.push({
        store_id: store,
        date,
        total_sale: total,
        num_transactions: customers + 3,
        num_customers: customers,
        unit_price: Math.floor(total / customers),
      });
    });
    for (const end of days.slice(6)) {
      const window = daily.filter((d) => d.store_id === store && d.date >= shiftDay(end, -6) && d.date <= end);
      const t = window.reduce((s, d) => s + d.total_sale, 0);
      const c = window.reduce((s, d) => s + d.num_customers, 0);
      weekly.push({
        store_id: store,
        start_date: shiftDay(end, -6),
        end_date: end,
        total_sale: t,
        num_customers: c,
        days_with_sales: window.length,
        unit_price: Math.floor(t / c),
      });
    }
  }
  await world.indexDocs(
    world.names.dailyAov,
    daily.map((d) => ({ id: `${d.store_id}:${d.date}`, doc: { ...d, computed_at: '2024-06-01T00:05:00+09:00' } })),
  );
  await world.indexDocs(
    world.names.weeklyAov,
    weekly.map((w) => ({ id: `${w.store_id}:${w.end_date}`, doc: { ...w, computed_at: '2024-06-01T00:06:00+09:00' } })),
  );
});

afterAll(() => world.stop());

describe('search daily', () => {
  it('--date: every store that day', async () => {
    const r = await world.cli(['search', 'daily', '--date', '2024-05-01', '--format', 'ndjson']);
    expect(r.code).toBe(0);
    const got = ndjson<Daily>(r.stdout);
    expect(got.map((d) => d.store_id)).toEqual(['7', '50', '51']); // store ids in numeric order
    expect(got[0]).toEqual(expect.objectContaining(daily.find((d) => d.store_id === '7' && d.date === '2024-05-01')));
  });

  it('--store with --from/--to, newest first, csv', async () => {
    const r = await world.cli([
      'search',
      'daily',
      '--store',
      '51',
      '--from',
      '2024-05-10',
      '--to',
      '2024-05-20',
      '--all',
      '--format',
      'csv',
    ]);
    const recs = csvRecords(r.stdout);
    expect(recs.map((x) => x.date)).toEqual(daysBetween('2024-05-10', '2024-05-20').reverse());
    const want = daily.find((d) => d.store_id === '51' && d.date === '2024-05-15')!;
    expect(Number(recs.find((x) => x.date === '2024-05-15')!.unit_price)).toBe(want.unit_price);
  });

  it('--sort unit_price:desc --limit 3', async () => {
    const r = await world.cli([
      'search',
      'daily',
      '--date',
      '2024-05-02',
      '--sort',
      'unit_price:desc',
      '--limit',
      '3',
      '--format',
      'json',
    ]);
    const got = JSON.parse(r.stdout) as Daily[];
    const want = daily.filter((d) => d.date === '2024-05-02').sort((a, b) => b.unit_price - a.unit_price);
    expect(got.map((d) => d.unit_price)).toEqual(want.map((d) => d.unit_price));
  });

  it('--date with --from is a usage error', async () => {
    const r = await world.cli(['search', 'daily', '--date', '2024-05-01', '--from', '2024-05-01']);
    expect(r.code).toBe(2);
  });

  it('table on a terminal', async () => {
    const r = await world.cli(['search', 'daily', '--date', '2024-05-01'], { tty: true });
    expect(r.stdout).toMatch(/AOV \(won\)/);
    expect(r.stdout).toMatch(/\d{2},\d{3}/);
  });
});

describe('search weekly', () => {
  it('--store --from --to by end_date', async () => {
    const r = await world.cli([
      'search',
      'weekly',
      '--store',
      '50',
      '--from',
      '2024-05-01',
      '--to',
      '2024-05-07',
      '--format',
      'ndjson',
    ]);
    const got = ndjson<{ end_date: string; unit_price: number; start_date: string }>(r.stdout);
    expect(got.map((w) => w.end_date)).toEqual(daysBetween('2024-05-01', '2024-05-07').reverse());
    expect(got[0]!.start_date).toBe('2024-05-01');
    expect(got[0]!.unit_price).toBe(weekly.find((w) => w.store_id === '50' && w.end_date === '2024-05-07')!.unit_price);
  });

  it('--chart: a line chart of the AOV labelled with won and dates', async () => {
    const r = await world.cli([
      'search',
      'weekly',
      '--store',
      '7',
      '--from',
      '2024-05-01',
      '--to',
      '2024-05-31',
      '--chart',
    ]);
    expect(r.code).toBe(0);
    const series = weekly.filter((w) => w.store_id === '7' && w.end_date >= '2024-05-01').map((w) => w.unit_price);
    expect(r.stdout).toMatch(/^Store 7: weekly average order value \(won\), windows ending 2024-05-01 … 2024-05-31/);
    expect(r.stdout).toContain(Math.max(...series).toLocaleString('en-US'));
    expect(r.stdout).toContain(Math.min(...series).toLocaleString('en-US'));
    expect(r.stdout).toMatch(/2024-05-01\s+2024-05-31/);
    expect(r.stdout).toMatch(/[╭╮╯╰─]/);
    expect(r.stderr).toMatch(/31 weekly documents/);
  });

  it('--chart over every window thins to the width', async () => {
    const r = await world.cli(['search', 'weekly', '--store', '7', '--chart']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2024-04-07');
  });

  it('--chart without exactly one --store is a usage error', async () => {
    for (const args of [['--chart'], ['--chart', '--store', '50,51']]) {
      const r = await world.cli(['search', 'weekly', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--chart needs exactly one --store/);
    }
    const r = await world.cli(['search', 'weekly', '--store', '50', '--chart', '--format', 'csv']);
    expect(r.code).toBe(2);
  });

  it('--chart for a store without documents says so', async () => {
    const r = await world.cli(['search', 'weekly', '--store', '404', '--chart']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no weekly documents for store 404/);
  });
});
