/**
 * The report as one self-contained HTML page: inline CSS, charts as inline SVG drawn on the
 * server by Apache ECharts (`renderToSVGString`, its server-side rendering), no script, style,
 * font or image from anywhere else, so it opens offline, in a mail or from a static folder.
 * Korean text uses fonts the reader's system has (the stack below names the common ones).
 * Numbers read as in the terminal: won and counts with thousands separators.
 */
import type * as Echarts from 'echarts';
import type { ReportData, StoreFigures } from '../core/report/report';
import { formatWon } from '../core/money';
import { tableCell } from './formats';
import { formatCount } from './style';

export const FONT_STACK =
  "'Noto Sans CJK KR', 'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', 'NanumGothic', 'Segoe UI', Roboto, " +
  'sans-serif';

/** Stores drawn in the weekly trend chart (the table lists every store). */
const TREND_CHART_STORES = 10;

/**
 * Kibana's colour-blind-safe palette (EUI), ten colours: one per store of the trend chart. With
 * ECharts' default nine, the first and the tenth store were drawn in the same blue.
 */
const PALETTE = [
  '#54b399',
  '#6092c0',
  '#d36086',
  '#9170b8',
  '#ca8eae',
  '#d6bf57',
  '#b9a888',
  '#da8b45',
  '#aa6556',
  '#e7664c',
];

function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * One chart as an SVG string, drawn by ECharts without a DOM; `empty`: what the chart says in
 * its middle when it has nothing to draw (a period without sales), instead of bare axes.
 */
/** ECharts, loaded when a report is drawn: every other command would pay its start-up (docs/performance.md). */
let loaded: typeof Echarts | undefined;
function echarts(): typeof Echarts {
  loaded ??= require('echarts') as typeof Echarts;
  return loaded;
}

