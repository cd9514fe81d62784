/**
 * The sample generator builds what it says it builds: judged by the product's own row mapping
 * and anomaly rules, with the weekly baseline computed from the rows as docs/contract.md §5 defines it.
 */
import { createHash } from 'node:crypto';
import { RuleThresholdsSchema } from '../../../src/core/config/config';
import {
  evaluateSaleRules,
  rankRepeatedAmounts,
  type RuleId,
  type WeeklyBaseline,
} from '../../../src/core/rules/rules';
import { mapSourceRow, type SaleDocument } from '../../../src/core/sales/saleDocument';
import { SOURCE_COLUMNS } from '../../../src/core/source/row';
import { shiftDay } from '../../../src/core/time/businessDay';
import {
  SAMPLE_ANOMALY_RULES,
  SAMPLE_REJECT_REASONS,
  SampleTally,
  generateSales,
  inBatches,
  resolveSampleOptions,
  type SampleOptions,
  type SampleSale,
} from '../../../src/sample/generate';

const TZ = 'Asia/Seoul';
const mapOptions = { sourceTz: TZ, businessTz: TZ, ingestedAt: '2025-01-01T00:00:00Z' };
const thresholds = RuleThresholdsSchema.parse({});
const now = new Date('2025-01-01T00:00:00Z');

function sample(options: Partial<SampleOptions>): SampleSale[] {
  return [...generateSales(options)];
}

function fingerprint(options: Partial<SampleOptions>): string {
  const hash = createHash('sha256');
  for (const { row } of generateSales(options)) hash.update(JSON.stringify(SOURCE_COLUMNS.map((c) => row[c])));
  return hash.digest('hex');
}

/** Every rule that fires on each accepted sale, with baselines computed from the sample itself. */
function judge(sales: SampleSale[]): Map<string, Set<RuleId>> {
  const docs: SaleDocument[] = [];
  for (const { row } of sales) {
    const mapped = mapSourceRow(row, mapOptions);
    if (mapped.ok) docs.push(mapped.sale.doc);
  }
  const daily = new Map<string, { total: number; cards: Set<string> }>();
  for (const d of docs.filter((doc) => doc.counted)) {
    const key = `${d.store_id}|${d.sale_date}`;
    const day = daily.get(key) ?? { total: 0, cards: new Set<string>() };
    day.total += d.amount_sale;
    day.cards.add(d.card_number);
    daily.set(key, day);
  }
  const weekly = (store: string, end: string): WeeklyBaseline | null => {
    let total = 0;
    let customers = 0;
    for (let i = 0; i < 7; i++) {
      const day = daily.get(`${store}|${shiftDay(end, -i)}`);
      if (day) {
        total += day.total;
        customers += day.cards.size;
      }
    }
    return customers === 0
      ? null
      : { store_id: store, start_date: shiftDay(end, -6), end_date: end, unit_price: Math.floor(total / customers) };
  };
  const fired = new Map<string, Set<RuleId>>();
  const groups = new Map<string, SaleDocument[]>();
  for (const d of docs) {
    const baseline = weekly(d.store_id, shiftDay(d.sale_date, -1));
    fired.set(d.id, new Set(evaluateSaleRules(d, { thresholds, now, baseline }).map((f) => f.rule)));
    if (d.counted) groups.set(d.repeat_key, [...(groups.get(d.repeat_key) ?? []), d]);
  }
  for (const members of groups.values()) {
    for (const id of rankRepeatedAmounts(members, thresholds.repeatedAmountFrom).keys())
      fired.get(id)!.add('REPEATED_AMOUNT');
  }
  return fired;
}

