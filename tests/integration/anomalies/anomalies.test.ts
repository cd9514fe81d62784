/**
 * `anomalies scan | list | resolve | rules` against the real Elasticsearch. Scan results are
 * compared with the rules of docs/contract.md §5 written out again in plain TypeScript below (not the
 * production rule functions), on hand-made cases and on a random data set.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SearchWorld, ndjson, row } from '../search/seed';
import { randomInts } from '../../support';
import { csvRecords } from '../../unit/search/csv';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import type { AnomalyDocument } from '../../../src/core/rules/rules';
import { JobLock } from '../../../src/core/runs/lock';
import { shiftDay } from '../../../src/core/time/businessDay';
import { expectedRules, type Weekly } from './reference';

const NOW = new Date('2024-05-04T00:00:00+09:00');
const FROM = '2024-05-02';
const TO = '2024-05-04';

// --- fixtures ----------------------------------------------------------------------------

const world = new SearchWorld();
let weekly: Weekly;
let docs: SaleDocument[] = [];

async function setWeekly(entries: [string, number][]): Promise<void> {
  weekly = new Map([...(weekly ?? new Map()), ...entries]);
  await world.indexDocs(
    world.names.weeklyAov,
    entries.map(([id, unit]) => {
      const [store, end] = id.split(':') as [string, string];
      return {
        id,
        doc: {
          store_id: store,
          start_date: shiftDay(end, -6),
          end_date: end,
          total_sale: unit * 10,
          num_customers: 10,
          num_transactions: 10,
          days_with_sales: 7,
          unit_price: unit,
        },
      };
    }),
  );
}

async function scan(from = FROM, to = TO, extra: string[] = []) {
  const r = await world.cli(['anomalies', 'scan', '--from', from, '--to', to, '--json', ...extra], { now: NOW });
  if (r.code !== 0) throw new Error(`scan failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function anomaliesInRange(from = FROM, to = TO): Promise<Map<string, AnomalyDocument>> {
  const all = await world.allDocs<AnomalyDocument>(world.names.anomalies);
  return new Map([...all].filter(([, a]) => a.sale_date >= from && a.sale_date <= to));
}

async function salesRules(): Promise<Map<string, string[]>> {
  const all = await world.allDocs<SaleDocument>(world.names.sales);
  return new Map([...all].map(([id, d]) => [id, [...d.anomaly_rules].sort()]));
}

function expectedAnomalyIds(docsNow: SaleDocument[], from = FROM, to = TO): string[] {
  const rules = expectedRules(docsNow, weekly, NOW);
  return docsNow
    .filter((d) => d.sale_date >= from && d.sale_date <= to)
    .flatMap((d) => rules.get(d.id)!.map((r) => `${d.id}:${r}`))
    .sort();
}

beforeAll(async () => {
  await world.start();
  await setWeekly([
    ['50:2024-05-01', 10_000],
    ['50:2024-05-02', 8_000],
  ]);
  const R = '9999-00**-****-0000';
  const rows = [
    row({ id: 1, amount_sale: 25_000 }), // OVER_WEEKLY_AOV (> 2 × 10,000)
    row({ id: 2, amount_sale: 20_000 }), // exactly 2 ×: not over
    row({ id: 3, amount_sale: 10_000, amount_fee: 300, amount_deposit: 9_000 }), // DEPOSIT_MISMATCH
    row({ id: 4, amount_sale: 10_000, amount_fee: 5_000, amount_deposit: 5_000 }), // FEE_RATE_OUT_OF_RANGE
    row({ id: 5, amount_sale: 0, amount_fee: 0, amount_deposit: 0 }), // NON_POSITIVE_AMOUNT
    // SETTLEMENT_BEFORE_SALE
    row({ id: 6, card_number: '1234-56**-****-0006', will_deposited_at: '2024-05-01 00:00:00' }),
    row({ id: 7, amount_sale: 50_000, is_canceled: 1 }), // canceled: not counted, nothing
    row({ id: 8, card_number: R, amount_sale: 5_000, sold_at: '2024-05-02 13:00:00' }),
    // canceled: not ranked
    row({ id: 9, card_number: R, amount_sale: 5_000, sold_at: '2024-05-02 13:01:00', is_canceled: 1 }),
    row({ id: 10, card_number: R, amount_sale: 5_000, sold_at: '2024-05-02 13:05:00' }),
    row({ id: 11, card_number: R, amount_sale: 5_000, sold_at: '2024-05-02 13:10:00' }), // 3rd: REPEATED_AMOUNT
    row({ id: 12, card_number: R, amount_sale: 5_000, sold_at: '2024-05-02 13:10:00' }), // 4th (same time, higher id)
    row({ id: 13, sold_at: '2024-05-04 12:00:00', modified: '2024-05-03 10:00:00' }), // SALE_IN_FUTURE at NOW
    // no baseline: no flag
    row({ id: 14, store_id: 51, amount_sale: 1_000_000, amount_fee: 30_000, amount_deposit: 970_000 }),
    row({ id: 15, sold_at: '2024-05-03 09:00:00', amount_sale: 17_000 }), // OVER (baseline 8,000 for 05-03)
    row({ id: 16, amount_sale: 12_000 }), // clean, but stored with stale flags below
    row({ id: 17, sold_at: '2024-05-10 09:00:00', amount_sale: 12_000 }), // outside the range, stale anomaly kept
  ];
  docs = await world.indexSales(rows, (d) => {
    if (d.id === '16') d.anomaly_rules = ['DEPOSIT_MISMATCH', 'OVER_WEEKLY_AOV'];
    if (d.id === '17') d.anomaly_rules = ['OVER_WEEKLY_AOV'];
  });
  const stale = (saleId: string, rule: string, saleDate: string) => ({
    id: `${saleId}:${rule}`,
    doc: {
      sale_id: saleId,
      rule,
      severity: 'high',
      store_id: '50',
      platform: 'BAEMIN',
      card_number: 'x',
      sale_date: saleDate,
      sold_at: `${saleDate}T12:00:00+09:00`,
      amount_sale: 12_000,
      baseline: 1,
      threshold: 2,
      reason: 'stale',
      status: 'open',
      note: null,
      detected_at: '2024-05-01T00:00:00Z',
      updated_at: '2024-05-01T00:00:00Z',
      resolved_at: null,
    },
  });
  await world.indexDocs(world.names.anomalies, [
    stale('16', 'OVER_WEEKLY_AOV', '2024-05-02'),
    stale('16', 'DEPOSIT_MISMATCH', '2024-05-02'),
    stale('17', 'OVER_WEEKLY_AOV', '2024-05-10'), // out of range: untouched
    stale('999999', 'DEPOSIT_MISMATCH', '2024-05-03'), // no such sale: orphan
    stale('17', 'FEE_RATE_OUT_OF_RANGE', '2024-05-02'), // sale moved to 05-10 without the rule: orphan
  ]);
});

afterAll(() => world.stop());

describe('anomalies scan', () => {
  let first: Map<string, AnomalyDocument>;

  it('makes the anomaly documents of the days exactly what the rules say', async () => {
    const res = await scan();
    expect(res.command).toBe('anomalies scan');
    expect(res.sales_checked).toBe(16);
    const inRange = await anomaliesInRange();
    expect([...inRange.keys()].sort()).toEqual(expectedAnomalyIds(docs));
    expect([...inRange.keys()].sort()).toEqual(
      [
        '1:OVER_WEEKLY_AOV',
        '11:REPEATED_AMOUNT',
        '12:REPEATED_AMOUNT',
        '13:SALE_IN_FUTURE',
        '15:OVER_WEEKLY_AOV',
        '3:DEPOSIT_MISMATCH',
        '4:FEE_RATE_OUT_OF_RANGE',
        '5:NON_POSITIVE_AMOUNT',
        '6:SETTLEMENT_BEFORE_SALE',
      ].sort(),
    );
    expect(res.orphans_removed).toBe(2);
    const a = inRange.get('1:OVER_WEEKLY_AOV')!;
    expect(a).toEqual(
      expect.objectContaining({
        sale_id: '1',
        store_id: '50',
        sale_date: '2024-05-02',
        amount_sale: 25_000,
        baseline: 10_000,
        threshold: 20_000,
        status: 'open',
      }),
    );
    expect(a.reason).toMatch(/25,000 won.*10,000 won/);
    // Outside the range nothing changed.
    const all = await world.allDocs<AnomalyDocument>(world.names.anomalies);
    expect(all.get('17:OVER_WEEKLY_AOV')!.reason).toBe('stale');
    first = inRange;
  });

  it("makes each sale's anomaly_rules consistent without bumping its version", async () => {
    const rules = await salesRules();
    const want = expectedRules(docs, weekly, NOW);
    for (const d of docs) {
      if (d.sale_date < FROM || d.sale_date > TO) continue;
      expect([d.id, rules.get(d.id)]).toEqual([d.id, want.get(d.id)]);
    }
    expect(rules.get('17')).toEqual(['OVER_WEEKLY_AOV']); // out of range: untouched
    const got = await world.es.get({ index: world.names.sales, id: '16' });
    expect(got._version).toBe(Date.parse('2024-05-02T10:00:00+09:00'));
  });

  it('is idempotent: a second scan writes nothing', async () => {
    const res = await scan();
    expect(res).toEqual(
      expect.objectContaining({
        anomalies_created: 0,
        anomalies_updated: 0,
        anomalies_removed: 0,
        sales_updated: 0,
        orphans_removed: 0,
      }),
    );
    expect(res.repeated_amount).toEqual(expect.objectContaining({ newlyFlagged: 0, unflagged: 0 }));
    expect(await anomaliesInRange()).toEqual(first);
  });

  it('keeps an operator resolution on anomalies that still fire, removes stale ones', async () => {
    const r = await world.cli(
      ['anomalies', 'resolve', '1:OVER_WEEKLY_AOV', '3:DEPOSIT_MISMATCH', '--note', '케이터링 주문, 전화 확인'],
      { now: NOW },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/resolved 2 anomalies/);
    const resolvedAt = (await world.allDocs<AnomalyDocument>(world.names.anomalies)).get(
      '1:OVER_WEEKLY_AOV',
    )!.resolved_at;
    expect(resolvedAt).toBe(NOW.toISOString());

    // The source fixed sale 3's deposit (a newer version), and the baseline of 05-01 moved a bit.
    const fixed = (
      await world.indexSales(
        [row({ id: 3, amount_sale: 10_000, amount_fee: 300, amount_deposit: 9_700, modified: '2024-05-03 11:00:00' })],
        (d) => {
          d.anomaly_rules = ['DEPOSIT_MISMATCH']; // as if flagged before the fix
        },
      )
    )[0]!;
    docs = docs.map((d) => (d.id === '3' ? fixed : d));
    await setWeekly([['50:2024-05-01', 11_000]]);

    const res = await scan();
    const inRange = await anomaliesInRange();
    expect([...inRange.keys()].sort()).toEqual(expectedAnomalyIds(docs));
    expect(inRange.has('3:DEPOSIT_MISMATCH')).toBe(false);
    const kept = inRange.get('1:OVER_WEEKLY_AOV')!;
    expect(kept).toEqual(
      expect.objectContaining({
        status: 'resolved',
        note: '케이터링 주문, 전화 확인',
        resolved_at: resolvedAt,
        baseline: 11_000,
        threshold: 22_000,
      }),
    );
    expect(kept.reason).toMatch(/11,000 won/);
    expect(res.resolved_kept).toBe(1);
    expect(res.anomalies_updated).toBe(1);
    expect((await salesRules()).get('3')).toEqual([]);
    // The sale keeps the version the source gave it.
    expect((await world.es.get({ index: world.names.sales, id: '3' }))._version).toBe(
      Date.parse('2024-05-03T11:00:00+09:00'),
    );
  });

  it('removes a resolved anomaly once its rule no longer fires', async () => {
    await setWeekly([['50:2024-05-01', 13_000]]); // 25,000 < 2 × 13,000
    await scan();
    const inRange = await anomaliesInRange();
    expect(inRange.has('1:OVER_WEEKLY_AOV')).toBe(false);
    expect([...inRange.keys()].sort()).toEqual(expectedAnomalyIds(docs));
  });

  it('waits for the lock: exit 75 while another scan holds it', async () => {
    const lock = new JobLock(world.es, world.names.state, 'anomalies-scan', 'other-run', { staleAfterMs: 120_000 });
    await lock.acquire();
    try {
      const r = await world.cli(['anomalies', 'scan', '--from', FROM, '--to', TO], { now: NOW });
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(/holds the lock/);
    } finally {
      await lock.release();
    }
  });

  it('records the run', async () => {
    await world.es.indices.refresh({ index: world.names.runs });
    const runs = await world.es.search<{ command: string; status: string }>({
      index: world.names.runs,
      query: { term: { command: 'anomalies scan' } },
      size: 100,
    });
    expect(runs.hits.hits.length).toBeGreaterThanOrEqual(4);
    expect(runs.hits.hits.every((h) => h._source!.status === 'succeeded')).toBe(true);
  });

  it('validates its flags', async () => {
    for (const [args, msg] of [
      [['--from', '2024-05-04', '--to', '2024-05-02'], /after --to/],
      [['--from', '2024-05-02'], /required option '--to <day>'/],
      [['--from', '2024-13-01', '--to', '2024-05-02'], /not a date/],
    ] as const) {
      const r = await world.cli(['anomalies', 'scan', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('anomalies list', () => {
  it('is the default subcommand: open anomalies, newest sale first', async () => {
    const r = await world.cli(['anomalies', '--format', 'ndjson', '--all']);
    expect(r.code).toBe(0);
    const got = ndjson<AnomalyDocument & { id: string }>(r.stdout);
    expect(got.every((a) => a.status === 'open')).toBe(true);
    const times = got.map((a) => Date.parse(a.sold_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(got[0]!.id).toBe(`${got[0]!.sale_id}:${got[0]!.rule}`);
    const same = await world.cli(['anomalies', 'list', '--format', 'ndjson', '--all']);
    expect(same.stdout).toBe(r.stdout);
  });

  it('filters by rule, store, days and status', async () => {
    const all = [...(await world.allDocs<AnomalyDocument>(world.names.anomalies))].map(([id, a]) => ({ ...a, id }));
    const cases: [string[], (a: AnomalyDocument) => boolean][] = [
      [['--rule', 'repeated_amount'], (a) => a.rule === 'REPEATED_AMOUNT' && a.status === 'open'],
      [
        ['--rule', 'REPEATED_AMOUNT,SALE_IN_FUTURE'],
        (a) => ['REPEATED_AMOUNT', 'SALE_IN_FUTURE'].includes(a.rule) && a.status === 'open',
      ],
      [
        ['--store', '50', '--from', '2024-05-03', '--to', '2024-05-04'],
        (a) => a.store_id === '50' && a.sale_date >= '2024-05-03' && a.sale_date <= '2024-05-04' && a.status === 'open',
      ],
      [['--status', 'all'], () => true],
      [['--status', 'resolved'], (a) => a.status === 'resolved'],
    ];
    for (const [args, pred] of cases) {
      const r = await world.cli(['anomalies', ...args, '--all', '--fields', 'id', '--format', 'json']);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { id: string }[]).map((a) => a.id).sort()).toEqual(
        all
          .filter(pred)
          .map((a) => a.id)
          .sort(),
      );
    }
  });

  it('table shows the reason sentence; csv parses back', async () => {
    const t = await world.cli(['anomalies', '--rule', 'DEPOSIT_MISMATCH,SETTLEMENT_BEFORE_SALE', '--status', 'all'], {
      tty: true,
    });
    expect(t.stdout).toMatch(/Settlement is planned for/);
    expect(t.stdout).toMatch(/reason/);
    const c = await world.cli([
      'anomalies',
      '--status',
      'all',
      '--all',
      '--format',
      'csv',
      '--fields',
      'id,rule,reason,amount_sale',
    ]);
    const recs = csvRecords<'id' | 'rule' | 'reason' | 'amount_sale'>(c.stdout);
    expect(recs.length).toBeGreaterThan(3);
    expect(recs.every((x) => x.id === `${x.id.split(':')[0]}:${x.rule}` && x.reason.length > 0)).toBe(true);
  });

  it('rejects unknown rules and statuses with a hint', async () => {
    const r = await world.cli(['anomalies', '--rule', 'BIG_SALE']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown rule "BIG_SALE"\nhint: rules: OVER_WEEKLY_AOV, REPEATED_AMOUNT/);
    const s = await world.cli(['anomalies', 'list', '--status', 'closed']);
    expect(s.code).toBe(2);
  });
});

describe('anomalies resolve', () => {
  it('resolves the known ids, reports the unknown ones and exits 1', async () => {
    const r = await world.cli(
      ['anomalies', 'resolve', '4:FEE_RATE_OUT_OF_RANGE', '424242:OVER_WEEKLY_AOV', '--note', 'promo', '--json'],
      { now: NOW },
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual(
      expect.objectContaining({
        resolved: ['4:FEE_RATE_OUT_OF_RANGE'],
        unknown: ['424242:OVER_WEEKLY_AOV'],
        exit_code: 1,
      }),
    );
    expect(r.stderr).toMatch(/no such anomaly: 424242:OVER_WEEKLY_AOV/);
    const a = (await world.allDocs<AnomalyDocument>(world.names.anomalies)).get('4:FEE_RATE_OUT_OF_RANGE');
    expect(a).toEqual(expect.objectContaining({ status: 'resolved', note: 'promo' }));
    expect(JSON.parse(r.stdout)).toEqual(
      expect.objectContaining({
        command: 'anomalies resolve',
        status: 'error',
        error: 'no such anomaly: 424242:OVER_WEEKLY_AOV',
      }),
    );
  });

  it('refuses to replace the note of an anomaly resolved already, unless --force', async () => {
    const again = await world.cli([
      'anomalies',
      'resolve',
      '4:FEE_RATE_OUT_OF_RANGE',
      '5:NON_POSITIVE_AMOUNT',
      '--note',
      'promo, checked twice',
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /^earlypay: already resolved, with a note: 4:FEE_RATE_OUT_OF_RANGE; nothing was changed\nhint: add --force/,
    );
    const before = await world.allDocs<AnomalyDocument>(world.names.anomalies);
    expect(before.get('4:FEE_RATE_OUT_OF_RANGE')!.note).toBe('promo');
    expect(before.get('5:NON_POSITIVE_AMOUNT')!.status).toBe('open');
    const forced = await world.cli([
      'anomalies',
      'resolve',
      '4:FEE_RATE_OUT_OF_RANGE',
      '--note',
      'promo, checked twice',
      '--force',
    ]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/1 already resolved \(note replaced, --force\)/);
    expect((await world.allDocs<AnomalyDocument>(world.names.anomalies)).get('4:FEE_RATE_OUT_OF_RANGE')!.note).toBe(
      'promo, checked twice',
    );
  });

  it('rejects malformed ids and a missing or empty note before writing anything', async () => {
    for (const [args, msg] of [
      [['4:FEE_RATE_OUT_OF_RANGE', 'garbage', '--note', 'x'], /not an anomaly id: "garbage"/],
      [['5:NON_POSITIVE_AMOUNT'], /required option '--note <text>'/],
      [['5:NON_POSITIVE_AMOUNT', '--note', ' '], /--note is empty/],
    ] as const) {
      const r = await world.cli(['anomalies', 'resolve', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect((await world.allDocs<AnomalyDocument>(world.names.anomalies)).get('5:NON_POSITIVE_AMOUNT')!.status).toBe(
      'open',
    );
  });
});

describe('anomalies rules', () => {
  it('lists the catalogue with the thresholds in force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'earlypay-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ rules: { overWeeklyAovFactor: 3, repeatedAmountFrom: 4 } }));
    const r = await world.cli(['anomalies', 'rules', '--format', 'json', '--config', file]);
    expect(r.code).toBe(0);
    const rules = JSON.parse(r.stdout) as {
      rule: string;
      severity: string;
      thresholds: Record<string, number>;
      description: string;
    }[];
    expect(rules.map((x) => x.rule)).toEqual([
      'OVER_WEEKLY_AOV',
      'REPEATED_AMOUNT',
      'DEPOSIT_MISMATCH',
      'FEE_RATE_OUT_OF_RANGE',
      'NON_POSITIVE_AMOUNT',
      'SETTLEMENT_BEFORE_SALE',
      'SALE_IN_FUTURE',
    ]);
    expect(rules[0]!.thresholds).toEqual({ factor: 3 });
    expect(rules[1]!.thresholds).toEqual({ from_occurrence: 4 });
    const t = await world.cli(['anomalies', 'rules'], { tty: true });
    expect(t.stdout).toMatch(/factor = 2/);
    expect(t.stdout).toMatch(/max_rate = 0.3/);
  });
});

describe('scan on random data agrees with the rules in plain TypeScript', () => {
  const rworld = new SearchWorld();
  let rdocs: SaleDocument[] = [];
  let rweekly: Weekly;

  beforeAll(async () => {
    await rworld.start();
    const rand = randomInts(42);
    const stores = [1, 2, 3, 4];
    const entries: { id: string; doc: object }[] = [];
    rweekly = new Map();
    for (const s of stores.slice(0, 3)) {
      for (const end of ['2024-06-30', '2024-07-01', '2024-07-02']) {
        const unit = 8_000 + rand(6) * 1_000;
        rweekly.set(`${s}:${end}`, unit);
        entries.push({
          id: `${s}:${end}`,
          doc: {
            store_id: String(s),
            start_date: shiftDay(end, -6),
            end_date: end,
            total_sale: unit * 10,
            num_customers: 10,
            days_with_sales: 7,
            unit_price: unit,
          },
        });
      }
    }
    await rworld.indexDocs(rworld.names.weeklyAov, entries);
    const rows = [];
    for (let i = 0; i < 2_500; i++) {
      const amount = [5_000, 9_000, 12_000, 18_000, 25_000, 40_000, 0, -3_000][rand(8)]!;
      const fee = rand(20) === 0 ? Math.round(amount * 0.5) : Math.round(amount * 0.03);
      const deposit = rand(25) === 0 ? amount - fee - 10 : amount - fee;
      const day = 1 + rand(3);
      const h = 9 + rand(14);
      const m = rand(60);
      rows.push(
        row({
          id: 100_000 + i,
          store_id: stores[rand(4)],
          card_number: `1111-22**-****-${String(rand(12)).padStart(4, '0')}`,
          amount_sale: amount,
          amount_fee: fee,
          amount_deposit: deposit,
          is_canceled: rand(8) === 0 ? 1 : 0,
          sold_at: `2024-07-0${day} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`,
          modified: '2024-07-04 00:00:00',
          will_deposited_at: rand(30) === 0 ? '2024-06-30 00:00:00' : '2024-07-06 00:00:00',
        }),
      );
    }
    // Random stale flags, as a buggy earlier run might have left them.
    rdocs = await rworld.indexSales(rows, (d) => {
      if (Number(d.id) % 17 === 0) d.anomaly_rules = ['OVER_WEEKLY_AOV'];
    });
  });

  afterAll(() => rworld.stop());

  it('the anomalies and every sale.anomaly_rules match', async () => {
    const now = new Date('2024-07-03T18:00:00+09:00'); // some sales of 07-03 are still in the future
    const r = await rworld.cli(['anomalies', 'scan', '--from', '2024-07-01', '--to', '2024-07-03', '--json'], { now });
    expect(r.code).toBe(0);
    const want = expectedRules(rdocs, rweekly, now);
    const got = await rworld.allDocs<AnomalyDocument>(rworld.names.anomalies);
    const wantIds = [...want].flatMap(([id, rules]) => rules.map((x) => `${id}:${x}`)).sort();
    expect([...got.keys()].sort()).toEqual(wantIds);
    expect(wantIds.length).toBeGreaterThan(100);
    for (const rule of [
      'OVER_WEEKLY_AOV',
      'REPEATED_AMOUNT',
      'DEPOSIT_MISMATCH',
      'FEE_RATE_OUT_OF_RANGE',
      'NON_POSITIVE_AMOUNT',
      'SETTLEMENT_BEFORE_SALE',
      'SALE_IN_FUTURE',
    ]) {
      expect([rule, wantIds.some((id) => id.endsWith(`:${rule}`))]).toEqual([rule, true]);
    }
    const sales = await rworld.allDocs<SaleDocument>(rworld.names.sales);
    for (const [id, rules] of want) expect([id, [...sales.get(id)!.anomaly_rules].sort()]).toEqual([id, rules]);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.sales_checked).toBe(2_500);
  });

  it('a scan over every supported day (2000-01-01..2099-12-31) simply works, and agrees', async () => {
    const now = new Date('2024-07-03T18:00:00+09:00');
    const before = await rworld.allDocs<AnomalyDocument>(rworld.names.anomalies);
    const r = await rworld.cli(['anomalies', 'scan', '--from', '2000-01-01', '--to', '2099-12-31', '--json'], { now });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'ok',
      sales_checked: 2_500,
      anomalies_created: 0,
      anomalies_removed: 0,
      orphans_removed: 0,
      repeated_amount: expect.objectContaining({ newlyFlagged: 0, unflagged: 0 }),
    });
    expect([...(await rworld.allDocs<AnomalyDocument>(rworld.names.anomalies)).keys()].sort()).toEqual(
      [...before.keys()].sort(),
    );
  });
});
