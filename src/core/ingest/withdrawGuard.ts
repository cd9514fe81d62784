/**
 * The guard against mass withdrawal (issue 28), for `ingest` and `reconcile --repair` alike: a
 * source change that makes many rows invalid at once (a column's type, a migration that nulls a
 * column) must not empty the copy behind the operator's back.
 *
 * A run's withdrawals are only known as it reads its pages, so none is applied before the run
 * knows their total: the pipeline holds them back (an id, a version, a day and a reason each —
 * at most the limit's worth plus one; beyond it only counted by reason), keeps the checkpoint
 * before the first row whose withdrawal it holds (checkpoint.ts), and at the end of the stream
 * either applies them all or, over the limit, applies none and fails the run (exit 1) naming how
 * many, the main reasons and how to proceed. The next run reads those rows again and decides
 * again.
 *
 * The limit is counted over a rolling day, not only per run: the cron form re-reads its overlap
 * every few minutes, and a change that invalidates rows a little at a time would otherwise be
 * withdrawn slice by slice, each under the limit. Every run's applied withdrawals are recorded
 * in the state index (`withdrawals:<table>`); a run may withdraw the limit less what the runs of
 * the last 24 hours withdrew. A `--max-withdraw` given on the command line is an operator's
 * decision about that run: its limit holds for the run alone, and what it withdrew is recorded
 * as approved, not counted against later runs.
 */
import type { Client } from '@elastic/elasticsearch';
import type { WithdrawLimit } from '../config/config';
import type { IndexNames } from '../config/indexNames';
import { RunFailedError } from '../errors';
import type { StateStore, WithdrawalRecord } from '../state/store';
import type { Withdrawal } from './contract';

/** The rolling period the limit holds over. */
export const WITHDRAW_WINDOW_MS = 24 * 3_600_000;

export interface WithdrawPolicy {
  limit: WithdrawLimit;
  /** The limit was given for this run (`--max-withdraw`): its withdrawals are not counted by later runs. */
  approved: boolean;
  /** How to name the limit in messages (`--max-withdraw`, `EARLYPAY_MAX_WITHDRAW`, the default). */
  where: string;
}

/** The number of sales a limit allows over an index of `sales` documents. */
export function allowedWithdrawals(limit: Exclude<WithdrawLimit, 'all'>, sales: number): number {
  return Math.max(limit.atLeast, Math.floor((sales * limit.percent) / 100));
}

export class WithdrawalGuard {
  /** Withdrawals held back and not applied yet, up to the run's `allowed + 1` (one more tells it is over). */
  private readonly held: Withdrawal[] = [];
  private readonly byReason = new Map<string, number>();
  private total = 0;

  private constructor(
    private readonly policy: WithdrawPolicy,
    /** What the limit allows this run: the limit less what the last day's runs withdrew. */
    readonly allowed: number,
    readonly limitCount: number,
    readonly sales: number,
    readonly recent: number,
  ) {}

  /** The guard for a run, or undefined when the limit is `all` (withdrawals then go out as judged). */
  static async start(
    es: Client,
    names: IndexNames,
    state: StateStore,
    table: string,
    policy: WithdrawPolicy,
    now: Date,
  ): Promise<WithdrawalGuard | undefined> {
    if (policy.limit === 'all') return undefined;
    const [{ count: sales }, runs] = await Promise.all([
      // A dry run on a new prefix has no sales index yet: none to withdraw from.
      es.count({ index: names.sales, ignore_unavailable: true, allow_no_indices: true }),
      state.readWithdrawals(table),
    ]);
    const since = now.getTime() - WITHDRAW_WINDOW_MS;
    // A limit given for this run is the operator's decision about this run alone.
    const recent = policy.approved
      ? 0
      : runs.filter((r) => !r.approved && new Date(r.at).getTime() >= since).reduce((n, r) => n + r.count, 0);
    const limitCount = allowedWithdrawals(policy.limit, sales);
    return new WithdrawalGuard(policy, Math.max(0, limitCount - recent), limitCount, sales, recent);
  }

  /** Holds a page's withdrawals back until the run knows its total. */
  hold(withdrawals: readonly Withdrawal[]): void {
    for (const w of withdrawals) {
      this.total++;
      const reason = w.reason ?? w.cause;
      this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
      if (this.total <= this.allowed + 1) this.held.push(w);
    }
  }

  get count(): number {
    return this.total;
  }

  /**
   * The withdrawals to apply, once a pass's stream has ended (handed over once: a run that follows
   * the table holds and applies pass by pass, its total counted over the run); fails the run,
   * applying none, over the limit.
   */
  release(command: 'ingest' | 'reconcile --repair'): readonly Withdrawal[] {
    if (this.total <= this.allowed) return this.held.splice(0);
    const top = [...this.byReason]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 3)
      .map(([reason, n]) => `${reason} ${n.toLocaleString('en-US')}`)
      .join(', ');
    const more = this.byReason.size > 3 ? ', …' : '';
    const limit = this.policy.limit as Exclude<WithdrawLimit, 'all'>;
    const n = (x: number): string => x.toLocaleString('en-US');
    const share = limit.percent ? `${limit.percent} % of ${n(this.sales)} sales` : '';
    const named =
      n(this.limitCount) +
      (share && limit.atLeast ? ` (${share}, at least ${n(limit.atLeast)})` : share ? ` (${share})` : '');
    const recent = this.recent ? `, of which earlier runs withdrew ${n(this.recent)}` : '';
    throw new RunFailedError(
      `${command} would withdraw ${n(this.total)} sale(s) from Elasticsearch, over the limit of ` +
        `${named} ${this.policy.where}${recent}: ${top}${more}; ` +
        'nothing was withdrawn and the checkpoint stays before them',
      'if the source changed by mistake (`earlypay doctor` shows a schema change), fix it and re-run; ' +
        'if the rows are meant to go, re-run once with --max-withdraw all (or a larger --max-withdraw N or N%)',
    );
  }

  /** Records the withdrawals applied, for the rolling count of later runs. */
  async record(state: StateStore, table: string, runId: string, now: Date, applied: number): Promise<void> {
    if (applied === 0) return;
    const run: WithdrawalRecord = {
      at: now.toISOString(),
      run_id: runId,
      count: applied,
      approved: this.policy.approved,
    };
    await state.recordWithdrawals(table, run, new Date(now.getTime() - WITHDRAW_WINDOW_MS));
  }
}
