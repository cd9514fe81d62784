/**
 * Deterministic sample `platform_sales` rows for the demo, the tests and the benchmarks.
 *
 * Same options, same rows, byte for byte: one seeded generator drives everything and ids are
 * sequential. Rows stream one hour of one day at a time, so a million rows need no more memory
 * than a thousand. Sales happen in Korean business hours (KST, including late-night orders that
 * cross day boundaries) and are written as wall-clock DATETIMEs in `sourceTz`.
 *
 * Each row carries a label saying what it was built to be: a normal sale, a row the product
 * must reject (one reason each), or a sale one anomaly rule must flag. Tests and the loader's
 * summary count by these labels; the product never sees them.
 */
import { tzOffset } from '@date-fns/tz';
import { UsageError } from '../core/errors';
import { RULE_IDS, type RuleId } from '../core/rules/rules';
import type { RejectReason } from '../core/sales/saleDocument';
import type { StringSourceRow } from '../core/source/row';
import { assertTimeZone, isBusinessDay } from '../core/time/businessDay';
import {
  CANCELED_STATUS,
  CANCEL_REMARKS,
  CARD_COMPANIES,
  CHECK_CARD_FEE_DISCOUNT,
  CHECK_CARD_SHARE,
  DISTRICTS,
  HOUR_WEIGHTS,
  NORMAL_STATUS,
  PLATFORMS,
  REMARKS,
  STORE_CATEGORIES,
  WEEKDAY_WEIGHTS,
  type CardCompany,
  type PlatformProfile,
  type StoreCategory,
} from './catalog';
import { SeededRandom, WeightedChoice, hashInts } from './random';

export interface SampleOptions {
  /** Number of rows, rejects and anomalies included. */
  rows: number;
  /** Business days the sales cover, starting at `startDate`. */
  days: number;
  stores: number;
  seed: number;
  /** First business day (YYYY-MM-DD, KST). Fixed by default so runs do not depend on today. */
  startDate: string;
  /** Zone the DATETIME columns are written in (the product's `sourceTz`). */
  sourceTz: string;
  /** Share of rows the product must reject (dirty rows). */
  rejectRate: number;
  /** Share of rows built to trip an anomaly rule (a REPEATED_AMOUNT burst counts once). */
  anomalyRate: number;
  /** Id of the first row; ids follow sequentially. */
  firstId: number;
}

export const SAMPLE_DEFAULTS: Readonly<SampleOptions> = Object.freeze({
  rows: 100_000,
  days: 60,
  stores: 50,
  seed: 42,
  startDate: '2024-04-01',
  sourceTz: 'Asia/Seoul',
  rejectRate: 0.002,
  anomalyRate: 0.003,
  firstId: 1,
});

export type SampleLabel =
  | { kind: 'normal' }
  | { kind: 'reject'; reason: RejectReason }
  | { kind: 'anomaly'; rule: RuleId };

export interface SampleSale {
  row: StringSourceRow;
  label: SampleLabel;
}

/**
 * The rejections the sample makes. MISSING_ID cannot occur: `id` is the BIGINT primary key, so
 * MySQL refuses such a row before the product could ever read it; INT amounts hold no fraction
 * and nothing beyond MAX_AMOUNT; dates outside the supported days are left to the tests, so
 * that the sample's rows stay those of earlier releases (bench/RESULTS.md compares them).
 */
export const SAMPLE_REJECT_REASONS: readonly RejectReason[] = [
  'INVALID_SOLD_AT',
  'INVALID_MODIFIED',
  'MISSING_STORE_ID',
  'INVALID_AMOUNT_SALE',
  'MISSING_CARD_NUMBER',
];

/** Every anomaly rule gets injected, in rotation. */
export const SAMPLE_ANOMALY_RULES: readonly RuleId[] = RULE_IDS;

/** MySQL's zero date: a legal DATETIME value in permissive modes, an invalid date to the product. */
export const ZERO_DATETIME = '0000-00-00 00:00:00';

