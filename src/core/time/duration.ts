/** Durations as operators write them: 90s, 2m, 10m, 1h, 500ms (a plain number is seconds). */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const unit = (m[2] ?? 's') as 'ms' | 's' | 'm' | 'h';
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
}
