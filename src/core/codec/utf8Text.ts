/**
 * A column's text as the UTF-8 bytes MySQL sent it, not decoded. Most of a sale's columns go
 * into its document unchanged; ingest keeps them as these bytes and writes their JSON from them
 * (codec/jsonBytes.ts) — a string made of each and encoded back was a tenth of the CLI's CPU a
 * row. Anything else that asks for the text (`String(t)`, `JSON.stringify`, a dead letter's
 * row) gets the string, decoded then.
 */
export class Utf8Text {
  /** `bytes[start, end)` is the text, and valid UTF-8 (decodeColumns checks the row's bytes). */
  constructor(
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}

  get byteLength(): number {
    return this.end - this.start;
  }

  toString(): string {
    return this.bytes.utf8Slice(this.start, this.end);
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A source column's text: a string, or its bytes as read (Utf8Text). */
export type SourceText = string | Utf8Text;

/** A source text as a string (decoded when it was read as bytes). */
export function textOf(text: SourceText | null): string | null {
  return text === null ? null : typeof text === 'string' ? text : text.toString();
}
