/**
 * A row's canonical encoding, column by column: NULL is `N`; any other value is
 * `<UTF-8 byte length>:<text>`. A length always starts with a digit, so NULL and '' (`0:`)
 * differ and no two rows encode alike. MySQL writes the same bytes (source/fingerprint.ts's
 * rowEncodingSql); the first 32 bits of their MD5 are the row's fingerprint.
 *
 * Ingest has MySQL write the encoding and reads each row as those bytes (decodeColumns); a row
 * made in JavaScript is encoded here (RowEncoder), into a buffer the encoder keeps to itself.
 */
import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { JsonBytes, decimalDigits } from './jsonBytes';
import { Utf8Text } from './utf8Text';

/** The canonical encoding of one column value. */
export function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'N';
  const text = String(value);
  return `${Buffer.byteLength(text, 'utf8')}:${text}`;
}

/** The fingerprint of a row's canonical encoding: the first 32 bits of its MD5, unsigned. */
export function fingerprintOf(encoding: Uint8Array): number {
  // The digest read as binary (latin1) text, four characters for 32 bits: cheaper than hex, sliced and parsed.
  const d = hash('md5', encoding, 'binary');
  return ((d.charCodeAt(0) << 24) | (d.charCodeAt(1) << 16) | (d.charCodeAt(2) << 8) | d.charCodeAt(3)) >>> 0;
}

/** Texts up to this long are encoded byte by byte; longer ones by Node's encoder, a native call then paying off. */
const SHORT_TEXT = 64;

/**
 * Encodes a row one column at a time (`column`, in the table's order) and gives its fingerprint
 * (`fingerprint`, which starts the next row). The bytes go into a buffer the encoder reuses and
 * never hands out: a string per row was the largest allocation of a run that finds every row
 * unchanged (docs/performance.md "Rows read as their encoding").
 */
export class RowEncoder {
  private readonly out = new JsonBytes(Buffer.allocUnsafe(16_384));

  /** Appends one column's encodeValue bytes. */
  column(value: unknown): void {
    const out = this.out;
    if (value === null || value === undefined) {
      out.ascii('N');
      return;
    }
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      // An INT: its text is its digits, one byte each.
      out.number(decimalDigits(value));
      out.ascii(':');
      out.number(value);
      return;
    }
    if (value instanceof Utf8Text) {
      out.ensure(value.byteLength + 24);
      out.number(value.byteLength);
      out.ascii(':');
      out.length += value.bytes.copy(out.buffer, out.length, value.start, value.end);
      return;
    }
    const text = typeof value === 'string' ? value : String(value);
    // Room for the length's digits, ':' and the text's bytes (at most 3 a UTF-16 unit): nothing below grows the
    // buffer, which would copy only what lies before out.length.
    out.ensure(text.length * 3 + 24);
    // The text goes after room for its length's digits as if it were ASCII, and moves when its
    // UTF-8 length has more digits: one pass over it, not a byte count and then a copy.
    const at = out.length;
    const guess = decimalDigits(text.length);
    const from = at + guess + 1;
    const buf = out.buffer;
    let bytes = text.length <= SHORT_TEXT ? out.utf8At(from, text) : -1;
    if (bytes < 0) bytes = buf.write(text, from);
    const digits = decimalDigits(bytes);
    if (digits !== guess) buf.copyWithin(at + digits + 1, from, from + bytes);
    out.number(bytes);
    out.ascii(':');
    out.length += bytes;
  }

  /** The fingerprint of the columns encoded since the last call. */
  fingerprint(): number {
    const fingerprint = fingerprintOf(this.out.buffer.subarray(0, this.out.length));
    this.out.length = 0;
    return fingerprint;
  }
}

/**
 * How a column's text becomes the value mysql2 hands over: a number, text (a string), or the
 * text's bytes as read (`bytes`: a Utf8Text over the encoding).
 */
export type ColumnKind = 'number' | 'text' | 'bytes';

/**
 * A row's columns read back out of its canonical encoding, each as its kind says; null when the
 * bytes are not such an encoding. A `bytes` column is a Utf8Text over `encoding` when the row is
 * valid UTF-8 (as MySQL sends text in utf8mb4); otherwise, as for any text, a string.
 */
export function decodeColumns(encoding: Buffer, kinds: readonly ColumnKind[]): unknown[] | null {
  const values: unknown[] = new Array(kinds.length);
  const end = encoding.length;
  const valid = isUtf8(encoding);
  let at = 0;
  for (let k = 0; k < kinds.length; k++) {
    if (at >= end) return null;
    let c = encoding[at]!;
    if (c === 0x4e) {
      // N: NULL
      values[k] = null;
      at++;
      continue;
    }
    let length = 0;
    while (c !== 0x3a) {
      if (c < 0x30 || c > 0x39 || at >= end) return null;
      length = length * 10 + (c - 0x30);
      c = encoding[++at]!;
    }
    const from = at + 1;
    at = from + length;
    if (at > end) return null;
    const kind = kinds[k];
    values[k] =
      kind === 'number'
        ? numberAt(encoding, from, at)
        : kind === 'bytes' && valid
          ? new Utf8Text(encoding, from, at)
          : textAt(encoding, from, at);
  }
  return at === end ? values : null;
}

/** An integer's digits as a number without a string; anything else (a float, an exponent) through Number(). */
function numberAt(b: Buffer, from: number, to: number): number {
  let i = from;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  let n = 0;
  for (; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9 || n > 9e14) return Number(b.latin1Slice(from, to));
    n = n * 10 + d;
  }
  if (to === (negative ? from + 1 : from)) return Number(b.latin1Slice(from, to));
  return negative ? -n : n;
}

/**
 * UTF-8 bytes as a string. Short ASCII texts (most columns: codes, statuses, numbers as text)
 * are made from their bytes here; a native slice costs about 50 ns a call, mostly the call.
 */
function textAt(b: Buffer, from: number, to: number): string {
  switch (to - from) {
    case 0:
      return '';
    case 1:
      if (b[from]! < 0x80) return String.fromCharCode(b[from]!);
      break;
    case 2:
      if ((b[from]! | b[from + 1]!) < 0x80) return String.fromCharCode(b[from]!, b[from + 1]!);
      break;
    case 3:
      if ((b[from]! | b[from + 1]! | b[from + 2]!) < 0x80)
        return String.fromCharCode(b[from]!, b[from + 1]!, b[from + 2]!);
      break;
    case 4:
      if ((b[from]! | b[from + 1]! | b[from + 2]! | b[from + 3]!) < 0x80)
        return String.fromCharCode(b[from]!, b[from + 1]!, b[from + 2]!, b[from + 3]!);
      break;
  }
  return b.utf8Slice(from, to);
}
