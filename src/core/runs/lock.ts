/**
 * One lock per job, held as a document in the state index so that overlapping cron runs on any
 * host see it. The holder refreshes a heartbeat; a lock whose holder is gone (its process no
 * longer exists on this host, or its heartbeat is older than the staleness limit) is taken over.
 *
 * A holder that stands still — stopped (SIGSTOP, a frozen VM), starved, or cut off from
 * Elasticsearch — past the staleness limit may be taken over while it still believes itself the
 * holder. So it may write only while its lease holds: since the last heartbeat Elasticsearch
 * confirmed, less time has passed on its own clock than the lease (the staleness limit minus two
 * heartbeats). Once the lease has run out it must prove it still holds the lock — its heartbeat,
 * written over the version of the lock document it wrote last, must succeed — before anything
 * more is written; a run that took over has written the document since, so the proof fails and
 * the old holder stops (LockLostError). The lock document itself is only ever written over the
 * version its writer last saw (sequence number and primary term).
 */
import { hostname } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import { SELF_FENCED, settledWithin } from '../es/client';
import { LockHeldError, LockLostError } from '../errors';
import type { DocVersion } from '../state/store';
import { CLOSING_WRITE_MS, goneReason, heartbeatEvery, processAlive } from './liveness';

export interface LockHolder {
  run_id: string;
  host: string;
  pid: number;
  started_at: string;
}

export interface LockOptions {
  /** A heartbeat older than this means the holder died or stalled (config: lockStaleAfterMs). */
  staleAfterMs: number;
  /** How often the heartbeat is refreshed; an eighth of the staleness limit by default. */
  heartbeatMs?: number;
}

