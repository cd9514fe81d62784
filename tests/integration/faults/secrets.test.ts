/**
 * docs/contract.md §8: secrets never appear in output, logs or the runs index. A MariaDB user with a
 * password (special characters included, so it is percent-encoded in the URL) and an
 * Elasticsearch API key / basic-auth password are handed to real CLI processes, through the
 * URL and through MYSQL_PASSWORD / ES_API_KEY / ES_PASSWORD, in runs that succeed and runs
 * that fail (wrong password, MySQL or Elasticsearch unreachable, --verbose stack traces);
 * none of the secret strings may show up on stdout, stderr or in any document of the prefix.
 * (The integ-test-zip Elasticsearch has no security module: it ignores the credentials, so
 * they travel exactly as they would to a secured cluster.)
 */
import { randomBytes } from 'node:crypto';
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld } from '../../support';
import { insertGeneratedSales, runCliProcess, type ProcessResult } from './support';

const world = new TestWorld('fault-secrets');
const token = (): string => randomBytes(6).toString('hex');
const USER = `ep_${token()}`;
const MYSQL_PASSWORD = `Sx9-${token()}-p@ss:w/rd%`;
const WRONG_PASSWORD = `Wr0ng-${token()}-guess`;
const ES_API_KEY = `VnVhQ2ZHY0JDZGJr-${token()}`;
const ES_PASSWORD = `es-${token()}-hunter2`;
const SECRETS = [
  MYSQL_PASSWORD,
  encodeURIComponent(MYSQL_PASSWORD),
  WRONG_PASSWORD,
  ES_API_KEY,
  ES_PASSWORD,
  Buffer.from(`elastic:${ES_PASSWORD}`).toString('base64'),
];

/** Every 8-character piece of every secret found in `text`: a partly masked secret is a leak too. */
function leaksIn(text: string): string[] {
  const found = new Set<string>();
  for (const secret of SECRETS) {
    for (let i = 0; i + 8 <= secret.length; i++) if (text.includes(secret.slice(i, i + 8))) found.add(secret);
  }
  return [...found];
}

function mysqlUrl(password: string | null, port?: number): string {
  const u = new URL(world.mysqlUrl);
  u.username = USER;
  u.password = password === null ? '' : encodeURIComponent(password);
  if (port) u.port = String(port);
  return u.toString();
}

const outputs: { what: string; result: ProcessResult }[] = [];
async function run(what: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  const [command, ...rest] = args;
  const result = await runCliProcess([command!, '--index-prefix', world.prefix, ...rest], {
    ES_URL: world.esUrl,
    ...env,
  });
  outputs.push({ what, result });
  return result;
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, 2_000);
  await world.query(`CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY ?`, [MYSQL_PASSWORD]);
  await world.query(`GRANT ALL ON \`${world.database}\`.* TO '${USER}'@'127.0.0.1'`);
}, 300_000);

afterAll(async () => {
  await world.query(`DROP USER IF EXISTS '${USER}'@'127.0.0.1'`).catch(() => undefined);
  await world.stop();
});

