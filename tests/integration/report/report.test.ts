/**
 * `earlypay report` end to end on the real stack: sample sales loaded into MariaDB, copied and
 * computed by the real jobs, the report written by the CLI, its figures compared with SQL over
 * the source table, then the page opened in Debian's headless Chromium over the DevTools
 * protocol: every chart is an SVG of real size, the page asks the network for nothing, Korean
 * text is laid out, the figures on the page equal SQL, and a screenshot is taken
 * (REPORT_SCREENSHOT=docs/report.png writes the one the README and docs/commands.md show).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import CDP from 'chrome-remote-interface';
import { TestWorld } from '../../support';
import { loadSample } from '../../../src/sample/load';
import { formatWon } from '../../../src/core/money';
import { formatCount } from '../../../src/render/style';

const FROM = '2024-04-08';
const TO = '2024-04-21';
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';

interface StoreSql {
  store_id: string;
  total: string;
  transactions: string;
  customers: string;
}

describe('earlypay report', () => {
  const world = new TestWorld('report');
  const dir = mkdtempSync(join(tmpdir(), 'earlypay-report-'));
  const out = join(dir, 'report.html');
  let json: Record<string, unknown>;

  beforeAll(async () => {
    await world.start();
    await loadSample(
      { mysqlUrl: world.mysqlUrl, mysqlPassword: undefined },
      { rows: 8_000, days: 28, stores: 14, seed: 32, startDate: '2024-04-01' },
      { batchSize: 2_000, concurrency: 2 },
    );
    for (const args of [
      ['setup'],
      ['ingest'],
      ['daily', '--from', '2024-04-01', '--to', '2024-04-28'],
      ['weekly', '--from', '2024-04-01', '--to', '2024-04-28'],
      ['reconcile', '--from', '2024-04-01', '--to', '2024-04-28'],
    ]) {
      const r = await world.cli(args);
      expect({ args, code: r.code, stderr: r.code ? r.stderr : '' }).toEqual({ args, code: 0, stderr: '' });
    }
    const r = await world.cli(['report', '--from', FROM, '--to', TO, '--out', out, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    json = JSON.parse(r.stdout) as Record<string, unknown>;
  }, 600_000);

  afterAll(async () => {
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Counted sales (docs/contract.md §5) per store and business day, summed per store: daily AOV in SQL. */
  async function storesFromSql(): Promise<StoreSql[]> {
    return world.query<StoreSql>(
      `SELECT store_id, SUM(total) AS total, SUM(n) AS transactions, SUM(customers) AS customers FROM (
         SELECT CAST(store_id AS CHAR) AS store_id, DATE(sold_at) AS day, SUM(amount_sale) AS total, COUNT(*) AS n,
                COUNT(DISTINCT card_number) AS customers
         FROM platform_sales
         WHERE is_canceled = 0 AND amount_sale > 0 AND store_id IS NOT NULL AND card_number <> ''
           AND sold_at >= ? AND sold_at < ? + INTERVAL 1 DAY AND modified > '0000-00-00 00:00:00'
         GROUP BY store_id, day) d GROUP BY store_id ORDER BY store_id`,
      [`${FROM} 00:00:00`, `${TO} 00:00:00`],
    );
  }

  it('the totals, customers and AOV equal SQL over the source table', async () => {
    const stores = await storesFromSql();
    const total = stores.reduce((n, s) => n + Number(s.total), 0);
    const customers = stores.reduce((n, s) => n + Number(s.customers), 0);
    expect(json.totals).toEqual({
      stores: stores.length,
      total_sale: total,
      num_transactions: stores.reduce((n, s) => n + Number(s.transactions), 0),
      num_customers: customers,
      unit_price: Math.floor(total / customers),
    });
    const aovs = stores.map((s) => ({ id: s.store_id, aov: Math.floor(Number(s.total) / Number(s.customers)) }));
    aovs.sort((a, b) => b.aov - a.aov);
    const aov = json.aov as { best: string; worst: string; spread: number };
    expect(aov.spread).toBe(aovs[0]!.aov - aovs.at(-1)!.aov);
    expect(aov.best).toBe(aovs[0]!.id);
    expect(aov.worst).toBe(aovs.at(-1)!.id);
  });

  it('a day without sales: no AOV, and the stores of the weekly windows before it by id as a number', async () => {
    const empty = join(dir, 'empty.html');
    const r = await world.cli(['report', '--date', '2024-04-30', '--out', empty, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout).totals).toEqual({
      stores: 0,
      total_sale: 0,
      num_transactions: 0,
      num_customers: 0,
      unit_price: null,
    });
    const html = readFileSync(empty, 'utf8');
    expect(html).toContain('data-figure="unit_price">-<');
    const weekly = /<h2>주간 추이.*?<tbody>(.*?)<\/tbody>/s.exec(html)![1]!;
    const ids = [...weekly.matchAll(/<tr><td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(14);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('is one page that names nothing on the network, with its charts as inline SVG', () => {
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\((?!#)/i); // url(#…): a clip path in the same SVG
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html.match(/<svg /g)?.length).toBe(4);
    expect(html).toContain('객단가');
  });

  describe('in headless Chromium', () => {
    let browser: ChildProcess;
    let client: CDP.Client;
    const requests: string[] = [];

    beforeAll(async () => {
      const port = await freePort();
      browser = spawn(
        CHROMIUM,
        [
          '--headless=new',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          `--user-data-dir=${join(dir, 'profile')}`,
          `--remote-debugging-port=${port}`,
          '--remote-debugging-address=127.0.0.1',
          '--window-size=1150,900',
          'about:blank',
        ],
        { stdio: 'ignore' },
      );
      client = await connect(port);
      await client.Network.enable({});
      client.Network.requestWillBeSent((e) => requests.push(e.request.url));
      await client.Page.enable();
      const loaded = client.Page.loadEventFired();
      await client.Page.navigate({ url: `file://${out}` });
      await loaded;
    }, 120_000);

    afterAll(async () => {
      await client?.close().catch(() => undefined);
      browser?.kill('SIGTERM');
    });

    async function evaluate<T>(expression: string): Promise<T> {
      const r = await client.Runtime.evaluate({ expression, returnByValue: true });
      return r.result.value as T;
    }

    it('draws every chart: an SVG with a real size and shapes in it', async () => {
      const charts = await evaluate<{ id: string; w: number; h: number; shapes: number }[]>(`
        [...document.querySelectorAll('figure.chart')].map((f) => {
          const svg = f.querySelector('svg'); const r = svg.getBoundingClientRect();
          return { id: f.id, w: r.width, h: r.height, shapes: svg.querySelectorAll('path,rect').length };
        })`);
      expect(charts.map((c) => c.id)).toEqual([
        'chart-store-aov',
        'chart-weekly',
        'chart-platforms',
        'chart-anomalies',
      ]);
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(300);
        expect(c.h).toBeGreaterThan(100);
        expect(c.shapes).toBeGreaterThan(5);
      }
    });

    it('asks the network for nothing', () => {
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    });

    it('lays Korean text out with a font that has Hangul (not the empty boxes of a missing glyph)', async () => {
      // A Hangul string and a Latin one of as many characters: with a CJK font the Hangul is wider.
      const widths = await evaluate<{ ko: number; box: number }>(`(() => {
        const c = document.createElement('canvas').getContext('2d');
        c.font = '20px ' + getComputedStyle(document.body).fontFamily;
        return { ko: c.measureText('객단가매출').width, box: c.measureText('\\u0378\\u0378\\u0378\\u0378\\u0378').width };
      })()`);
      expect(widths.ko).toBeGreaterThan(0);
      expect(widths.ko).not.toBeCloseTo(widths.box, 1);
    });

    it('shows the figures SQL gives, formatted as the terminal formats them', async () => {
      const stores = await storesFromSql();
      const total = stores.reduce((n, s) => n + Number(s.total), 0);
      const customers = stores.reduce((n, s) => n + Number(s.customers), 0);
      const shown = await evaluate<Record<string, string>>(`
        Object.fromEntries([...document.querySelectorAll('[data-figure]')]
          .map((e) => [e.dataset.figure, e.textContent]))`);
      expect(shown.total_sale).toBe(`${formatWon(total)}원`);
      expect(shown.num_customers).toBe(formatCount(customers));
      expect(shown.unit_price).toBe(`${formatWon(Math.floor(total / customers))}원`);
      const rows = await evaluate<string[][]>(`
        [...document.querySelectorAll('#stores tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent))`);
      const bySql = new Map(stores.map((s) => [s.store_id, s]));
      expect(rows).toHaveLength(stores.length);
      for (const [id, sales, transactions, cust, aov] of rows) {
        const s = bySql.get(id!)!;
        expect([sales, transactions, cust, aov]).toEqual([
          formatWon(Number(s.total)),
          formatCount(Number(s.transactions)),
          formatCount(Number(s.customers)),
          formatWon(Math.floor(Number(s.total) / Number(s.customers))),
        ]);
      }
      const platforms = await world.query<{ platform: string; n: string }>(
        `SELECT platform, COUNT(*) AS n FROM platform_sales
         WHERE is_canceled = 0 AND amount_sale > 0 AND store_id IS NOT NULL AND card_number <> ''
           AND sold_at >= ? AND sold_at < ? + INTERVAL 1 DAY AND modified > '0000-00-00 00:00:00'
         GROUP BY platform ORDER BY platform`,
        [`${FROM} 00:00:00`, `${TO} 00:00:00`],
      );
      const shownPlatforms = await evaluate<string[][]>(`
        [...document.querySelectorAll('#platforms tbody tr')]
          .map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent])`);
      expect(shownPlatforms.sort()).toEqual(
        platforms.map((p) => [p.platform ?? '(none)', formatCount(Number(p.n))]).sort(),
      );
    });

    it('takes a screenshot of the whole page', async () => {
      const { result } = await client.Runtime.evaluate({
        expression: 'JSON.stringify([document.documentElement.scrollWidth, document.documentElement.scrollHeight])',
        returnByValue: true,
      });
      const [width, height] = JSON.parse(result.value as string) as [number, number];
      const shot = await client.Page.captureScreenshot({
        format: 'png',
        captureBeyondViewport: true,
        clip: { x: 0, y: 0, width, height: Math.min(height, 2200), scale: 0.75 },
      });
      const png = Buffer.from(shot.data, 'base64');
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      writeFileSync(process.env.REPORT_SCREENSHOT ?? join(dir, 'report.png'), png);
    });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Chromium takes a moment to open its DevTools port: retry for up to 30 s. */
async function connect(port: number): Promise<CDP.Client> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await CDP({ host: '127.0.0.1', port });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
