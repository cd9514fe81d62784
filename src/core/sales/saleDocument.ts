/**
 * Validating a source row (docs/contract.md §3) and mapping it to the typed sales document (docs/contract.md §4).
 * Pure: no I/O, so every acceptance rule is unit-tested.
 */
import type { SourceRow } from '../source/row';
import { Utf8Text, type SourceText } from '../source/utf8Text';
import { rowFingerprint } from '../source/fingerprint';
import { textGrams } from '../search/hangulGrams';
import { businessDayOf, readWallClock, type WallClockReading } from '../time/businessDay';
import { MAX_AMOUNT, formatWon } from '../money';

export interface SaleDocument {
  id: string;
  created: string | null;
  modified: string;
  remark: SourceText | null;
  num_approval: SourceText | null;
  card_company: SourceText | null;
  card_category: SourceText | null;
  card_number: string;
  amount_sale: number;
  amount_fee: number | null;
  amount_deposit: number | null;
  is_canceled: boolean;
  sold_at: string;
  will_deposited_at: string | null;
  raw_data: SourceText | null;
  platform: SourceText | null;
  daily_sale_id: string | null;
  store_id: string;
  extra_payment_id: string | null;
  result_code: SourceText | null;
  result_msg: SourceText | null;
  detail_status: SourceText | null;
  processing_status: SourceText | null;
  sale_date: string;
  counted: boolean;
  repeat_key: string;
  anomaly_rules: string[];
  ingested_at: string;
  /** 32-bit fingerprint of the raw source row (source/fingerprint.ts), for `reconcile`. */
  row_fingerprint: number;
  /** Hangul n-grams of remark, result_msg and raw_data, for `search --text` (hangulGrams.ts). */
  text_grams: string[];
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
  | 'INVALID_MODIFIED'
  | 'MISSING_STORE_ID'
  | 'INVALID_AMOUNT_SALE'
  | 'MISSING_CARD_NUMBER';

export interface RejectedRow {
  sourceId: string | null;
  codes: RejectReason[];
  reason: string;
}

export type MappedRow = { ok: true; sale: AcceptedSale } | { ok: false; rejected: RejectedRow };

const REASON_TEXT: Record<RejectReason, string> = {
  MISSING_ID: 'id is missing or not a whole number',
  INVALID_SOLD_AT: 'sold_at is missing or not a valid date-time',
  INVALID_MODIFIED: 'modified is missing or not a valid date-time',
  MISSING_STORE_ID: 'store_id is missing',
  // A BIGINT beyond 2^53 - 1 is whole too: the reason must say why it is refused all the same.
  INVALID_AMOUNT_SALE:
    `amount_sale is missing, not a whole number, or beyond ±${formatWon(MAX_AMOUNT)} (the largest ` +
    `amount held exactly)`,
  MISSING_CARD_NUMBER: 'card_number is missing or empty',
};

/** Whole numbers only; BIGINTs arrive as strings. */
function wholeNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
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

/** A text column as the document takes it: its bytes when it was read as bytes (source/utf8Text.ts). */
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

/** A stored sale document with its `text_grams` (re)computed: setup's upgrade of older indices. */
export function withTextGrams(doc: Record<string, unknown>): Record<string, unknown> {
  return { ...doc, text_grams: gramsOf(doc) };
}

/**
 * Fills in the `text_grams` of a document mapped with `deferTextGrams` (from its own remark,
 * result_msg and raw_data, as mapSourceRow would have).
 */
export function fillTextGrams(doc: SaleDocument): void {
  doc.text_grams = gramsOf(doc);
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

/** The last `will_deposited_at` read, and its reading. */
let lastDeposited: { text: unknown; timeZone: string; reading: WallClockReading | null } = {
  text: undefined,
  timeZone: '',
  reading: null,
};

function readDeposited(text: string | null, timeZone: string): WallClockReading | null {
  if (text !== lastDeposited.text || timeZone !== lastDeposited.timeZone)
    lastDeposited = { text, timeZone, reading: readWallClock(text, timeZone) };
  return lastDeposited.reading;
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
  if (!soldAt) codes.push('INVALID_SOLD_AT');
  const modified = readWallClock(row.modified, opts.sourceTz);
  if (!modified) codes.push('INVALID_MODIFIED');
  const storeId = idString(row.store_id);
  if (storeId === null) codes.push('MISSING_STORE_ID');
  const amountSale = wholeNumber(row.amount_sale);
  if (amountSale === null) codes.push('INVALID_AMOUNT_SALE');
  const cardNumber = row.card_number == null ? '' : String(row.card_number).trim();
  if (cardNumber === '') codes.push('MISSING_CARD_NUMBER');

  if (codes.length > 0 || !soldAt || !modified || id === null || storeId === null || amountSale === null) {
    return {
      ok: false,
      rejected: { sourceId: id ?? textOrNull(row.id), codes, reason: codes.map((c) => REASON_TEXT[c]).join('; ') },
    };
  }

  // A row never updated has created = modified, and rows read together share their settlement
  // times (midnights): those readings are the ones made already, not new conversions.
  const created = row.created === row.modified ? modified : readWallClock(row.created, opts.sourceTz);
  const deposited = readDeposited(row.will_deposited_at, opts.sourceTz);
  const isCanceled = Number(row.is_canceled) === 1;
  // The ISO text is the local time in the source zone: when that is the business zone, its date is the day.
  const saleDate =
    opts.businessTz === opts.sourceTz ? soldAt.iso.slice(0, 10) : businessDayOf(new Date(soldAt.ms), opts.businessTz);
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
    amount_fee: wholeNumber(row.amount_fee),
    amount_deposit: wholeNumber(row.amount_deposit),
    is_canceled: isCanceled,
    sold_at: soldAt.iso,
    will_deposited_at: deposited ? deposited.iso : null,
    raw_data: sourceText(row.raw_data),
    platform: sourceText(row.platform),
    daily_sale_id: idString(row.daily_sale_id),
    store_id: storeId,
    extra_payment_id: idString(row.extra_payment_id),
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
  };
  return { ok: true, sale: { doc, version: modified.ms } };
}
