/**
 * The report's page without a server (issue 32, tried on other data): the ranking of stores and
 * the trend's rows (ids as numbers), a period without sales, and what the charts and tables show.
 */
import { rankStores, trendRows, type ReportData, type StoreFigures } from '../../../src/core/report/report';
import { renderReportHtml } from '../../../src/render/reportHtml';

function store(id: string, total: number, customers: number): StoreFigures {
  return {
    store_id: id,
    total_sale: total,
    num_transactions: customers,
    num_customers: customers,
    unit_price: Math.floor(total / customers),
    days_with_sales: 1,
  };
}

function report(stores: StoreFigures[], over: Partial<ReportData> = {}): ReportData {
  const ranked = rankStores(stores);
  const total = stores.reduce((n, s) => n + s.total_sale, 0);
  const customers = stores.reduce((n, s) => n + s.num_customers, 0);
  const ends = ['2024-04-23', '2024-04-30'];
  return {
    from: '2024-04-30',
    to: '2024-04-30',
    stores_filter: null,
    generated_at: '2024-05-01T00:00:00.000Z',
    totals: {
      stores: stores.length,
      total_sale: total,
      num_transactions: customers,
      num_customers: customers,
      unit_price: customers ? Math.floor(total / customers) : null,
    },
    ...ranked,
    weekly: trendRows(
      ends,
      ranked.stores.map((s) => s.store_id),
      ranked.stores.flatMap((s) => ends.map((end) => ({ store: s.store_id, end, price: s.unit_price }))),
    ),
    platforms: [],
    anomalies: { by_rule: [], open_total: 0, open: [] },
    reconcile: null,
    lag: {
      checkpoint_modified: null,
      checkpoint_saved_at: null,
      source_latest: null,
      rows_waiting: null,
      rows_waiting_capped: false,
    },
    dead_letters: { total: 0, latest: [] },
    ...over,
  };
}

/** The inline SVG of one chart of the page. */
function chartSvg(html: string, id: string): string {
  return new RegExp(`<figure class="chart" id="${id}">.*?</figure>`, 's').exec(html)![0];
}

describe('stores ranked on the page', () => {
  it('ties go to the lower id as a number (9 before 10), in sales and in AOV', () => {
    const { stores, aov } = rankStores([store('10', 30_000, 1), store('9', 30_000, 1), store('100', 10_000, 1)]);
    expect(stores.map((s) => s.store_id)).toEqual(['9', '10', '100']);
    expect([aov.best!.store_id, aov.worst!.store_id, aov.spread]).toEqual(['9', '100', 20_000]);
  });

  it("the trend lists the stores seen only in the windows after the period's, by id as a number", () => {
    const points = ['1', '10', '11', '2', '9'].map((s) => ({ store: s, end: '2024-04-23', price: 100 }));
    const rows = trendRows(['2024-04-23', '2024-04-30'], ['11'], points);
    expect(rows.stores.map((s) => s.store_id)).toEqual(['11', '1', '2', '9', '10']);
    expect(rows.stores[0]!.unit_price).toEqual([100, null]);
  });
});

describe('the page', () => {
  it('draws each of the ten stores of the trend in a colour of its own', () => {
    const stores = Array.from({ length: 12 }, (_, i) => store(String(i + 1), 100_000 - i * 1_000, 4));
    const svg = chartSvg(renderReportHtml(report(stores)), 'chart-weekly');
    const lines = [
      ...svg.matchAll(
        /<path d="M[^"]*" fill="none" pointer-events="visible" stroke="(#[0-9a-f]{6})" stroke-width="2"/g,
      ),
    ].map((m) => m[1]);
    expect(lines).toHaveLength(10);
    expect(new Set(lines).size).toBe(10);
  });

  it('a period without counted sales: no AOV figure, and every chart says why it is empty', () => {
    const html = renderReportHtml(report([]));
    expect(html).toContain('data-figure="unit_price">-<');
    expect(html).not.toMatch(/data-figure="unit_price">0/);
    expect(chartSvg(html, 'chart-store-aov')).toContain('no counted sales in this period');
    expect(chartSvg(html, 'chart-weekly')).toContain('no store had counted sales in this period');
    expect(chartSvg(html, 'chart-platforms')).toContain('no counted sales in this period');
    expect(chartSvg(html, 'chart-anomalies')).toContain('no anomalies in this period');
  });

  it('shows times as the terminal does', () => {
    const open = [
      { sold_at: '2024-04-30T20:41:51+09:00', store_id: '13', sale_id: '19894', rule: 'NON_POSITIVE_AMOUNT' },
    ];
    const html = renderReportHtml(
      report([store('13', 10_000, 1)], { anomalies: { by_rule: [], open_total: 1, open } }),
    );
    expect(html).toContain('<td>2024-04-30 20:41:51+09:00</td>');
  });
});
