/**
 * JSON written straight into a Buffer, for the one document the product writes by the million:
 * the sale (sales/saleJson.ts): `JSON.stringify` and then encoding its text into the request
 * buffer made most of an ingest's garbage (docs/performance.md "JSON written as bytes").
 * Here keys are copied as pre-encoded bytes and strings encoded and escaped byte by byte (a
 * string with a surrogate, which is rare, by JSON.stringify). The bytes are exactly those of
 * `Buffer.from(JSON.stringify(value))` (tests/unit/codec/jsonBytes.test.ts checks every escape).
 * Its byte half (`ascii`, `text`) also writes the row fingerprint's encoding (source/fingerprint.ts).
 */

import type { SourceText } from './utf8Text';

const HEX = '0123456789abcdef';

/** What `JSON.stringify` writes after a backslash for the control characters with a short escape. */
const SHORT_ESCAPES: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 }; // \b \t \n \f \r

/** Decimal digits of a whole number ≥ 0. */
export function decimalDigits(n: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  return digits;
}

/** Bytes JSON.stringify escapes (0: copied as they are): `"`, `\\` and the control characters. */
const ESCAPED = new Uint8Array(128);
for (let c = 0; c < 0x20; c++) ESCAPED[c] = 1;
ESCAPED[0x22] = 1;
ESCAPED[0x5c] = 1;

/** Writes at `at` JSON.stringify's escape of an ASCII character ESCAPED marks; where it ends. */
function escapeAt(buf: Buffer, at: number, c: number): number {
  buf[at++] = 0x5c;
  if (c === 0x22 || c === 0x5c) {
    buf[at++] = c;
    return at;
  }
  const short = SHORT_ESCAPES[c];
  if (short !== undefined) {
    buf[at++] = short;
    return at;
  }
  buf[at++] = 0x75;
  buf[at++] = 0x30;
  buf[at++] = 0x30;
  buf[at++] = HEX.charCodeAt(c >> 4);
  buf[at++] = HEX.charCodeAt(c & 15);
  return at;
}

export class JsonBytes {
  buffer: Buffer;
  length = 0;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  /** Room for `bytes` more. */
  ensure(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Pre-encoded bytes (keys and punctuation: see `ascii`). */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }

  /** Text of ASCII characters only, each written as its byte, nothing escaped: numbers, literals, punctuation. */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) buf[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /**
   * A number as JSON.stringify writes it. Safe integers — every number of a sale — as their
   * digits, written here: an external version (ms since the epoch) and a fingerprint above 2^31
   * are not small integers to V8, and String() of one took a slow conversion and a string,
   * several times the cost of the digits (two a sale).
   */
  number(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.ascii(JSON.stringify(n));
      return;
    }
    this.ensure(17);
    const buf = this.buffer;
    if (n < 0) {
      buf[this.length++] = 0x2d;
      n = -n;
    }
    this.length += decimalDigits(n);
    let at = this.length;
    do {
      const q = Math.floor(n / 10);
      buf[--at] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** Any text (the encoder's): UTF-8 as it is. */
  text(text: string): void {
    this.ensure(text.length * 3);
    this.length += this.buffer.write(text, this.length);
  }

  /**
   * `text` as UTF-8 at `at` (beyond `length`, which it leaves alone; room is the caller's), a
   * byte at a time — for short texts cheaper than the encoder's native call; its byte count, or
   * -1 (nothing usable written) when it holds a surrogate.
   */
  utf8At(at: number, text: string): number {
    const buf = this.buffer;
    const from = at;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        buf[at++] = c;
      } else if (c < 0x800) {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        return -1;
      } else {
        buf[at++] = 0xe0 | (c >> 12);
        buf[at++] = 0x80 | ((c >> 6) & 63);
        buf[at++] = 0x80 | (c & 63);
      }
    }
    return at - from;
  }

  /**
   * A source text as a JSON string literal, or `null`: a Utf8Text from its bytes, escaped as JSON.stringify would its
   * string.
   */
  sourceText(value: SourceText | null): void {
    if (value === null || typeof value === 'string') this.string(value);
    else this.utf8(value.bytes, value.start, value.end);
  }

  /**
   * Valid UTF-8 text as a JSON string literal: its bytes copied, those JSON.stringify escapes
   * escaped. (Valid UTF-8 holds no lone surrogate, the one thing it escapes beyond ASCII.)
   */
  utf8(bytes: Buffer, start: number, end: number): void {
    // Room for the worst case (every byte escaped, 6 bytes each) — but for a long text, what its
    // escapes take: six times megabytes of raw_data was a body grown for nothing.
    const n = end - start;
    this.ensure(n <= LONG_TEXT ? n * 6 + 2 : n + 2 + 5 * escapesIn(bytes, start, end));
    const buf = this.buffer;
    let at = this.length;
    buf[at++] = 0x22;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80 || ESCAPED[c] === 0) buf[at++] = c;
      else at = escapeAt(buf, at, c);
    }
    buf[at++] = 0x22;
    this.length = at;
  }

  /** A JSON string literal, or `null`. */
  string(value: string | null): void {
    if (value === null) {
      this.ascii('null');
      return;
    }
    // Escaped, a UTF-16 unit takes at most 6 bytes (\u001f); unescaped at most 3 (UTF-8).
    this.ensure(value.length * 6 + 2);
    if (!this.encoded(value)) this.text(JSON.stringify(value));
  }

  /**
   * Writes a string literal, encoding UTF-8 and escaping as JSON.stringify does, byte by byte (see
   * docs/performance.md "JSON written as bytes"); false when it holds a
   * surrogate, having written nothing: JSON.stringify escapes a lone one (\udXXX), and it is rare.
   */
  private encoded(value: string): boolean {
    const buf = this.buffer;
    let at = this.length;
    buf[at++] = 0x22;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          buf[at++] = 0xc0 | (c >> 6);
          buf[at++] = 0x80 | (c & 63);
        } else if (c >= 0xd800 && c <= 0xdfff) {
          return false;
        } else {
          buf[at++] = 0xe0 | (c >> 12);
          buf[at++] = 0x80 | ((c >> 6) & 63);
          buf[at++] = 0x80 | (c & 63);
        }
      } else if (ESCAPED[c] === 0) {
        buf[at++] = c;
      } else {
        at = escapeAt(buf, at, c);
      }
    }
    buf[at++] = 0x22;
    this.length = at;
    return true;
  }
}

/** Bytes of text beyond which `utf8` counts the escapes it needs room for rather than assume the worst. */
const LONG_TEXT = 65_536;

/** The bytes of a UTF-8 text JSON escapes (each takes at most 6 bytes instead of 1). */
function escapesIn(bytes: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x80 && ESCAPED[c] !== 0) n++;
  }
  return n;
}

/** Key and punctuation bytes, encoded once. */
export function asciiBytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}
