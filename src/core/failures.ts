/**
 * What a failure of a dependency means for the operator: which service, where, and whether
 * running the command again can help. Used by the CLI's one error path and by `doctor`.
 */
import { errors as esErrors } from '@elastic/elasticsearch';
import { describeFailure } from './errors';
import { redactUrl } from './config/config';

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
