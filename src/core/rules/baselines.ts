/**
 * Weekly baselines for OVER_WEEKLY_AOV, looked up in batches: one `mget` per batch of sales
 * for the (store, day − 1) weekly documents not seen yet. A store without a weekly document
 * simply has no baseline (no flag, no crash — the old system crashed here).
 */
import type { Client } from '@elastic/elasticsearch';
import { shiftDay } from '../time/businessDay';
import type { WeeklyBaseline } from './rules';

const MAX_CACHED = 100_000;

export class WeeklyBaselines {
  private readonly cache = new Map<string, WeeklyBaseline | null>();

  constructor(private readonly client: Client, private readonly weeklyIndex: string) {}

  /** The day before each sale day seen (a few hundred days at most; two lookups per sale). */
  private readonly dayBefore = new Map<string, string>();

  private idFor(storeId: string, saleDate: string): string {
    let before = this.dayBefore.get(saleDate);
    if (before === undefined) {
      if (this.dayBefore.size >= MAX_CACHED) this.dayBefore.clear();
      this.dayBefore.set(saleDate, (before = shiftDay(saleDate, -1)));
    }
    return `${storeId}:${before}`;
  }

  /** Fetches the baselines these sales need that are not cached yet. */
  async load(sales: Iterable<{ store_id: string; sale_date: string }>): Promise<void> {
    const missing = new Set<string>();
    for (const s of sales) {
      const id = this.idFor(s.store_id, s.sale_date);
      if (!this.cache.has(id)) missing.add(id);
    }
    if (missing.size === 0) return;
    if (this.cache.size + missing.size > MAX_CACHED) this.cache.clear();
    const ids = [...missing];
    for (let i = 0; i < ids.length; i += 5_000) {
      const chunk = ids.slice(i, i + 5_000);
      const res = await this.client.mget<WeeklyBaseline>({ index: this.weeklyIndex, ids: chunk, _source: ['store_id', 'start_date', 'end_date', 'unit_price'] });
      for (const doc of res.docs) {
        const found = 'found' in doc && doc.found && doc._source;
        this.cache.set(doc._id, found ? (doc._source as WeeklyBaseline) : null);
      }
    }
  }

  /** The baseline for a sale at `storeId` on `saleDate` (call `load` first). */
  get(storeId: string, saleDate: string): WeeklyBaseline | null {
    return this.cache.get(this.idFor(storeId, saleDate)) ?? null;
  }
}
