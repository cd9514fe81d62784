/** The sale writer must give exactly JSON.stringify's bytes for every document mapSourceRow makes. */
import { JsonBytes } from '../../../src/core/codec/jsonBytes';
import { SALE_FIELDS, mapSourceRow, type SaleDocument } from '../../../src/core/sales/saleDocument';
import { writeSaleJson } from '../../../src/core/sales/saleJson';
import { encodeValue } from '../../../src/core/codec/rowEncoding';
import { columnKinds } from '../../../src/core/source/fingerprint';
import { EncodedRows } from '../../../src/core/source/query';
import { SOURCE_COLUMNS } from '../../../src/core/source/row';
import { Utf8Text } from '../../../src/core/codec/utf8Text';
import { randomInts } from '../../support/random';
import { row } from '../../support/sourceRow';

/** information_schema's types of the table the DDL makes: its INT columns read as numbers. */
const DDL_TYPES = new Map(
  ['amount_sale', 'amount_fee', 'amount_deposit', 'is_canceled'].map((c) => [c, { type: 'int', charset: null }]),
);

const opts = { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: '2026-12-01T22:00:00.000Z' };

function doc(over: Parameters<typeof row>[0]): SaleDocument {
  const mapped = mapSourceRow(row(over), opts);
  if (!mapped.ok) throw new Error(`rejected: ${mapped.rejected.reason}`);
  return mapped.sale.doc;
}

function sameBytes(d: SaleDocument): void {
  const out = new JsonBytes(Buffer.alloc(16));
  writeSaleJson(d, out);
  expect(out.buffer.subarray(0, out.length).toString()).toBe(JSON.stringify(d));
}

describe('writeSaleJson', () => {
  it('writes a sale as JSON.stringify does, nulls, canceled sales and anomaly rules included', () => {
    sameBytes(doc({}));
    sameBytes(
      doc({
        created: null,
        will_deposited_at: null,
        remark: null,
        raw_data: null,
        amount_fee: null,
        amount_deposit: null,
        daily_sale_id: null,
        result_msg: null,
      }),
    );
    sameBytes({
      ...doc({ is_canceled: 1, amount_sale: -5000 }),
      anomaly_rules: ['DEPOSIT_MISMATCH', 'REPEATED_AMOUNT'],
    });
  });

  it(
    'writes awkward free texts as JSON.stringify does: quotes, backslashes, control characters, Hangul, emoji, lone ' +
      'surrogates, long raw_data',
    () => {
      const int = randomInts(5);
      const pieces = [
        '배달지연으로',
        '"quoted"',
        'back\\slash',
        'line\nbreak',
        'tab\t',
        '\u0000',
        '😀',
        '\udc00',
        'plain',
        ' ',
        '{"menu":"정상승인"}',
      ];
      const text = (n: number): string => Array.from({ length: n }, () => pieces[int(pieces.length)]).join('');
      for (let i = 0; i < 500; i++) {
        sameBytes(
          doc({
            remark: text(int(6)),
            raw_data: text(int(3) === 0 ? 200 : int(20)),
            result_msg: text(int(4)),
            card_company: text(int(2)),
            card_category: text(int(2)),
            card_number: `${text(1)}-${int(10_000)}`,
            platform: text(int(2)),
            num_approval: text(int(2)),
            result_code: text(int(2)),
            detail_status: text(int(2)),
            processing_status: text(int(2)),
          }),
        );
      }
    },
  );
});

it('names every field of a sale document, in its order', () => {
  expect(Object.keys(SALE_FIELDS)).toEqual(Object.keys(doc({})));
});

describe('writeSaleJson of a row read as its encoding', () => {
  it('writes the texts kept as their bytes (Utf8Text) as JSON.stringify writes them decoded', () => {
    const int = randomInts(8);
    const pieces = [
      '배달지연으로',
      '"quoted"',
      'back\\slash',
      'line\nbreak',
      'tab\t',
      '\u0000',
      '😀',
      'plain',
      ' ',
      '{"menu":"정상승인"}',
    ];
    const text = (n: number): string => Array.from({ length: n }, () => pieces[int(pieces.length)]).join('');
    for (let i = 0; i < 300; i++) {
      const r = row({
        remark: text(int(6)),
        raw_data: text(int(3) === 0 ? 200 : int(20)),
        result_msg: text(int(4)),
        platform: text(int(2)),
        detail_status: text(int(2)),
      });
      const page = new EncodedRows(
        [Buffer.from(SOURCE_COLUMNS.map((c) => encodeValue(r[c])).join(''))],
        columnKinds(DDL_TYPES),
        'platform_sales',
      );
      const mapped = mapSourceRow(page.row(0), opts, page.fingerprint(0));
      if (!mapped.ok) throw new Error('rejected');
      expect(mapped.sale.doc.raw_data).toBeInstanceOf(Utf8Text);
      sameBytes(mapped.sale.doc);
      expect(JSON.parse(JSON.stringify(mapped.sale.doc))).toEqual(JSON.parse(JSON.stringify(doc(r))));
    }
  });
});