const NORMAL: SampleLabel = Object.freeze({ kind: 'normal' });
const REJECT_LABELS = new Map(
  SAMPLE_REJECT_REASONS.map((reason) => [reason, Object.freeze({ kind: 'reject', reason }) as SampleLabel]),
);
const ANOMALY_LABELS = new Map(
  SAMPLE_ANOMALY_RULES.map((rule) => [rule, Object.freeze({ kind: 'anomaly', rule }) as SampleLabel]),
);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Korea has no daylight saving time: KST is UTC+9 all year. */
const KST_OFFSET = 9 * HOUR;
/** SALE_IN_FUTURE: a terminal whose clock is ten years ahead. */
const FUTURE_SKEW = 3653 * DAY;
const CANCEL_RATE = 0.04;
const LATE_UPDATE_RATE = 0.06;
const REMARK_RATE = 0.06;
const RAW_DATA_MISSING_RATE = 0.01;
const EXTRA_PAYMENT_RATE = 0.03;

/** Validates options (a bad value is a usage error) and fills in the defaults. */
export function resolveSampleOptions(input: Partial<SampleOptions> = {}): SampleOptions {
  const o: SampleOptions = { ...SAMPLE_DEFAULTS };
  for (const [key, value] of Object.entries(input) as [keyof SampleOptions, unknown][]) {
    if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value;
  }
  const wholeAtLeast = (name: string, value: number, min: number): void => {
    if (!Number.isSafeInteger(value) || value < min)
      throw new UsageError(`${name} must be a whole number ≥ ${min} (got ${value})`);
  };
  wholeAtLeast('rows', o.rows, 0);
  wholeAtLeast('days', o.days, 1);
  wholeAtLeast('stores', o.stores, 1);
  wholeAtLeast('seed', o.seed, 0);
  wholeAtLeast('firstId', o.firstId, 1);
  if (!isBusinessDay(o.startDate)) throw new UsageError(`startDate "${o.startDate}" is not a date; use YYYY-MM-DD`);
  try {
    assertTimeZone(o.sourceTz);
  } catch {
    throw new UsageError(`unknown time zone "${o.sourceTz}"`, 'use an IANA name such as Asia/Seoul');
  }
  for (const [name, rate] of [
    ['rejectRate', o.rejectRate],
    ['anomalyRate', o.anomalyRate],
  ] as const) {
    if (!(rate >= 0 && rate <= 0.5)) throw new UsageError(`${name} must be between 0 and 0.5 (got ${rate})`);
  }
  return o;
}

/** The sample rows, streamed in id order. */
export function* generateSales(options: Partial<SampleOptions> = {}): Generator<SampleSale, void, undefined> {
  yield* new SalesSimulation(resolveSampleOptions(options)).run();
}

/** Groups any stream into arrays of `size` (the last one shorter). */
export function* inBatches<T>(items: Iterable<T>, size: number): Generator<T[], void, undefined> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Counts of a generated sample by label: what a load put into the table. */
export class SampleTally {
  rows = 0;
  canceled = 0;
  /** Rows sold between 00:00 and 09:00 KST (they decide which business day a sale lands on). */
  nightSales = 0;
  readonly rejects = new Map<RejectReason, number>(SAMPLE_REJECT_REASONS.map((r) => [r, 0]));
  readonly anomalies = new Map<RuleId, number>(SAMPLE_ANOMALY_RULES.map((r) => [r, 0]));

  add({ row, label }: SampleSale): void {
    this.rows++;
    if (row.is_canceled === 1) this.canceled++;
    if (label.kind !== 'reject' && isNightSale(row.sold_at!)) this.nightSales++;
    if (label.kind === 'reject') this.rejects.set(label.reason, this.rejects.get(label.reason)! + 1);
    if (label.kind === 'anomaly') this.anomalies.set(label.rule, this.anomalies.get(label.rule)! + 1);
  }

  get rejected(): number {
    return sum(this.rejects.values());
  }

  /** Rows the product accepts, by construction. */
  get accepted(): number {
    return this.rows - this.rejected;
  }

