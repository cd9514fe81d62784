/**
 * Every failure earlypay reports: one error type per kind (`cmdutil/failure.ts` maps each to its
 * exit code and lines, docs/contract.md §6), and what a failure of a dependency (Elasticsearch,
 * MySQL) means for the operator. Messages are one line an operator can act on; `hint` says what
 * to do next.
 */
import { errors as esErrors } from '@elastic/elasticsearch';

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

/** A URL with any password replaced, safe for logs, output and the runs index. */
export function redactUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // 'app:pw@db' parses too, as an opaque URL without a host: only a URL with a host has its
  // credentials where URL puts them.
  if (url?.host) {
    if (url.password) url.password = '***';
    return url.toString();
  }
  // Otherwise everything from the first ':' of the credentials to the LAST '@' may be the
  // password (a raw '@' in it is what often makes a URL unparseable). Mask too much rather
  // than too little.
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  const slashes = value.indexOf('//');
  const colon = value.indexOf(':', slashes >= 0 && slashes < at ? slashes + 2 : 0);
  if (colon < 0 || colon > at) return value;
  return `${value.slice(0, colon + 1)}***${value.slice(at)}`;
}

/**
 * What a failure of a dependency means for the operator: which service, where, and whether
 * running the command again can help. Used by the CLI's one error path and by `doctor`.
 */

/** MySQL error codes that come from the setup (URL, grants, schema): the same run fails the same way again. */
const MYSQL_SETUP_CODES: Record<string, string> = {
  ER_NO_SUCH_TABLE:
    'the table does not exist: check the database in --mysql-url / MYSQL_URL and EARLYPAY_TABLE (re-running cannot ' +
    'help)',
  ER_BAD_DB_ERROR:
    'the database does not exist: check the database name in --mysql-url / MYSQL_URL (re-running cannot help)',
  ER_ACCESS_DENIED_ERROR:
    'MySQL refused the user or password: check --mysql-url / MYSQL_URL / MYSQL_PASSWORD (re-running cannot help)',
  ER_DBACCESS_DENIED_ERROR: 'the user may not use this database: GRANT SELECT on it (re-running cannot help)',
  ER_TABLEACCESS_DENIED_ERROR: 'the user may not read the table: GRANT SELECT on it (re-running cannot help)',
  ER_COLUMNACCESS_DENIED_ERROR: 'the user may not read a column: GRANT SELECT on the table (re-running cannot help)',
  ER_BAD_FIELD_ERROR:
    'the table lacks a column the product reads (docs/contract.md §3 schema): `earlypay doctor` names it ' +
    '(re-running cannot help)',
};

/** A statement that got no answer within the pool's time limit (source/mysql.ts): a frozen or overloaded server. */
export const MYSQL_TIMEOUT = 'PROTOCOL_SEQUENCE_TIMEOUT';

/** Connection-level MySQL failures: a re-run resumes from the checkpoint. */
const MYSQL_TRANSIENT = new RegExp(
  '^(PROTOCOL_CONNECTION_LOST|ECONNRESET|ETIMEDOUT|EPIPE|ER_LOCK_WAIT_TIMEOUT|ER_LOCK_DEADLOCK|ER_QUERY_INTERRUPTED' +
    '|ER_SERVER_SHUTDOWN|ER_CON_COUNT_ERROR)$',
);
const MYSQL_UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN)$/;

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The hint for a failed MySQL statement or connection: a setup problem says what to fix (a
 * re-run would fail the same way); a lost connection says that a re-run resumes.
 */
export function mysqlFailureHint(err: unknown, resumeNote: string): string {
  const code = codeOf(err);
  if (code && MYSQL_SETUP_CODES[code]) return MYSQL_SETUP_CODES[code];
  if (code && MYSQL_UNREACHABLE.test(code))
    return 'is MySQL running and is --mysql-url / MYSQL_URL right? `earlypay doctor` checks the connection';
  if (code && MYSQL_TRANSIENT.test(code)) return `the connection was lost: re-run it (${resumeNote})`;
  if (code === MYSQL_TIMEOUT)
    return (
      `is MySQL frozen or overloaded? re-run it (${resumeNote}); if its statements are merely slow, raise ` +
      `--mysql-timeout / EARLYPAY_MYSQL_TIMEOUT`
    );
  return `re-run it if the cause was passing (${resumeNote}); \`earlypay doctor\` checks the connection`;
}

/** A failure that is not one of ours, as a reason and what to do next. */
export interface DependencyFailure {
  message: string;
  hint: string;
}

/** Connection failures read as "which service, where" and the hint says what to do. */
export function explainDependencyFailure(err: unknown): DependencyFailure {
  const url = (err as { meta?: { meta?: { connection?: { url?: URL } } } } | null)?.meta?.meta?.connection?.url;
  const at = url ? ` at ${redactUrl(url.toString())}` : '';
  if (err instanceof esErrors.TimeoutError) {
    // Not "unreachable": it took the request and did not answer in time (frozen, overloaded, or red).
    return {
      message: `Elasticsearch${at} did not answer within the request time limit (${err.message})`,
      hint:
        'is it frozen, overloaded or red? `earlypay doctor` shows the cluster; jobs resume from their ' +
        'checkpoints; if requests are merely slow, raise --es-timeout / EARLYPAY_ES_TIMEOUT',
    };
  }
  if (err instanceof esErrors.ConnectionError || err instanceof esErrors.NoLivingConnectionsError) {
    return {
      message: `Elasticsearch${at} is unreachable (${err.message})`,
      hint:
        'is it running, and is --es-url / ES_URL right? `earlypay doctor` checks every dependency; jobs resume ' +
        'from their checkpoints',
    };
  }
  const code = codeOf(err);
  if (
    code &&
    (MYSQL_UNREACHABLE.test(code) || MYSQL_TRANSIENT.test(code) || code === MYSQL_TIMEOUT || MYSQL_SETUP_CODES[code])
  ) {
    return {
      message: `MySQL failed: ${describeFailure(err)}`,
      hint: mysqlFailureHint(err, 'jobs resume from their checkpoints'),
    };
  }
  return {
    message: describeFailure(err),
    hint: 're-run with --verbose for the details; `earlypay doctor` checks every dependency',
  };
}
