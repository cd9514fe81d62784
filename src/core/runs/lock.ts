/**
 * One lock per job, held as a document in the state index so that overlapping cron runs on
 * any host see it. The holder refreshes a heartbeat; a lock whose holder is gone (its process
 * no longer exists on this host, or its heartbeat is stale) is taken over.
 */
import { hostname } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import { LockHeldError } from '../errors';
import { HEARTBEAT_EVERY_MS, goneReason, processAlive } from './liveness';

export interface LockHolder {
  run_id: string;
  host: string;
  pid: number;
  started_at: string;
}

export interface LockOptions {
  heartbeatMs?: number;
  /** A heartbeat older than this means the holder died (another host, or a hung process). */
  staleAfterMs?: number;
}

export class JobLock {
  private timer: NodeJS.Timeout | undefined;
  /** The heartbeat on its way, until it is answered: one at a time. */
  private beating: Promise<unknown> | undefined;
  private readonly id: string;
  private readonly holder: LockHolder;

  constructor(
    private readonly client: Client,
    private readonly index: string,
    readonly job: string,
    runId: string,
    private readonly options: LockOptions = {},
  ) {
    this.id = `lock:${job}`;
    this.holder = { run_id: runId, host: hostname(), pid: process.pid, started_at: new Date().toISOString() };
  }

  private document(): object {
    return {
      key: this.id,
      kind: 'lock',
      value: this.holder,
      heartbeat_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    };
  }

  async acquire(): Promise<void> {
    try {
      await this.client.index({
        index: this.index,
        id: this.id,
        op_type: 'create',
        document: this.document(),
        refresh: true,
      });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      await this.takeOverIfStale();
    }
    const every = this.options.heartbeatMs ?? HEARTBEAT_EVERY_MS;
    if (this.timer) clearInterval(this.timer); // acquire() re-entered after a vanished lock
    this.timer = setInterval(() => {
      if (this.beating) return; // the last one is still on its way (a slow cluster)
      this.beating = this.client
        .update({ index: this.index, id: this.id, doc: { heartbeat_at: new Date().toISOString() } })
        .catch(() => undefined /* the run itself will fail on ES errors; the lock goes stale */)
        .finally(() => (this.beating = undefined));
    }, every);
    this.timer.unref();
  }

  private async takeOverIfStale(): Promise<void> {
    const current = await this.client.get<{ value: LockHolder; heartbeat_at: string }>(
      { index: this.index, id: this.id },
      { ignore: [404] },
    );
    if (!current.found) return this.acquire();
    const held = current._source!;
    const gone = goneReason(
      { host: held.value.host, pid: held.value.pid, heartbeatAt: held.heartbeat_at, startedAt: held.value.started_at },
      { host: this.holder.host, now: Date.now(), alive: processAlive, staleAfterMs: this.options.staleAfterMs },
    );
    if (!gone) {
      throw new LockHeldError(
        `another ${this.job} run holds the lock (pid ${held.value.pid} on ${held.value.host}, started ${held.value.started_at})`,
        'it will finish on its own; if that process is gone, the lock expires after 2 minutes without a heartbeat',
      );
    }
    try {
      await this.client.index({
        index: this.index,
        id: this.id,
        document: this.document(),
        if_seq_no: current._seq_no,
        if_primary_term: current._primary_term,
        refresh: true,
      });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 409) {
        throw new LockHeldError(`another ${this.job} run took the lock just now`, 'try again later');
      }
      throw err;
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A heartbeat still on its way would land after the read below, and the delete, made on the
    // version read, would fail: the lock would outlive its run (seen in the cluster test: the next
    // ingest in the same process exited 75 — the holder's pid, its own, alive).
    await this.beating;
    const current = await this.client.get<{ value: LockHolder }>({ index: this.index, id: this.id }, { ignore: [404] });
    if (!current.found || current._source?.value.run_id !== this.holder.run_id) return;
    await this.client.delete(
      {
        index: this.index,
        id: this.id,
        if_seq_no: current._seq_no,
        if_primary_term: current._primary_term,
        refresh: true,
      },
      { ignore: [404, 409] },
    );
  }
}