  /** Sales the rules flag, by construction (one per anomaly document). */
  get anomalous(): number {
    return sum(this.anomalies.values());
  }
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

// Night sales are judged on KST wall clock; the tally is only exact when sourceTz is KST.
function isNightSale(wallClock: string): boolean {
  return wallClock.charCodeAt(11) === 48 /* '0' */ && wallClock.charCodeAt(12) <= 56 /* '8' */;
}

interface SampleStore {
  id: number;
  name: string;
  category: StoreCategory;
  /** The store's part of `raw_data`, serialised once. */
  rawDataShop: string;
  /** The store's typical order (won): its menu's price level. */
  typicalOrder: number;
  platforms: WeightedChoice<PlatformProfile>;
  feeAdjust: number;
  /** How many distinct cards (customers) the store sees over the whole period. */
  customers: number;
  /** Business-day indexes the baseline bookkeeping needs (see `overWeeklyEligible`). */
  lastCountedDay: number;
  countedDayBefore: number;
  lastDistortedDay: number;
}

interface Card {
  number: string;
  company: string;
  category: '신용' | '체크';
}

/** A sale being built: instants as epoch ms, amounts in won. */
interface Draft {
  day: number;
  store: SampleStore;
  platform: PlatformProfile;
  card: Card;
  menu: string;
  tip: number;
  feeRate: number;
  amount: number;
  fee: number;
  deposit: number;
  canceled: boolean;
  soldMs: number;
  createdMs: number;
  modifiedMs: number;
  settlementMs: number;
  remark: string | null;
}

interface Burst {
  template: Draft;
  /** 1-based position of the next member in (sold_at, id) order. */
  position: number;
  length: number;
}

const COMPANY_BY_SHARE = new WeightedChoice<CardCompany>(
  CARD_COMPANIES,
  CARD_COMPANIES.map((c) => c.share),
);

class SalesSimulation {
  private readonly rng: SeededRandom;
  private readonly stores: SampleStore[];
  private readonly storeByVolume: WeightedChoice<SampleStore>;
  private readonly firstDayMs: number;
  /** Last second of the period: the snapshot time no `created`/`modified` may pass. */
  private readonly snapshotMs: number;
  private readonly offsets = new Map<number, number>();
  /** Counted sales of the current day per (store, card, amount), so normal sales never repeat 3 times by chance. */
  private readonly repeatsToday = new Map<string, number>();
  private today = -1;
  private nextId: number;
  private nextRule = 0;
  private nextReject = 0;
  private nextExtraPaymentId = 1;

  constructor(private readonly o: SampleOptions) {
    this.rng = new SeededRandom(o.seed);
    this.nextId = o.firstId;
    const [y, m, d] = o.startDate.split('-').map(Number) as [number, number, number];
    this.firstDayMs = Date.UTC(y, m - 1, d) - KST_OFFSET;
    this.snapshotMs = this.firstDayMs + o.days * DAY - SECOND;
    const volumes: number[] = [];
    this.stores = Array.from({ length: o.stores }, (_, i) => {
      const r = new SeededRandom(o.seed, 1000 + i);
      volumes.push(0.4 + 2.6 * r.next() ** 2);
      return this.makeStore(i + 1, r);
    });
    const totalVolume = volumes.reduce((a, b) => a + b, 0);
    this.stores.forEach((s, i) => {
      s.customers = Math.max(20, Math.round((o.rows * volumes[i]!) / totalVolume / 5));
    });
    this.storeByVolume = new WeightedChoice(this.stores, volumes);
  }

  private makeStore(id: number, r: SeededRandom): SampleStore {
    const category = r.pick(STORE_CATEGORIES);
    const shares = PLATFORMS.map((p) => p.share * (0.3 + 1.4 * r.next()));
    const name = `${r.pick(category.brands)} ${r.pick(DISTRICTS)}점`;
    return {
      id,
      name,
      category,
      rawDataShop: JSON.stringify({ shopId: id, shopName: name, category: category.name }).slice(1, -1),
      typicalOrder: Math.round((category.typicalOrder * (0.85 + 0.35 * r.next())) / 100) * 100,
      platforms: new WeightedChoice(PLATFORMS, shares),
      feeAdjust: (r.next() - 0.5) * 0.006,
      customers: 0,
      lastCountedDay: -Infinity,
      countedDayBefore: -Infinity,
      lastDistortedDay: -Infinity,
    };
  }

