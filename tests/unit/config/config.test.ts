import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactSecrets, resolveConfig } from '../../../src/core/config/config';
import { UsageError, redactUrl } from '../../../src/core/errors';
import { MAX_INDEX_PREFIX_BYTES, indexNames } from '../../../src/core/config/indexNames';

function file(content: object | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'earlypay-config-'));
  const path = join(dir, 'c.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('resolveConfig', () => {
  it('uses the defaults', () => {
    const c = resolveConfig({}, {});
    expect(c).toMatchObject({
      esUrl: 'http://127.0.0.1:9200',
      mysqlUrl: 'mysql://root@127.0.0.1:3306/earlypay',
      indexPrefix: 'earlypay',
      tz: 'Asia/Seoul',
      table: 'platform_sales',
    });
    expect(c.rules.overWeeklyAovFactor).toBe(2);
  });

  it('flags > env > config file > defaults', () => {
    const path = file({
      esUrl: 'http://file:9200',
      indexPrefix: 'fromfile',
      tz: 'UTC',
      rules: { overWeeklyAovFactor: 3 },
    });
    const env = { ES_URL: 'http://env:9200', EARLYPAY_CONFIG: path };
    const c = resolveConfig({ esUrl: 'http://flag:9200' }, env);
    expect(c.esUrl).toBe('http://flag:9200');
    expect(resolveConfig({}, env).esUrl).toBe('http://env:9200');
    expect(c.indexPrefix).toBe('fromfile');
    expect(c.tz).toBe('UTC');
    expect(c.rules.overWeeklyAovFactor).toBe(3);
  });

  it('takes a comma-separated list of nodes from the flag, ES_URL or the config file', () => {
    expect(resolveConfig({ esUrl: 'http://es1:9200, http://es2:9200,,https://es3:9243 ' }, {}).esNodes).toEqual([
      'http://es1:9200',
      'http://es2:9200',
      'https://es3:9243',
    ]);
    expect(resolveConfig({}, { ES_URL: 'http://a:9200,http://b:9200' }).esNodes).toEqual([
      'http://a:9200',
      'http://b:9200',
    ]);
    expect(resolveConfig({ config: file({ esUrl: 'http://f1:9200,http://f2:9200' }) }, {}).esNodes).toEqual([
      'http://f1:9200',
      'http://f2:9200',
    ]);
    expect(resolveConfig({}, {}).esNodes).toEqual(['http://127.0.0.1:9200']);
    expect(() => resolveConfig({ esUrl: 'http://es1:9200,es2:9200' }, {})).toThrow(
      /invalid Elasticsearch URL "es2:9200"/,
    );
    expect(() => resolveConfig({ esUrl: ' , ' }, {})).toThrow(UsageError);
  });

  it('reads the index layout (shards, replicas) from the config file', () => {
    expect(resolveConfig({ config: file({ shards: 3, replicas: 1 }) }, {})).toMatchObject({ shards: 3, replicas: 1 });
    expect(resolveConfig({}, {})).toMatchObject({ shards: undefined, replicas: undefined });
    expect(() => resolveConfig({ config: file({ shards: 0 }) }, {})).toThrow(/shards/);
  });

  it('reads the time limits from flags, env and the config file, in that order, within their bounds', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      esTimeoutMs: 60_000,
      mysqlTimeoutMs: 60_000,
      lockStaleAfterMs: 120_000,
    });
    const path = file({ esTimeout: '90s', mysqlTimeout: '2m', lockStaleAfter: '5m' });
    expect(resolveConfig({ config: path }, {})).toMatchObject({
      esTimeoutMs: 90_000,
      mysqlTimeoutMs: 120_000,
      lockStaleAfterMs: 300_000,
    });
    const env = { EARLYPAY_ES_TIMEOUT: '30', EARLYPAY_MYSQL_TIMEOUT: '45s', EARLYPAY_LOCK_STALE_AFTER: '4s' };
    expect(resolveConfig({ config: path }, env)).toMatchObject({
      esTimeoutMs: 30_000,
      mysqlTimeoutMs: 45_000,
      lockStaleAfterMs: 4_000,
    });
    expect(resolveConfig({ config: path, esTimeout: '5s', mysqlTimeout: '1500ms' }, env)).toMatchObject({
      esTimeoutMs: 5_000,
      mysqlTimeoutMs: 1_500,
    });
    expect(() => resolveConfig({ esTimeout: 'soon' }, {})).toThrow(/invalid duration "soon" \(--es-timeout\)/);
    expect(() => resolveConfig({}, { EARLYPAY_MYSQL_TIMEOUT: '10ms' })).toThrow(
      /invalid duration "10ms" \(EARLYPAY_MYSQL_TIMEOUT\)/,
    );
    expect(() => resolveConfig({ config: file({ lockStaleAfter: '2h' }) }, {})).toThrow(
      /invalid duration "2h" \(key "lockStaleAfter" of config file/,
    );
  });

  it('rejects bad values as usage errors', () => {
    expect(() => resolveConfig({ esUrl: 'nope' }, {})).toThrow(UsageError);
    expect(() => resolveConfig({ mysqlUrl: 'http://x' }, {})).toThrow(UsageError);
    expect(() => resolveConfig({ tz: 'Mars/Olympus' }, {})).toThrow(/unknown time zone/);
    expect(() => resolveConfig({ indexPrefix: 'Bad Prefix' }, {})).toThrow(UsageError);
    expect(() => resolveConfig({ config: file('{not json') }, {})).toThrow(/not valid JSON/);
    expect(() => resolveConfig({ config: file({ colour: 'red' }) }, {})).toThrow(UsageError);
    expect(() => resolveConfig({ config: '/nonexistent/x.json' }, {})).toThrow(/cannot read config file/);
  });

  it('refuses an empty prefix, zone, URL or table wherever it comes from, instead of the default', () => {
    for (const flags of [{ indexPrefix: '' }, { tz: '' }, { esUrl: ' ' }, { mysqlUrl: '' }, { metricsDir: '' }]) {
      expect(() => resolveConfig(flags, {})).toThrow(/^--[a-z-]+ is empty$/);
    }
    for (const name of ['EARLYPAY_INDEX_PREFIX', 'EARLYPAY_TZ', 'EARLYPAY_SOURCE_TZ', 'EARLYPAY_TABLE', 'ES_URL']) {
      expect(() => resolveConfig({}, { [name]: '' })).toThrow(`${name} is set but empty`);
    }
    expect(() => resolveConfig({ config: file({ indexPrefix: '' }) }, {})).toThrow(/key "indexPrefix" .* is empty/);
    try {
      resolveConfig({ indexPrefix: '' }, {});
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).hint).toMatch(/leave --index-prefix out/);
    }
    // Credentials may be empty: no password is a password setting too.
    expect(resolveConfig({}, { MYSQL_PASSWORD: '', ES_API_KEY: '' }).mysqlPassword).toBeUndefined();
  });

  it('refuses a prefix that makes index names longer than Elasticsearch allows, and over-long zones', () => {
    expect(MAX_INDEX_PREFIX_BYTES).toBe(255 - '-weekly-aov-v999'.length);
    const longest = 'p'.repeat(MAX_INDEX_PREFIX_BYTES);
    expect(resolveConfig({ indexPrefix: longest }, {}).indexPrefix).toBe(longest);
    for (const name of Object.values(indexNames(longest))) expect(`${name}-v999`.length).toBeLessThanOrEqual(255);
    expect(() => resolveConfig({ indexPrefix: `${longest}p` }, {})).toThrow(
      new RegExp(`is ${MAX_INDEX_PREFIX_BYTES + 1} characters long; at most ${MAX_INDEX_PREFIX_BYTES}`),
    );
    const zone = `Asia/${'x'.repeat(5000)}`;
    let message = '';
    try {
      resolveConfig({ tz: zone }, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/unknown time zone "Asia\/x+…" \(5005 characters\) \(--tz\)/);
    expect(message.length).toBeLessThan(120);
  });

  it('takes the metrics directory from --metrics-dir, EARLYPAY_METRICS_DIR or the key metricsDir', () => {
    expect(resolveConfig({}, {}).metricsDir).toBeUndefined();
    expect(resolveConfig({ config: file({ metricsDir: '/f' }) }, {}).metricsDir).toBe('/f');
    expect(resolveConfig({ config: file({ metricsDir: '/f' }) }, { EARLYPAY_METRICS_DIR: '/e' }).metricsDir).toBe('/e');
    expect(resolveConfig({ metricsDir: '/m' }, { EARLYPAY_METRICS_DIR: '/e' }).metricsDir).toBe('/m');
  });

  it('masks credentials where they appear, not every text equal to a secret', () => {
    expect(redactSecrets('connect mysql://app:hunter22@db:3306/sales failed')).toBe(
      'connect mysql://app:***@db:3306/sales failed',
    );
    expect(redactSecrets('Authorization: ApiKey VnVhQ2ZHY0JDZGJr and Basic ZWxhc3RpYzpodW50ZXIy')).toBe(
      'Authorization: ApiKey *** and Basic ***',
    );
    expect(redactSecrets('{"esPassword": "hunter22", "tz": "UTC"} password=abc123; api_key=k-1')).toBe(
      '{"esPassword": "***", "tz": "UTC"} password=***; api_key=***',
    );
    // Prose about passwords is no secret.
    expect(redactSecrets('percent-encode the user and password: % as %25')).toBe(
      'percent-encode the user and password: % as %25',
    );
    // A password "2024" must neither garble a date nor be confirmed by a mask over it.
    expect(redactSecrets("argument '2024-13-01' is invalid, e.g. 2024-05-01")).toBe(
      "argument '2024-13-01' is invalid, e.g. 2024-05-01",
    );
  });

  it("never echoes a config file's text in a JSON syntax error (it may hold a password)", () => {
    for (const text of ['{"esPassword": hunter22secret}', 'hunter22secret', '{"esPassword": "hunter22secret" x}']) {
      expect(() => resolveConfig({ config: file(text) }, {})).toThrow(/not valid JSON/);
      try {
        resolveConfig({ config: file(text) }, {});
      } catch (err) {
        expect((err as Error).message).not.toMatch(/hunter|'h'/);
      }
    }
  });
});

describe('redactUrl on URLs that do not parse, or parse without a host', () => {
  it.each([
    ['mysql//app:p@ss:w0rd@127.0.0.1', 'mysql//app:***@127.0.0.1'],
    ['mysql://app:se@cret@db:3306/x y', 'mysql://app:***@db:3306/x%20y'],
    ['app:hunter2@db', 'app:***@db'],
    ['mysql//db-without-credentials', 'mysql//db-without-credentials'],
    ['mysql//app@db', 'mysql//app@db'],
  ])('%s -> %s', (input, masked) => {
    expect(redactUrl(input)).toBe(masked);
  });
});
