/**
 * Stage 4, lookups: what judging a batch needs from Elasticsearch, in at most three requests
 * sent together — the stored versions of its sales (one mget), the dead-letter documents of its
 * rejected rows (one mget, only when there are any), and the weekly baselines not cached yet.
 * An index that held nothing when the run started is not asked: a run reads each row once, so
 * what it finds there is what this run wrote, and a load into empty indices asks nothing at all
 * (docs/performance.md "Lookups skipped on empty indices").
 */
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../config/indexNames';
import { WeeklyBaselines } from '../rules/baselines';
import type { WeeklyBaseline } from '../rules/rules';

/** What the sales index holds for one id. */
export interface StoredSale {
  sale_date: string;
  anomaly_rules: string[];
  /** Absent on documents written before fingerprints existed. */
  row_fingerprint?: number;
  /** Absent on documents written before mapping version 4. */
  text_bytes?: number;
  version: number;
}

/** What the dead letter holds for one rejected row (its raw row is not fetched: it may be megabytes). */
export interface StoredDeadLetter {
  /** Absent on dead letters written before mapping version 2: rewritten once. */
  row_fingerprint?: number;
  reason_code: string[];
}

export interface BatchLookups {
  stored: ReadonlyMap<string, StoredSale>;
  deadLetters: ReadonlyMap<string, StoredDeadLetter>;
  /** The dead-letter ids of accepted rows that the dead letter still holds: rows valid again. */
  validAgain: ReadonlySet<string>;
  baseline(storeId: string, saleDate: string): WeeklyBaseline | null;
}

export interface LookupKeys {
  /** Ids whose sales documents may exist (accepted rows and rejected rows with an id). */
  saleIds: string[];
  deadLetterIds: string[];
  /** The dead-letter ids of the accepted rows (a row rejected before may be valid now). */
  acceptedDeadLetterIds: string[];
  sales: { store_id: string; sale_date: string }[];
}

/** Which of the indices the lookups read held no document when the run started. */
export interface EmptyAtStart {
  sales: boolean;
  deadLetters: boolean;
  baselines: boolean;
}

/**
 * Counts the documents of the indices the lookups read (none yet on a new prefix, e.g. a dry
 * run). A dead letter that holds documents is refreshed, so that the search for rows valid again
 * (forBatch) sees every one written before this run.
 */
export async function emptyAtStart(es: Client, names: IndexNames): Promise<EmptyAtStart> {
  const empty = async (index: string): Promise<boolean> =>
    (await es.count({ index, ignore_unavailable: true })).count === 0;
  const [sales, deadLetters, baselines] = await Promise.all([
    empty(names.sales),
    empty(names.deadletter),
    empty(names.weeklyAov),
  ]);
  if (!deadLetters) await es.indices.refresh({ index: names.deadletter });
  return { sales, deadLetters, baselines };
}

const NOTHING: ReadonlyMap<string, never> = new Map<string, never>();
const NONE: ReadonlySet<string> = new Set<string>();

export class Lookups {
  private readonly baselines: WeeklyBaselines;
  private readonly baseline: BatchLookups['baseline'];

  constructor(
    private readonly es: Client,
    private readonly names: IndexNames,
    private readonly empty: EmptyAtStart,
  ) {
    this.baselines = new WeeklyBaselines(es, names.weeklyAov);
    this.baseline = empty.baselines ? () => null : (storeId, saleDate) => this.baselines.get(storeId, saleDate);
  }

  async forBatch(keys: LookupKeys): Promise<BatchLookups> {
    const { empty } = this;
    if (empty.sales && empty.deadLetters && empty.baselines)
      return { stored: NOTHING, deadLetters: NOTHING, validAgain: NONE, baseline: this.baseline };
    const stored = new Map<string, StoredSale>();
    const deadLetters = new Map<string, StoredDeadLetter>();
    const validAgain = new Set<string>();
    await Promise.all([
      empty.baselines ? undefined : this.baselines.load(keys.sales),
      (async () => {
        if (empty.sales || keys.saleIds.length === 0) return;
        // Only what judging reads: the response of a page is parsed on every run over existing sales.
        const res = await this.es.mget<Omit<StoredSale, 'version'>>({
          index: this.names.sales,
          ids: keys.saleIds,
          _source: ['sale_date', 'anomaly_rules', 'row_fingerprint', 'text_bytes'],
          filter_path: ['docs._id', 'docs._version', 'docs.found', 'docs._source'],
        });
        for (const d of res.docs) {
          if (!('found' in d && d.found && d._source)) continue;
          // The parsed source itself, completed: a copy of it per stored sale was garbage at once.
          const sale = d._source as StoredSale;
          sale.anomaly_rules ??= [];
          sale.version = d._version ?? 0;
          stored.set(d._id, sale);
        }
      })(),
      (async () => {
        if (empty.deadLetters || keys.deadLetterIds.length === 0) return;
        const res = await this.es.mget<StoredDeadLetter>({
          index: this.names.deadletter,
          ids: keys.deadLetterIds,
          _source: ['row_fingerprint', 'reason_code'],
        });
        for (const d of res.docs) if ('found' in d && d.found && d._source) deadLetters.set(d._id, d._source);
      })(),
      (async () => {
        // A search, not an mget: it answers with the few ids it finds, not a line for each of the page's rows.
        if (empty.deadLetters || keys.acceptedDeadLetterIds.length === 0) return;
        const res = await this.es.search({
          index: this.names.deadletter,
          size: keys.acceptedDeadLetterIds.length,
          _source: false,
          track_total_hits: false,
          query: { ids: { values: keys.acceptedDeadLetterIds } },
          filter_path: ['hits.hits._id'],
        });
        for (const h of res.hits?.hits ?? []) validAgain.add(h._id!);
      })(),
    ]);
    return { stored, deadLetters, validAgain, baseline: this.baseline };
  }
}
