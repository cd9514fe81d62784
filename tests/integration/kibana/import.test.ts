/**
 * The Kibana import's failure paths for real: no Kibana runs on this machine, so the import
 * is exercised against a closed port (one the OS just handed out and we released), through the
 * module and through the CLI (`setup --kibana-url`, after the indices are made on the real
 * Elasticsearch). A malformed URL is a usage error before anything is touched.
 * (Port 9 itself is on fetch's "bad ports" list: refused without a connection attempt.)
 * The last block checks what `setup` uploads, against a local listener standing in for Kibana:
 * a real Kibana import is not tested on this machine (no Kibana binary available).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { Client } from '@elastic/elasticsearch';
import { ES_URL, runCli, type CliResult } from '../../support';
import { RunFailedError } from '../../../src/core/errors';
import { importSavedObjects, kibanaAuth } from '../../../src/core/kibana/import';
import { loadSavedObjects, toNdjson } from '../../../src/core/kibana/savedObjects';

const K8 = 'earlypay-kibana8.ndjson';

let CLOSED = '';

/** A port nothing listens on: bound by the OS, then released. */
beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  CLOSED = `http://127.0.0.1:${port}`;
});

const urlPattern = (): string => CLOSED.replace(/[.:/]/g, (c) => `\\${c}`);

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runCli(args, { env });
}

