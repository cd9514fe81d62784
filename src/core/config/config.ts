/**
 * Resolved configuration. Precedence, as in most CLIs (kubectl, aws, npm):
 *   command-line flags  >  environment variables  >  config file (--config / EARLYPAY_CONFIG)  >  defaults.
 * Everything is validated once here; the rest of the code receives a typed, immutable Config.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError, quoted, redactUrl } from '../errors';
import { MAX_INDEX_PREFIX_BYTES } from './indexNames';
import { assertTimeZone } from '../time/businessDay';
import { parseDuration } from '../time/duration';

export const RuleThresholdsSchema = z
  .object({
    /** OVER_WEEKLY_AOV fires when amount_sale > factor × weekly unit_price. */
    overWeeklyAovFactor: z.number().positive().default(2),
    /** REPEATED_AMOUNT flags the N-th and later identical sale of a card on a day. */
    repeatedAmountFrom: z.number().int().min(2).default(3),
    /** FEE_RATE_OUT_OF_RANGE: fee / sale outside [min, max]. */
    feeRateMin: z.number().min(0).default(0),
    feeRateMax: z.number().max(1).default(0.3),
    /** SALE_IN_FUTURE: sold_at later than now + this many minutes (clock skew allowance). */
    futureToleranceMinutes: z.number().int().min(0).default(10),
  })
  .strict();
export type RuleThresholds = z.infer<typeof RuleThresholdsSchema>;

const FileSchema = z
  .object({
    esUrl: z.string().optional(),
    esApiKey: z.string().optional(),
    esUsername: z.string().optional(),
    esPassword: z.string().optional(),
    esCaCert: z.string().optional(),
    mysqlUrl: z.string().optional(),
    mysqlPassword: z.string().optional(),
    indexPrefix: z.string().optional(),
    tz: z.string().optional(),
    sourceTz: z.string().optional(),
    table: z.string().optional(),
    kibanaUrl: z.string().optional(),
    /** Where every job writes its Prometheus textfile (`earlypay_<job>.prom`). */
    metricsDir: z.string().optional(),
    /** Index layout for `setup` (and the indices a job creates): shards, replicas. */
    shards: z.number().int().min(1).max(1024).optional(),
    replicas: z.number().int().min(0).max(64).optional(),
    /** Durations ("60s", "2m"): see TIME_LIMITS. */
    esTimeout: z.string().optional(),
    mysqlTimeout: z.string().optional(),
    lockStaleAfter: z.string().optional(),
    /** Business days, today included, that every ingest reconciles and repairs (0: none). */
    recentDays: z.number().int().min(0).max(35).optional(),
    /** The mass-withdrawal guard's limit: "5000", "2%" or "all" (WithdrawLimit). */
    maxWithdraw: z.string().optional(),
    rules: RuleThresholdsSchema.partial().optional(),
  })
  .strict();
type FileConfig = z.infer<typeof FileSchema>;

export interface Config {
  /** The node URLs as given, comma-separated (for display: redact with redactUrl per node). */
  esUrl: string;
  /** Every node the client sends requests to: one URL, or several nodes of one cluster. */
  esNodes: readonly string[];
  esAuth: { apiKey: string } | { username: string; password: string } | undefined;
  esCaCert: string | undefined;
  mysqlUrl: string;
  mysqlPassword: string | undefined;
  indexPrefix: string;
  /** Business time zone: day boundaries for sale_date, daily, weekly. */
  tz: string;
  /** Time zone the source DATETIME columns are written in. */
  sourceTz: string;
  table: string;
  kibanaUrl: string | undefined;
  /** Directory of the Prometheus textfiles the jobs write; undefined: none written. */
  metricsDir: string | undefined;
  /** Index layout from the config file; `setup --shards/--replicas` override it. */
  shards: number | undefined;
  replicas: number | undefined;
  /** How long one request to Elasticsearch may take before the run fails (the client's request timeout). */
  esTimeoutMs: number;
  /** How long one MySQL statement may take, and connecting at most (the lesser of it and 10 s). */
  mysqlTimeoutMs: number;
  /** A job lock (and a `running` run) whose heartbeat is older than this is taken over (recorded abandoned). */
  lockStaleAfterMs: number;
  /** Business days, today included, that every ingest reconciles and repairs (0: none); `--recent-days` overrides. */
  recentDays: number | undefined;
  /** How many sales a run of ingest or reconcile --repair may withdraw (ingest/withdrawGuard.ts). */
  maxWithdraw: WithdrawLimit;
  rules: RuleThresholds;
}