interface LockDocument {
  value: LockHolder;
  heartbeat_at: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function errorType(err: unknown): string | undefined {
  return (err as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
}

/** Local time that only moves forward (a wall clock set back must not stretch a lease). */
const monotonic = (): number => performance.now();

export class JobLock {
  private timer: NodeJS.Timeout | undefined;
  /** The heartbeat on its way, until it is answered: one at a time. */
  private beating: Promise<void> | undefined;
  private readonly id: string;
  private readonly holder: LockHolder;
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;
  /** The version of the lock document this run wrote last (null: it holds none). */
  private version: DocVersion | null = null;
  /** When (monotonic) the heartbeat Elasticsearch confirmed last was sent. */
  private confirmedAt = Number.NEGATIVE_INFINITY;
  /** Set once this run knows the lock is no longer its own. */
  private lost: LockLostError | undefined;

  constructor(
    private readonly client: Client,
    private readonly index: string,
    readonly job: string,
    runId: string,
    private readonly options: LockOptions,
  ) {
    this.id = `lock:${job}`;
    this.holder = { run_id: runId, host: hostname(), pid: process.pid, started_at: new Date().toISOString() };
    this.heartbeatMs = options.heartbeatMs ?? heartbeatEvery(options.staleAfterMs);
    this.leaseMs = Math.max(this.heartbeatMs, options.staleAfterMs - 2 * this.heartbeatMs);
  }

  private document(): object {
    const now = new Date().toISOString();
    return { key: this.id, kind: 'lock', value: this.holder, heartbeat_at: now, updated_at: now };
  }

  async acquire(): Promise<void> {
    const sent = monotonic();
    try {
      const res = await this.client.index(
        {
          index: this.index,
          id: this.id,
          op_type: 'create',
          document: this.document(),
          refresh: true,
          require_alias: true,
        },
        SELF_FENCED,
      );
      this.held(res, sent);
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      await this.takeOverIfStale();
    }
    if (this.timer) clearInterval(this.timer); // acquire() re-entered after a vanished lock
    this.timer = setInterval(() => {
      if (!this.beating) void this.beat().catch(() => undefined /* the lease runs out; assertHeld tells */);
    }, this.heartbeatMs);
    this.timer.unref();
  }

  private held(res: { _seq_no?: number; _primary_term?: number }, sent: number): void {
    this.version = { seqNo: res._seq_no!, primaryTerm: res._primary_term! };
    this.confirmedAt = sent;
  }

  private async takeOverIfStale(): Promise<void> {
    const current = await this.client.get<LockDocument>({ index: this.index, id: this.id }, { ignore: [404] });
    if (!current.found) return this.acquire();
    const held = current._source!;
    const gone = goneReason(
      { host: held.value.host, pid: held.value.pid, heartbeatAt: held.heartbeat_at, startedAt: held.value.started_at },
      { host: this.holder.host, now: Date.now(), alive: processAlive, staleAfterMs: this.options.staleAfterMs },
    );
    if (!gone) {
      throw new LockHeldError(
        `another ${this.job} run holds the lock (pid ${held.value.pid} on ${held.value.host}, started ` +
          `${held.value.started_at})`,
        `it will finish on its own; if that process is gone, the lock is taken over after ` +
          `${Math.round(this.options.staleAfterMs / 1000)} s without a heartbeat`,
      );
    }
    const sent = monotonic();
    try {
      const res = await this.client.index(
        {
          index: this.index,
          id: this.id,
          document: this.document(),
          if_seq_no: current._seq_no,
          if_primary_term: current._primary_term,
          refresh: true,
          require_alias: true,
        },
        SELF_FENCED,
      );
      this.held(res, sent);
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new LockHeldError(`another ${this.job} run took the lock just now`, 'try again later');
      }
      throw err;
    }
  }

  /**
   * The heartbeat, written over the version this run wrote last. A conflict, or the document
   * gone, means another run holds the lock now (or held it and released it): this run has lost it.
   */
  private beat(): Promise<void> {
    this.beating ??= (async () => {
      if (this.lost) throw this.lost;
      const version = this.version;
      if (!version) throw await this.lostTo(null);
      const sent = monotonic();
      try {
        const res = await this.client.update(
          {
            index: this.index,
            id: this.id,
            doc: { heartbeat_at: new Date().toISOString() },
            require_alias: true,
            if_seq_no: version.seqNo,
            if_primary_term: version.primaryTerm,
          },
          SELF_FENCED,
        );
        this.held(res, sent);
      } catch (err) {
        if (errorType(err) === 'index_not_found_exception') throw this.indexGone();
        if (statusOf(err) === 409 || statusOf(err) === 404) throw await this.lostTo(err);
        throw err;
      }
    })().finally(() => (this.beating = undefined));
    return this.beating;
  }

  /** The state index itself is gone (deleted under the run): the lock with it. */
  private indexGone(): LockLostError {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.version = null;
    this.lost ??= new LockLostError(
      `the state index ${this.index} is gone (deleted while this ${this.job} run held its lock there); it stopped ` +
        `without writing anything more`,
      'run `earlypay setup` to recreate it (the next ingest then reads the whole table again, writing only what ' +
        'differs), then re-run',
    );
    return this.lost;
  }

  /** Records the loss (and who holds the lock now, when that can be read) and returns the error. */
  private async lostTo(_cause: unknown): Promise<LockLostError> {
    if (this.lost) return this.lost;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.version = null;
    let now = 'no run holds it now';
    try {
      const current = await this.client.get<LockDocument>({ index: this.index, id: this.id }, { ignore: [404] });
      const v = current.found ? current._source?.value : undefined;
      if (v) now = `run ${v.run_id} (pid ${v.pid} on ${v.host}) holds it now`;
    } catch {
      /* who holds it is only for the message */
    }
    this.lost = new LockLostError(
      `${this.job} lost its lock: this run stood still past the staleness limit ` +
        `(${Math.round(this.options.staleAfterMs / 1000)} s without a heartbeat) and ${now}; it stopped without ` +
        `writing anything more`,
    );
    return this.lost;
  }

  /**
   * Resolves while this run holds the lock, at once while its lease holds; afterwards only once
   * a heartbeat proved the lock is still its own. Throws LockLostError when it is not.
   */
  async assertHeld(): Promise<void> {
    if (this.lost) throw this.lost;
    if (monotonic() - this.confirmedAt < this.leaseMs) return;
    await this.beat();
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A heartbeat on its way would change the version: wait for it, then delete over the version
    // it left (on 409 someone else holds the lock now: theirs to keep).
    await settledWithin(this.beating, CLOSING_WRITE_MS);
    const version = this.version;
    this.version = null;
    if (!version || this.lost) return;
    await this.client.delete(
      {
        index: this.index,
        id: this.id,
        if_seq_no: version.seqNo,
        if_primary_term: version.primaryTerm,
        refresh: true,
      },
      { ...SELF_FENCED, ignore: [404, 409], requestTimeout: CLOSING_WRITE_MS, maxRetries: 0 },
    );
  }
}
