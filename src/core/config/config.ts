/**
 * Resolved configuration. Precedence, as in most CLIs (kubectl, aws, npm):
 *   command-line flags  >  environment variables  >  config file (--config / EARLYPAY_CONFIG)  >  defaults.
 * Everything is validated once here; the rest of the code receives a typed, immutable Config.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors';
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
    /** Index layout for `setup` (and the indices a job creates): shards, replicas. */
    shards: z.number().int().min(1).max(1024).optional(),
    replicas: z.number().int().min(0).max(64).optional(),
    /** Durations ("60s", "2m"): see TIME_LIMITS. */
    esTimeout: z.string().optional(),
    mysqlTimeout: z.string().optional(),
    lockStaleAfter: z.string().optional(),
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
  /** Index layout from the config file; `setup --shards/--replicas` override it. */
  shards: number | undefined;
  replicas: number | undefined;
  /** How long one request to Elasticsearch may take before the run fails (the client's request timeout). */
  esTimeoutMs: number;
  /** How long one MySQL statement may take, and connecting at most (the lesser of it and 10 s). */
  mysqlTimeoutMs: number;
  /** A job lock (and a `running` run) whose heartbeat is older than this is taken over (recorded abandoned). */
  lockStaleAfterMs: number;
  rules: RuleThresholds;
}

/**
 * The time limits a run keeps to, chosen for cron: a frozen dependency (a stopped process, a
 * dead network path) fails the run within about one of them, and a run whose lock went stale is
 * taken over. Each within [min, max]; the README's "Time limits" explains each.
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
}

export const DEFAULTS = {
  esUrl: 'http://127.0.0.1:9200',
  mysqlUrl: 'mysql://root@127.0.0.1:3306/earlypay',
  indexPrefix: 'earlypay',
  tz: 'Asia/Seoul',
  table: 'platform_sales',
} as const;

/** Where a config file's mistakes are explained: its keys, not a command's flags. */
const CONFIG_FILE_HINT =
  'see "Configuration" in the README for the keys of the config file (`earlypay --help` for --config)';

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
    throw new UsageError(`config file ${path} is not valid JSON: ${(err as Error).message}`, CONFIG_FILE_HINT);
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

/** Resolves flags, environment and config file into a validated Config. */
export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const configPath = nonEmpty(flags.config) ?? nonEmpty(env.EARLYPAY_CONFIG);
  const file = configPath ? readConfigFile(configPath) : {};
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

  const esWhere = origin('--es-url', flags.esUrl, 'ES_URL', 'esUrl');
  const mysqlWhere = origin('--mysql-url', flags.mysqlUrl, 'MYSQL_URL', 'mysqlUrl');
  const esHint = fileHint(
    esWhere,
    'set --es-url or ES_URL, e.g. http://127.0.0.1:9200 (several nodes: comma-separated, http://es1:9200,http://es2:9200)',
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
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(indexPrefix)) {
    const where = origin('--index-prefix', flags.indexPrefix, 'EARLYPAY_INDEX_PREFIX', 'indexPrefix');
    throw new UsageError(
      `invalid index prefix "${indexPrefix}" (${where})`,
      'use lowercase letters, digits, "-", "_" or "."',
    );
  }
  for (const [where, zone] of [
    [origin('--tz', flags.tz, 'EARLYPAY_TZ', 'tz'), tz],
    [origin(undefined, undefined, 'EARLYPAY_SOURCE_TZ', 'sourceTz'), sourceTz],
  ] as const) {
    try {
      assertTimeZone(zone);
    } catch {
      throw new UsageError(`unknown time zone "${zone}" (${where})`, 'use an IANA name such as Asia/Seoul');
    }
  }
  if (!/^[A-Za-z0-9_]+$/.test(table)) {
    throw new UsageError(
      `invalid source table name "${table}" (${origin(undefined, undefined, 'EARLYPAY_TABLE', 'table')})`,
      'letters, digits and "_" only',
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
    shards: file.shards,
    replicas: file.replicas,
    esTimeoutMs,
    mysqlTimeoutMs,
    lockStaleAfterMs,
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
  'percent-encode reserved characters in the user and password: % as %25, # as %23, ? as %3F, / as %2F, @ as %40, : as %3A (e.g. node -p "encodeURIComponent(process.argv[1])" \'p#ss\'), or pass the password in MYSQL_PASSWORD / ES_PASSWORD';

const NOT_ENCODED = 'a reserved character in the user or password is not percent-encoded';

/** The URL failed to parse: when it has credentials, reserved characters in them are the usual cause. */
function mayHoldUnencodedCharacter(value: string): boolean {
  return /:\/\/[^/]*:[^/]*@/.test(value) || /[#%?]/.test(value);
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

/** Masks the password of every `scheme://user:password@` in a text (drivers and parsers may echo a URL). */
export function scrubUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]+@/gi, '$1***@');
}

/** Removes every secret the config holds from a string (error messages from drivers may echo them). */
export function redactSecrets(text: string, config: Pick<Config, 'esAuth' | 'mysqlPassword' | 'mysqlUrl'>): string {
  const secrets: string[] = [];
  if (config.esAuth && 'apiKey' in config.esAuth) secrets.push(config.esAuth.apiKey);
  if (config.esAuth && 'password' in config.esAuth && config.esAuth.password) secrets.push(config.esAuth.password);
  if (config.mysqlPassword) secrets.push(config.mysqlPassword);
  try {
    const pw = decodeURIComponent(new URL(config.mysqlUrl).password);
    if (pw) secrets.push(pw);
  } catch {
    /* invalid URLs were rejected earlier */
  }
  let out = scrubUrlCredentials(text);
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('***');
  return out;
}
