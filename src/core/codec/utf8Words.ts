/**
 * Words read straight from valid UTF-8 bytes, for a script whose every character is three bytes
 * long (U+0800..U+FFFF without surrogates: Hangul). A word's code points are gathered as they are
 * read and the word looked up by them: a string decoded per word cost more than decoding the
 * whole text (sales/hangulGrams.ts reads a sale's long texts this way).
 */

/** Code points of a word kept while it is read; a longer word is decoded from its bytes. */
const MAX_WORD = 256;

export class Utf8WordReader {
  private readonly word = new Uint16Array(MAX_WORD);
  /** Words by a hash of their code points (a hash shared by two words keeps the later one). */
  private readonly known = new Map<number, string>();

  /**
   * `isWordChar` says which code points make words: only three-byte ones count. At most
   * `maxKnown` words are remembered (then forgotten all at once).
   */
  constructor(
    private readonly isWordChar: (c: number) => boolean,
    private readonly maxKnown: number,
  ) {}

  /** Calls `onWord` with each maximal run of word characters in bytes[start, end), in order. */
  forEachWord(bytes: Buffer, start: number, end: number, onWord: (word: string) => void): void {
    let n = 0;
    let hash = 0;
    let from = 0;
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b < 0xe0 || b >= 0xf0) {
        // ASCII, or a two- or four-byte character: not a word character.
        if (n > 0) {
          onWord(this.wordAt(bytes, from, i, n, hash));
          n = 0;
          hash = 0;
        }
        if (b >= 0xf0) i += 3;
        else if (b >= 0xc0) i++;
        continue;
      }
      const c = ((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
      if (this.isWordChar(c)) {
        if (n === 0) from = i;
        if (n < MAX_WORD) {
          this.word[n] = c;
          hash = Math.imul(hash ^ c, 0x01000193);
        }
        n++;
      } else if (n > 0) {
        onWord(this.wordAt(bytes, from, i, n, hash));
        n = 0;
        hash = 0;
      }
      i += 2;
    }
    if (n > 0) onWord(this.wordAt(bytes, from, end, n, hash));
  }

  /** The word read at bytes[from, to): `n` code points, the first MAX_WORD of them gathered. */
  private wordAt(bytes: Buffer, from: number, to: number, n: number, hash: number): string {
    if (n > MAX_WORD) return bytes.utf8Slice(from, to);
    const known = this.known.get(hash);
    if (known !== undefined && known.length === n) {
      let same = true;
      for (let k = 0; k < n && same; k++) same = known.charCodeAt(k) === this.word[k];
      if (same) return known;
    }
    const made = String.fromCharCode(...this.word.subarray(0, n));
    if (this.known.size >= this.maxKnown) this.known.clear();
    this.known.set(hash, made);
    return made;
  }
}
