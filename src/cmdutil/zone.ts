/** A job's business time zone against the one the sales were ingested with (core/runs/zone.ts). */
import type { Context } from './context';
import { UsageError } from '../core/errors';
import { ingestZone } from '../core/runs/zone';

/**
 * Refuses a job that would cut days in another zone than the sales were ingested with (their
 * `sale_date`): reconcile would report every day near midnight drifting, an incremental ingest
 * would mix two zones in one index.
 */
export async function checkDataZone(ctx: Context, doing: string, remedy: string): Promise<void> {
  const zone = await ingestZone(ctx.es(), ctx.names().runs);
  const tz = ctx.config().tz;
  if (!zone || zone.tz === tz) return;
  throw new UsageError(
    `the sales were ingested with business time zone ${zone.tz} (ingest run ${zone.runId}); ` +
      `${doing} in ${tz} would put rows on other days`,
    `give --tz ${zone.tz} (or EARLYPAY_TZ), or ${remedy}`,
  );
}
