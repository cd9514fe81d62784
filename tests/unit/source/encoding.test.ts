/**
 * decodeSourceRow reads a row back out of its canonical encoding (the bytes MySQL makes with
 * rowEncodingSql, which equal encodeValue's: tests/integration/reconcile/fingerprint.test.ts),
 * each column as mysql2 hands it over; fingerprintOf those bytes is the row's fingerprint.
 */
import { columnKinds, decodeSourceRow, encodeValue, fingerprintOf, rowFingerprint, type ColumnKind } from '../../../src/core/source/fingerprint';
import { sourceRowOf } from '../../../src/core/source/query';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { row } from '../../support/sourceRow';

/** The kinds of the table the DDL makes (INT and TINYINT columns as numbers). */
const KINDS = columnKinds(new Map([['amount_sale', 'int'], ['amount_fee', 'int'], ['amount_deposit', 'int'], ['is_canceled', 'tinyint'], ['id', 'bigint'], ['created', 'datetime']].map(([c, type]) => [c!, { type: type!, charset: null }])));

function encoding(r: SourceRow): Buffer {
  return Buffer.from(SOURCE_COLUMNS.map((c) => encodeValue(r[c])).join(''));
}

describe('decodeSourceRow', () => {
  it('gives back every column, numbers as numbers where the column is numeric', () => {
    expect(KINDS.filter((k) => k === 'number')).toHaveLength(4);
    const texts = ['', 'N', '0:', ':', '1:', 'a', '정상승인', '😀👨‍👩‍👧', '\u0000\n"\\', 'x'.repeat(9), '배달'.repeat(40_000)];
    for (const t of texts) {
      const r = row({ remark: t, raw_data: t === '' ? null : `{"t":"${t}"}`, card_company: t, result_msg: Array.from(t).slice(0, 3).join('') });
      const values = decodeSourceRow(encoding(r), KINDS);
      expect(values && sourceRowOf(values)).toEqual(r);
    }
    for (const n of [0, 7, -1, -2147483648, 2147483647, 1e15, -(2 ** 53 - 1)]) {
      const r = row({ amount_sale: n, amount_fee: n, is_canceled: n === 0 ? 0 : 1, id: String(n), daily_sale_id: '-9223372036854775808' });
      expect(sourceRowOf(decodeSourceRow(encoding(r), KINDS)!)).toEqual(r);
    }
  });

  it('reads a numeric column that is not an integer as Number does, and a short ASCII text exactly', () => {
    const values = decodeSourceRow(encoding(row({ amount_sale: '1.5' as unknown as number, amount_fee: '-2e3' as unknown as number, num_approval: 'ab', result_code: '\u007f' })), KINDS)!;
    const r = sourceRowOf(values);
    expect([r.amount_sale, r.amount_fee, r.num_approval, r.result_code]).toEqual([1.5, -2000, 'ab', '\u007f']);
  });

  it('refuses bytes that are not such an encoding', () => {
    const good = encoding(row());
    expect(decodeSourceRow(good, KINDS)).not.toBeNull();
    for (const bad of [Buffer.alloc(0), good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from('N')]), Buffer.from('x'), Buffer.from('5:ab'), Buffer.from('N'.repeat(22))]) {
      expect(decodeSourceRow(bad, KINDS)).toBeNull();
    }
  });

  it('the fingerprint of the encoding is the row fingerprint', () => {
    for (const r of [row(), row({ remark: '환불 😀', raw_data: null }), row({ amount_sale: -5 })]) expect(fingerprintOf(encoding(r))).toBe(rowFingerprint(r));
  });

  it('takes integer and floating-point types as numbers, every other type as text', () => {
    const kinds = (type: string): ColumnKind => columnKinds(new Map([['remark', { type, charset: null }]]))[SOURCE_COLUMNS.indexOf('remark')]!;
    for (const t of ['tinyint', 'SMALLINT', 'mediumint', 'int', 'integer', 'year', 'float', 'double', 'real']) expect([t, kinds(t)]).toEqual([t, 'number']);
    for (const t of ['bigint', 'decimal', 'datetime', 'varchar', 'text', 'json', 'blob', 'enum']) expect([t, kinds(t)]).toEqual([t, 'text']);
  });
});
