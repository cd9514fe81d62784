/** The check a job that reads the source table makes before anything else (core/state/sourceSchema.ts). */
import type { Context } from './context';
import { watchSourceSchema, type SchemaWatch } from '../core/state/sourceSchema';
import { StateStore } from '../core/state/store';

/** The table as this run reads it; a change since the last run is one warning line on stderr. */
export async function checkSourceSchema(ctx: Context, runId: string): Promise<SchemaWatch> {
  const config = ctx.config();
  const schema = await watchSourceSchema({
    pool: ctx.mysql(),
    state: new StateStore(ctx.es(), ctx.names().state),
    table: config.table,
    sourceTz: config.sourceTz,
    now: ctx.now(),
    runId,
  });
  if (schema.line) ctx.log.warn(schema.line);
  return schema;
}