  *run(): Generator<SampleSale, void, undefined> {
    for (const slot of this.hourSlots()) {
      if (slot.day !== this.today) {
        this.today = slot.day;
        this.repeatsToday.clear();
      }
      const seconds = new Uint16Array(slot.count);
      for (let i = 0; i < seconds.length; i++) seconds[i] = this.rng.int(3600);
      seconds.sort();
      let burst: Burst | undefined;
      for (let i = 0; i < seconds.length; i++) {
        const soldMs = slot.startMs + seconds[i]! * SECOND;
        if (burst) {
          yield this.burstMember(burst, soldMs);
          if (burst.position > burst.length) burst = undefined;
          continue;
        }
        const u = this.rng.next();
        if (u < this.o.rejectRate) {
          yield this.reject(this.draft(slot.day, soldMs));
        } else if (u < this.o.rejectRate + this.o.anomalyRate) {
          const draft = this.draft(slot.day, soldMs, false);
          const rule = this.chooseRule(draft, seconds.length - i);
          if (rule === 'REPEATED_AMOUNT') {
            this.avoidRepeats(draft, 1);
            burst = {
              template: draft,
              position: 1,
              length: Math.min(seconds.length - i, this.rng.chance(0.3) ? 4 : 3),
            };
            yield this.burstMember(burst, soldMs);
          } else {
            yield this.anomaly(draft, rule);
          }
        } else {
          yield this.accepted(this.draft(slot.day, soldMs), NORMAL);
        }
      }
    }
  }

  /**
   * Rows per (day, hour), by weekday and hour-of-day weights with a little day-to-day noise; sums to `rows` exactly.
   */
  private *hourSlots(): Generator<{ day: number; startMs: number; count: number }> {
    const firstWeekday = new Date(this.firstDayMs + KST_OFFSET).getUTCDay();
    const dayWeights = Array.from(
      { length: this.o.days },
      (_, d) => WEEKDAY_WEIGHTS[(firstWeekday + d) % 7]! * (0.9 + 0.2 * this.rng.next()),
    );
    const hourTotal = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
    const total = dayWeights.reduce((a, b) => a + b, 0) * hourTotal;
    let cumulative = 0;
    let emitted = 0;
    for (let day = 0; day < this.o.days; day++) {
      for (let hour = 0; hour < 24; hour++) {
        cumulative += dayWeights[day]! * HOUR_WEIGHTS[hour]!;
        const last = day === this.o.days - 1 && hour === 23;
        const upTo = last ? this.o.rows : Math.min(this.o.rows, Math.floor((this.o.rows * cumulative) / total));
        const count = upTo - emitted;
        emitted = upTo;
        if (count > 0) yield { day, startMs: this.firstDayMs + day * DAY + hour * HOUR, count };
      }
    }
  }

  /** A plausible sale; canceled ~4 % of the time unless `mayCancel` is false. */
  private draft(day: number, soldMs: number, mayCancel = true): Draft {
    const rng = this.rng;
    const store = this.storeByVolume.draw(rng);
    const platform = store.platforms.draw(rng);
    const card = this.cardOf(store, Math.floor(store.customers * rng.next() ** 2));
    const tip = rng.pick(platform.deliveryTips);
    // Triangular around the store's typical order, 0.5×–1.55×: normal sales stay under 2× the weekly AOV.
    const menuPrice = store.typicalOrder * (0.5 + 1.05 * ((rng.next() + rng.next()) / 2));
    const unit = rng.chance(0.7) ? 500 : 100;
    const amount = Math.max(unit, Math.round(menuPrice / unit) * unit) + tip;
    const feeRate = platform.creditFeeRate - (card.category === '체크' ? CHECK_CARD_FEE_DISCOUNT : 0) + store.feeAdjust;
    const canceled = mayCancel && rng.chance(CANCEL_RATE);
    const createdMs = Math.min(
      this.snapshotMs,
      soldMs + (rng.chance(0.05) ? rng.between(3600, 6 * 3600) : rng.between(20, 900)) * SECOND,
    );
    let modifiedMs = createdMs;
    if (canceled) modifiedMs = createdMs + rng.between(300, 2 * 86_400) * SECOND;
    else if (rng.chance(LATE_UPDATE_RATE)) modifiedMs = createdMs + rng.between(3600, 5 * 86_400) * SECOND;
    const items = rng.int(3);
    let remark: string | null = null;
    if (canceled) remark = rng.chance(0.7) ? rng.pick(CANCEL_REMARKS) : null;
    else if (rng.chance(REMARK_RATE)) remark = rng.pick(REMARKS);
    const d: Draft = {
      day,
      store,
      platform,
      card,
      menu: items === 0 ? rng.pick(store.category.menu) : `${rng.pick(store.category.menu)} 외 ${items}개`,
      tip,
      feeRate,
      amount: 0,
      fee: 0,
      deposit: 0,
      canceled,
      soldMs,
      createdMs,
      modifiedMs: Math.min(this.snapshotMs, modifiedMs),
      settlementMs: settlementOf(soldMs, platform.settlementDays),
      remark,
    };
    setAmount(d, amount);
    this.avoidRepeats(d, 2);
    return d;
  }

