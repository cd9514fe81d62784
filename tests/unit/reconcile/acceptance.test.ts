/**
 * The SQL acceptance predicate against mapSourceRow, without a server: the character class
 * is checked against String.prototype.trim over every BMP code point, and the REGEXP
 * patterns (PCRE syntax) are compiled as JavaScript regular expressions and run on awkward
 * values next to mapSourceRow. tests/integration/reconcile/acceptance.test.ts runs the same
 * conditions inside MariaDB.
 */
import {
  JS_TRIMMED_RANGES,
  NOT_BLANK_PATTERN,
  WHOLE_NUMBER_PATTERN,
  acceptanceChecks,
  acceptedRowCondition,
} from '../../../src/core/sales/acceptance';
import { mapSourceRow, type RejectReason } from '../../../src/core/sales/saleDocument';
import { canonicalValue } from '../../../src/core/source/columns';
import type { SourceRow } from '../../../src/core/source/row';

const opts = { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: '2024-07-01T00:00:00.000Z' };
const KST = { tz: 'Asia/Seoul', sourceTz: 'Asia/Seoul' };

function row(over: Partial<SourceRow> = {}): SourceRow {
  return {
    id: '101',
    created: '2024-05-01 12:00:05',
    modified: '2024-05-01 12:00:05',
    remark: null,
    num_approval: null,
    card_company: '신한',
    card_category: '신용',
    card_number: '5461-11**-****-7537',
    amount_sale: 23000,
    amount_fee: 0,
    amount_deposit: 23000,
    is_canceled: 0,
    sold_at: '2024-05-01 12:00:00',
    will_deposited_at: null,
    raw_data: null,
    platform: 'BAEMIN',
    daily_sale_id: null,
    store_id: '1001',
    extra_payment_id: null,
    result_code: null,
    result_msg: null,
    detail_status: null,
    processing_status: null,
    ...over,
  };
}

/** A PCRE pattern as the equivalent JavaScript RegExp (\x{HHHH} -> \u{HHHH}, unicode mode). */
function asJs(pcre: string): RegExp {
  return new RegExp(pcre.replace(/\\x\{([0-9A-F]+)\}/g, '\\u{$1}'), 'u');
}

function codesOf(r: SourceRow): RejectReason[] {
  const mapped = mapSourceRow(r, opts);
  return mapped.ok ? [] : mapped.rejected.codes;
}

describe('the SQL acceptance predicate', () => {
  it('its whitespace class is exactly what String.prototype.trim removes', () => {
    const inClass = (cp: number): boolean => JS_TRIMMED_RANGES.some(([a, b]) => cp >= a && cp <= b);
    const differences: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const trimmed = String.fromCharCode(cp).trim() === '';
      if (trimmed !== inClass(cp)) differences.push(cp.toString(16));
    }
    expect(differences).toEqual([]);
  });

  const blank = asJs(NOT_BLANK_PATTERN);
  it.each([
    ['5461-11**-****-7537'],
    [''],
    [' '],
    ['\t'],
    ['\n\r'],
    ['\u3000'],
    ['\u00a0'],
    ['\ufeff'],
    ['\u2028'],
    [' x '],
    ['\u0085'],
    ['\u200b'],
    ['\u180e'],
    ['\u3000카드\u3000'],
    ['0'],
  ])('card_number %j: the pattern and mapSourceRow agree', (card) => {
    expect(blank.test(card)).toBe(!codesOf(row({ card_number: card })).includes('MISSING_CARD_NUMBER'));
  });

  const whole = asJs(WHOLE_NUMBER_PATTERN);
  it.each([
    ['12'],
    ['-12'],
    ['0'],
    ['-0'],
    [' 12 '],
    ['\u300012\u3000'],
    ['12.0'],
    ['1e3'],
    [''],
    ['１２'],
    ['12a'],
    ['+12'],
    ['\t-7\n'],
    ['--1'],
    ['12.50'],
    ['12.'],
    [' 12.0'],
  ])('amount_sale / store_id %j: the pattern and mapSourceRow agree', (value) => {
    // An amount is tested on its canonical text (a text column's, too: columns.ts's decimal-text form).
    const amount = String(canonicalValue('amount', value));
    expect(whole.test(amount)).toBe(!codesOf(row({ amount_sale: value })).includes('INVALID_AMOUNT_SALE'));
    if (!value.includes('.')) {
      expect(whole.test(value)).toBe(!codesOf(row({ store_id: value })).includes('MISSING_STORE_ID'));
      expect(whole.test(value)).toBe(!codesOf(row({ id: value })).includes('MISSING_ID'));
    } else expect(codesOf(row({ store_id: value }))).toContain('MISSING_STORE_ID');
  });

  it('has one condition per reject reason, and the row condition is their conjunction', () => {
    const checks = acceptanceChecks({ zones: KST });
    expect(Object.keys(checks).sort()).toEqual([
      'INVALID_AMOUNT_DEPOSIT',
      'INVALID_AMOUNT_FEE',
      'INVALID_AMOUNT_SALE',
      'INVALID_MODIFIED',
      'INVALID_SOLD_AT',
      'MISSING_CARD_NUMBER',
      'MISSING_ID',
      'MISSING_STORE_ID',
      'MODIFIED_OUT_OF_RANGE',
      'ROW_TOO_LARGE',
      'SOLD_AT_OUT_OF_RANGE',
    ]);
    const all = acceptedRowCondition({ alias: 's', zones: KST });
    expect(all.sql).toContain('s.`card_number`');
    expect(all.params).toHaveLength(Object.values(checks).reduce((n, c) => n + c.params.length, 0));
    expect((all.sql.match(/\?/g) ?? []).length).toBe(all.params.length);
  });

  it('matches the datetime rules of mapSourceRow (years before 100 and zero parts are invalid)', () => {
    for (const [value, valid] of [
      ['2024-05-01 00:00:00', true],
      ['0000-00-00 00:00:00', false],
      ['2024-05-00 10:00:00', false],
      ['2024-00-10 10:00:00', false],
      ['0050-01-01 00:00:00', false],
      ['0100-01-01 00:00:00', true],
      ['9999-12-31 23:59:59', true],
    ] as const) {
      expect([value, !codesOf(row({ sold_at: value })).includes('INVALID_SOLD_AT')]).toEqual([value, valid]);
    }
    expect(acceptanceChecks({ zones: KST }).INVALID_SOLD_AT.sql).toMatch(/YEAR\(`sold_at`\) >= 100/);
  });
});