/**
 * The mass-withdrawal guard's limit: `all`, or the larger of `atLeast` documents and `percent`
 * of the sales index. `--max-withdraw 5000` is { atLeast: 5000, percent: 0 }, `2%` the reverse.
 */
export type WithdrawLimit = 'all' | { atLeast: number; percent: number };

export const DEFAULT_WITHDRAW_LIMIT: WithdrawLimit = { atLeast: 1_000, percent: 1 };

export const WITHDRAW_LIMIT_HINT = 'a number of sales (5000), a share of the sales index (2%), or all';

/** `n`, `n%` (0 to 100, decimals allowed) or `all`; null when it is none of them. */
export function parseWithdrawLimit(text: string): WithdrawLimit | null {
  const t = text.trim();
  if (t === 'all') return 'all';
  if (/^\d{1,12}$/.test(t)) return { atLeast: Number(t), percent: 0 };
  const pct = /^(\d{1,3}(?:\.\d{1,6})?)%$/.exec(t);
  if (pct && Number(pct[1]) <= 100) return { atLeast: 0, percent: Number(pct[1]) };
  return null;
}

/**
 * The time limits a run keeps to, chosen for cron: a frozen dependency (a stopped process, a
 * dead network path) fails the run within about one of them, and a run whose lock went stale is
 * taken over. Each within [min, max]; docs/configuration.md "Time limits" explains each.
 */
export const TIME_LIMITS = {
  esTimeout: { default: 60_000, min: 1_000, max: 3_600_000, flag: '--es-timeout', env: 'EARLYPAY_ES_TIMEOUT' },
  mysqlTimeout: {
    default: 60_000,
    min: 1_000,
    max: 3_600_000,
    flag: '--mysql-timeout',
    env: 'EARLYPAY_MYSQL_TIMEOUT',
  },
  lockStaleAfter: { default: 120_000, min: 2_000, max: 3_600_000, flag: undefined, env: 'EARLYPAY_LOCK_STALE_AFTER' },
} as const;

/** The global flags as commander parses them (all optional strings). */
export interface GlobalFlags {
  esUrl?: string;
  mysqlUrl?: string;
  indexPrefix?: string;
  tz?: string;
  config?: string;
  kibanaUrl?: string;
  esTimeout?: string;
  mysqlTimeout?: string;
  metricsDir?: string;
}

export const DEFAULTS = {
  esUrl: 'http://127.0.0.1:9200',
  mysqlUrl: 'mysql://root@127.0.0.1:3306/earlypay',
  indexPrefix: 'earlypay',
  tz: 'Asia/Seoul',
  table: 'platform_sales',
} as const;

/** Where a config file's mistakes are explained: its keys, not a command's flags. */
const CONFIG_FILE_HINT = 'see "Config file" in docs/configuration.md for its keys (`earlypay --help` for --config)';

/**
 * JSON.parse quotes the text around a syntax error ("…assword": hunter2…" is not valid JSON),
 * which in a config file may be a secret: keep the reason and the position, not the text.
 */
function withoutEcho(message: string): string {
  return message
    .replace(/^(Unexpected token) '.+?'/, '$1')
    .replace(/,\s*(\.\.\.)?".*"(\.\.\.)?\s+is not valid JSON$/s, '');
}

function readConfigFile(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read config file ${path}: ${(err as Error).message}`,
      'check the --config path (or EARLYPAY_CONFIG)',
    );
  }
  let json: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new UsageError(
      `config file ${path} is not valid JSON: ${withoutEcho((err as Error).message)}`,
      CONFIG_FILE_HINT,
    );
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || '(top level)';
    throw new UsageError(`config file ${path}: ${where}: ${issue.message}`, CONFIG_FILE_HINT);
  }
  return parsed.data;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/**
 * Settings that say where data goes or how days are cut. Given empty (`--index-prefix ''`,
 * `EARLYPAY_INDEX_PREFIX=` from an unset shell variable) they are a mistake, not "use the
 * default": the default prefix is production's.
 */
const REFUSED_EMPTY: readonly { flag?: keyof GlobalFlags; flagName?: string; env: string }[] = [
  { flag: 'esUrl', flagName: '--es-url', env: 'ES_URL' },
  { flag: 'mysqlUrl', flagName: '--mysql-url', env: 'MYSQL_URL' },
  { flag: 'indexPrefix', flagName: '--index-prefix', env: 'EARLYPAY_INDEX_PREFIX' },
  { flag: 'tz', flagName: '--tz', env: 'EARLYPAY_TZ' },
  { flag: 'config', flagName: '--config', env: 'EARLYPAY_CONFIG' },
  { flag: 'kibanaUrl', flagName: '--kibana-url', env: 'KIBANA_URL' },
  { flag: 'metricsDir', flagName: '--metrics-dir', env: 'EARLYPAY_METRICS_DIR' },
  { env: 'EARLYPAY_SOURCE_TZ' },
  { env: 'EARLYPAY_TABLE' },
];

function refuseEmpty(flags: GlobalFlags, env: NodeJS.ProcessEnv): void {
  for (const { flag, flagName, env: envName } of REFUSED_EMPTY) {
    if (flag && flags[flag] !== undefined && flags[flag]!.trim() === '')
      throw new UsageError(`${flagName} is empty`, `give a value, or leave ${flagName} out for the default`);
    const value = env[envName];
    if (value !== undefined && value.trim() === '')
      throw new UsageError(
        `${envName} is set but empty`,
        `give it a value, or unset it (\`unset ${envName}\`) for the default`,
      );
  }
}