describe('secrets', () => {
  it('runs that succeed: password in the URL or in MYSQL_PASSWORD, API key or basic auth', async () => {
    expect(
      (
        await run('ingest, password in URL, API key', ['ingest', '--json'], {
          MYSQL_URL: mysqlUrl(MYSQL_PASSWORD),
          ES_API_KEY,
        })
      ).code,
    ).toBe(0);
    expect(
      (
        await run('ingest, MYSQL_PASSWORD, basic auth', ['ingest', '--full', '--verbose'], {
          MYSQL_URL: mysqlUrl(null),
          MYSQL_PASSWORD,
          ES_USERNAME: 'elastic',
          ES_PASSWORD,
        })
      ).code,
    ).toBe(0);
    expect(
      (await run('reconcile', ['reconcile', '--all', '--verbose'], { MYSQL_URL: mysqlUrl(MYSQL_PASSWORD), ES_API_KEY }))
        .code,
    ).toBe(0);
    const doctor = await run('doctor', ['doctor', '--json'], { MYSQL_URL: mysqlUrl(MYSQL_PASSWORD), ES_API_KEY });
    expect(doctor.stdout).toContain(USER);
  }, 300_000);

  it('runs that fail: wrong password, MySQL or Elasticsearch unreachable, with --verbose', async () => {
    const denied = await run('ingest, wrong password', ['ingest', '--full', '--verbose'], {
      MYSQL_URL: mysqlUrl(WRONG_PASSWORD),
      ES_API_KEY,
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/Access denied/);
    const deniedEnv = await run('reconcile, wrong MYSQL_PASSWORD', ['reconcile', '--all'], {
      MYSQL_URL: mysqlUrl(null),
      MYSQL_PASSWORD: WRONG_PASSWORD,
      ES_USERNAME: 'elastic',
      ES_PASSWORD,
    });
    expect(deniedEnv.code).toBe(1);
    const noMysql = await run('ingest, MySQL unreachable', ['ingest', '--verbose'], {
      MYSQL_URL: mysqlUrl(MYSQL_PASSWORD, 1),
      ES_API_KEY,
    });
    expect(noMysql.code).toBe(1);
    const noEs = await run('ingest, Elasticsearch unreachable, credentials in ES_URL', ['ingest', '--verbose'], {
      MYSQL_URL: mysqlUrl(MYSQL_PASSWORD),
      ES_URL: `http://elastic:${encodeURIComponent(ES_PASSWORD)}@127.0.0.1:1`,
      ES_API_KEY,
    });
    expect(noEs.code).toBe(1);
    expect(noEs.stderr).toMatch(/Elasticsearch/);
    const badUrl = await run('usage error, encoded password in a malformed URL', ['ingest'], {
      MYSQL_URL: `mysql//${USER}:${encodeURIComponent(MYSQL_PASSWORD)}@127.0.0.1`,
    });
    expect(badUrl.code).toBe(2);
  }, 300_000);

  it('no secret, not even part of one, is on any stdout or stderr', () => {
    expect(outputs.length).toBe(9);
    const leaks = outputs.flatMap(({ what, result }) =>
      leaksIn(result.stdout + result.stderr).map((s) => `${what}: ${s}`),
    );
    expect(leaks).toEqual([]);
  });

  // A password typed with a raw "@" makes the URL unparseable; it must still be masked whole.
  it('a password with a raw "@" in a malformed URL is masked whole', async () => {
    const r = await runCliProcess(['ingest', '--index-prefix', world.prefix], {
      ES_URL: world.esUrl,
      MYSQL_URL: `mysql//${USER}:${MYSQL_PASSWORD}@127.0.0.1`,
    });
    expect(r.code).toBe(2);
    expect(leaksIn(r.stdout + r.stderr)).toEqual([]);
  });

  it('no secret is in any document of the prefix; the failed runs are recorded', async () => {
    await world.es.indices.refresh({ index: `${world.prefix}-*` });
    const leaks: string[] = [];
    let documents = 0;
    for await (const res of world.es.helpers.scrollSearch({
      index: `${world.prefix}-*`,
      size: 1000,
      query: { match_all: {} },
    })) {
      for (const h of res.body.hits.hits) {
        documents++;
        for (const s of leaksIn(JSON.stringify(h))) leaks.push(`${h._index}/${h._id}: ${s}`);
      }
    }
    expect(documents).toBeGreaterThan(2_000);
    expect(leaks).toEqual([]);
    const runs = await world.allDocs<{ command: string; status: string; error?: string }>(`${world.prefix}-runs`);
    const failed = [...runs.values()].filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.command).sort()).toEqual(['ingest', 'ingest', 'reconcile']);
    expect(failed.every((r) => /Access denied|ECONNREFUSED|MySQL/.test(r.error ?? ''))).toBe(true);
  });
});