describe('Kibana import: unreachable Kibana', () => {
  const env = { KIBANA_USERNAME: 'admin', KIBANA_PASSWORD: 's3cret' };

  it('throws RunFailedError naming the URL, with a hint, and no password', async () => {
    const started = Date.now();
    const err = await importSavedObjects({
      kibanaUrl: CLOSED,
      ndjson: toNdjson(loadSavedObjects(K8)),
      auth: kibanaAuth(env),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    const e = err as RunFailedError;
    expect(e.message).toMatch(new RegExp(`^Kibana at ${urlPattern()} is unreachable \\(connect ECONNREFUSED .*\\)$`));
    expect(e.message).not.toContain('\n');
    expect(e.hint).toMatch(/KIBANA_URL/);
    expect(`${e.message} ${e.hint}`).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('keeps a password given in the URL out of the message', async () => {
    const withPassword = `${CLOSED.replace('http://', 'http://admin:s3cret@')}/kibana`;
    const err = (await importSavedObjects({ kibanaUrl: withPassword, ndjson: '{}\n' }).catch(
      (e: unknown) => e,
    )) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toContain(`Kibana at ${CLOSED.replace('http://', 'http://admin:***@')}/kibana is unreachable`);
    expect(`${err.message} ${err.hint}`).not.toContain('s3cret');
  });

  it('port 9 (the classic closed port) is refused by fetch itself, and said so', async () => {
    const err = (await importSavedObjects({ kibanaUrl: 'http://127.0.0.1:9', ndjson: '{}\n' }).catch(
      (e: unknown) => e,
    )) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe(
      'Kibana at http://127.0.0.1:9 is unreachable (port 9 is a reserved port fetch refuses to connect to)',
    );
  });

  it('an unknown host is reported the same way', async () => {
    const err = (await importSavedObjects({ kibanaUrl: 'http://kibana.invalid:5601', ndjson: '{}\n' }).catch(
      (e: unknown) => e,
    )) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toMatch(/^Kibana at http:\/\/kibana\.invalid:5601 is unreachable \(.+\)$/);
  });
});

describe('earlypay setup --kibana-url', () => {
  const prefix = `it-kibana-${randomBytes(4).toString('hex')}`;
  const es = new Client({ node: ES_URL });

  afterAll(async () => {
    const existing = await es.indices.get({ index: `${prefix}-*` }, { ignore: [404] }).catch(() => ({}));
    const names = Object.keys(existing);
    if (names.length) await es.indices.delete({ index: names }, { ignore: [404] });
    await es.close();
  });

  it('exits 2 with the reason and a hint for a malformed URL', async () => {
    const r = await cli(['setup', '--kibana-url', 'not-a-url', '--index-prefix', prefix], { ES_URL });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid Kibana URL "not-a-url"');
    expect(r.stderr).toMatch(/hint: .*--kibana-url/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a KIBANA_URL that is not http(s)', async () => {
    const r = await cli(['setup', '--index-prefix', prefix], { ES_URL, KIBANA_URL: 'ftp://kibana:5601' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid Kibana URL');
  });

  it('creates the indices, then exits 1 with one line naming the unreachable Kibana and no secret', async () => {
    const r = await cli(['setup', '--kibana-url', CLOSED, '--index-prefix', prefix], {
      ES_URL,
      KIBANA_USERNAME: 'admin',
      KIBANA_PASSWORD: 's3cret',
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    const failure = lines.filter((l) => l.startsWith('earlypay: '));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(
      new RegExp(`^earlypay: Kibana at ${urlPattern()} is unreachable \\(connect ECONNREFUSED`),
    );
    expect(lines.some((l) => l.startsWith('hint: '))).toBe(true);
    expect(r.stderr + r.stdout).not.toContain('s3cret');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await es.indices.existsAlias({ name: `${prefix}-sales` })).toBe(true);
  });

  it('--help shows the Kibana example', async () => {
    const r = await cli(['setup', '--help'], { ES_URL });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('earlypay setup --kibana-url http://127.0.0.1:5601');
    expect(r.stdout).toContain('--kibana-url <url>');
  });
});

describe('earlypay setup --kibana-url, against a stand-in Kibana (a local listener, not Kibana)', () => {
  const prefix = `it-kibana-${randomBytes(4).toString('hex')}`;
  const es = new Client({ node: ES_URL });
  const received: { url?: string; headers: Record<string, unknown>; body: string }[] = [];
  let version = '8.19.2';
  const server = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.url === '/api/status') {
        // The shape of Kibana's status answer (7.17, 8.x and 9.x all carry version.number).
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: 'kibana', version: { number: version, build_snapshot: false } }));
        return;
      }
      received.push({ url: req.url, headers: req.headers, body });
      const count = body.split('\n').filter((l) => l.startsWith('{')).length;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: true, successCount: count }));
    });
  });
  let kibanaUrl = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kibanaUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const existing = await es.indices.get({ index: `${prefix}-*` }, { ignore: [404] }).catch(() => ({}));
    const names = Object.keys(existing);
    if (names.length) await es.indices.delete({ index: names }, { ignore: [404] });
    await es.close();
  });

  it('uploads every object, rewritten for the index prefix, and reports the count (--json and text)', async () => {
    const total = loadSavedObjects(K8).length;
    const r = await cli(['setup', '--json', '--kibana-url', kibanaUrl, '--index-prefix', prefix], {
      ES_URL,
      KIBANA_API_KEY: 'a2V5OnNlY3JldA==',
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { status: string; kibana: Record<string, unknown> };
    expect(out.status).toBe('ok');
    expect(out.kibana).toEqual({ url: kibanaUrl, version: '8.19.2', file: K8, imported: total });
    expect(r.stdout).not.toContain('a2V5OnNlY3JldA==');
    const [req] = received;
    expect(req!.url).toBe('/api/saved_objects/_import?overwrite=true');
    expect(req!.headers.authorization).toBe('ApiKey a2V5OnNlY3JldA==');
    expect(req!.body).toContain(`"title":"${prefix}-sales"`);
    expect(req!.body).toContain(`"id":"${prefix}-dashboard"`);
    expect(req!.body).not.toContain('"title":"earlypay-sales"');

    const text = await cli(['setup', '--kibana-url', kibanaUrl, '--index-prefix', prefix], { ES_URL });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `^setup: 7 indices ready \\(0 changed\\); kibana 8\\.19\\.2: ${total} saved objects imported in \\d+ ms\\n$`,
      ),
    );
    expect(text.stderr).toContain(
      `kibana: importing ${total} saved objects (${K8}) into Kibana 8.19.2 at ${kibanaUrl}`,
    );
  });

  it('uploads the file of the Kibana line: 7.17 gets earlypay-kibana7.ndjson, 9.x the 8.x file', async () => {
    for (const [v, file, core] of [
      ['7.17.29', 'earlypay-kibana7.ndjson', '7.17.0'],
      ['9.2.0', K8, '8.0.0'],
    ] as const) {
      version = v;
      received.length = 0;
      const r = await cli(['setup', '--json', '--kibana-url', kibanaUrl, '--index-prefix', prefix], { ES_URL });
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { kibana: { file: string } }).kibana.file).toBe(file);
      expect(received[0]!.body).toContain(`"coreMigrationVersion":"${core}"`);
    }
    version = '8.19.2';
  });

  it('refuses a Kibana no shipped file suits (6.8, 10.0): exit 1, one line, nothing uploaded', async () => {
    for (const v of ['6.8.23', '10.0.0']) {
      version = v;
      received.length = 0;
      const r = await cli(['setup', '--kibana-url', kibanaUrl, '--index-prefix', prefix], { ES_URL });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `earlypay: Kibana ${v} at ${kibanaUrl} is not supported: earlypay ships saved objects for Kibana 7.17, 8.x, ` +
          `9.x`,
      );
      expect(received).toHaveLength(0);
    }
    version = '8.19.2';
  });

  it('KIBANA_URL from the environment works like the flag', async () => {
    received.length = 0;
    const r = await cli(['setup', '--quiet', '--index-prefix', prefix], { ES_URL, KIBANA_URL: kibanaUrl });
    expect(r.code).toBe(0);
    expect(received).toHaveLength(1);
    expect(r.stdout + r.stderr).toBe('');
  });
});