/** MySQL's limit on a table name. */
const MAX_TABLE_NAME_LENGTH = 64;

/** IANA zone names are at most about 30 characters; a longer value is not echoed back whole. */
const MAX_TIME_ZONE_LENGTH = 64;

/** Resolves flags, environment and config file into a validated Config. */
export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Config {
  refuseEmpty(flags, env);
  const configPath = nonEmpty(flags.config) ?? nonEmpty(env.EARLYPAY_CONFIG);
  const file = configPath ? readConfigFile(configPath) : {};
  for (const key of [
    'esUrl',
    'mysqlUrl',
    'indexPrefix',
    'tz',
    'sourceTz',
    'table',
    'kibanaUrl',
    'metricsDir',
  ] as const) {
    if (file[key] !== undefined && file[key]!.trim() === '')
      throw new UsageError(`key "${key}" of config file ${configPath} is empty`, CONFIG_FILE_HINT);
  }
  const pick = (flag: string | undefined, envName: string, fileValue: string | undefined): string | undefined =>
    nonEmpty(flag) ?? nonEmpty(env[envName]) ?? nonEmpty(fileValue);
  /** Names where a value came from, as the user wrote it: `--tz`, `EARLYPAY_TZ`, or the file's key `tz`. */
  const origin = (
    flagName: string | undefined,
    flag: string | undefined,
    envName: string,
    fileKey: keyof FileConfig,
  ): string => {
    if (flagName && nonEmpty(flag)) return flagName;
    if (nonEmpty(env[envName])) return envName;
    if (nonEmpty(file[fileKey] as string | undefined)) return `key "${fileKey}" of config file ${configPath}`;
    return 'default';
  };
  const fileHint = (where: string, hint: string): string => (where.startsWith('key ') ? CONFIG_FILE_HINT : hint);

  const esUrl = pick(flags.esUrl, 'ES_URL', file.esUrl) ?? DEFAULTS.esUrl;
  const mysqlUrl = pick(flags.mysqlUrl, 'MYSQL_URL', file.mysqlUrl) ?? DEFAULTS.mysqlUrl;
  const indexPrefix = pick(flags.indexPrefix, 'EARLYPAY_INDEX_PREFIX', file.indexPrefix) ?? DEFAULTS.indexPrefix;
  const tz = pick(flags.tz, 'EARLYPAY_TZ', file.tz) ?? DEFAULTS.tz;
  const sourceTz = pick(undefined, 'EARLYPAY_SOURCE_TZ', file.sourceTz) ?? DEFAULTS.tz;
  const table = pick(undefined, 'EARLYPAY_TABLE', file.table) ?? DEFAULTS.table;
  const kibanaUrl = pick(flags.kibanaUrl, 'KIBANA_URL', file.kibanaUrl);
  const metricsDir = pick(flags.metricsDir, 'EARLYPAY_METRICS_DIR', file.metricsDir);

  const esWhere = origin('--es-url', flags.esUrl, 'ES_URL', 'esUrl');
  const mysqlWhere = origin('--mysql-url', flags.mysqlUrl, 'MYSQL_URL', 'mysqlUrl');
  const esHint = fileHint(
    esWhere,
    'set --es-url or ES_URL, e.g. http://127.0.0.1:9200 (several nodes: comma-separated, ' +
      'http://es1:9200,http://es2:9200)',
  );
  const esNodes = esUrl
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (esNodes.length === 0)
    throw new UsageError(`invalid Elasticsearch URL "${redactUrl(esUrl)}" (${esWhere})`, esHint);
  for (const node of esNodes) assertUrl(node, ['http:', 'https:'], 'Elasticsearch URL', esWhere, esHint);
  assertUrl(
    mysqlUrl,
    ['mysql:', 'mariadb:'],
    'MySQL URL',
    mysqlWhere,
    fileHint(mysqlWhere, 'set --mysql-url or MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/earlypay'),
  );
  if (kibanaUrl) {
    const where = origin('--kibana-url', flags.kibanaUrl, 'KIBANA_URL', 'kibanaUrl');
    assertUrl(
      kibanaUrl,
      ['http:', 'https:'],
      'Kibana URL',
      where,
      fileHint(where, 'set --kibana-url, e.g. http://127.0.0.1:5601'),
    );
  }
  const prefixWhere = (): string => origin('--index-prefix', flags.indexPrefix, 'EARLYPAY_INDEX_PREFIX', 'indexPrefix');
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(indexPrefix)) {
    throw new UsageError(
      `invalid index prefix ${quoted(indexPrefix)} (${prefixWhere()})`,
      'use lowercase letters, digits, "-", "_" or "." (starting with a letter or digit)',
    );
  }
  if (indexPrefix.length > MAX_INDEX_PREFIX_BYTES) {
    throw new UsageError(
      `index prefix ${quoted(indexPrefix, 40)} is ${indexPrefix.length} characters long; ` +
        `at most ${MAX_INDEX_PREFIX_BYTES} (${prefixWhere()})`,
      'Elasticsearch allows index names of 255 bytes, and earlypay adds up to "-weekly-aov-v999" to the prefix',
    );
  }
  for (const [where, zone] of [
    [origin('--tz', flags.tz, 'EARLYPAY_TZ', 'tz'), tz],
    [origin(undefined, undefined, 'EARLYPAY_SOURCE_TZ', 'sourceTz'), sourceTz],
  ] as const) {
    try {
      if (zone.length > MAX_TIME_ZONE_LENGTH) throw new RangeError('too long');
      assertTimeZone(zone);
    } catch {
      throw new UsageError(`unknown time zone ${quoted(zone, 40)} (${where})`, 'use an IANA name such as Asia/Seoul');
    }
  }
  // MySQL identifiers have at most 64 characters: a longer name would pass here and fail as a query.
  if (!/^[A-Za-z0-9_]+$/.test(table) || table.length > MAX_TABLE_NAME_LENGTH) {
    throw new UsageError(
      `invalid source table name ${quoted(table, 70)} (${origin(undefined, undefined, 'EARLYPAY_TABLE', 'table')})`,
      `letters, digits and "_" only, at most ${MAX_TABLE_NAME_LENGTH} of them`,
    );
  }

  const apiKey = nonEmpty(env.ES_API_KEY) ?? nonEmpty(file.esApiKey);
  const username = nonEmpty(env.ES_USERNAME) ?? nonEmpty(file.esUsername);
  const password = nonEmpty(env.ES_PASSWORD) ?? nonEmpty(file.esPassword);
  const esAuth = apiKey ? { apiKey } : username ? { username, password: password ?? '' } : undefined;

  const limit = (key: keyof typeof TIME_LIMITS, flag: string | undefined): number => {
    const spec = TIME_LIMITS[key];
    const text = pick(flag, spec.env, file[key]);
    if (text === undefined) return spec.default;
    const where = origin(spec.flag, flag, spec.env, key);
    const ms = parseDuration(text);
    if (ms === null || ms < spec.min || ms > spec.max)
      throw new UsageError(
        `invalid duration "${text}" (${where})`,
        fileHint(where, `a duration from ${spec.min / 1000}s to ${spec.max / 3_600_000}h, e.g. 30s, 2m`),
      );
    return ms;
  };
  const esTimeoutMs = limit('esTimeout', flags.esTimeout);
  const mysqlTimeoutMs = limit('mysqlTimeout', flags.mysqlTimeout);
  const lockStaleAfterMs = limit('lockStaleAfter', undefined);
  const withdrawText = pick(undefined, 'EARLYPAY_MAX_WITHDRAW', file.maxWithdraw);
  const maxWithdraw = withdrawText === undefined ? DEFAULT_WITHDRAW_LIMIT : parseWithdrawLimit(withdrawText);
  if (maxWithdraw === null) {
    const where = origin(undefined, undefined, 'EARLYPAY_MAX_WITHDRAW', 'maxWithdraw');
    throw new UsageError(`invalid withdrawal limit ${quoted(withdrawText!, 40)} (${where})`, WITHDRAW_LIMIT_HINT);
  }

  const rules = RuleThresholdsSchema.parse(file.rules ?? {});
  if (rules.feeRateMin >= rules.feeRateMax) {
    throw new UsageError('rules.feeRateMin must be below rules.feeRateMax');
  }

  return Object.freeze({
    esUrl: esNodes.join(','),
    esNodes: Object.freeze(esNodes),
    esAuth,
    esCaCert: nonEmpty(env.ES_CA_CERT) ?? nonEmpty(file.esCaCert),
    mysqlUrl,
    mysqlPassword: nonEmpty(env.MYSQL_PASSWORD) ?? nonEmpty(file.mysqlPassword),
    indexPrefix,
    tz,
    sourceTz,
    table,
    kibanaUrl,
    metricsDir,
    shards: file.shards,
    replicas: file.replicas,
    esTimeoutMs,
    mysqlTimeoutMs,
    lockStaleAfterMs,
    recentDays: file.recentDays,
    maxWithdraw,
    rules,
  });
}

