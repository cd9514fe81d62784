/**
 * `search sales` against the real Elasticsearch: every filter compared with the same filter
 * applied in plain TypeScript to the seeded documents, every format parsed back, hostile text,
 * empty results, sorting, fields, and usage errors.
 */
import { SearchWorld, ndjson, row } from './seed';
import { csvRecords } from '../../unit/search/csv';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';

const world = new SearchWorld();
let docs: SaleDocument[] = [];

const HOSTILE = [
  '"unterminated',
  'a AND (b OR',
  '*',
  '?',
  'remark:x',
  'a\\b',
  '/re.*gex/',
  '(){}[]',
  '~1',
  '^2',
  '!not',
  'a && b || c',
  '" * ? : \\ / ( ) { } [ ] ~ ^ ! + - = && || > < |',
  'raw_data:{"k":1}',
  '😀🔥',
  '배민',
  '\u0007',
  'SELECT * FROM x; --',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the log4shell lookup, as a user could type it
  '${jndi:x}',
];

beforeAll(async () => {
  await world.start();
  const rows = [];
  const platforms = ['BAEMIN', 'YOGIYO', 'COUPANGEATS', 'KCP'];
  const cards = ['5461-11**-****-7537', '4321-98**-****-0001', '9410-12**-****-7537', '3560-00**-****-1234'];
  for (let i = 0; i < 60; i++) {
    const day = 1 + (i % 6); // 2024-05-01 .. 05-06
    const hour = 9 + (i % 12);
    rows.push(
      row({
        id: 10_000 + i,
        store_id: [50, 51, 7][i % 3],
        platform: platforms[i % 4],
        card_number: cards[i % 4],
        amount_sale: 1_000 * (1 + ((i * 7) % 40)),
        is_canceled: i % 10 === 0 ? 1 : 0,
        sold_at: `2024-05-0${day} ${String(hour).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`,
        modified: `2024-05-0${day} ${String(hour).padStart(2, '0')}:30:00`,
        remark:
          i === 1
            ? '배민 주문 취소 요청'
            : i === 2
              ? 'customer said: "refund (partial)" [urgent]'
              : i === 3
                ? '😀 great'
                : null,
        result_msg: i === 4 ? '승인 거절: 한도 초과' : '정상 승인',
        raw_data: i === 5 ? JSON.stringify({ order: 'ORD-777', memo: 'spicy & extra' }) : null,
      }),
    );
  }
  // A sale before midnight KST on 05-06 vs after: business day follows KST.
  rows.push(row({ id: 20_001, store_id: 99, sold_at: '2024-05-06 23:59:59', modified: '2024-05-07 00:00:00' }));
  rows.push(row({ id: 20_002, store_id: 99, sold_at: '2024-05-07 00:00:00', modified: '2024-05-07 00:00:01' }));
  docs = await world.indexSales(rows);
});

afterAll(() => world.stop());

function idsOf(text: string): string[] {
  return ndjson<{ id: string }>(text).map((d) => d.id);
}

function expected(pred: (d: SaleDocument) => boolean): string[] {
  return docs
    .filter(pred)
    .sort((a, b) => Date.parse(b.sold_at) - Date.parse(a.sold_at) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0))
    .map((d) => d.id);
}

async function search(args: string[], tty = false) {
  return world.cli(['search', 'sales', ...args], { tty });
}

describe('filters (compared with the same filter in TypeScript)', () => {
  const cases: [string, string[], (d: SaleDocument) => boolean][] = [
    ['--store', ['--store', '50'], (d) => d.store_id === '50'],
    ['--store list', ['--store', '50,7'], (d) => d.store_id === '50' || d.store_id === '7'],
    ['--platform, case-insensitive', ['--platform', 'baemin'], (d) => d.platform === 'BAEMIN'],
    ['--platform list', ['--platform', 'yogiyo,KCP'], (d) => d.platform === 'YOGIYO' || d.platform === 'KCP'],
    [
      '--from/--to (business days)',
      ['--from', '2024-05-02', '--to', '2024-05-03'],
      (d) => d.sale_date >= '2024-05-02' && d.sale_date <= '2024-05-03',
    ],
    ['--from alone', ['--from', '2024-05-06'], (d) => d.sale_date >= '2024-05-06'],
    ['--to alone', ['--to', '2024-05-01'], (d) => d.sale_date <= '2024-05-01'],
    ['--min-amount', ['--min-amount', '30000'], (d) => d.amount_sale >= 30_000],
    ['--max-amount', ['--max-amount', '5000'], (d) => d.amount_sale <= 5_000],
    [
      '--min/--max-amount',
      ['--min-amount', '10000', '--max-amount', '20000'],
      (d) => d.amount_sale >= 10_000 && d.amount_sale <= 20_000,
    ],
    ['--card exact', ['--card', '5461-11**-****-7537'], (d) => d.card_number === '5461-11**-****-7537'],
    ['--card *suffix', ['--card', '*7537'], (d) => d.card_number.endsWith('7537')],
    ['--card prefix*', ['--card', '9410-*'], (d) => d.card_number.startsWith('9410-')],
    ['--card with literal stars is not a pattern', ['--card', '5461-1***-****-7537'], () => false],
    ['--canceled', ['--canceled'], (d) => d.is_canceled],
    ['--not-canceled', ['--not-canceled'], (d) => !d.is_canceled],
    ['--text Hangul', ['--text', '배민'], (d) => String(d.remark ?? '').includes('배민')],
    ['--text all words (and)', ['--text', '승인 거절'], (d) => String(d.result_msg ?? '').includes('승인 거절')],
    ['--text in raw_data', ['--text', 'ORD-777'], (d) => String(d.raw_data ?? '').includes('ORD-777')],
    [
      '--text with quotes and brackets',
      ['--text', '"refund (partial)" [urgent]'],
      (d) => String(d.remark ?? '').includes('refund (partial)'),
    ],
    [
      'combined',
      ['--store', '51', '--not-canceled', '--min-amount', '10000', '--from', '2024-05-02'],
      (d) => d.store_id === '51' && !d.is_canceled && d.amount_sale >= 10_000 && d.sale_date >= '2024-05-02',
    ],
  ];
  it.each(cases)('%s', async (_name, args, pred) => {
    const r = await search([...args, '--all', '--format', 'ndjson']);
    expect(r.stderr).not.toMatch(/earlypay:/);
    expect(r.code).toBe(0);
    expect(idsOf(r.stdout)).toEqual(expected(pred));
  });

  it('business day is the KST calendar day of sold_at', async () => {
    const r = await search(['--store', '99', '--fields', 'id,sale_date', '--format', 'ndjson']);
    expect(ndjson(r.stdout)).toEqual([
      { id: '20002', sale_date: '2024-05-07' },
      { id: '20001', sale_date: '2024-05-06' },
    ]);
  });
});

