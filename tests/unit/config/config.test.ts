import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactSecrets, redactUrl, resolveConfig } from '../../../src/core/config/config';
import { UsageError } from '../../../src/core/errors';

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

  it('keeps secrets out of text', () => {
    const c = resolveConfig(
      { mysqlUrl: 'mysql://app:hunter22@db:3306/sales' },
      { ES_API_KEY: 'abcdef123', MYSQL_PASSWORD: 'pw-from-env' },
    );
    expect(redactUrl(c.mysqlUrl)).toBe('mysql://app:***@db:3306/sales');
    expect(redactSecrets('failed hunter22 abcdef123 pw-from-env', c)).toBe('failed *** *** ***');
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
