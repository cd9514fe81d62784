import { hangulWordQuery, hangulWords, textGrams, wordGrams } from '../../../src/core/sales/hangulGrams';
import { textQuery } from '../../../src/core/search/salesQuery';
import { Utf8Text } from '../../../src/core/codec/utf8Text';
import { randomInts } from '../../support/random';

describe('text_grams at ingest', () => {
  it('gives each Hangul word its bigrams and its last syllable', () => {
    expect(wordGrams('정상승인')).toBe('정상 상승 승인 인');
    expect(wordGrams('승')).toBe('승');
    expect(textGrams(['배달지연으로 (고객 요청)', null, '{"msg":"정상승인","code":"0000"}'])).toEqual([
      '배달 달지 지연 연으 으로 로',
      '고객 객',
      '요청 청',
      '정상 상승 승인 인',
    ]);
  });
  it('keeps each distinct word once and ignores everything not Hangul', () => {
    expect(textGrams(['승인 승인', 'ORD-777 refund', undefined])).toEqual(['승인 인']);
    expect(hangulWords('ARS승인/취소!')).toEqual(['승인', '취소']);
  });
  it(
    'gives, for short and long texts alike and however many words, each distinct word of all texts in order of ' +
      'first appearance',
    () => {
      const words = [
        '정상',
        '승인',
        '취소',
        '배달',
        '지연',
        '고객',
        '요청',
        '환불',
        '부분',
        '취소됨',
        '가',
        '나다',
        '라마바',
        '사',
        '아자',
        '차카',
        '타파하',
        '거너',
        '더러',
      ];
      let seed = 7;
      const pick = (): string => {
        seed = (seed * 48_271) % 2_147_483_647;
        return words[seed % words.length]!;
      };
      for (let n = 1; n < 60; n++) {
        const long = Array.from({ length: n }, () => `${pick()} x${n}`).join(' ');
        const texts = [`${pick()} ${pick()}`, null, long, `{"memo":"${pick()}"}`];
        const reference = Array.from(new Set(texts.flatMap((t) => (t ? hangulWords(t) : []))), wordGrams);
        expect(textGrams(texts)).toEqual(reference);
        expect(textGrams(texts)).toEqual(reference); // again, from the caches
      }
    },
  );
  it(
    'finds the same words in a text read as its UTF-8 bytes ' + '(Utf8Text), short or long, whatever surrounds them',
    () => {
      const int = randomInts(31);
      const pieces = ['정상', '승인', '배달지연', 'ㄱㄴ', 'ᄀᄁ', 'ﾡﾢ', '😀', 'é', '€', 'ascii', ' ', '"', '{', '한'];
      for (let i = 0; i < 2_000; i++) {
        const text = Array.from(
          { length: int(4) === 0 ? 60 + int(80) : int(12) },
          () => pieces[int(pieces.length)],
        ).join('');
        const bytes = Buffer.concat([Buffer.from('정x'), Buffer.from(text), Buffer.from('y승')]);
        const asBytes = new Utf8Text(bytes, Buffer.byteLength('정x'), bytes.length - Buffer.byteLength('y승'));
        expect(textGrams([null, asBytes, '요청'])).toEqual(textGrams([null, text, '요청']));
      }
      for (const text of [`a${'가나'.repeat(200)}b${'다'.repeat(256)}`, '라'.repeat(257), `${'마'.repeat(255)}😀`]) {
        expect(textGrams([new Utf8Text(Buffer.from(text), 0, Buffer.byteLength(text))])).toEqual(textGrams([text]));
      }
    },
  );
});

/**
 * What Elasticsearch does with the clauses, simulated over the same grams: a phrase of terms at
 * consecutive positions within one value (the position gap separates values), a prefix on any
 * term. Checked against plain substring search over many generated texts and queries.
 */
function simulate(q: ReturnType<typeof hangulWordQuery>, grams: string[]): boolean {
  const values = grams.map((v) => v.split(' '));
  if (q.prefix) {
    const prefix = Object.values(q.prefix)[0] as { value: string };
    return values.some((terms) => terms.some((t) => t.startsWith(prefix.value)));
  }
  const phrase = (Object.values(q.match_phrase!)[0] as { query: string }).query.split(' ');
  return values.some((terms) => terms.some((_, at) => phrase.every((p, k) => terms[at + k] === p)));
}

describe('a Hangul query word matches exactly the texts that contain it', () => {
  // a tiny alphabet so that near misses (shared syllables, words split by a space) are common
  const alphabet = ['승', '인', '거', '절', '지', '연'];
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = (max: number) => Array.from({ length: 1 + next(max) }, () => alphabet[next(alphabet.length)]).join('');

  it('over 3000 generated texts and queries, including across spaces', () => {
    let hits = 0;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + next(3) }, () => word(5)).join(next(2) ? ' ' : ', ');
      const query = word(4);
      const contains = hangulWords(text).some((w) => w.includes(query));
      expect([text, query, simulate(hangulWordQuery(query), textGrams([text]))]).toEqual([text, query, contains]);
      if (contains) hits++;
    }
    expect(hits).toBeGreaterThan(300); // both outcomes well represented
  });

  it('the compounds operators search', () => {
    const found = (query: string, text: string) => simulate(hangulWordQuery(query), textGrams([text]));
    expect(found('승인', '정상승인')).toBe(true);
    expect(found('지연', '배달지연으로')).toBe(true);
    expect(found('상승인', '정상승인')).toBe(true);
    expect(found('승', '정상승인')).toBe(true);
    expect(found('인', '정상승인')).toBe(true);
    expect(found('승인거절', '승인 거절')).toBe(false); // a phrase never runs across two words
    expect(found('상승', '정상 승인')).toBe(false);
    expect(found('승인', '승 인')).toBe(false);
    expect(found('취소', '정상승인')).toBe(false);
  });
});

describe('--text with Hangul', () => {
  it('needs every Hangul word (as n-grams) and every other word', () => {
    expect(textQuery('승인 거절')).toEqual({
      bool: {
        must: [
          { match_phrase: { text_grams: { query: '승인', slop: 0 } } },
          { match_phrase: { text_grams: { query: '거절', slop: 0 } } },
        ],
      },
    });
    const mixed = textQuery('배달 ORD-777');
    expect(mixed.bool!.must).toEqual([
      { match_phrase: { text_grams: { query: '배달', slop: 0 } } },
      expect.objectContaining({ multi_match: expect.objectContaining({ query: 'ORD-777', operator: 'and' }) }),
    ]);
  });
  it('drops punctuation between Korean words instead of matching nothing', () => {
    expect(textQuery('승인, (거절)!')).toEqual(textQuery('승인 거절'));
    expect(textQuery('지연')).toEqual({ match_phrase: { text_grams: { query: '지연', slop: 0 } } });
  });
});
