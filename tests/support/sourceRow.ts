/** One accepted source row, as mysql2 hands it over, for the unit tests of pure logic. */
import { rowFingerprint } from '../../src/core/source/fingerprint';
import type { RowPage } from '../../src/core/source/query';
import type { SourceRow } from '../../src/core/source/row';

export function row(over: Partial<SourceRow> = {}): SourceRow {
  return {
    id: '101',
    created: '2024-05-01 12:00:05',
    modified: '2024-05-01 12:00:05',
    remark: null,
    num_approval: '12345678',
    card_company: '신한',
    card_category: '신용',
    card_number: '5461-11**-****-7537',
    amount_sale: 23000,
    amount_fee: 1564,
    amount_deposit: 21436,
    is_canceled: 0,
    sold_at: '2024-05-01 12:00:00',
    will_deposited_at: '2024-05-03 00:00:00',
    raw_data: '{"a":1}',
    platform: 'BAEMIN',
    daily_sale_id: '9',
    store_id: '1001',
    extra_payment_id: null,
    result_code: '0000',
    result_msg: '정상',
    detail_status: null,
    processing_status: null,
    ...over,
  };
}

/** Rows given as SourceRows, as a page the ingest stages take: their fingerprints computed from them. */
export function listedRows(rows: readonly SourceRow[]): RowPage {
  return { length: rows.length, row: (i) => rows[i]!, fingerprint: (i) => rowFingerprint(rows[i]!) };
}
