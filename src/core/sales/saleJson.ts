/**
 * A sale document's JSON written straight into the bulk request (es/jsonBytes.ts says why):
 * the same bytes as `JSON.stringify(doc)` for the documents mapSourceRow makes, fields in the
 * same order (tests/unit/sales/saleJson.test.ts).
 */
import { asciiBytes, type JsonBytes } from '../es/jsonBytes';
import type { SaleDocument } from './saleDocument';

/** How a field's value is written. */
type Form =
  | 'string' //  a string (escaped as needed) or null
  | 'literal' // a number, boolean or null, as it is
  | 'list'; //   an array of strings

/** Every field of a sale document, in mapSourceRow's order (which JSON.stringify follows). */
export const SALE_FIELDS: readonly (readonly [keyof SaleDocument, Form])[] = [
  ['id', 'string'], ['created', 'string'], ['modified', 'string'], ['remark', 'string'], ['num_approval', 'string'],
  ['card_company', 'string'], ['card_category', 'string'], ['card_number', 'string'], ['amount_sale', 'literal'],
  ['amount_fee', 'literal'], ['amount_deposit', 'literal'], ['is_canceled', 'literal'], ['sold_at', 'string'],
  ['will_deposited_at', 'string'], ['raw_data', 'string'], ['platform', 'string'], ['daily_sale_id', 'string'],
  ['store_id', 'string'], ['extra_payment_id', 'string'], ['result_code', 'string'], ['result_msg', 'string'],
  ['detail_status', 'string'], ['processing_status', 'string'], ['sale_date', 'string'], ['counted', 'literal'],
  ['repeat_key', 'string'], ['anomaly_rules', 'list'], ['ingested_at', 'string'], ['row_fingerprint', 'literal'],
  ['text_grams', 'list'],
];

/** `{"id":`, `,"created":`, …: each key with what precedes it, encoded once. */
const KEYS = SALE_FIELDS.map(([name], i) => asciiBytes(`${i === 0 ? '{' : ','}${JSON.stringify(name)}:`));

/** Writes `doc` as JSON (exactly JSON.stringify's bytes) into `out`. */
export function writeSaleJson(doc: SaleDocument, out: JsonBytes): void {
  for (let i = 0; i < SALE_FIELDS.length; i++) {
    const [name, form] = SALE_FIELDS[i]!;
    const value = doc[name];
    out.bytes(KEYS[i]!);
    if (value === null) out.ascii('null');
    else if (form === 'string') out.string(value as string);
    else if (typeof value === 'number') out.number(value);
    else if (form === 'literal') out.ascii(String(value));
    else {
      out.ascii('[');
      const values = value as readonly string[];
      for (let j = 0; j < values.length; j++) {
        if (j > 0) out.ascii(',');
        out.string(values[j]!);
      }
      out.ascii(']');
    }
  }
  out.ascii('}');
}
