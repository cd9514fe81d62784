/**
 * Validating a source row (docs/contract.md §3) and mapping it to the typed sales document (docs/contract.md §4).
 * Pure: no I/O, so every acceptance rule is unit-tested.
 */
import type { SourceRow } from '../source/row';
import type { JsonForm, JsonFormValues } from '../codec/objectWriter';
import { Utf8Text, type SourceText } from '../codec/utf8Text';
import { rowFingerprint } from '../source/fingerprint';
import { textGrams } from './hangulGrams';
import { amountInRange, formatWon, MAX_AMOUNT } from '../money';
import {
  FIRST_BUSINESS_DAY,
  LAST_BUSINESS_DAY,
  businessDayOf,
  readWallClock,
  wallClockToInstant,
} from '../time/businessDay';

/** How Elasticsearch indexes a field of the sale (es/indices.ts makes each a mapping). */
export type SaleIndexing =
  | 'id'
  | 'keyword'
  | 'long'
  | 'date'
  | 'day'
  | 'boolean'
  | 'text'
  | 'textWithKeyword'
  | 'grams';

/**
 * The sale document's fields (docs/contract.md §4), in the order mapSourceRow writes them: each with how its
 * value is held and written as JSON (`form`) and how Elasticsearch indexes it. SaleDocument, the
 * sales index's mapping (es/indices.ts) and the JSON writer (saleJson.ts) all follow this list;
 * a field added here needs its value in mapSourceRow and a mapping version bump.
 */
export const SALE_FIELDS = {
  id: { form: 'string', index: 'id' },
  created: { form: 'string?', index: 'date' },
  modified: { form: 'string', index: 'date' },
  remark: { form: 'text?', index: 'text', long: true },
  num_approval: { form: 'text?', index: 'keyword' },
  card_company: { form: 'text?', index: 'keyword' },
  card_category: { form: 'text?', index: 'keyword' },
  card_number: { form: 'string', index: 'keyword' },
  amount_sale: { form: 'number', index: 'long' },
  amount_fee: { form: 'number?', index: 'long' },
  amount_deposit: { form: 'number?', index: 'long' },
  is_canceled: { form: 'boolean', index: 'boolean' },
  sold_at: { form: 'string', index: 'date' },
  will_deposited_at: { form: 'string?', index: 'date' },
  raw_data: { form: 'text?', index: 'text', long: true },
  platform: { form: 'text?', index: 'keyword' },
  daily_sale_id: { form: 'string?', index: 'keyword' },
  store_id: { form: 'string', index: 'id' },
  extra_payment_id: { form: 'string?', index: 'keyword' },
  result_code: { form: 'text?', index: 'keyword' },
  result_msg: { form: 'text?', index: 'textWithKeyword' },
  detail_status: { form: 'text?', index: 'keyword' },
  processing_status: { form: 'text?', index: 'keyword' },
  sale_date: { form: 'string', index: 'day' },
  /** A counted sale (docs/contract.md §5): not canceled and amount_sale > 0. */
  counted: { form: 'boolean', index: 'boolean' },
  /** store|card|business day|amount: the identity REPEATED_AMOUNT counts within. */
  repeat_key: { form: 'string', index: 'keyword' },
  anomaly_rules: { form: 'strings', index: 'keyword' },
  ingested_at: { form: 'string', index: 'date' },
  /** 32 bits of MD5 over the raw source row (source/fingerprint.ts), summed per day by `reconcile`. */
  row_fingerprint: { form: 'number', index: 'long' },
  /** Hangul n-grams of remark, result_msg and raw_data, for `search --text` (hangulGrams.ts). */
  text_grams: { form: 'strings', index: 'grams', long: true },
  /** UTF-8 bytes of the long fields: how much a fetch of them asks for (es/longFields.ts). */
  text_bytes: { form: 'number', index: 'long' },
} as const satisfies Record<string, { form: JsonForm; index: SaleIndexing; long?: true }>;

export type SaleDocument = {
  -readonly [F in keyof typeof SALE_FIELDS]: JsonFormValues[(typeof SALE_FIELDS)[F]['form']];
};

/**
 * The fields of a sale that may hold megabytes (`long` in SALE_FIELDS: a LONGTEXT remark or raw
 * record, and their grams): searches and scans fetch them apart from the others, in requests
 * bounded by `text_bytes`.
 */
export const LONG_SALE_FIELDS: readonly (keyof SaleDocument)[] = (
  Object.keys(SALE_FIELDS) as (keyof typeof SALE_FIELDS)[]
).filter((f) => 'long' in SALE_FIELDS[f]);