  /**
   * Raises the amount by 100 won until fewer than `maxEarlier` counted sales of the day share
   * (store, card, amount): by chance, regulars would otherwise form REPEATED_AMOUNT groups.
   */
  private avoidRepeats(d: Draft, maxEarlier: number): void {
    while ((this.repeatsToday.get(repeatKey(d.store, d.card, d.amount)) ?? 0) >= maxEarlier)
      setAmount(d, d.amount + 100);
  }

  /**
   * A customer's card, derived from (seed, store, customer) alone so the same customer always
   * pays with the same card without keeping a pool in memory.
   */
  private cardOf(store: SampleStore, customer: number): Card {
    const h = hashInts(this.o.seed, store.id, customer);
    const h2 = hashInts(h, 0x5eed);
    const company = COMPANY_BY_SHARE.at((h & 0xffff) / 0x10000);
    const bin = company.binPrefixes[(h >>> 24) % company.binPrefixes.length];
    const middle = String(h2 % 100).padStart(2, '0');
    const last = String((h2 >>> 8) % 10_000).padStart(4, '0');
    return {
      number: `${bin}-${middle}**-****-${last}`,
      company: company.name,
      category: ((h >>> 16) & 0xff) / 256 < CHECK_CARD_SHARE ? '체크' : '신용',
    };
  }

  /** The next rule in rotation this sale can carry (REPEATED_AMOUNT needs room for a burst in the hour). */
  private chooseRule(draft: Draft, rowsLeftInSlot: number): RuleId {
    const rules = SAMPLE_ANOMALY_RULES;
    for (let k = 0; k < rules.length; k++) {
      const index = (this.nextRule + k) % rules.length;
      const rule = rules[index]!;
      if (rule === 'OVER_WEEKLY_AOV' && !this.overWeeklyEligible(draft.store, draft.day)) continue;
      if (rule === 'REPEATED_AMOUNT' && rowsLeftInSlot < 3) continue;
      this.nextRule = (index + 1) % rules.length;
      return rule;
    }
    return 'DEPOSIT_MISMATCH';
  }

  /**
   * A huge sale only counts as injected when the store has a weekly baseline (a counted sale in
   * the 7 days before) that no earlier huge sale or repeat burst has inflated.
   */
  private overWeeklyEligible(store: SampleStore, day: number): boolean {
    const previous = store.lastCountedDay < day ? store.lastCountedDay : store.countedDayBefore;
    return previous >= day - 7 && store.lastDistortedDay < day - 7;
  }

  private anomaly(d: Draft, rule: RuleId): SampleSale {
    const rng = this.rng;
    switch (rule) {
      case 'OVER_WEEKLY_AOV':
        setAmount(d, Math.round((d.store.typicalOrder * (12 + 8 * rng.next())) / 1000) * 1000);
        d.remark = rng.chance(0.5) ? '단체 주문' : d.remark;
        d.store.lastDistortedDay = d.day;
        break;
      case 'DEPOSIT_MISMATCH':
        d.deposit = rng.chance(0.5) ? d.amount : d.amount - d.fee - rng.pick([10, 100, 500, 1000]);
        break;
      case 'FEE_RATE_OUT_OF_RANGE':
        d.fee = rng.chance(0.7) ? Math.floor(d.amount * (0.32 + 0.2 * rng.next())) : -Math.floor(d.amount * 0.02);
        d.deposit = d.amount - d.fee;
        break;
      case 'NON_POSITIVE_AMOUNT':
        // A refund booked as a negative sale without the cancel flag, or a zero-won test charge.
        d.amount = rng.chance(0.6) ? -d.amount : 0;
        d.fee = 0;
        d.deposit = d.amount;
        d.remark = rng.chance(0.5) ? '환불 처리 (취소 플래그 누락)' : d.remark;
        break;
      case 'SETTLEMENT_BEFORE_SALE':
        d.settlementMs = startOfKstDay(d.soldMs) - rng.between(1, 3) * DAY;
        break;
      case 'SALE_IN_FUTURE':
        d.soldMs += FUTURE_SKEW;
        d.settlementMs = settlementOf(d.soldMs, d.platform.settlementDays);
        break;
      case 'REPEATED_AMOUNT':
        throw new Error('REPEATED_AMOUNT is injected as a burst');
      default:
        return unhandled(rule);
    }
    return this.accepted(d, ANOMALY_LABELS.get(rule)!);
  }

