/**
 * What earlypay's indices are called: `<prefix>-<suffix>`, the prefix a setting (config.ts), the
 * suffixes fixed. The mappings of each index live in es/indices.ts, which names them from here.
 */

/** Each index's suffix, by the key the code knows it by. */
export const INDEX_SUFFIXES = {
  sales: 'sales',
  dailyAov: 'daily-aov',
  weeklyAov: 'weekly-aov',
  anomalies: 'anomalies',
  deadletter: 'deadletter',
  runs: 'runs',
  state: 'state',
} as const;

export type IndexKey = keyof typeof INDEX_SUFFIXES;

export type IndexNames = Record<IndexKey, string>;

/** The alias names for a prefix: `earlypay-sales`, `earlypay-daily-aov`, … */
export function indexNames(prefix: string): IndexNames {
  const names = {} as IndexNames;
  for (const key of Object.keys(INDEX_SUFFIXES) as IndexKey[]) names[key] = `${prefix}-${INDEX_SUFFIXES[key]}`;
  return names;
}

/**
 * Elasticsearch refuses index names longer than 255 bytes; the longest name earlypay makes is
 * `<prefix>-<longest suffix>-v<version>`, with room left for versions up to 999.
 */
export const MAX_INDEX_PREFIX_BYTES = 255 - Math.max(...Object.values(INDEX_SUFFIXES).map((s) => `-${s}-v999`.length));
