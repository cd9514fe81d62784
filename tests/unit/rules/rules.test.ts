import { evaluateSaleRules, rankRepeatedAmounts, describeRules, RULE_IDS } from '../../../src/core/rules/rules';
import { RuleThresholdsSchema } from '../../../src/core/config/config';
import { mapSourceRow, type SaleDocument } from '../../../src/core/sales/saleDocument';
import { row } from '../../support/sourceRow';

const thresholds = RuleThresholdsSchema.parse({});
const now = new Date('2024-07-01T00:00:00Z');
function sale(over = {}): SaleDocument {
  const r = mapSourceRow(row(over), {
    sourceTz: 'Asia/Seoul',
    businessTz: 'Asia/Seoul',
    ingestedAt: now.toISOString(),
  });
  if (!r.ok) throw new Error('rejected');
  return r.sale.doc;
}
const rules = (d: SaleDocument, baseline?: number) =>
  evaluateSaleRules(d, {
    thresholds,
    now,
    baseline:
      baseline === undefined
        ? null
        : { store_id: d.store_id, start_date: '2024-04-24', end_date: '2024-04-30', unit_price: baseline },
  }).map((f) => f.rule);

describe('per-sale rules', () => {
  it('a normal sale fires nothing (the old system inverted this)', () => {
    expect(rules(sale(), 20000)).toEqual([]);
  });

  it('OVER_WEEKLY_AOV fires strictly above 2 × the baseline, and never without one', () => {
    expect(rules(sale({ amount_sale: 40001, amount_fee: 2720, amount_deposit: 37281 }), 20000)).toEqual([
      'OVER_WEEKLY_AOV',
    ]);
    expect(rules(sale({ amount_sale: 40000, amount_fee: 2720, amount_deposit: 37280 }), 20000)).toEqual([]);
    expect(rules(sale({ amount_sale: 400000, amount_fee: 27200, amount_deposit: 372800 }))).toEqual([]);
    expect(
      rules(sale({ amount_sale: 400000, amount_fee: 27200, amount_deposit: 372800, is_canceled: 1 }), 20000),
    ).toEqual([]);
  });

  it('data-integrity rules', () => {
    expect(rules(sale({ amount_deposit: 1 }))).toEqual(['DEPOSIT_MISMATCH']);
    expect(rules(sale({ amount_fee: 10000, amount_deposit: 13000 }))).toEqual(['FEE_RATE_OUT_OF_RANGE']);
    expect(rules(sale({ amount_sale: -100, amount_fee: null, amount_deposit: null }))).toEqual(['NON_POSITIVE_AMOUNT']);
    expect(rules(sale({ will_deposited_at: '2024-04-30 00:00:00' }))).toEqual(['SETTLEMENT_BEFORE_SALE']);
    expect(rules(sale({ sold_at: '2099-01-01 10:00:00', will_deposited_at: null }))).toEqual(['SALE_IN_FUTURE']);
  });

  it('every finding has a readable reason', () => {
    const f = evaluateSaleRules(sale({ amount_sale: 90000, amount_fee: 6120, amount_deposit: 83880 }), {
      thresholds,
      now,
      baseline: { store_id: '1001', start_date: '2024-04-24', end_date: '2024-04-30', unit_price: 21000 },
    });
    expect(f[0]!.reason).toBe(
      "Sale of 90,000 won is over 2 × store 1001's weekly average order value of 21,000 won (2024-04-24 to " +
        '2024-04-30).',
    );
  });

  it('lists every rule with its thresholds', () => {
    expect(describeRules(thresholds).map((r) => r.id)).toEqual([...RULE_IDS]);
  });
});

describe('REPEATED_AMOUNT', () => {
  const m = (id: string, sold_at: string) => ({ id, sold_at, amount_sale: 5000, card_number: 'c' });
  it('flags the 3rd and later by (sold_at, id)', () => {
    const flagged = rankRepeatedAmounts(
      [
        m('5', '2024-05-01T10:00:00+09:00'),
        m('2', '2024-05-01T09:00:00+09:00'),
        m('10', '2024-05-01T10:00:00+09:00'),
        m('9', '2024-05-01T11:00:00+09:00'),
      ],
      3,
    );
    expect([...flagged.keys()].sort()).toEqual(['10', '9']);
  });
  it('orders ids numerically, not as text', () => {
    const flagged = rankRepeatedAmounts(
      [
        m('10', '2024-05-01T10:00:00+09:00'),
        m('9', '2024-05-01T10:00:00+09:00'),
        m('100', '2024-05-01T10:00:00+09:00'),
      ],
      3,
    );
    expect([...flagged.keys()]).toEqual(['100']);
  });
  it('two sales are not a repetition', () => {
    expect(
      rankRepeatedAmounts([m('1', '2024-05-01T10:00:00+09:00'), m('2', '2024-05-01T10:00:00+09:00')], 3).size,
    ).toBe(0);
  });
});