function assertUrl(value: string, protocols: string[], what: string, where: string, hint: string): void {
  const invalid = `invalid ${what} "${redactUrl(value)}" (${where})`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    if (mayHoldUnencodedCharacter(value)) throw new UsageError(`${invalid}: ${NOT_ENCODED}`, PERCENT_ENCODE_HINT);
    throw new UsageError(invalid, hint);
  }
  if (!protocols.includes(url.protocol)) {
    throw new UsageError(`${invalid}: expected ${protocols.join(' or ')}`, hint);
  }
  // A '#' or '?' in a password ends the authority; a lone '%' is not an escape: the URL
  // parses, but into another user, host or database than meant.
  let decodable = true;
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    decodable = false;
  }
  if (!decodable || url.hash || url.search) {
    throw new UsageError(`${invalid}: ${NOT_ENCODED}`, PERCENT_ENCODE_HINT);
  }
}

const PERCENT_ENCODE_HINT =
  'percent-encode reserved characters in the user and password: % as %25, # as %23, ? as %3F, / as %2F, @ as %40, : ' +
  'as %3A (e.g. node -p "encodeURIComponent(process.argv[1])" \'p#ss\'), or pass the password in MYSQL_PASSWORD / ' +
  'ES_PASSWORD';

const NOT_ENCODED = 'a reserved character in the user or password is not percent-encoded';