describe('hostile text never errors', () => {
  it.each(HOSTILE)('%j', async (text) => {
    const r = await search(['--text', text, '--format', 'json']);
    expect(r.stderr).not.toMatch(/earlypay:/);
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });
  it('hostile --card and --store are plain values', async () => {
    for (const v of ['*a?b\\c*', '"]}{[', '*', '**x**']) {
      const r = await search(['--card', v, '--format', 'json']);
      if (v === '*') {
        expect(r.code).toBe(2);
        continue;
      }
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
    // A store id is a whole number: anything else is refused before a query is built.
    const r = await search(['--store', '50") OR 1=1 --', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^earlypay: --store "50"\) OR 1=1 --" is not a store id\n/);
    expect(r.stdout).toBe('');
  });
});

describe('limit, sort, fields', () => {
  it('defaults to 20 rows, newest first, and says there are more on stderr', async () => {
    const r = await search(['--format', 'ndjson']);
    expect(r.code).toBe(0);
    expect(idsOf(r.stdout)).toEqual(expected(() => true).slice(0, 20));
    expect(r.stderr).toMatch(/20 of 62 sales, newest first; --limit N or --all for more/);
  });

  it('--limit N', async () => {
    const r = await search(['--limit', '7', '--format', 'ndjson']);
    expect(idsOf(r.stdout)).toHaveLength(7);
  });

  it('--sort amount_sale:asc with the id tiebreaker', async () => {
    const r = await search(['--sort', 'amount_sale:asc', '--all', '--fields', 'id,amount_sale', '--format', 'ndjson']);
    const got = ndjson<{ id: string; amount_sale: number }>(r.stdout);
    const want = [...docs]
      .sort((a, b) => a.amount_sale - b.amount_sale || (a.id < b.id ? -1 : 1))
      .map((d) => ({ id: d.id, amount_sale: d.amount_sale }));
    expect(got).toEqual(want);
  });

  it('--sort on a field not on the allow-list is a usage error listing the allowed ones', async () => {
    const r = await search(['--sort', 'raw_data']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot sort by "raw_data"/);
    expect(r.stderr).toMatch(/hint: sortable fields: sold_at, sale_date, amount_sale/);
    expect(r.stdout).toBe('');
  });

  it('raw_data only when asked for', async () => {
    const dflt = ndjson((await search(['--text', 'ORD-777', '--format', 'ndjson'])).stdout);
    expect(dflt).toHaveLength(1);
    expect(dflt[0]).not.toHaveProperty('raw_data');
    expect(dflt[0]).toHaveProperty('remark');
    const asked = ndjson((await search(['--text', 'ORD-777', '--fields', 'id,raw_data', '--format', 'ndjson'])).stdout);
    expect(asked).toEqual([{ id: '10005', raw_data: JSON.stringify({ order: 'ORD-777', memo: 'spicy & extra' }) }]);
  });

  it('unknown --fields is a usage error', async () => {
    const r = await search(['--fields', 'id,amount']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown field "amount"/);
  });
});

describe('formats', () => {
  const args = ['--store', '50', '--all'];
  const want = () => expected((d) => d.store_id === '50');

  it('json: one array', async () => {
    const r = await search([...args, '--format', 'json']);
    const arr = JSON.parse(r.stdout) as SaleDocument[];
    expect(arr.map((d) => d.id)).toEqual(want());
    expect(arr[0]).toEqual(
      expect.objectContaining({ store_id: '50', sale_date: expect.any(String), anomaly_rules: [] }),
    );
  });

  it('--json means json', async () => {
    const r = await world.cli(['search', 'sales', '--json', ...args]);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(want().length);
  });

  it('ndjson is the default when stdout is not a terminal', async () => {
    const r = await search(args);
    expect(idsOf(r.stdout)).toEqual(want());
  });

  it('csv: header row, values parse back', async () => {
    const r = await search([
      ...args,
      '--format',
      'csv',
      '--fields',
      'id,amount_sale,remark,result_msg,is_canceled,anomaly_rules',
    ]);
    const recs = csvRecords<'id' | 'amount_sale' | 'remark' | 'result_msg' | 'is_canceled' | 'anomaly_rules'>(r.stdout);
    expect(Object.keys(recs[0]!)).toEqual([
      'id',
      'amount_sale',
      'remark',
      'result_msg',
      'is_canceled',
      'anomaly_rules',
    ]);
    expect(recs.map((x) => x.id)).toEqual(want());
    const byId = new Map(docs.map((d) => [d.id, d]));
    for (const rec of recs) {
      const d = byId.get(rec.id)!;
      expect(Number(rec.amount_sale)).toBe(d.amount_sale);
      expect(rec.remark).toBe(d.remark ?? '');
      expect(rec.is_canceled).toBe(String(d.is_canceled));
    }
    const quoted = csvRecords((await search(['--text', 'refund', '--format', 'csv', '--fields', 'id,remark'])).stdout);
    expect(quoted).toEqual([{ id: '10002', remark: 'customer said: "refund (partial)" [urgent]' }]);
    // --bom: the same CSV behind a UTF-8 byte-order mark, for Excel.
    const withBom = (
      await search([
        ...args,
        '--format',
        'csv',
        '--bom',
        '--fields',
        'id,amount_sale,remark,result_msg,is_canceled,anomaly_rules',
      ])
    ).stdout;
    expect(withBom).toBe(`\uFEFF${r.stdout}`);
  });

  it('table on a terminal: thousands separators, header, summary on stderr', async () => {
    const r = await search(['--store', '50', '--limit', '5'], true);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/┌/);
    expect(r.stdout).toMatch(/amount \(won\)/);
    expect(r.stdout).toMatch(/\d{1,3},\d{3}/);
    expect(r.stderr).toMatch(/5 of 20 sales/);
  });

  it('empty result: exit 0, empty output in every format', async () => {
    for (const [format, out] of [
      ['json', '[]\n'],
      ['ndjson', ''],
      ['csv', /^id,created,/],
      ['table', ''],
    ] as const) {
      const r = await search(['--store', '999999', '--format', format]);
      expect(r.code).toBe(0);
      if (typeof out === 'string') expect(r.stdout).toBe(out);
      else expect(r.stdout).toMatch(out);
      expect(r.stderr).toMatch(/no sales match/);
    }
  });
});

describe('usage and dependency errors', () => {
  it.each([
    [['--canceled', '--not-canceled'], /cannot be used with/],
    [['--limit', '5', '--all'], /cannot be used with/],
    [['--from', '2024-05-09', '--to', '2024-05-01'], /--from 2024-05-09 is after --to 2024-05-01/],
    [['--from', '2024-02-30'], /not a date/],
    [['--limit', '0'], /not a positive whole number/],
    [['--min-amount', 'ten'], /not a whole number/],
    [['--format', 'xml'], /Allowed choices are table, json, ndjson, csv/],
    [['--text', ''], /--text is empty/],
  ])('%j -> exit 2 with one line and a hint', async (args, message) => {
    const r = await search(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).toMatch(/\nhint: /);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(r.stdout).toBe('');
  });

  it('a prefix without indices: exit 1 and "run setup"', async () => {
    const stdout = {
      text: '',
      write(s: string) {
        this.text += s;
        return true;
      },
    };
    const stderr = {
      text: '',
      write(s: string) {
        this.text += s;
        return true;
      },
    };
    const { main } = await import('../../../src/cli');
    const code = await main(
      ['node', 'earlypay', 'search', 'sales', '--es-url', world.esUrl, '--index-prefix', `${world.prefix}-none`],
      { stdout, stderr, env: {} },
    );
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/index it-search-.*-none-sales does not exist/);
    expect(stderr.text).toMatch(/earlypay setup/);
  });

  it('Elasticsearch down: exit 1, one clear line', async () => {
    const stdout = {
      text: '',
      write(s: string) {
        this.text += s;
        return true;
      },
    };
    const stderr = {
      text: '',
      write(s: string) {
        this.text += s;
        return true;
      },
    };
    const { main } = await import('../../../src/cli');
    const code = await main(
      ['node', 'earlypay', 'search', 'sales', '--es-url', 'http://127.0.0.1:9', '--index-prefix', world.prefix],
      { stdout, stderr, env: {} },
    );
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/Elasticsearch.*unreachable/);
    expect(stderr.text).not.toMatch(/\n\s+at /);
  });
});