function utf8Length(value: SourceText | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
}

/** A document's `text_bytes`: the UTF-8 bytes of its long fields. */
export function textBytesOf(doc: { remark?: unknown; raw_data?: unknown; text_grams?: unknown }): number {
  let n = utf8Length(doc.remark as SourceText | null) + utf8Length(doc.raw_data as SourceText | null);
  if (Array.isArray(doc.text_grams)) for (const g of doc.text_grams) n += utf8Length(String(g));
  return n;
}

/** A validated sale plus what the sink needs but the document does not carry. */
export interface AcceptedSale {
  doc: SaleDocument;
  /** `modified` as epoch ms: the external version, so an older row never overwrites a newer one. */
  version: number;
}

export type RejectReason =
  | 'MISSING_ID'
  | 'INVALID_SOLD_AT'
  | 'SOLD_AT_OUT_OF_RANGE'
  | 'INVALID_MODIFIED'
  | 'MODIFIED_OUT_OF_RANGE'
  | 'MISSING_STORE_ID'
  | 'INVALID_AMOUNT_SALE'
  | 'INVALID_AMOUNT_FEE'
  | 'INVALID_AMOUNT_DEPOSIT'
  | 'MISSING_CARD_NUMBER'
  /** Larger than MySQL's max_allowed_packet: MySQL cannot send it (its key alone is read). */
  | 'ROW_TOO_LARGE';

export interface RejectedRow {
  sourceId: string | null;
  codes: RejectReason[];
  reason: string;
}

export type MappedRow = { ok: true; sale: AcceptedSale } | { ok: false; rejected: RejectedRow };

const SUPPORTED_DAYS = `${FIRST_BUSINESS_DAY} … ${LAST_BUSINESS_DAY}`;

/** Why a row is rejected, in words that name the column and, where it helps, its value. */
function reasonText(code: RejectReason, row: SourceRow, opts: MapOptions): string {
  switch (code) {
    case 'MISSING_ID':
      return 'id is missing or not a whole number';
    case 'INVALID_SOLD_AT':
      return 'sold_at is missing or not a valid date-time';
    case 'SOLD_AT_OUT_OF_RANGE': {
      const day = businessDayOf(new Date(readWallClock(row.sold_at, opts.sourceTz)!.ms), opts.businessTz);
      return (
        `sold_at ${String(row.sold_at)} falls on business day ${day}, outside the supported days ` + `${SUPPORTED_DAYS}`
      );
    }
    case 'INVALID_MODIFIED':
      return 'modified is missing or not a valid date-time';
    case 'MODIFIED_OUT_OF_RANGE':
      return `modified ${String(row.modified)} is outside the supported dates ${SUPPORTED_DAYS}`;
    case 'MISSING_STORE_ID':
      return 'store_id is missing or not a whole number';
    case 'INVALID_AMOUNT_SALE':
      return amountProblem('amount_sale', row.amount_sale);
    case 'INVALID_AMOUNT_FEE':
      return amountProblem('amount_fee', row.amount_fee);
    case 'INVALID_AMOUNT_DEPOSIT':
      return amountProblem('amount_deposit', row.amount_deposit);
    case 'MISSING_CARD_NUMBER':
      return 'card_number is missing or empty';
    case 'ROW_TOO_LARGE':
      return ROW_TOO_LARGE;
  }
}

const ROW_TOO_LARGE =
  "the row is larger than MySQL's max_allowed_packet: MySQL cannot send it (raise max_allowed_packet, or shorten the " +
  "row's texts)";

/** A row MySQL could not send whole (larger than max_allowed_packet): rejected, known by its id alone. */
export function tooLargeRow(row: SourceRow): RejectedRow {
  const id = idString(row.id);
  return { sourceId: id ?? textOrNull(row.id), codes: ['ROW_TOO_LARGE'], reason: ROW_TOO_LARGE };
}

const WHOLE_TEXT = /^-?\d+$/;
/** A plain decimal whose fraction is zeros (DECIMAL 16800.00): a whole number of won. */
const ZERO_FRACTION = /^-?\d+\.0*$/;
const FRACTION = /^-?\d+\.\d*$/;

/**
 * An amount as a whole number of won, or null: a number, or a text of a whole number (BIGINTs
 * and DECIMALs arrive as strings; a DECIMAL's zero fraction is no fraction), within
 * MIN_AMOUNT … MAX_AMOUNT (money.ts).
 */
