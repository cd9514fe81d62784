/**
 * One error type per kind of failure; `cli.ts` maps each to its exit code (docs/contract.md §6).
 * Messages are one line an operator can act on; `hint` says what to do next.
 */
export const ExitCode = {
  ok: 0,
  runFailed: 1,
  usage: 2,
  rejects: 3,
  drift: 4,
  lockHeld: 75,
  /** 128 + the signal's number, as shells report a process a signal stopped. */
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class EarlypayError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /**
   * What the command did before it ended this way (a job's counts, the ids resolved), for the
   * one `--json` object the CLI prints for every outcome.
   */
  details?: Record<string, unknown>;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A value the user gave, as a message quotes it: a long one is cut, with its length (a pasted
 * file is no flag value, and a failure stays one readable line).
 */
export function quoted(value: string, max = 80, mark = '"'): string {
  return value.length > max
    ? `${mark}${value.slice(0, max)}…${mark} (${value.length} characters)`
    : `${mark}${value}${mark}`;
}

/** Bad flag, bad date, missing URL, invalid config file: exit 2. */
export class UsageError extends EarlypayError {
  readonly exitCode = ExitCode.usage;
}

/** A dependency is down or a query failed: exit 1, nothing half-advanced. */
export class RunFailedError extends EarlypayError {
  readonly exitCode = ExitCode.runFailed;
}

/**
 * This run no longer holds its job's lock — its process stood still (stopped, starved, or cut off
 * from Elasticsearch) past the lock's staleness limit and another run took over — so it writes
 * nothing more: exit 1.
 */
export class LockLostError extends RunFailedError {
  constructor(message: string, hint?: string) {
    super(
      message,
      hint ??
        'nothing to repair: the run that took over carries on, and the next run resumes from its checkpoint; if runs ' +
          'keep stalling, see docs/troubleshooting.md (EARLYPAY_LOCK_STALE_AFTER)',
    );
  }
}

/** Another run of the same job holds the lock (cron overlap): exit 75. */
export class LockHeldError extends EarlypayError {
  readonly exitCode = ExitCode.lockHeld;
}

/** `--fail-on-rejects` and rows were rejected: exit 3. */
export class RejectedRowsError extends EarlypayError {
  readonly exitCode = ExitCode.rejects;
}

/** `reconcile` found drift that remains: exit 4. */
export class DriftError extends EarlypayError {
  readonly exitCode = ExitCode.drift;
}

/** The `status` of the one `--json` object: done, done but must say so (3, 4), or not done. */
export function jsonStatusOf(exitCode: number): 'ok' | 'attention' | 'error' {
  if (exitCode === ExitCode.ok) return 'ok';
  if (exitCode === ExitCode.rejects || exitCode === ExitCode.drift) return 'attention';
  return 'error';
}

/** SIGINT (130) or SIGTERM (143) stopped the run at a safe point; the message says what was done. */
export class InterruptedError extends EarlypayError {
  readonly exitCode: ExitCodeValue;
  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    message: string,
  ) {
    super(message);
    this.exitCode = signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  }
}

/** Turns anything thrown by a client library into one readable line, without secrets. */
export function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    type EsReason = { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[] };
    const e = err as Error & { meta?: { body?: { error?: EsReason } }; code?: string };
    const esReason = e.meta?.body?.error;
    // "all shards failed" says nothing; the first root cause says what the shards refused.
    const root = esReason?.root_cause?.[0];
    if (esReason?.reason && root?.reason && root.reason !== esReason.reason)
      return `${esReason.type ?? 'error'}: ${esReason.reason}: ${root.type ?? 'error'}: ${root.reason}`;
    if (esReason?.reason) return `${esReason.type ?? 'error'}: ${esReason.reason}`;
    if (e.code && !e.message.includes(e.code)) return `${e.code}: ${e.message}`;
    return e.message || e.name;
  }
  return String(err);
}