  /** The same card paying the same amount at the same store again within the hour. */
  private burstMember(burst: Burst, soldMs: number): SampleSale {
    const position = burst.position++;
    const createdMs = Math.min(this.snapshotMs, soldMs + 60 * SECOND);
    const d: Draft = { ...burst.template, soldMs, createdMs, modifiedMs: createdMs };
    if (position === burst.length) d.store.lastDistortedDay = d.day;
    return this.accepted(d, position >= 3 ? ANOMALY_LABELS.get('REPEATED_AMOUNT')! : NORMAL);
  }

  private reject(d: Draft): SampleSale {
    const reason = SAMPLE_REJECT_REASONS[this.nextReject++ % SAMPLE_REJECT_REASONS.length]!;
    const row = this.toRow(d);
    const blank = this.rng.chance(0.5);
    switch (reason) {
      case 'INVALID_SOLD_AT':
        row.sold_at = blank ? null : ZERO_DATETIME;
        break;
      case 'INVALID_MODIFIED':
        row.modified = blank ? null : ZERO_DATETIME;
        if (!blank) row.created = ZERO_DATETIME;
        break;
      case 'MISSING_STORE_ID':
        row.store_id = null;
        row.daily_sale_id = null;
        break;
      case 'INVALID_AMOUNT_SALE':
        // INT NULL holds no text, so a missing amount is the only non-integer MySQL can return.
        row.amount_sale = null;
        row.amount_deposit = null;
        break;
      case 'MISSING_CARD_NUMBER':
        row.card_number = blank ? null : '';
        break;
      case 'MISSING_ID':
        throw new Error('the primary key cannot be missing');
      case 'SOLD_AT_OUT_OF_RANGE':
      case 'MODIFIED_OUT_OF_RANGE':
      case 'INVALID_AMOUNT_FEE':
      case 'INVALID_AMOUNT_DEPOSIT':
      case 'ROW_TOO_LARGE':
        throw new Error(`the sample does not make rows rejected as ${reason}`);
      default:
        return unhandled(reason);
    }
    return { row, label: REJECT_LABELS.get(reason)! };
  }

  private accepted(d: Draft, label: SampleLabel): SampleSale {
    const counted = !d.canceled && d.amount > 0 && label !== ANOMALY_LABELS.get('SALE_IN_FUTURE');
    if (counted) {
      const key = repeatKey(d.store, d.card, d.amount);
      this.repeatsToday.set(key, (this.repeatsToday.get(key) ?? 0) + 1);
      if (d.store.lastCountedDay !== d.day) {
        d.store.countedDayBefore = d.store.lastCountedDay;
        d.store.lastCountedDay = d.day;
      }
    }
    return { row: this.toRow(d), label };
  }