function wholeNumber(value: unknown): number | null {
  if (typeof value === 'number') return amountInRange(value) ? value : null;
  if (typeof value !== 'string') return null;
  let text = value.trim();
  if (!WHOLE_TEXT.test(text)) {
    if (!ZERO_FRACTION.test(value)) return null;
    text = value.slice(0, value.indexOf('.'));
  }
  const n = Number(text);
  return amountInRange(n) ? n : null;
}

/** Why wholeNumber refused an amount: missing, not a number, a fraction of a won, or too large. */
export function amountProblem(column: string, value: unknown): string {
  if (value === null || value === undefined) return `${column} is missing`;
  const text = String(value).trim();
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (WHOLE_TEXT.test(text) || (typeof value === 'number' && Number.isInteger(value)))
    return (
      `${column} ${shown} is beyond ±${formatWon(MAX_AMOUNT)} won, the largest amount earlypay stores and sums ` +
      `exactly`
    );
  if (FRACTION.test(text) || (typeof value === 'number' && Number.isFinite(value)))
    return `${column} ${shown} is not a whole number of won`;
  return `${column} ${JSON.stringify(shown)} is not a number of won`;
}

/** A plain decimal without a leading zero (what a BIGINT column nearly always holds). */
function isCanonicalId(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = s.charCodeAt(0) === 45 ? 1 : 0; // '-'
  if (i === n || (s.charCodeAt(i) === 48 && n > i + 1)) return false; // '0' leading another digit
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function idString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && isCanonicalId(value)) return value;
  const s = String(value).trim();
  return /^-?\d+$/.test(s) ? s.replace(/^(-?)0+(?=\d)/, '$1') : null;
}

function textOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

/** A text column as the document takes it: its bytes when it was read as bytes (codec/utf8Text.ts). */
function sourceText(value: unknown): SourceText | null {
  return value instanceof Utf8Text ? value : textOrNull(value);
}

/** A counted sale (docs/contract.md §5): not canceled and a positive amount. */
export function isCountedSale(sale: { is_canceled: boolean; amount_sale: number }): boolean {
  return !sale.is_canceled && sale.amount_sale > 0;
}

/** The identity REPEATED_AMOUNT groups by: same store, card, business day and amount. */
export function repeatKeyOf(storeId: string, cardNumber: string, saleDate: string, amount: number): string {
  // join makes one flat string; a template made a rope of six that the serializer flattened again.
  return [storeId, cardNumber, saleDate, amount].join('|');
}

/** The `text_grams` of the texts `search --text` looks into, in a sale document or a source row. */
function gramsOf(r: { remark?: unknown; result_msg?: unknown; raw_data?: unknown }): string[] {
  return textGrams([sourceText(r.remark), sourceText(r.result_msg), sourceText(r.raw_data)]);
}

/**
 * A stored sale document with its `text_grams` (re)computed, and its `text_bytes`: setup's upgrade of older indices.
 */
export function withTextGrams(doc: Record<string, unknown>): Record<string, unknown> {
  const grammed = { ...doc, text_grams: gramsOf(doc) };
  return { ...grammed, text_bytes: textBytesOf(grammed) };
}

/**
 * Fills in the `text_grams` of a document mapped with `deferTextGrams` (from its own remark,
 * result_msg and raw_data, as mapSourceRow would have), and its `text_bytes`.
 */
export function fillTextGrams(doc: SaleDocument): void {
  doc.text_grams = gramsOf(doc);
  doc.text_bytes = textBytesOf(doc);
}

export interface MapOptions {
  sourceTz: string;
  businessTz: string;
  ingestedAt: string;
  /**
   * Leave `text_grams` empty, for the caller to fill (fillTextGrams) in the documents it
   * writes: ingest judges every row but writes only those Elasticsearch does not hold as they
   * are, and the n-grams were a tenth of mapping a row of the sample.
   */
  deferTextGrams?: boolean;
}

/** Per zone, the first instant of the first supported day and the first after the last one, as wall clock there. */
const supportedInstants = new Map<string, [number, number]>();

/** Whether an instant's wall clock in `timeZone` falls on a supported day (FIRST_BUSINESS_DAY … LAST_BUSINESS_DAY). */
function withinSupportedDates(ms: number, timeZone: string): boolean {
  let bounds = supportedInstants.get(timeZone);
  if (!bounds) {
    const first = wallClockToInstant(`${FIRST_BUSINESS_DAY} 00:00:00`, timeZone)!.getTime();
    const after = wallClockToInstant(`${LAST_BUSINESS_DAY} 23:59:59`, timeZone)!.getTime() + 1_000;
    bounds = [first, after];
    supportedInstants.set(timeZone, bounds);
  }
  return ms >= bounds[0] && ms < bounds[1];
}

