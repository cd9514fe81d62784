/**
 * A row of `platform_sales` exactly as mysql2 returns it with `dateStrings: true`:
 * DATETIME columns are wall-clock strings in the source time zone ('2024-05-01 13:05:00'),
 * possibly the zero date '0000-00-00 00:00:00'; BIGINT columns arrive as strings or numbers
 * (mysql2 `supportBigNumbers`), so nothing here is trusted until validated.
 */
export interface SourceRow {
  id: string | number | null;
  created: string | null;
  modified: string | null;
  remark: string | null;
  num_approval: string | null;
  card_company: string | null;
  card_category: string | null;
  card_number: string | null;
  amount_sale: number | string | null;
  amount_fee: number | string | null;
  amount_deposit: number | string | null;
  is_canceled: number | null;
  sold_at: string | null;
  will_deposited_at: string | null;
  raw_data: string | null;
  platform: string | null;
  daily_sale_id: string | number | null;
  store_id: string | number | null;
  extra_payment_id: string | number | null;
  result_code: string | null;
  result_msg: string | null;
  detail_status: string | null;
  processing_status: string | null;
}

/** The source columns in table order; used by the DDL, the generator and the reader. */
export const SOURCE_COLUMNS: readonly (keyof SourceRow)[] = [
  'id', 'created', 'modified', 'remark', 'num_approval', 'card_company', 'card_category',
  'card_number', 'amount_sale', 'amount_fee', 'amount_deposit', 'is_canceled', 'sold_at',
  'will_deposited_at', 'raw_data', 'platform', 'daily_sale_id', 'store_id', 'extra_payment_id',
  'result_code', 'result_msg', 'detail_status', 'processing_status',
] as const;
