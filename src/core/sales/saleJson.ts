/**
 * A sale document's JSON written straight into the bulk request (es/jsonBytes.ts says why):
 * the same bytes as `JSON.stringify(doc)` for the documents mapSourceRow makes, fields in the
 * same order (tests/unit/sales/saleJson.test.ts).
 */
import { asciiBytes, type JsonBytes } from '../es/jsonBytes';
import type { SaleDocument } from './saleDocument';

/** Every field of a sale document, in mapSourceRow's order (which JSON.stringify follows). */
export const SALE_FIELDS: readonly (keyof SaleDocument)[] = [
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
  'sale_date',
  'counted',
  'repeat_key',
  'anomaly_rules',
  'ingested_at',
  'row_fingerprint',
  'text_grams',
  'text_bytes',
];

/** `{"id":`, `,"created":`, …: each key with what precedes it, encoded once. */
const K = Object.fromEntries(
  SALE_FIELDS.map((name, i) => [name, asciiBytes(`${i === 0 ? '{' : ','}${JSON.stringify(name)}:`)]),
) as Record<keyof SaleDocument, Uint8Array>;

function numberOrNull(out: JsonBytes, n: number | null): void {
  if (n === null) out.ascii('null');
  else out.number(n);
}

function stringList(out: JsonBytes, values: readonly string[]): void {
  out.ascii('[');
  for (let j = 0; j < values.length; j++) {
    if (j > 0) out.ascii(',');
    out.string(values[j]!);
  }
  out.ascii(']');
}

/**
 * Writes `doc` as JSON (exactly JSON.stringify's bytes) into `out`. Field by field by name, in
 * SALE_FIELDS order: a loop over the field list read each value by a computed name and chose
 * its form at run time, a third more CPU (bench/stages.js's writeSaleJson alone).
 */
export function writeSaleJson(d: SaleDocument, out: JsonBytes): void {
  out.bytes(K.id);
  out.string(d.id);
  out.bytes(K.created);
  out.string(d.created);
  out.bytes(K.modified);
  out.string(d.modified);
  out.bytes(K.remark);
  out.sourceText(d.remark);
  out.bytes(K.num_approval);
  out.sourceText(d.num_approval);
  out.bytes(K.card_company);
  out.sourceText(d.card_company);
  out.bytes(K.card_category);
  out.sourceText(d.card_category);
  out.bytes(K.card_number);
  out.string(d.card_number);
  out.bytes(K.amount_sale);
  out.number(d.amount_sale);
  out.bytes(K.amount_fee);
  numberOrNull(out, d.amount_fee);
  out.bytes(K.amount_deposit);
  numberOrNull(out, d.amount_deposit);
  out.bytes(K.is_canceled);
  out.ascii(d.is_canceled ? 'true' : 'false');
  out.bytes(K.sold_at);
  out.string(d.sold_at);
  out.bytes(K.will_deposited_at);
  out.string(d.will_deposited_at);
  out.bytes(K.raw_data);
  out.sourceText(d.raw_data);
  out.bytes(K.platform);
  out.sourceText(d.platform);
  out.bytes(K.daily_sale_id);
  out.string(d.daily_sale_id);
  out.bytes(K.store_id);
  out.string(d.store_id);
  out.bytes(K.extra_payment_id);
  out.string(d.extra_payment_id);
  out.bytes(K.result_code);
  out.sourceText(d.result_code);
  out.bytes(K.result_msg);
  out.sourceText(d.result_msg);
  out.bytes(K.detail_status);
  out.sourceText(d.detail_status);
  out.bytes(K.processing_status);
  out.sourceText(d.processing_status);
  out.bytes(K.sale_date);
  out.string(d.sale_date);
  out.bytes(K.counted);
  out.ascii(d.counted ? 'true' : 'false');
  out.bytes(K.repeat_key);
  out.string(d.repeat_key);
  out.bytes(K.anomaly_rules);
  stringList(out, d.anomaly_rules);
  out.bytes(K.ingested_at);
  out.string(d.ingested_at);
  out.bytes(K.row_fingerprint);
  out.number(d.row_fingerprint);
  out.bytes(K.text_grams);
  stringList(out, d.text_grams);
  out.bytes(K.text_bytes);
  out.number(d.text_bytes);
  out.ascii('}');
}

/** writeSaleJson as a bulk op's `writeDoc`: one function for every sale op. */
export const writeSaleDoc = (doc: object, out: JsonBytes): void => writeSaleJson(doc as SaleDocument, out);