/**
 * A row as its sales document, or why it is rejected; `fingerprint` is the row's when it was read with it
 * (source/query.ts).
 */
export function mapSourceRow(row: SourceRow, opts: MapOptions, fingerprint?: number): MappedRow {
  const codes: RejectReason[] = [];
  const id = idString(row.id);
  if (id === null) codes.push('MISSING_ID');
  const soldAt = readWallClock(row.sold_at, opts.sourceTz);
  // The ISO text is the local time in the source zone: when that is the business zone, its date is the day.
  const saleDate = !soldAt
    ? null
    : opts.businessTz === opts.sourceTz
      ? soldAt.iso.slice(0, 10)
      : businessDayOf(new Date(soldAt.ms), opts.businessTz);
  if (saleDate === null) codes.push('INVALID_SOLD_AT');
  else if (saleDate < FIRST_BUSINESS_DAY || saleDate > LAST_BUSINESS_DAY) codes.push('SOLD_AT_OUT_OF_RANGE');
  const modified = readWallClock(row.modified, opts.sourceTz);
  if (!modified) codes.push('INVALID_MODIFIED');
  else if (!withinSupportedDates(modified.ms, opts.sourceTz)) codes.push('MODIFIED_OUT_OF_RANGE');
  const storeId = idString(row.store_id);
  if (storeId === null) codes.push('MISSING_STORE_ID');
  const amountSale = wholeNumber(row.amount_sale);
  if (amountSale === null) codes.push('INVALID_AMOUNT_SALE');
  const amountFee = row.amount_fee == null ? null : wholeNumber(row.amount_fee);
  if (amountFee === null && row.amount_fee != null) codes.push('INVALID_AMOUNT_FEE');
  const amountDeposit = row.amount_deposit == null ? null : wholeNumber(row.amount_deposit);
  if (amountDeposit === null && row.amount_deposit != null) codes.push('INVALID_AMOUNT_DEPOSIT');
  const cardNumber = row.card_number == null ? '' : String(row.card_number).trim();
  if (cardNumber === '') codes.push('MISSING_CARD_NUMBER');

  if (codes.length > 0 || !soldAt || !modified || !saleDate || id === null || storeId === null || amountSale === null) {
    return {
      ok: false,
      rejected: {
        sourceId: id ?? textOrNull(row.id),
        codes,
        reason: codes.map((c) => reasonText(c, row, opts)).join('; '),
      },
    };
  }

  // A row never updated has created = modified: that reading is the one made already.
  const created = row.created === row.modified ? modified : readWallClock(row.created, opts.sourceTz);
  const deposited = readWallClock(row.will_deposited_at, opts.sourceTz);
  const isCanceled = Number(row.is_canceled) === 1;
  const doc: SaleDocument = {
    id,
    created: created ? created.iso : null,
    modified: modified.iso,
    remark: sourceText(row.remark),
    num_approval: sourceText(row.num_approval),
    card_company: sourceText(row.card_company),
    card_category: sourceText(row.card_category),
    card_number: cardNumber,
    amount_sale: amountSale,
    amount_fee: amountFee,
    amount_deposit: amountDeposit,
    is_canceled: isCanceled,
    sold_at: soldAt.iso,
    will_deposited_at: deposited ? deposited.iso : null,
    raw_data: sourceText(row.raw_data),
    platform: sourceText(row.platform),
    daily_sale_id: idString(row.daily_sale_id) ?? textOrNull(row.daily_sale_id),
    store_id: storeId,
    extra_payment_id: idString(row.extra_payment_id) ?? textOrNull(row.extra_payment_id),
    result_code: sourceText(row.result_code),
    result_msg: sourceText(row.result_msg),
    detail_status: sourceText(row.detail_status),
    processing_status: sourceText(row.processing_status),
    sale_date: saleDate,
    counted: isCountedSale({ is_canceled: isCanceled, amount_sale: amountSale }),
    repeat_key: repeatKeyOf(storeId, cardNumber, saleDate, amountSale),
    anomaly_rules: [],
    ingested_at: opts.ingestedAt,
    row_fingerprint: fingerprint ?? rowFingerprint(row),
    text_grams: opts.deferTextGrams ? [] : gramsOf(row),
    text_bytes: 0,
  };
  if (!opts.deferTextGrams) doc.text_bytes = textBytesOf(doc);
  return { ok: true, sale: { doc, version: modified.ms } };
}
