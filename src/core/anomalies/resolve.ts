/**
 * `anomalies resolve`: an operator marks anomalies as looked at. Partial-document updates
 * (no upsert: an id that does not exist is reported, never created); later scans and ingests
 * refresh the finding but keep status, note and resolved_at while the rule still fires.
 */
import type { Client } from '@elastic/elasticsearch';
import { RunFailedError, UsageError } from '../errors';

export interface ResolveResult {
  /** Resolved by this call (were open). */
  resolved: string[];
  /** Were resolved already; their note and resolved_at are replaced (only with `force`). */
  re_resolved: string[];
  /** No such anomaly (never existed, or removed by a scan because the rule no longer fires). */
  unknown: string[];
}

/**
 * An operator's note is a record of why a finding was accepted: resolving an anomaly that is
 * resolved already replaces it only with `force`; otherwise nothing is written at all.
 */
export async function resolveAnomalies(
  client: Client,
  index: string,
  ids: string[],
  note: string,
  now: Date,
  force = false,
): Promise<ResolveResult> {
  const result: ResolveResult = { resolved: [], re_resolved: [], unknown: [] };
  const unique = [...new Set(ids)];
  if (unique.length === 0) return result;
  const found = await client.mget<{ status?: string }>({ index, ids: unique, _source: ['status'] });
  const existing = new Map<string, string | undefined>();
  for (const d of found.docs) if ('found' in d && d.found) existing.set(d._id, d._source?.status);
  const at = now.toISOString();
  const known = unique.filter((id) => existing.has(id));
  result.unknown = unique.filter((id) => !existing.has(id));
  if (known.length === 0) return result;
  const alreadyResolved = known.filter((id) => existing.get(id) === 'resolved');
  if (alreadyResolved.length && !force) {
    const shown =
      alreadyResolved.slice(0, 5).join(', ') +
      (alreadyResolved.length > 5 ? `, … (${alreadyResolved.length - 5} more)` : '');
    throw new UsageError(
      `already resolved, with a note: ${shown}; nothing was changed`,
      'add --force to replace their note, or leave them out (see the note with `earlypay anomalies --status resolved ' +
        '--fields id,note`)',
    );
  }
  const res = await client.bulk({
    refresh: 'wait_for',
    require_alias: true,
    operations: known.flatMap((id) => [
      { update: { _index: index, _id: id, retry_on_conflict: 3 } },
      { doc: { status: 'resolved', note, resolved_at: at, updated_at: at } },
    ]),
  });
  res.items.forEach((item, i) => {
    const id = known[i]!;
    const r = item.update!;
    if (r.status === 404) result.unknown.push(id);
    else if (r.error)
      throw new RunFailedError(
        `could not resolve ${id}: ${r.error.type}: ${r.error.reason ?? ''}`,
        're-run the command; resolving is idempotent',
      );
    else if (existing.get(id) === 'resolved') result.re_resolved.push(id);
    else result.resolved.push(id);
  });
  return result;
}