describe('sample generator', () => {
  const modest: Partial<SampleOptions> = {
    rows: 10_000,
    days: 21,
    stores: 12,
    seed: 7,
    rejectRate: 0.01,
    anomalyRate: 0.01,
  };
  const sales = sample(modest);

  it('is deterministic: the same options give byte-identical rows, another seed different ones', () => {
    const options = { rows: 5_000, days: 10, stores: 8, seed: 42 };
    expect(fingerprint(options)).toBe(fingerprint(options));
    expect(fingerprint({ ...options, seed: 43 })).not.toBe(fingerprint(options));
    expect(fingerprint({ ...options, startDate: '2024-06-01' })).not.toBe(fingerprint(options));
  });

  it('yields exactly the rows asked for, with sequential ids from firstId', () => {
    expect(sales).toHaveLength(10_000);
    expect(sales.every((s, i) => s.row.id === i + 1)).toBe(true);
    const shifted = sample({ rows: 50, firstId: 1_000_001 });
    expect(shifted.map((s) => s.row.id)).toEqual(Array.from({ length: 50 }, (_, i) => 1_000_001 + i));
    expect(sample({ rows: 0 })).toEqual([]);
  });

  it('sells within the period, in KST, at every hour including the night', () => {
    const accepted = sales.filter(
      (s) => s.label.kind !== 'reject' && !(s.label.kind === 'anomaly' && s.label.rule === 'SALE_IN_FUTURE'),
    );
    const soldAt = accepted.map((s) => s.row.sold_at!);
    expect(soldAt.every((t) => t >= '2024-04-01 00:00:00' && t <= '2024-04-21 23:59:59')).toBe(true);
    const hours = new Set(soldAt.map((t) => t.slice(11, 13)));
    expect(hours.size).toBe(24);
    const night = soldAt.filter((t) => t.slice(11, 13) < '09').length / soldAt.length;
    expect(night).toBeGreaterThan(0.05);
    expect(night).toBeLessThan(0.25);
  });

  it('writes wall-clock times in the source zone', () => {
    const [kst] = sample({ rows: 1, seed: 3 });
    const [utc] = sample({ rows: 1, seed: 3, sourceTz: 'UTC' });
    const instant = (wall: string, offset: string): number => Date.parse(`${wall.replace(' ', 'T')}${offset}`);
    expect(instant(utc!.row.sold_at!, 'Z')).toBe(instant(kst!.row.sold_at!, '+09:00'));
  });

  it('builds normal sales with consistent amounts, fees, deposits and times', () => {
    const normal = sales.filter((s) => s.label.kind === 'normal').map((s) => s.row);
    const inconsistent = normal.filter((r) => {
      const amount = r.amount_sale as number;
      const fee = r.amount_fee as number;
      const rate = fee / amount;
      return (
        r.amount_deposit !== amount - fee ||
        amount % 100 !== 0 ||
        rate < 0.009 ||
        rate > 0.036 ||
        !/^\d{4}-\d{2}\*\*-\*\*\*\*-\d{4}$/.test(r.card_number ?? '') ||
        r.created! < r.sold_at! ||
        r.modified! < r.created! ||
        r.will_deposited_at! <= r.sold_at! ||
        (r.raw_data !== null && typeof JSON.parse(r.raw_data) !== 'object')
      );
    });
    expect(inconsistent).toEqual([]);
    const amounts = normal.map((r) => r.amount_sale as number);
    expect(Math.min(...amounts)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...amounts)).toBeLessThanOrEqual(80_000);
  });

  it(
    'looks like Korean card sales: platforms, card companies, ' + 'repeat customers, cancellations, updates, remarks',
    () => {
      const rows = sales.map((s) => s.row);
      expect(new Set(rows.map((r) => r.platform))).toEqual(new Set(['BAEMIN', 'YOGIYO', 'COUPANGEATS', 'KCP']));
      expect(new Set(rows.map((r) => r.card_company))).toEqual(
        new Set(['신한', '국민', '삼성', '현대', '롯데', '하나', '우리', 'BC', 'NH']),
      );
      expect(new Set(rows.map((r) => r.card_category))).toEqual(new Set(['신용', '체크']));
      const cards = new Set(rows.map((r) => `${r.store_id}|${r.card_number}`));
      expect(cards.size).toBeLessThan(rows.length / 3);
      const canceled = rows.filter((r) => r.is_canceled === 1).length / rows.length;
      expect(canceled).toBeGreaterThan(0.03);
      expect(canceled).toBeLessThan(0.05);
      expect(rows.filter((r) => r.modified! > r.created!).length / rows.length).toBeGreaterThan(0.05);
      expect(rows.some((r) => r.remark && /[가-힣]/.test(r.remark))).toBe(true);
      expect(new Set(rows.map((r) => r.store_id)).size).toBe(13); // 12 stores and NULL
    },
  );

  it('contains every rejection the table can hold, and the product rejects each for exactly that reason', () => {
    const rejects = sales.filter((s) => s.label.kind === 'reject');
    expect(new Set(rejects.map((s) => s.label.kind === 'reject' && s.label.reason))).toEqual(
      new Set(SAMPLE_REJECT_REASONS),
    );
    const misjudged = rejects.filter((s) => {
      const mapped = mapSourceRow(s.row, mapOptions);
      return mapped.ok || s.label.kind !== 'reject' || mapped.rejected.codes.join() !== s.label.reason;
    });
    expect(misjudged).toEqual([]);
    const zeroDates = rejects.filter(
      (s) => s.row.sold_at === '0000-00-00 00:00:00' || s.row.modified === '0000-00-00 00:00:00',
    );
    expect(zeroDates.length).toBeGreaterThan(0);
    expect(sales.filter((s) => s.label.kind !== 'reject').every((s) => mapSourceRow(s.row, mapOptions).ok)).toBe(true);
  });

  it('injects every anomaly rule, each firing exactly its rule, and normal sales fire nothing', () => {
    const fired = judge(sales);
    const injected = new Set<RuleId>();
    const wrong: { id: unknown; expected: RuleId[]; fired: RuleId[] }[] = [];
    for (const s of sales) {
      if (s.label.kind === 'reject') continue;
      const expected = s.label.kind === 'anomaly' ? [s.label.rule] : [];
      const rules = [...fired.get(String(s.row.id))!];
      if (rules.join() !== expected.join()) wrong.push({ id: s.row.id, expected, fired: rules });
      if (s.label.kind === 'anomaly') injected.add(s.label.rule);
    }
    expect(wrong).toEqual([]);
    expect(injected).toEqual(new Set(SAMPLE_ANOMALY_RULES));
  });

  it('keeps the defaults realistic: a small share of rejects and anomalies', () => {
    const tally = new SampleTally();
    for (const s of generateSales({ rows: 30_000 })) tally.add(s);
    expect(tally.rows).toBe(30_000);
    expect(tally.rejected / tally.rows).toBeGreaterThan(0.001);
    expect(tally.rejected / tally.rows).toBeLessThan(0.004);
    expect(tally.anomalous / tally.rows).toBeGreaterThan(0.002);
    expect(tally.anomalous / tally.rows).toBeLessThan(0.006);
    expect([...tally.rejects.values()].every((n) => n > 0)).toBe(true);
    expect([...tally.anomalies.values()].every((n) => n > 0)).toBe(true);
    expect(tally.accepted + tally.rejected).toBe(30_000);
    expect(tally.nightSales).toBeGreaterThan(0);
  });

  it('streams in batches', () => {
    const sizes = [...inBatches(generateSales({ rows: 2_500 }), 1_000)].map((b) => b.length);
    expect(sizes).toEqual([1_000, 1_000, 500]);
  });

  it('refuses bad options with a usage error', () => {
    expect(() => resolveSampleOptions({ rows: -1 })).toThrow(/rows must be a whole number/);
    expect(() => resolveSampleOptions({ days: 0 })).toThrow(/days/);
    expect(() => resolveSampleOptions({ startDate: '2024-02-30' })).toThrow(/not a date/);
    expect(() => resolveSampleOptions({ sourceTz: 'Mars/Olympus' })).toThrow(/unknown time zone/);
    expect(() => resolveSampleOptions({ rejectRate: 0.9 })).toThrow(/rejectRate/);
    expect(resolveSampleOptions({ rows: 10 })).toMatchObject({
      rows: 10,
      days: 60,
      stores: 50,
      seed: 42,
      startDate: '2024-04-01',
    });
  });
});
