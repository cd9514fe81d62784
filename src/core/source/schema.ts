/**
 * The `platform_sales` DDL (docs/contract.md §3). Columns that can hold rows the product rejects are
 * nullable, so such rows can exist in test and sample data as they do in production; the
 * (modified, id) index carries the incremental keyset cursor.
 */
import type { Pool, Connection } from 'mysql2/promise';
export function platformSalesDdl(table = 'platform_sales'): string {
  if (!/^[A-Za-z0-9_]+$/.test(table)) throw new Error(`invalid table name ${table}`);
  return (
    `CREATE TABLE IF NOT EXISTS \`${table}\` (id BIGINT PRIMARY KEY, created DATETIME NULL, modified DATETIME ` +
    `NULL, remark TEXT NULL, num_approval VARCHAR(32) NULL, card_company VARCHAR(32) NULL, card_category VARCHAR(32) ` +
    `NULL, card_number VARCHAR(32) NULL, amount_sale INT NULL, amount_fee INT NULL, amount_deposit INT NULL, ` +
    `is_canceled TINYINT(1) NOT NULL DEFAULT 0, sold_at DATETIME NULL, will_deposited_at DATETIME NULL, raw_data ` +
    `TEXT NULL, platform VARCHAR(32) NULL, daily_sale_id BIGINT NULL, store_id BIGINT NULL, extra_payment_id BIGINT ` +
    `NULL, result_code VARCHAR(16) NULL, result_msg VARCHAR(255) NULL, detail_status VARCHAR(32) NULL, ` +
    `processing_status VARCHAR(32) NULL, KEY idx_modified_id (modified, id), KEY idx_sold_at (sold_at)) DEFAULT ` +
    `CHARSET=utf8mb4`
  );
}
export async function createSourceTable(conn: Pool | Connection, table = 'platform_sales'): Promise<void> {
  await conn.query(platformSalesDdl(table));
}
