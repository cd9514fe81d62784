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

/** The field (in the sales mapping) the grams are indexed in. */
export const TEXT_GRAMS_FIELD = 'text_grams';

const HANGUL_RUN = /\p{Script=Hangul}+/gu;

/** The runs of Hangul in a text, in order. */
export function hangulWords(text: string): string[] {
  return text.match(HANGUL_RUN) ?? [];
}

/** One word's grams: its bigrams, then its last syllable ("정상승인" → "정상 상승 승인 인"). */
export function wordGrams(word: string): string {
  const syllables = Array.from(word);
  const grams: string[] = [];
  for (let i = 0; i + 1 < syllables.length; i++) grams.push(syllables[i]! + syllables[i + 1]!);
  grams.push(syllables[syllables.length - 1]!);
  return grams.join(' ');
}

/** The `text_grams` values of a sale: one per distinct Hangul word of the searched texts. */
export function textGrams(texts: readonly (string | null | undefined)[]): string[] {
  const words = new Set<string>();
  for (const text of texts) {
    if (text) for (const word of hangulWords(text)) words.add(word);
  }
  return Array.from(words, wordGrams);
}

/** The query clause that matches the sales whose texts contain the Hangul word. */
export function hangulWordQuery(word: string): estypes.QueryDslQueryContainer {
  const syllables = Array.from(word);
  if (syllables.length === 1) return { prefix: { [TEXT_GRAMS_FIELD]: { value: word } } };
  const bigrams: string[] = [];
  for (let i = 0; i + 1 < syllables.length; i++) bigrams.push(syllables[i]! + syllables[i + 1]!);
  return { match_phrase: { [TEXT_GRAMS_FIELD]: { query: bigrams.join(' '), slop: 0 } } };
}

/** The text with its Hangul taken out (what the word-based query still has to match). */
export function withoutHangul(text: string): string {
  return text.replace(HANGUL_RUN, ' ');
}
