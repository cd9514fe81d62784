/**
 * "Did you mean …?" for a word that is not a subcommand, where commander does not suggest
 * itself: under a command with a default subcommand (`anomalies reslove` reaches `anomalies
 * list` as a stray word). Same measure as commander's own suggestions (optimal string alignment
 * distance, at most 2 edits and similar in at least 40 % of the longer word) so every level
 * suggests alike.
 */
export function similarNames(word: string, candidates: readonly string[]): string[] {
  let best = 3;
  let similar: string[] = [];
  for (const candidate of candidates) {
    if (candidate.length <= 1) continue;
    const distance = editDistance(word, candidate);
    const length = Math.max(word.length, candidate.length);
    if ((length - distance) / length <= 0.4) continue;
    if (distance < best) {
      best = distance;
      similar = [candidate];
    } else if (distance === best) similar.push(candidate);
  }
  return similar.sort();
}

/** ` (did you mean resolve?)`, or '' when nothing is close. */
export function didYouMean(similar: readonly string[]): string {
  if (similar.length === 0) return '';
  return ` (did you mean ${similar.length > 1 ? `one of ${similar.join(', ')}` : similar[0]}?)`;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
