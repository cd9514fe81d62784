/**
 * Weekly baselines for OVER_WEEKLY_AOV, looked up in batches: one `mget` per batch of sales
 * for the (store, day − 1) weekly documents not seen yet. A store without a weekly document
 * simply has no baseline (no flag, no crash — the old system crashed here). A provisional
 * window (`weekly --today`, a day not over yet in it) is no baseline either: its figures still
 * change, and a sale judged against it would not be judged again when the final one comes.
 */
import type { Client } from '@elastic/elasticsearch';
import { shiftDay } from '../time/businessDay';
import type { WeeklyBaseline } from './rules';

const MAX_CACHED = 100_000;

export class WeeklyBaselines {
  /**
   * Sale day → store → its baseline (null: none). Keyed by the sale's own day and store, so
   * judging a sale (two lookups) builds no key string; a page holds a few days at most.
   */
  private readonly cache = new Map<string, Map<string, WeeklyBaseline | null>>();
  private cached = 0;

  constructor(
    private readonly client: Client,
    private readonly weeklyIndex: string,
  ) {}

  /** Fetches the baselines these sales need that are not cached yet. */
  async load(sales: Iterable<{ store_id: string; sale_date: string }>): Promise<void> {
    // Sale day → stores not cached: a page holds many sales of each (store, day), and building the
    // weekly document's id per sale was costly (docs/performance.md "Lookups skipped on empty indices").
    const missingByDay = new Map<string, Set<string>>();
    let missingCount = 0;
    for (const s of sales) {
      if (this.cache.get(s.sale_date)?.has(s.store_id)) continue;
      let stores = missingByDay.get(s.sale_date);
      if (!stores) {
        stores = new Set();
        missingByDay.set(s.sale_date, stores);
      }
      if (!stores.has(s.store_id)) {
        stores.add(s.store_id);
        missingCount++;
      }
    }
    if (missingCount === 0) return;
    if (this.cached + missingCount > MAX_CACHED) {
      this.cache.clear();
      this.cached = 0;
    }
    const missing = new Map<string, { saleDate: string; storeId: string }>();
    for (const [saleDate, stores] of missingByDay) {
      const dayBefore = shiftDay(saleDate, -1);
      for (const storeId of stores) missing.set(`${storeId}:${dayBefore}`, { saleDate, storeId });
    }
    const ids = [...missing.keys()];
    for (let i = 0; i < ids.length; i += 5_000) {
      const chunk = ids.slice(i, i + 5_000);
      const res = await this.client.mget<WeeklyBaseline & { provisional?: boolean }>({
        index: this.weeklyIndex,
        ids: chunk,
        _source: ['store_id', 'start_date', 'end_date', 'unit_price', 'provisional'],
      });
      for (const doc of res.docs) {
        const key = missing.get(doc._id);
        if (!key) continue;
        const found = 'found' in doc && doc.found ? doc._source : undefined;
        let day = this.cache.get(key.saleDate);
        if (!day) {
          day = new Map();
          this.cache.set(key.saleDate, day);
        }
        if (found && found.provisional !== true) {
          const { store_id, start_date, end_date, unit_price } = found;
          day.set(key.storeId, { store_id, start_date, end_date, unit_price });
        } else day.set(key.storeId, null);
        this.cached++;
      }
    }
  }

  /** The baseline for a sale at `storeId` on `saleDate` (call `load` first). */
  get(storeId: string, saleDate: string): WeeklyBaseline | null {
    return this.cache.get(saleDate)?.get(storeId) ?? null;
  }
}