/** The URL failed to parse: when it has credentials, reserved characters in them are the usual cause. */
function mayHoldUnencodedCharacter(value: string): boolean {
  return /:\/\/[^/]*:[^/]*@/.test(value) || /[#%?]/.test(value);
}

/** Masks the password of every `scheme://user:password@` in a text (drivers and parsers may echo a URL). */
export function scrubUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]+@/gi, '$1***@');
}

/**
 * Masks credentials where they appear: in URLs (`scheme://user:***@host`), in authorization
 * headers (`ApiKey ***`, `Basic ***`, `Bearer ***`) and after a name that says what follows is
 * a secret (`password=***`, `"esPassword": "***"`, `api_key=***`). Text that merely equals a
 * secret stays as it is: masking every occurrence garbled input (a password `2024` turned
 * `--from 2024-13-01` into `***-13-01`) and told whoever read the message what the password was.
 */
export function redactSecrets(text: string): string {
  return (
    scrubUrlCredentials(text)
      .replace(/\b(ApiKey|Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{6,}/g, '$1 ***')
      // `password=…`, and `"password": "…"` as JSON or a config echo writes it (not prose's "password: ")
      .replace(new RegExp(`(\\b${SECRET_NAME}\\s*=\\s*)("[^"]*"|'[^']*'|[^\\s,;&}]+)`, 'gi'), (_m, name, value) =>
        masked(name, value),
      )
      .replace(new RegExp(`(\\b${SECRET_NAME}["']\\s*:\\s*)("[^"]*"|'[^']*'|[^\\s,;}]+)`, 'gi'), (_m, name, value) =>
        masked(name, value),
      )
  );
}

/** A name that says the value after it is a secret: `password`, `esPassword`, `api_key`, `token`. */
const SECRET_NAME = '[\\w-]*(?:password|passwd|api[_-]?key|apikey|secret|token)';

function masked(name: string, value: string): string {
  return `${name}${value.startsWith('"') ? '"***"' : value.startsWith("'") ? "'***'" : '***'}`;
}
