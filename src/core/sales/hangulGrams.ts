/**
 * Korean free text without an analysis plugin. Korean writes compounds without spaces
 * ("정상승인", "배달지연으로") and the standard analyzer keeps each run of Hangul whole, so
 * "승인" would not find "정상승인". The minimal distributions carry no n-gram, CJK or nori
 * analyzers, so the n-grams are computed here, at ingest and for the query alike (pure).
 *
 * Each Hangul word (a maximal run of Hangul) becomes one value of the `text_grams` field: its
 * syllable bigrams in order, then its last syllable alone, space-separated —
 * "정상승인" → "정상 상승 승인 인", "승" → "승". The standard analyzer splits the value on the
 * spaces and gives the grams consecutive positions; the words are separate array values, so the
 * mapping's position gap keeps a phrase from running across two words.
 *
 * A query word of two or more syllables is the phrase of its bigrams: it matches exactly the
 * words that contain it (bigram k of the query sits at position p+k in the word). A single
 * syllable is a prefix of a gram: every syllable of a word starts one gram (the trailing
 * unigram covers the last one).
 */
import type { estypes } from '@elastic/elasticsearch';
import type { SourceText } from '../codec/utf8Text';
import { Utf8WordReader } from '../codec/utf8Words';

/** The field (in the sales mapping) the grams are indexed in. */
export const TEXT_GRAMS_FIELD = 'text_grams';

/** Hangul syllables and jamo (all in the BMP, so one UTF-16 unit each). */
function isHangul(c: number): boolean {
  if (c < 0x1100) return false; // ASCII and Latin, most of what a sale's texts hold
  return (
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0x1100 && c <= 0x11ff) ||
    (c >= 0x3130 && c <= 0x318f) ||
    (c >= 0xa960 && c <= 0xa97f) ||
    (c >= 0xd7b0 && c <= 0xd7ff) ||
    (c >= 0xffa0 && c <= 0xffdc)
  );
}

/**
 * The runs of Hangul in a text, in order, as [start, end) offsets. On the ingest's hot path,
 * hence a plain scan rather than a regex; the query uses the same scan, so both sides agree.
 */
function hangulRuns(text: string, onRun: (start: number, end: number) => void): void {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const hangul = i < text.length && isHangul(text.charCodeAt(i));
    if (hangul && start < 0) start = i;
    else if (!hangul && start >= 0) {
      onRun(start, i);
      start = -1;
    }
  }
}

/** The runs of Hangul in a text, in order. */
export function hangulWords(text: string): string[] {
  const words: string[] = [];
  hangulRuns(text, (start, end) => words.push(text.slice(start, end)));
  return words;
}

/** One word's grams: its bigrams, then its last syllable ("정상승인" → "정상 상승 승인 인"). */
export function wordGrams(word: string): string {
  const syllables = Array.from(word);
  const grams: string[] = [];
  for (let i = 0; i + 1 < syllables.length; i++) grams.push(syllables[i]! + syllables[i + 1]);
  grams.push(syllables[syllables.length - 1]!);
  return grams.join(' ');
}

/** `compute`, remembered for up to `max` keys (then forgotten all at once). */
function remembered<V>(max: number, compute: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      if (cache.size >= max) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}

// Sales repeat the same few words (status messages, menu items) and the same short texts
// (remarks, result messages): their grams are kept, up to a bound, so that the ingest's hot
// path computes each once.
const CACHED = 20_000;
const SHORT_TEXT = 64;
const cachedWordGrams = remembered(CACHED, wordGrams);

/** Distinct grams in order of first appearance (a Set only once there are many: a sale's texts hold a few words). */
class DistinctGrams {
  readonly values: string[] = [];
  private seen: Set<string> | undefined;

  add(g: string): void {
    if (this.seen ? this.seen.has(g) : this.values.includes(g)) return;
    this.values.push(g);
    if (this.seen) this.seen.add(g);
    else if (this.values.length > 16) this.seen = new Set(this.values);
  }

  /** Each word of a text (a word's grams name the word, so equal grams are the same word). */
  addText(text: string): void {
    hangulRuns(text, (start, end) => this.add(cachedWordGrams(text.slice(start, end))));
  }

  /** Each word of a text given as valid UTF-8 bytes: the words `addText` finds in the decoded text. */
  addUtf8(bytes: Buffer, start: number, end: number): void {
    hangulInUtf8.forEachWord(bytes, start, end, (word) => this.add(cachedWordGrams(word)));
  }
}

/** Every Hangul character is three bytes long in UTF-8 (all lie in U+1100..U+FFDC). */
const hangulInUtf8 = new Utf8WordReader(isHangul, CACHED);

const gramsOfShortText = remembered(CACHED, (text) => {
  const grams = new DistinctGrams();
  grams.addText(text);
  return grams.values;
});

/**
 * Bytes of a text (characters of one given as a string) whose words get grams. A text of
 * megabytes — a raw record with an attachment, a remark pasted whole — would make a document of
 * a million grams, its words held in memory while it is written (docs/configuration.md "Limits"); beyond this,
 * a word is still found whole by the text fields, only not inside a compound.
 */
export const MAX_GRAMMED_TEXT = 262_144;

/** Where a text of UTF-8 bytes is cut for its grams: on a character's first byte, at most MAX_GRAMMED_TEXT in. */
function gramsEnd(bytes: Buffer, start: number, end: number): number {
  if (end - start <= MAX_GRAMMED_TEXT) return end;
  let cut = start + MAX_GRAMMED_TEXT;
  while (cut > start && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}

/** The `text_grams` values of a sale: one per distinct Hangul word of the searched texts, in order. */
export function textGrams(texts: readonly (SourceText | null | undefined)[]): string[] {
  const out = new DistinctGrams();
  for (const value of texts) {
    if (!value) continue;
    // A long text read as bytes is scanned as bytes; a short one (mostly the same few remarks
    // and messages, their grams remembered) is decoded.
    if (typeof value !== 'string' && value.byteLength > SHORT_TEXT) {
      out.addUtf8(value.bytes, value.start, gramsEnd(value.bytes, value.start, value.end));
      continue;
    }
    const whole = typeof value === 'string' ? value : value.toString();
    const text = whole.length > MAX_GRAMMED_TEXT ? whole.slice(0, MAX_GRAMMED_TEXT) : whole;
    if (text.length > SHORT_TEXT) out.addText(text);
    else for (const g of gramsOfShortText(text)) out.add(g);
  }
  return out.values;
}

/** The query clause that matches the sales whose texts contain the Hangul word. */
export function hangulWordQuery(word: string): estypes.QueryDslQueryContainer {
  const syllables = Array.from(word);
  if (syllables.length === 1) return { prefix: { [TEXT_GRAMS_FIELD]: { value: word } } };
  const bigrams: string[] = [];
  for (let i = 0; i + 1 < syllables.length; i++) bigrams.push(syllables[i]! + syllables[i + 1]);
  return { match_phrase: { [TEXT_GRAMS_FIELD]: { query: bigrams.join(' '), slop: 0 } } };
}

/** The text with its Hangul taken out (what the word-based query still has to match). */
export function withoutHangul(text: string): string {
  let rest = '';
  let from = 0;
  hangulRuns(text, (start, end) => {
    rest += `${text.slice(from, start)} `;
    from = end;
  });
  return rest + text.slice(from);
}
