/**
 * What the import sends and how it reads Kibana's documented answers. No Kibana runs here, so
 * a local HTTP listener stands in for one: it records the request and replies with bodies of
 * the shapes Kibana's `_import` API documents. The unreachable case runs for real in
 * tests/integration/kibana/import.test.ts; a live Kibana import is not tested on this machine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RunFailedError, UsageError } from '../../../src/core/errors';
import { importSavedObjects, kibanaAuth, parseKibanaUrl } from '../../../src/core/kibana/import';

interface Recorded {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base = '';
let recorded: Recorded[] = [];
let reply: (res: ServerResponse) => void = (res) => res.end();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      recorded.push({ method: req.method, url: req.url, headers: req.headers, body });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  recorded = [];
});

function json(status: number, body: unknown): (res: ServerResponse) => void {
  return (res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const NDJSON =
  '{"id":"earlypay-index-sales","type":"index-pattern","attributes":{"title":"earlypay-sales"},"references":[]}\n';

describe('importSavedObjects', () => {
  it('posts the ndjson as multipart field "file" (earlypay.ndjson) with kbn-xsrf and overwrite=true', async () => {
    reply = json(200, { success: true, successCount: 11, successResults: [] });
    const result = await importSavedObjects({
      kibanaUrl: `${base}/`,
      ndjson: NDJSON,
      auth: { apiKey: 'a2V5OnNlY3JldA==' },
    });
    expect(result).toEqual({ successCount: 11 });
    const [req] = recorded;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/api/saved_objects/_import?overwrite=true');
    expect(req!.headers['kbn-xsrf']).toBe('true');
    expect(req!.headers.authorization).toBe('ApiKey a2V5OnNlY3JldA==');
    expect(req!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req!.body).toMatch(/Content-Disposition: form-data; name="file"; filename="earlypay\.ndjson"/);
    expect(req!.body).toContain(NDJSON);
  });

  it('keeps a base path and sends URL credentials as Basic auth, not in the URL', async () => {
    reply = json(200, { success: true, successCount: 1 });
    await importSavedObjects({
      kibanaUrl: `${base.replace('http://', 'http://elastic:pa%3Ass@')}/kibana`,
      ndjson: NDJSON,
    });
    expect(recorded[0]!.url).toBe('/kibana/api/saved_objects/_import?overwrite=true');
    expect(recorded[0]!.headers.authorization).toBe(`Basic ${Buffer.from('elastic:pa:ss').toString('base64')}`);
  });

  it("non-2xx: RunFailedError with the status and Kibana's message, and an auth hint on 401", async () => {
    reply = json(401, {
      statusCode: 401,
      error: 'Unauthorized',
      message: '[security_exception]: unable to authenticate user [admin]',
    });
    const err = (await importSavedObjects({
      kibanaUrl: base,
      ndjson: NDJSON,
      auth: { username: 'admin', password: 's3cret' },
    }).catch((e: unknown) => e)) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe(
      'Kibana import failed: HTTP 401 Unauthorized: [security_exception]: unable to authenticate user [admin]',
    );
    expect(err.hint).toMatch(/KIBANA_API_KEY/);
    expect(recorded[0]!.headers.authorization).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    expect(`${err.message}${err.hint}`).not.toContain('s3cret');
  });

  it('success:false: RunFailedError listing the first errors', async () => {
    reply = json(200, {
      success: false,
      successCount: 7,
      errors: [
        {
          id: 'earlypay-vis-daily-aov',
          type: 'visualization',
          meta: { title: 'x' },
          error: {
            type: 'missing_references',
            references: [{ type: 'index-pattern', id: 'earlypay-index-daily-aov' }],
          },
        },
        { id: 'earlypay-dashboard', type: 'dashboard', error: { type: 'conflict' } },
        { id: 'a', type: 'search', error: { type: 'unknown', message: 'boom', statusCode: 500 } },
        { id: 'b', type: 'search', error: { type: 'unknown' } },
      ],
    });
    const err = (await importSavedObjects({ kibanaUrl: base, ndjson: NDJSON }).catch(
      (e: unknown) => e,
    )) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe(
      'Kibana import failed: 4 of the saved objects were not imported: visualization earlypay-vis-daily-aov: missing ' +
        'references index-pattern/earlypay-index-daily-aov; dashboard earlypay-dashboard: conflict; search a: ' +
        'unknown (boom); and 1 more',
    );
  });

  it("a 2xx that is not Kibana's answer is a failure, not a silent success", async () => {
    reply = (res) => res.end('<html>proxy login</html>');
    await expect(importSavedObjects({ kibanaUrl: base, ndjson: NDJSON })).rejects.toThrow(/unexpected answer/);
  });

  it('gives up after the timeout with one line', async () => {
    reply = () => undefined; // never answers
    const err = (await importSavedObjects({ kibanaUrl: base, ndjson: NDJSON, timeoutMs: 300 }).catch(
      (e: unknown) => e,
    )) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe(`Kibana at ${base} did not answer within 300 ms`);
  });
});

describe('kibanaAuth', () => {
  const es = { username: 'es-user', password: 'es-pass' };
  it('prefers KIBANA_API_KEY, then KIBANA_USERNAME/PASSWORD, then the Elasticsearch credentials', () => {
    expect(kibanaAuth({ KIBANA_API_KEY: 'k', KIBANA_USERNAME: 'u', KIBANA_PASSWORD: 'p' }, es)).toEqual({
      apiKey: 'k',
    });
    expect(kibanaAuth({ KIBANA_USERNAME: 'u', KIBANA_PASSWORD: 'p' }, es)).toEqual({ username: 'u', password: 'p' });
    expect(kibanaAuth({}, es)).toEqual(es);
    expect(kibanaAuth({}, { apiKey: 'es-key' })).toEqual({ apiKey: 'es-key' });
    expect(kibanaAuth({ KIBANA_API_KEY: ' ' }, undefined)).toBeUndefined();
  });
});

describe('parseKibanaUrl', () => {
  it('accepts http(s) and rejects anything else as a usage error', () => {
    expect(parseKibanaUrl('https://kibana.example:5601/base').pathname).toBe('/base');
    expect(() => parseKibanaUrl('not-a-url')).toThrow(UsageError);
    expect(() => parseKibanaUrl('ftp://kibana')).toThrow(/expected http: or https:/);
  });
});
