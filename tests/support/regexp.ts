/** One regular expression from pieces, so that a long expected line reads within 120 columns. */
export function joinedRegExp(...pieces: RegExp[]): RegExp {
  return new RegExp(pieces.map((p) => p.source).join(''));
}