function svgChart(option: Echarts.EChartsCoreOption, width: number, height: number, empty?: string): string {
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  const title = empty ? { title: { text: empty, left: 'center', top: 'middle', textStyle: { color: '#69707d' } } } : {};
  try {
    chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: FONT_STACK }, ...title, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function figure(id: string, title: string, svg: string): string {
  return `<figure class="chart" id="${id}"><figcaption>${escapeHtml(title)}</figcaption>${svg}</figure>`;
}

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function stat(id: string, label: string, value: string): string {
  return (
    `<div class="stat"><div class="label">${escapeHtml(label)}</div><div class="value" ` +
    `data-figure="${id}">${escapeHtml(value)}</div></div>`
  );
}

const CSS = `
body{font-family:${FONT_STACK};margin:24px;color:#1a1c21;background:#fff;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d3dae6;padding-bottom:4px}
.sub{color:#69707d;font-size:13px}.stats{display:flex;flex-wrap:wrap;gap:12px;margin-top:12px}
.stat{border:1px solid #d3dae6;border-radius:6px;padding:10px 14px;min-width:150px}
.stat .label{font-size:12px;color:#69707d}.stat .value{font-size:20px;font-weight:600}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #eef0f3;padding:4px 10px;text-align:left}
th{background:#f5f7fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{margin:8px 0}figcaption{font-size:13px;color:#343741;margin-bottom:4px}
.ok{color:#017d73}.warn{color:#bd271e}`;

const NO_SALES = 'no counted sales in this period';

function storeBars(stores: StoreFigures[]): string {
  const byAov = [...stores].sort((a, b) => b.unit_price - a.unit_price);
  return svgChart(
    {
      grid: { left: 70, right: 20, top: 20, bottom: 60 },
      xAxis: {
        type: 'category',
        data: byAov.map((s) => s.store_id),
        axisLabel: { rotate: byAov.length > 20 ? 60 : 0 },
      },
      yAxis: { type: 'value', name: '객단가 (원)' },
      series: [{ type: 'bar', name: 'AOV', data: byAov.map((s) => s.unit_price), itemStyle: { color: '#54b399' } }],
    },
    1000,
    320,
    stores.length ? undefined : NO_SALES,
  );
}

function trendLines(data: ReportData): string {
  const shown = new Set(data.stores.slice(0, TREND_CHART_STORES).map((s) => s.store_id));
  const series = data.weekly.stores
    .filter((s) => shown.has(s.store_id))
    .map((s) => ({ type: 'line', name: `store ${s.store_id}`, data: s.unit_price, connectNulls: false }));
  return svgChart(
    {
      legend: { top: 0, type: 'plain' },
      grid: { left: 70, right: 20, top: 50, bottom: 30 },
      xAxis: { type: 'category', data: data.weekly.ends },
      yAxis: { type: 'value', name: '주간 객단가 (원)', scale: true },
      series,
    },
    1000,
    340,
    series.length ? undefined : 'no store had counted sales in this period',
  );
}

function platformBars(data: ReportData): string {
  return svgChart(
    {
      grid: { left: 110, right: 40, top: 10, bottom: 30 },
      yAxis: { type: 'category', data: data.platforms.map((p) => p.platform), inverse: true },
      xAxis: { type: 'value', name: '건' },
      series: [{ type: 'bar', data: data.platforms.map((p) => p.count), itemStyle: { color: '#6092c0' } }],
    },
    480,
    Math.max(140, 40 + data.platforms.length * 36),
    data.platforms.length ? undefined : NO_SALES,
  );
}

function ruleBars(data: ReportData): string {
  const rules = data.anomalies.by_rule;
  return svgChart(
    {
      legend: { top: 0 },
      grid: { left: 170, right: 30, top: 30, bottom: 30 },
      yAxis: { type: 'category', data: rules.map((r) => r.rule), inverse: true },
      xAxis: { type: 'value' },
      series: [
        { type: 'bar', name: 'open', stack: 'a', data: rules.map((r) => r.open), itemStyle: { color: '#e7664c' } },
        {
          type: 'bar',
          name: 'resolved',
          stack: 'a',
          data: rules.map((r) => r.total - r.open),
          itemStyle: { color: '#d6bf57' },
        },
      ],
    },
    560,
    Math.max(140, 60 + rules.length * 32),
    rules.length ? undefined : 'no anomalies in this period',
  );
}

function period(d: ReportData): string {
  return d.from === d.to ? d.from : `${d.from} … ${d.to}`;
}

/** The whole page. */
export function renderReportHtml(d: ReportData): string {
  const won = (n: number | null | undefined): string => (n == null ? '-' : `${formatWon(n)}원`);
  const best = d.aov.best;
  const worst = d.aov.worst;
  const { open, open_total } = d.anomalies;
  const newest = open_total > open.length ? `, the newest ${formatCount(open.length)} listed` : '';
  const reconcile = d.reconcile
    ? `${d.reconcile.outcome ?? d.reconcile.status} ` +
      `(${d.reconcile.status}${d.reconcile.exit_code != null ? `, exit ${d.reconcile.exit_code}` : ''}, started ` +
      `${d.reconcile.started_at})`
    : 'never ran';
  const reconcileOk = d.reconcile?.status === 'succeeded' && (d.reconcile.outcome ?? '').match(/sync|repaired/);
  const lag =
    d.lag.rows_waiting == null
      ? 'no ingest checkpoint yet'
      : `${d.lag.rows_waiting_capped ? 'over ' : ''}${formatCount(d.lag.rows_waiting)} source row(s) waiting; ` +
        `checkpoint at modified ${d.lag.checkpoint_modified} (saved ${d.lag.checkpoint_saved_at}); source latest ` +
        `${d.lag.source_latest ?? '-'}`;
  const sections = [
    `<h1>EarlyPay 매출 리포트 — ${escapeHtml(period(d))}</h1>`,
    `<div class="sub">business days ` +
      `${escapeHtml(period(d))}${d.stores_filter ? `, stores ${escapeHtml(d.stores_filter.join(', '))}` : ''}; ` +
      `generated ${escapeHtml(d.generated_at)}</div>`,
    '<div class="stats">',
    stat('total_sale', '매출 합계 (total sales)', won(d.totals.total_sale)),
    stat('num_transactions', '결제 건수 (transactions)', formatCount(d.totals.num_transactions)),
    stat('num_customers', '고객 수 (customers, per day)', formatCount(d.totals.num_customers)),
    stat('unit_price', '객단가 (AOV)', won(d.totals.unit_price)),
    stat('stores', '매장 수 (stores)', formatCount(d.totals.stores)),
    '</div>',
    `<h2>매장별 객단가 (AOV per store)</h2>`,
    [
      '<div class="stats">',
      stat('aov_best', `best: store ${best?.store_id ?? '-'}`, won(best?.unit_price)),
      stat('aov_worst', `worst: store ${worst?.store_id ?? '-'}`, won(worst?.unit_price)),
      stat('aov_spread', 'spread', won(d.aov.spread)),
      '</div>',
    ].join(''),
    figure('chart-store-aov', 'AOV per store, highest first', storeBars(d.stores)),
    table(
      ['store', 'sales (won)', 'transactions', 'customers', 'AOV (won)', 'days'],
      d.stores.map((s) => [
        s.store_id,
        formatWon(s.total_sale),
        formatCount(s.num_transactions),
        formatCount(s.num_customers),
        formatWon(s.unit_price),
        formatCount(s.days_with_sales),
      ]),
      [false, true, true, true, true, true],
    ).replace('<table>', '<table id="stores">'),
    `<h2>주간 추이 (weekly AOV, windows ending ${escapeHtml(d.weekly.ends[0])} … ${escapeHtml(d.weekly.ends.at(-1))})</h2>`,
    figure('chart-weekly', `weekly AOV of the ${TREND_CHART_STORES} stores with the most sales`, trendLines(d)),
    table(
      ['store', ...d.weekly.ends],
      d.weekly.stores.map((s) => [s.store_id, ...s.unit_price.map((p) => (p == null ? '-' : formatWon(p)))]),
      [false, ...d.weekly.ends.map(() => true)],
    ),
    `<h2>플랫폼별 결제 (counted sales per platform)</h2>`,
    figure('chart-platforms', 'counted sales (not canceled, amount > 0)', platformBars(d)),
    table(
      ['platform', 'sales', 'amount (won)'],
      d.platforms.map((p) => [p.platform, formatCount(p.count), formatWon(p.amount)]),
      [false, true, true],
    ).replace('<table>', '<table id="platforms">'),
    `<h2>이상 거래 (anomalies by rule)</h2>`,
    figure('chart-anomalies', 'anomalies of sales in the period, by rule', ruleBars(d)),
    table(
      ['rule', 'open', 'all'],
      d.anomalies.by_rule.map((r) => [r.rule, formatCount(r.open), formatCount(r.total)]),
      [false, true, true],
    ),
    `<p>${formatCount(open_total)} open${newest}:</p>`,
    table(
      ['sold at', 'store', 'sale', 'rule', 'amount (won)', 'reason'],
      d.anomalies.open.map((a) => [
        tableCell(a.sold_at, 'time'),
        String(a.store_id ?? ''),
        String(a.sale_id ?? ''),
        String(a.rule ?? ''),
        formatWon(a.amount_sale as number),
        String(a.reason ?? ''),
      ]),
      [false, false, false, false, true, false],
    ),
    `<h2>데이터 상태 (the copy)</h2>`,
    table(
      ['check', 'state'],
      [
        ['reconcile (last run)', reconcile],
        ['ingest lag', lag],
        ['dead letters', `${formatCount(d.dead_letters.total)} rejected source row(s)`],
      ],
    ).replace(
      '<td>reconcile (last run)</td><td>',
      `<td>reconcile (last run)</td><td class="${reconcileOk ? 'ok' : 'warn'}">`,
    ),
    d.dead_letters.latest.length
      ? table(
          ['source id', 'reason', 'last seen'],
          d.dead_letters.latest.map((r) => [
            String(r.source_id ?? ''),
            String(r.reason ?? ''),
            tableCell(r.last_seen, 'time'),
          ]),
        )
      : '',
  ];
  return `<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>EarlyPay report ${escapeHtml(period(d))}</title><style>${CSS}</style></head>
<body>
${sections.join('\n')}
</body></html>
`;
}