  private toRow(d: Draft): StringSourceRow {
    const id = this.nextId++;
    const rng = this.rng;
    const approval = String(rng.int(100_000_000)).padStart(8, '0');
    const extraPayment = rng.chance(EXTRA_PAYMENT_RATE) ? this.nextExtraPaymentId++ : null;
    const status = d.canceled ? CANCELED_STATUS : NORMAL_STATUS;
    const kstDay = Math.floor((d.soldMs + KST_OFFSET) / DAY);
    // Built as text: JSON.stringify of a fresh object per row is the generator's biggest cost.
    const rawData = rng.chance(RAW_DATA_MISSING_RATE)
      ? null
      : `{"orderNo":"${d.platform.orderNoPrefix}${kstCompactDate(d.soldMs)}${String(id).padStart(8, '0')}",` +
        `${d.store.rawDataShop},"orderType":"${d.tip > 0 ? 'DELIVERY' : 'TAKEOUT'}",` +
        `"menu":${JSON.stringify(d.menu)},"menuAmount":${d.amount - d.tip},"deliveryTip":${d.tip},` +
        `"payment":{"method":"CARD","company":${JSON.stringify(d.card.company)},` +
        `"cardType":${JSON.stringify(d.card.category)},"installment":0,"approvalNo":"${approval}"},` +
        `"approvedAt":"${kstIso(d.soldMs)}","status":"${status.detail_status}"}`;
    return {
      id,
      created: this.wallClock(d.createdMs),
      modified: this.wallClock(d.modifiedMs),
      remark: d.remark,
      num_approval: approval,
      card_company: d.card.company,
      card_category: d.card.category,
      card_number: d.card.number,
      amount_sale: d.amount,
      amount_fee: d.fee,
      amount_deposit: d.deposit,
      is_canceled: d.canceled ? 1 : 0,
      sold_at: this.wallClock(d.soldMs),
      will_deposited_at: this.wallClock(d.settlementMs),
      raw_data: rawData,
      platform: d.platform.platform,
      daily_sale_id: kstDay * 100_000 + d.store.id,
      store_id: d.store.id,
      extra_payment_id: extraPayment,
      result_code: status.result_code,
      result_msg: status.result_msg,
      detail_status: status.detail_status,
      processing_status: d.canceled ? 'CANCELED' : d.settlementMs <= this.snapshotMs ? 'SETTLED' : 'SCHEDULED',
    };
  }

  /** 'YYYY-MM-DD HH:MM:SS' in sourceTz; the zone's offset is looked up once per hour. */
  private wallClock(ms: number): string {
    const hour = Math.floor(ms / HOUR);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      offset = tzOffset(this.o.sourceTz, new Date(hour * HOUR)) * MINUTE;
      this.offsets.set(hour, offset);
    }
    return formatWallClock(ms + offset, ' ');
  }
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const DATE_PREFIXES = new Map<number, string>();

/**
 * 'YYYY-MM-DD<sep>HH:MM:SS' of a UTC-shifted instant; the date part is cached per day (a million rows span few days).
 */
function formatWallClock(shiftedMs: number, separator: string): string {
  const day = Math.floor(shiftedMs / DAY);
  let date = DATE_PREFIXES.get(day);
  if (date === undefined) {
    date = new Date(day * DAY).toISOString().slice(0, 10);
    if (DATE_PREFIXES.size < 100_000) DATE_PREFIXES.set(day, date);
  }
  const seconds = Math.floor((shiftedMs - day * DAY) / SECOND);
  const hh = TWO_DIGITS[Math.floor(seconds / 3600)];
  const mm = TWO_DIGITS[Math.floor(seconds / 60) % 60];
  return `${date}${separator}${hh}:${mm}:${TWO_DIGITS[seconds % 60]}`;
}

/** A rule or reject reason added to the product must be taught to the generator: this does not compile until it is. */
function unhandled(kind: never): never {
  throw new Error(`the sample generator cannot build ${String(kind)}`);
}

function setAmount(d: Draft, amount: number): void {
  d.amount = amount;
  d.fee = Math.floor(amount * d.feeRate);
  d.deposit = amount - d.fee;
}

function repeatKey(store: SampleStore, card: Card, amount: number): string {
  return `${store.id}|${card.number}|${amount}`;
}

function startOfKstDay(ms: number): number {
  return Math.floor((ms + KST_OFFSET) / DAY) * DAY - KST_OFFSET;
}

/** Midnight KST `days` after the sale, moved past a weekend (banks settle on weekdays). */
function settlementOf(soldMs: number, days: number): number {
  const ms = startOfKstDay(soldMs) + days * DAY;
  const weekday = new Date(ms + KST_OFFSET).getUTCDay();
  return weekday === 6 ? ms + 2 * DAY : weekday === 0 ? ms + DAY : ms;
}

function kstIso(ms: number): string {
  return `${formatWallClock(ms + KST_OFFSET, 'T')}+09:00`;
}

function kstCompactDate(ms: number): string {
  const iso = formatWallClock(ms + KST_OFFSET, 'T');
  return `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
}
