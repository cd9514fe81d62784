/**
 * A sale document's JSON written straight into the bulk request (codec/jsonBytes.ts says why):
 * the same bytes as `JSON.stringify(doc)` for the documents mapSourceRow makes, fields in
 * SALE_FIELDS order (tests/unit/sales/saleJson.test.ts).
 */
import type { JsonBytes } from '../codec/jsonBytes';
import { compileObjectWriter } from '../codec/objectWriter';
import { SALE_FIELDS, type SaleDocument } from './saleDocument';

const writeSale = compileObjectWriter(Object.entries(SALE_FIELDS).map(([name, { form }]) => ({ name, form })));

/** Writes `doc` as JSON (exactly JSON.stringify's bytes) into `out`. */
export const writeSaleJson: (doc: SaleDocument, out: JsonBytes) => void = writeSale;

/** writeSaleJson as a bulk op's `writeDoc`: one function for every sale op. */
export const writeSaleDoc: (doc: object, out: JsonBytes) => void = writeSale;
