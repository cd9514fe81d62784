/**
 * The row fingerprint in JavaScript (the MariaDB side is proven equal in
 * tests/integration/reconcile/fingerprint.test.ts).
 */
import { row } from '../../support/sourceRow';
import { createHash } from 'node:crypto';
import { encodeValue } from '../../../src/core/codec/rowEncoding';
import { rowFingerprint, rowFingerprintSql } from '../../../src/core/source/fingerprint';
import { COLUMN_ROLES, columnReading, storedAsUtf8, type ColumnInfo } from '../../../src/core/source/columns';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { mapSourceRow } from '../../../src/core/sales/saleDocument';

describe('row fingerprint', () => {
  it('is 32 bits of MD5 over length-prefixed column texts, NULL as N', () => {
    const r = row();
    const encoding = SOURCE_COLUMNS.map((c) =>
      r[c] === null ? 'N' : `${Buffer.byteLength(String(r[c]))}:${String(r[c])}`,
    ).join('');
    expect(rowFingerprint(r)).toBe(createHash('md5').update(encoding).digest().readUInt32BE(0));
    expect(encodeValue(null)).toBe('N');
    expect(encodeValue('')).toBe('0:');
    expect(encodeValue('정상')).toBe('6:정상');
    expect(encodeValue('😀')).toBe('4:😀');
    expect(encodeValue(-1000)).toBe('5:-1000');
  });

  it(
    'equals MD5 of the joined encodeValue texts on awkward ' + 'rows: long, multi-byte, astral, lengths of every width',
    () => {
      const reference = (r: SourceRow): number =>
        createHash('md5')
          .update(SOURCE_COLUMNS.map((c) => encodeValue(r[c])).join(''))
          .digest()
          .readUInt32BE(0);
      const texts = [
        '',
        'a',
        'é',
        '정상승인',
        '😀x',
        'ascii only, forty characters long.......',
        'x'.repeat(99),
        'y'.repeat(100),
        `${'배달'.repeat(3_000)}`,
        'z'.repeat(70_000),
        '\u0000\n"\\',
      ];
      for (const remark of texts) {
        for (const raw of [null, remark, `{"menu":"${remark}"}`]) {
          const r = row({ remark, raw_data: raw, amount_sale: remark.length, card_number: remark || 'c' });
          expect(rowFingerprint(r)).toBe(reference(r));
        }
      }
      for (const n of [0, 7, 9, 10, 99, 100, -1, -1000, 1.5, 2 ** 40, Number.MAX_SAFE_INTEGER, 2 ** 60]) {
        const r = row({ amount_sale: n, amount_fee: n, is_canceled: n, daily_sale_id: n });
        expect([n, rowFingerprint(r)]).toEqual([n, reference(r)]);
      }
    },
  );

  it('changes with every column, and NULL differs from the empty string', () => {
    const base = rowFingerprint(row());
    for (const c of SOURCE_COLUMNS) {
      const value = row()[c];
      const other: Partial<SourceRow> = {
        [c]: value === null ? '' : value === '' ? null : typeof value === 'number' ? value + 1 : `${value}x`,
      };
      expect([c, rowFingerprint(row(other))]).not.toEqual([c, base]);
    }
    expect(rowFingerprint(row({ remark: null }))).not.toBe(rowFingerprint(row({ remark: '' })));
    expect(rowFingerprint(row({ remark: '', raw_data: 'a' }))).not.toBe(
      rowFingerprint(row({ remark: 'a', raw_data: '' })),
    );
  });

  it('a BIGINT as string or as number, an INT as number: the same text, the same fingerprint', () => {
    expect(rowFingerprint(row({ id: 101, amount_sale: '23000' }))).toBe(
      rowFingerprint(row({ id: '101', amount_sale: 23000 })),
    );
  });

  it('is an unsigned 32-bit integer', () => {
    for (let i = 0; i < 200; i++) {
      const f = rowFingerprint(row({ id: String(i) }));
      expect(Number.isInteger(f) && f >= 0 && f < 2 ** 32).toBe(true);
    }
  });

  it('goes into the sales document from the raw row', () => {
    const mapped = mapSourceRow(row({ store_id: ' 1001 ' }), {
      sourceTz: 'Asia/Seoul',
      businessTz: 'Asia/Seoul',
      ingestedAt: '2024-07-01T00:00:00.000Z',
    });
    if (!mapped.ok) throw new Error('rejected');
    expect(mapped.sale.doc.row_fingerprint).toBe(rowFingerprint(row({ store_id: ' 1001 ' })));
    expect(mapped.sale.doc.row_fingerprint).not.toBe(rowFingerprint(row()));
  });

  it('the SQL covers every column, in order', () => {
    const sql = rowFingerprintSql('t', new Map());
    const positions = SOURCE_COLUMNS.map((c) => sql.indexOf(`t.\`${c}\``));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('uses the columns stored as UTF-8 (and numbers, date-times) as they are, and converts the rest', () => {
    expect(storedAsUtf8({ type: 'varchar', charset: 'utf8mb4' })).toBe(true);
    expect(storedAsUtf8({ type: 'text', charset: 'utf8mb3' })).toBe(true);
    expect(storedAsUtf8({ type: 'BIGINT', charset: null })).toBe(true);
    expect(storedAsUtf8({ type: 'datetime', charset: null })).toBe(true);
    expect(storedAsUtf8({ type: 'text', charset: 'latin1' })).toBe(false);
    expect(storedAsUtf8({ type: 'varchar', charset: 'euckr' })).toBe(false);
    expect(storedAsUtf8({ type: 'blob', charset: null })).toBe(false);
    expect(storedAsUtf8({ type: 'double', charset: null })).toBe(false);
    const info = (name: string, type: string, charset: string | null): ColumnInfo => ({
      name,
      type,
      columnType: type,
      charset,
      scale: null,
      fsp: null,
    });
    const forms = new Map(
      [info('remark', 'text', 'latin1'), info('raw_data', 'text', 'utf8mb4')].map((c) => {
        const reading = columnReading(COLUMN_ROLES[c.name as 'remark'], c);
        return [c.name, reading.readable ? reading.form : 'convert'] as const;
      }),
    );
    expect([...forms]).toEqual([
      ['remark', 'convert'],
      ['raw_data', 'as-is'],
    ]);
    const sql = rowFingerprintSql('t', forms);
    expect(sql).toContain('CONVERT(t.`remark` USING utf8mb4)');
    expect(sql).not.toContain('CONVERT(t.`raw_data`');
    expect(sql).toContain("OCTET_LENGTH(t.`raw_data`), ':', t.`raw_data`");
  });
});
