import type { SourceText, Utf8Text } from '../codec/utf8Text';

/**
 * A row of `platform_sales` exactly as mysql2 returns it with `dateStrings: true`:
 * DATETIME columns are wall-clock strings in the source time zone ('2024-05-01 13:05:00'),
 * possibly the zero date '0000-00-00 00:00:00'; BIGINT columns arrive as strings or numbers
 * (mysql2 `supportBigNumbers`), so nothing here is trusted until validated. The texts the sales
 * document takes as they are (TEXT_AS_READ) may be their bytes as read (Utf8Text).
 */
export interface SourceRow {
  id: string | number | null;
  created: string | null;
  modified: string | null;
  remark: SourceText | null;
  num_approval: SourceText | null;
  card_company: SourceText | null;
  card_category: SourceText | null;
  card_number: string | null;
  amount_sale: number | string | null;
  amount_fee: number | string | null;
  amount_deposit: number | string | null;
  is_canceled: number | null;
  sold_at: string | null;
  will_deposited_at: string | null;
  raw_data: SourceText | null;
  platform: SourceText | null;
  daily_sale_id: string | number | null;
  store_id: string | number | null;
  extra_payment_id: string | number | null;
  result_code: SourceText | null;
  result_msg: SourceText | null;
  detail_status: SourceText | null;
  processing_status: SourceText | null;
}

/** A SourceRow whose texts are strings: the rows made in JavaScript (the sample generator). */
export type StringSourceRow = { [K in keyof SourceRow]: Exclude<SourceRow[K], Utf8Text> };

/** The source columns in table order; used by the DDL, the generator and the reader. */
export const SOURCE_COLUMNS: readonly (keyof SourceRow)[] = [
  'id',
  'created',
  'modified',
  'remark',
  'num_approval',
  'card_company',
  'card_category',
  'card_number',
  'amount_sale',
  'amount_fee',
  'amount_deposit',
  'is_canceled',
  'sold_at',
  'will_deposited_at',
  'raw_data',
  'platform',
  'daily_sale_id',
  'store_id',
  'extra_payment_id',
  'result_code',
  'result_msg',
  'detail_status',
  'processing_status',
] as const;

/** The columns the sales document takes as they are (no validation, no conversion): read, they stay bytes. */
export const TEXT_AS_READ: ReadonlySet<keyof SourceRow> = new Set<keyof SourceRow>([
  'remark',
  'num_approval',
  'card_company',
  'card_category',
  'raw_data',
  'platform',
  'result_code',
  'result_msg',
  'detail_status',
  'processing_status',
]);
