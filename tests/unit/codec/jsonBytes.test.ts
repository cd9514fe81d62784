/** JSON written straight into a Buffer must be byte for byte what JSON.stringify gives. */
import { JsonBytes } from '../../../src/core/codec/jsonBytes';
import { randomInts } from '../../support/random';

function written(write: (out: JsonBytes) => void, capacity = 8): Buffer {
  const out = new JsonBytes(Buffer.alloc(capacity));
  write(out);
  return out.buffer.subarray(0, out.length);
}

const stringified = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('JsonBytes.string', () => {
  it(
    'writes every character as JSON.stringify does: quotes, backslashes, each control character, DEL, U+2028, ' +
      'Hangul, emoji, lone surrogates',
    () => {
      const specials = ['"', '\\', '/', '\u007f', '\u2028', '\u2029', '정', '😀', '\ud800', '\udc00', 'a\ud83dz', 'é'];
      for (let c = 0; c < 0x20; c++) specials.push(String.fromCharCode(c));
      for (const s of specials) {
        for (const value of [
          s,
          `x${s}y`,
          `${'k'.repeat(70)}${s}`,
          `${'k'.repeat(1_100)}${s}${'정'.repeat(5)}`,
          `정상${s}승인${s}`,
        ]) {
          expect([value, written((o) => o.string(value)).toString('latin1')]).toEqual([
            value,
            stringified(value).toString('latin1'),
          ]);
        }
      }
      expect(written((o) => o.string(null)).toString()).toBe('null');
      expect(written((o) => o.string('')).toString()).toBe('""');
    },
  );

  it('agrees with JSON.stringify on random strings of every length, the buffer growing as needed', () => {
    const int = randomInts(12);
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0001',
      '\u001f',
      '정',
      '상',
      'é',
      '€',
      '😀',
      '\ud800',
      '{',
      ':',
    ];
    for (let i = 0; i < 3_000; i++) {
      const length = int(3) === 0 ? 900 + int(400) : int(70);
      const value = Array.from({ length }, () => alphabet[int(alphabet.length)]).join('');
      expect(written((o) => o.string(value), 1).equals(stringified(value))).toBe(true);
    }
  });

  it('appends after what is already written', () => {
    const bytes = written((o) => {
      o.ascii('[');
      o.string('배달 "지연"');
      o.ascii(',');
      o.string('ok');
      o.ascii(']');
    });
    expect(bytes.equals(stringified(['배달 "지연"', 'ok']))).toBe(true);
  });
});

describe('JsonBytes.number', () => {
  it(
    'writes numbers as JSON.stringify does: safe integers ' + 'of every size and sign, the edges, and what is not one',
    () => {
      const int = randomInts(13);
      const values = [
        0,
        -0,
        1,
        -1,
        9,
        10,
        99,
        100,
        2 ** 31 - 1,
        2 ** 31,
        2 ** 32 - 1,
        2 ** 32,
        1_714_521_600_000,
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        2 ** 53,
        1e21,
        0.5,
        -2.25,
        1e-7,
        NaN,
        Infinity,
        -Infinity,
      ];
      for (let p = 1; p < 2 ** 53; p *= 10) values.push(p - 1, p, p + 1, -p);
      for (let i = 0; i < 2_000; i++) values.push(int(2 ** 30) * 2 ** int(24) + int(1_000), -int(2 ** 31));
      for (const n of values) expect([n, written((o) => o.number(n), 1).toString()]).toEqual([n, JSON.stringify(n)]);
    },
  );
});

describe('JsonBytes.utf8 (a text read as its UTF-8 bytes)', () => {
  it('writes valid UTF-8 as JSON.stringify writes its string: every escape, Hangul, emoji, U+2028, DEL', () => {
    const int = randomInts(21);
    const alphabet = [
      'a',
      'Z',
      ' ',
      '"',
      '\\',
      '/',
      '\n',
      '\t',
      '\r',
      '\b',
      '\f',
      '\u0000',
      '\u0001',
      '\u001f',
      '\u007f',
      '\u2028',
      '정',
      'é',
      '€',
      '😀',
      '{',
      ':',
    ];
    for (let i = 0; i < 3_000; i++) {
      const value = Array.from(
        { length: int(3) === 0 ? 500 + int(300) : int(40) },
        () => alphabet[int(alphabet.length)],
      ).join('');
      const bytes = Buffer.concat([Buffer.from('pre'), Buffer.from(value), Buffer.from('post')]);
      expect(written((o) => o.utf8(bytes, 3, bytes.length - 4), 1).equals(stringified(value))).toBe(true);
    }
  });
});
