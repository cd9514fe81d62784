/**
 * decodeColumns reads a row back out of its canonical encoding (the bytes MySQL makes with
 * rowEncodingSql, which equal encodeValue's: tests/integration/reconcile/fingerprint.test.ts),
 * each column as mysql2 hands it over; fingerprintOf those bytes is the row's fingerprint.
 */
import { decodeColumns, encodeValue, fingerprintOf, type ColumnKind } from '../../../src/core/codec/rowEncoding';
import { columnKinds, rowFingerprint } from '../../../src/core/source/fingerprint';
import { sourceRowOf } from '../../../src/core/source/query';
import { SOURCE_COLUMNS, TEXT_AS_READ, type SourceRow } from '../../../src/core/source/row';
import { Utf8Text } from '../../../src/core/codec/utf8Text';
import { row } from '../../support/sourceRow';

/** The row with its texts as strings (a Utf8Text decoded), as mysql2 gives them. */
function asStrings(values: unknown[] | null): SourceRow | null {
  return values && sourceRowOf(values.map((v) => (v instanceof Utf8Text ? v.toString() : v)));
}

/** The kinds of the table the DDL makes (INT and TINYINT columns as numbers). */
const KINDS = columnKinds(
  new Map(
    [
      ['amount_sale', 'int'],
      ['amount_fee', 'int'],
      ['amount_deposit', 'int'],
      ['is_canceled', 'tinyint'],
      ['id', 'bigint'],
      ['created', 'datetime'],
    ].map(([c, type]) => [c!, { type: type!, charset: null }]),
  ),
);

function encoding(r: SourceRow): Buffer {
  return Buffer.from(SOURCE_COLUMNS.map((c) => encodeValue(r[c])).join(''));
}

describe('decodeColumns', () => {
  it('gives each row its own values: a second decode leaves the first row as it was', () => {
    const first = decodeColumns(encoding(row({ remark: 'first', amount_sale: 1 })), KINDS)!;
    const second = decodeColumns(encoding(row({ remark: 'second', amount_sale: 2 })), KINDS)!;
    expect(second).not.toBe(first);
    expect([String(first[3]), first[8]]).toEqual(['first', 1]);
  });

  it('gives back every column, numbers as numbers where the column is numeric', () => {
    expect(KINDS.filter((k) => k === 'number')).toHaveLength(4);
    const texts = [
      '',
      'N',
      '0:',
      ':',
      '1:',
      'a',
      '정상승인',
      '😀👨‍👩‍👧',
      '\u0000\n"\\',
      'x'.repeat(9),
      '배달'.repeat(40_000),
    ];
    for (const t of texts) {
      const r = row({
        remark: t,
        raw_data: t === '' ? null : `{"t":"${t}"}`,
        card_company: t,
        result_msg: Array.from(t).slice(0, 3).join(''),
      });
      expect(asStrings(decodeColumns(encoding(r), KINDS))).toEqual(r);
    }
    for (const n of [0, 7, -1, -2147483648, 2147483647, 1e15, -(2 ** 53 - 1)]) {
      const r = row({
        amount_sale: n,
        amount_fee: n,
        is_canceled: n === 0 ? 0 : 1,
        id: String(n),
        daily_sale_id: '-9223372036854775808',
      });
      expect(asStrings(decodeColumns(encoding(r), KINDS))).toEqual(r);
    }
  });

  it('reads a numeric column that is not an integer as Number does, and a short ASCII text exactly', () => {
    const values = decodeColumns(
      encoding(
        row({
          amount_sale: '1.5' as unknown as number,
          amount_fee: '-2e3' as unknown as number,
          num_approval: 'ab',
          result_code: '\u007f',
        }),
      ),
      KINDS,
    )!;
    const r = asStrings(values)!;
    expect([r.amount_sale, r.amount_fee, r.num_approval, r.result_code]).toEqual([1.5, -2000, 'ab', '\u007f']);
  });

  it('keeps the texts the document takes as they are as their bytes, the others as strings', () => {
    const bytes = encoding(row({ remark: '배달 "지연"', raw_data: '{"a":1}' }));
    const values = decodeColumns(bytes, KINDS)!;
    SOURCE_COLUMNS.forEach((c, k) => {
      const v = values[k];
      if (v === null || typeof v === 'number') return;
      expect([c, v instanceof Utf8Text]).toEqual([c, TEXT_AS_READ.has(c)]);
    });
    const remark = values[SOURCE_COLUMNS.indexOf('remark')] as Utf8Text;
    expect([remark.bytes, remark.toString(), JSON.stringify({ remark })]).toEqual([
      bytes,
      '배달 "지연"',
      JSON.stringify({ remark: '배달 "지연"' }),
    ]);
  });

  it('a row whose bytes are not valid UTF-8 gets strings, decoded as mysql2 decodes them', () => {
    // remark holds the three bytes ab\xff: not UTF-8.
    const bad = Buffer.concat(
      SOURCE_COLUMNS.map((c) =>
        c === 'remark' ? Buffer.from([0x33, 0x3a, 0x61, 0x62, 0xff]) : Buffer.from(encodeValue(row()[c])),
      ),
    );
    const values = decodeColumns(bad, KINDS)!;
    expect(values[SOURCE_COLUMNS.indexOf('remark')]).toBe(Buffer.from([0x61, 0x62, 0xff]).toString('utf8'));
    expect(values[SOURCE_COLUMNS.indexOf('platform')]).toBe('BAEMIN');
  });

  it('refuses bytes that are not such an encoding', () => {
    const good = encoding(row());
    expect(decodeColumns(good, KINDS)).not.toBeNull();
    for (const bad of [
      Buffer.alloc(0),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from('N')]),
      Buffer.from('x'),
      Buffer.from('5:ab'),
      Buffer.from('N'.repeat(22)),
    ]) {
      expect(decodeColumns(bad, KINDS)).toBeNull();
    }
  });

  it('the fingerprint of the encoding is the row fingerprint', () => {
    for (const r of [row(), row({ remark: '환불 😀', raw_data: null }), row({ amount_sale: -5 })])
      expect(fingerprintOf(encoding(r))).toBe(rowFingerprint(r));
  });

  it('takes integer and floating-point types as numbers, every other type as text', () => {
    const kinds = (type: string): ColumnKind =>
      columnKinds(new Map([['remark', { type, charset: null }]]))[SOURCE_COLUMNS.indexOf('remark')]!;
    for (const t of ['tinyint', 'SMALLINT', 'mediumint', 'int', 'integer', 'year', 'float', 'double', 'real'])
      expect([t, kinds(t)]).toEqual([t, 'number']);
    for (const t of ['bigint', 'decimal', 'datetime', 'varchar', 'text', 'json', 'blob', 'enum'])
      expect([t, kinds(t)]).toEqual([t, 'bytes']);
    const cardNumber = columnKinds(new Map([['card_number', { type: 'varchar', charset: 'utf8mb4' }]]))[
      SOURCE_COLUMNS.indexOf('card_number')
    ];
    expect(cardNumber).toBe('text');
  });
});
