import { row } from '../../support/sourceRow';
import { mapSourceRow } from '../../../src/core/sales/saleDocument';
import type { SourceRow } from '../../../src/core/source/row';

const opts = { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: '2024-07-01T00:00:00.000Z' };

describe('mapSourceRow', () => {
  it('maps an accepted row to a typed document', () => {
    const r = mapSourceRow(row(), opts);
    if (!r.ok) throw new Error('rejected');
    expect(r.sale.doc).toMatchObject({
      id: '101',
      store_id: '1001',
      daily_sale_id: '9',
      amount_sale: 23000,
      is_canceled: false,
      counted: true,
      sold_at: '2024-05-01T12:00:00+09:00',
      sale_date: '2024-05-01',
      will_deposited_at: '2024-05-03T00:00:00+09:00',
      repeat_key: '1001|5461-11**-****-7537|2024-05-01|23000',
    });
    expect(r.sale.version).toBe(Date.parse('2024-05-01T12:00:05+09:00'));
  });

  it('does not count canceled or non-positive sales', () => {
    const canceled = mapSourceRow(row({ is_canceled: 1 }), opts);
    const zero = mapSourceRow(row({ amount_sale: 0 }), opts);
    expect(canceled.ok && canceled.sale.doc.counted).toBe(false);
    expect(zero.ok && zero.sale.doc.counted).toBe(false);
  });

  it.each([
    ['zero sold_at', { sold_at: '0000-00-00 00:00:00' }, 'INVALID_SOLD_AT'],
    ['null sold_at', { sold_at: null }, 'INVALID_SOLD_AT'],
    ['zero modified', { modified: '0000-00-00 00:00:00' }, 'INVALID_MODIFIED'],
    ['null store', { store_id: null }, 'MISSING_STORE_ID'],
    ['null amount', { amount_sale: null }, 'INVALID_AMOUNT_SALE'],
    ['fractional amount', { amount_sale: '12.5' }, 'INVALID_AMOUNT_SALE'],
    ['empty card', { card_number: '  ' }, 'MISSING_CARD_NUMBER'],
    ['null card', { card_number: null }, 'MISSING_CARD_NUMBER'],
    ['null id', { id: null }, 'MISSING_ID'],
  ])('rejects a row with %s', (_name, over, code) => {
    const r = mapSourceRow(row(over as Partial<SourceRow>), opts);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.rejected.codes).toContain(code);
      expect(r.rejected.reason.length).toBeGreaterThan(10);
    }
  });

  it('says why a whole amount beyond 2^53 - 1 is refused', () => {
    const r = mapSourceRow(row({ amount_sale: '9007199254740993' }), opts);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.rejected.reason).toBe(
        'amount_sale 9007199254740993 is beyond ±9,007,199,254,740,991 won, the largest amount earlypay stores and ' +
          'sums exactly',
      );
    expect(mapSourceRow(row({ amount_sale: '9007199254740991' }), opts).ok).toBe(true);
  });

  it('rejects an amount_fee or amount_deposit beyond 2^53 - 1 with its reason, never a null fee', () => {
    for (const column of ['amount_fee', 'amount_deposit'] as const) {
      const r = mapSourceRow(row({ [column]: '9007199254740993' }), opts);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.rejected.codes).toEqual([column === 'amount_fee' ? 'INVALID_AMOUNT_FEE' : 'INVALID_AMOUNT_DEPOSIT']);
        expect(r.rejected.reason).toBe(
          `${column} 9007199254740993 is beyond ±9,007,199,254,740,991 won, ` +
            'the largest amount earlypay stores and sums exactly',
        );
      }
    }
  });

  it('keeps ids as strings, also beyond 2^53', () => {
    const r = mapSourceRow(row({ id: '9007199254740993', store_id: 50 }), opts);
    expect(r.ok && r.sale.doc.id).toBe('9007199254740993');
    expect(r.ok && r.sale.doc.store_id).toBe('50');
  });

  it('treats an invalid optional date as missing, not as a rejection', () => {
    const r = mapSourceRow(row({ will_deposited_at: '0000-00-00 00:00:00', created: null }), opts);
    expect(r.ok && r.sale.doc.will_deposited_at).toBeNull();
  });
});
